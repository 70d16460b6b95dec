"""Celery tasks for portfolios: thin, id-based, idempotent wrappers of services."""

from smtplib import SMTPException

from celery import shared_task

from portfolio import services


@shared_task(
    name="portfolio.tasks.evidence_extract_text_task",
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
)
def evidence_extract_text_task(evidence_id: int) -> None:
    """Extract the text of an uploaded PDF/DOCX/ODT/text file."""
    services.evidence_extract_text(evidence_id=evidence_id)


@shared_task(
    name="portfolio.tasks.evidence_suggest_task",
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
)
def evidence_suggest_task(evidence_id: int) -> None:
    """Compute criteria suggestions for saved evidence (skipped when unchanged)."""
    services.evidence_suggest(evidence_id=evidence_id)


@shared_task(
    name="portfolio.tasks.submission_marked_email_task",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError, SMTPException),
    retry_backoff=True,
    max_retries=5,
    time_limit=60,
)
def submission_marked_email_task(submission_id: int, status: str) -> None:
    """Tell the learner their unit was marked (once per status change)."""
    services.submission_marked_email(submission_id=submission_id, status=status)


@shared_task(
    name="portfolio.tasks.export_build_task",
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
)
def export_build_task(export_id: int) -> None:
    """Render a unit portfolio as a PDF."""
    from portfolio import export

    export.export_build(export_id=export_id)
