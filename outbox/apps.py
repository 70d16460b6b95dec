from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """The transactional outbox: work a write must trigger (emails, extraction,
    suggestions, PDFs) is recorded in the same transaction and sent to Celery after
    commit; a periodic sweep resends whatever the broker did not take."""

    name = "outbox"
