"""Celery tasks for centres: thin, id-based and idempotent."""

from smtplib import SMTPException

from celery import shared_task

from centres import services


@shared_task(
    name="centres.tasks.notifications_deliver_task",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError, SMTPException),
    retry_backoff=True,
    max_retries=5,
    time_limit=120,
)
def notifications_deliver_task(notification_ids: list[int]) -> int:
    """Send queued emails; already-sent ones are skipped, so reruns are safe."""
    return sum(
        services.notification_deliver(notification_id=pk) for pk in notification_ids
    )
