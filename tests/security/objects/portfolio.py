"""URL kwargs owned by portfolio/: evidence (logs and files), suggestions,
submission versions and PDF exports, at centre A, centre B and of A's peer."""

from django.core.files.base import ContentFile

from portfolio import services
from portfolio.models import (
    Evidence,
    EvidenceKind,
    ExportStatus,
    PortfolioExport,
    SubmissionVersion,
    SuggestedMapping,
)
from tests import factories
from tests.security.objects.revision import _unit
from tests.security.world import KwargIds, register

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _learner(world, who: str):
    return world.peers["a"] if who == "peer" else world.learner(who)


def _centre_key(who: str) -> str:
    return "a" if who == "peer" else who


def _log(world, who: str):
    # Built with the ORM, not the services: the shared world may already hold a
    # submitted unit, and these ids only need to exist.
    def make():
        key = _centre_key(who)
        unit = _unit(world, key)
        point = world.once(
            f"portfolio-point-{key}",
            lambda: factories.MarkingPointFactory(topic=unit.topics.get()),
        )
        evidence = factories.EvidenceFactory(
            learner=_learner(world, who),
            centre=world.centres[key],
            unit=unit,
            title=f"Log of {who}",
        )
        factories.EvidenceMappingFactory(evidence=evidence, marking_point=point)
        return evidence

    return world.once(f"portfolio-log-{who}", make)


def _file(world, who: str):
    def make():
        key = _centre_key(who)
        evidence = Evidence(
            learner=_learner(world, who),
            centre=world.centres[key],
            unit=_unit(world, key),
            kind=EvidenceKind.FILE,
            title="Photo",
            original_name="photo.png",
            content_type="image/png",
            size=len(PNG),
            is_draft=False,
        )
        evidence.file.save("photo.png", ContentFile(PNG), save=False)
        evidence.save()
        return evidence

    return world.once(f"portfolio-file-{who}", make)


@register("evidence_id")
def evidence(world):
    return KwargIds(
        own=_log(world, "a").pk,
        other_centre=_log(world, "b").pk,
        other_learner=_log(world, "peer").pk,
    )


@register("evidence_id", url_names={"portfolio:evidence-file"})
def evidence_file(world):
    return KwargIds(
        own=_file(world, "a").pk,
        other_centre=_file(world, "b").pk,
        other_learner=_file(world, "peer").pk,
    )


def _suggestion(world, who: str):
    def make():
        log = _log(world, who)
        point = factories.MarkingPointFactory(topic=log.unit.topics.get())
        return SuggestedMapping.objects.create(
            evidence=log,
            marking_point=point,
            backend="lexical",
            score=0.8,
            computed_for_hash="x",
        )

    return world.once(f"portfolio-suggestion-{who}", make)


@register("suggestion_id")
def suggestion(world):
    return KwargIds(
        own=_suggestion(world, "a").pk,
        other_centre=_suggestion(world, "b").pk,
        other_learner=_suggestion(world, "peer").pk,
    )


@register("number", url_names={"portfolio:version-detail"})
def version_number(world):
    def make():
        log = _log(world, "a")
        submission = services.submission_ensure(
            learner=world.learner("a"),
            centre=world.centres["a"],
            unit=_unit(world, "a"),
        )
        return SubmissionVersion.objects.create(
            submission=submission,
            number=1,
            declared_authentic=True,
            snapshot={"evidence_ids": [log.pk], "evidence": []},
        )

    return KwargIds(own=world.once("portfolio-version-a", make).number)


def _export(world, who: str):
    def make():
        key = _centre_key(who)
        submission = services.submission_ensure(
            learner=_learner(world, who),
            centre=world.centres[key],
            unit=_unit(world, key),
        )
        export = PortfolioExport.objects.create(
            submission=submission,
            requested_by=_learner(world, who),
            status=ExportStatus.DONE,
            progress=100,
        )
        export.file.save("portfolio.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        return export

    return world.once(f"portfolio-export-{who}", make)


@register("export_id")
def export(world):
    return KwargIds(
        own=_export(world, "a").pk,
        other_centre=_export(world, "b").pk,
        other_learner=_export(world, "peer").pk,
    )
