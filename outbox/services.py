"""Record task calls with the transaction that causes them, and hand them to Celery.

Usage, inside a service's transaction:
    outbox_services.enqueue("portfolio.tasks.evidence_extract_text_task", evidence.pk)
The message is committed with the write; after commit it is sent at once (or run
in-process when Celery is eager). If the broker is down the web request carries on
and the message stays pending until `outbox_sweep` sends it. Tasks must therefore be
idempotent: a message may be delivered more than once, never zero times.
"""

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from outbox.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 50  # about 50 minutes of sweeps at one a minute before giving up


def enqueue(task_name: str, *args: Any, **kwargs: Any) -> OutboxMessage:
    """Record a task call now; send it after the surrounding transaction commits."""
    message = OutboxMessage.objects.create(
        task_name=task_name, args=list(args), kwargs=kwargs
    )
    transaction.on_commit(partial(dispatch, message_id=message.pk), robust=True)
    return message


def dispatch(*, message_id: int) -> bool:
    """Hand one pending message to Celery. Returns whether it was sent.

    The row is claimed under select_for_update (skip_locked) so two sweepers never
    send it twice; a broker error leaves it pending with the error recorded.
    """
    from config.celery import app

    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatus.PENDING)
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        try:
            if app.conf.task_always_eager:
                if message.task_name not in app.tasks:
                    app.loader.import_default_modules()  # runs autodiscovery
                app.tasks[message.task_name].apply(
                    args=message.args, kwargs=message.kwargs, throw=True
                )
            else:
                app.send_task(
                    message.task_name,
                    args=message.args,
                    kwargs=message.kwargs,
                    retry=False,
                )
        except Exception as error:  # a broker outage or a failing eager task
            logger.warning("outbox: %s not sent: %s", message, error)
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
            message.save(update_fields=["attempts", "last_error", "status"])
            return False
        message.status = OutboxStatus.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return True


def sweep(*, older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> int:
    """Resend pending messages the after-commit send did not deliver. Returns the
    number sent. Messages younger than `older_than` are left to their own send."""
    cutoff = timezone.now() - older_than
    ids = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, created_at__lte=cutoff
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(dispatch(message_id=pk) for pk in ids)


def purge_sent(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Delete sent messages older than the retention period."""
    deleted, _ = OutboxMessage.objects.filter(
        status=OutboxStatus.SENT, sent_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
