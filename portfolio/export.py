"""Build the PDF of a unit portfolio (logs, mappings, file list, history)."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from portfolio import extensions, selectors
from portfolio.models import ExportStatus, PortfolioExport


def _progress(export_id: int, status: str, progress: int, **extra) -> None:
    # Written outside the build's transaction so the status page sees it move.
    PortfolioExport.objects.filter(pk=export_id).update(
        status=status, progress=progress, **extra
    )


def _refuse_fetch(url: str, *args, **kwargs):
    """Never fetch anything while rendering: the PDF is built from our HTML only."""
    raise ValueError(f"external resource refused: {url[:80]}")


def export_html(submission) -> str:
    """The HTML the PDF is rendered from (autoescaped template; log bodies are
    the sanitised `body_html`)."""
    coverage = selectors.coverage(
        learner=submission.learner, centre=submission.centre, unit=submission.unit
    )
    return render_to_string(
        "portfolio/export_pdf.html",
        {
            "submission": submission,
            "coverage": coverage,
            "evidence": selectors.submission_evidence(submission=submission),
            "versions": selectors.submission_versions(submission=submission),
            "sections": extensions.export_sections(submission),
            "generated_at": timezone.now(),
        },
    )


def export_build(*, export_id: int) -> PortfolioExport | None:
    """Render and store the PDF. Idempotent: a finished export is left alone;
    a failure is recorded on the export for the status page."""
    with transaction.atomic():
        export = (
            PortfolioExport.objects.select_for_update()
            .select_related(
                "submission__learner", "submission__unit", "submission__centre"
            )
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.status == ExportStatus.DONE:
            return export
    _progress(export_id, ExportStatus.RUNNING, 10)
    submission = export.submission
    try:
        from weasyprint import HTML

        _progress(export_id, ExportStatus.RUNNING, 40)
        html = export_html(submission)
        pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
        _progress(export_id, ExportStatus.RUNNING, 90)
    except Exception as error:  # any rendering fault: tell the user, keep the row
        _progress(
            export_id,
            ExportStatus.FAILED,
            100,
            error=f"{type(error).__name__}"[:300],
            finished_at=timezone.now(),
        )
        raise
    export.file.save("portfolio.pdf", ContentFile(pdf), save=False)
    _progress(
        export_id,
        ExportStatus.DONE,
        100,
        file=export.file.name,
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    return export
