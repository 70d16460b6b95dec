"""Import revision documents (either format) or export JSON into the database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from revision import importer


class Command(BaseCommand):
    help = (
        "Import revision documents or export JSON. One transaction per file; "
        "re-importing the same content changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--qualification",
            default="",
            help="Qualification title, for documents that do not name one.",
        )
        parser.add_argument(
            "--unit", default="", help="Unit title, for documents that do not name one."
        )

    def handle(self, *args, **options) -> None:
        paths: list[Path] = options["files"]
        qualification, unit = options["qualification"], options["unit"]
        if not (qualification and unit):
            # Plain-sections documents name no unit: borrow the one other files in
            # the same batch agree on.
            found_q, found_u = self._batch_titles(paths)
            qualification = qualification or found_q
            unit = unit or found_u
        failures = 0
        for path in paths:
            try:
                results = importer.path_import(
                    path=path, qualification_title=qualification, unit_title=unit
                )
            except importer.ImportFailed as exc:
                failures += 1
                self.stderr.write(self.style.ERROR(str(exc)))
                continue
            for result in results:
                self.stdout.write(result.summary_line())
        if failures:
            raise CommandError(f"{failures} of {len(paths)} file(s) failed to import")

    def _batch_titles(self, paths: list[Path]) -> tuple[str, str]:
        qualifications, units = set(), set()
        for path in paths:
            try:
                docs = importer.read_documents(data=path.read_bytes(), name=path.name)
            except (importer.ImportFailed, OSError):
                continue  # reported when the file itself is imported
            for doc in docs:
                if doc.qualification_title:
                    qualifications.add(doc.qualification_title)
                if doc.unit_title:
                    units.add(doc.unit_title)
        one = lambda values: next(iter(values)) if len(values) == 1 else ""  # noqa: E731
        return one(qualifications), one(units)
