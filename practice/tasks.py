"""Practice's periodic task: the daily reminder (scheduled in CELERY_BEAT_SCHEDULE)."""

from smtplib import SMTPException

from celery import shared_task

from practice import services


@shared_task(
    name="practice.tasks.practice_reminders_send_task",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError, SMTPException),
    retry_backoff=True,
    max_retries=3,
    time_limit=600,
    soft_time_limit=540,
)
def practice_reminders_send_task() -> int:
    """Email opted-in learners who have cards due (at most once a day each)."""
    return services.reminders_send()


@shared_task(
    name="practice.tasks.practice_cards_sync_task",
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
)
def practice_cards_sync_task() -> int:
    """Regenerate cards for units whose revision content was re-imported."""
    return services.cards_sync_all()


@shared_task(
    name="practice.tasks.practice_unit_cards_sync_task",
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
)
def practice_unit_cards_sync_task(unit_id: int) -> int:
    """Regenerate one unit's cards after its content was imported (idempotent)."""
    return services.cards_sync_unit(unit_id=unit_id)
