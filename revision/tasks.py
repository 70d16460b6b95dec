"""Celery tasks: thin, id-based wrappers around revision services."""

from celery import shared_task

from revision import services


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def document_import_run_task(import_id: int) -> str:
    """Import an uploaded revision document (idempotent: see the service)."""
    return services.document_import_run(import_id=import_id).status
