"""Periodic outbox sweep (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from outbox import services


@shared_task(name="outbox.tasks.outbox_sweep_task", acks_late=True, time_limit=120)
def outbox_sweep_task() -> int:
    """Send messages left pending while the broker was down."""
    sent = services.sweep()
    services.purge_sent()
    return sent


@shared_task(name="outbox.tasks.outbox_ping_task", acks_late=True)
def outbox_ping_task(value: int) -> int:
    """A harmless task the tests and health checks send through the outbox."""
    return value
