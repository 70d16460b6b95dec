"""Print revision content as export JSON (which import_revision reads back)."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from revision import importer
from revision.models import Unit


class Command(BaseCommand):
    help = "Print every topic (or one unit's topics) as a JSON list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", default="", help="Only this unit (its slug).")

    def handle(self, *args, **options) -> None:
        slug = options["unit"]
        if slug and not Unit.objects.filter(slug=slug).exists():
            raise CommandError(f"No unit with the slug {slug!r}")
        objects = importer.export_objects(unit_slug=slug)
        self.stdout.write(json.dumps(objects, indent=2, ensure_ascii=False))
