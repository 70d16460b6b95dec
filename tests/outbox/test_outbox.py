"""The transactional outbox: work is never lost when the broker is down."""

import time
from datetime import timedelta

import pytest
from django.db import transaction

from config.celery import app
from outbox import services
from outbox.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def test_message_is_sent_after_commit_when_eager(django_capture_on_commit_callbacks):
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = services.enqueue("outbox.tasks.outbox_ping_task", 7)
    finally:
        app.conf.task_always_eager = False

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1


def _enqueue_then_fail() -> None:
    with transaction.atomic():
        services.enqueue("outbox.tasks.outbox_ping_task", 1)
        raise RuntimeError("the write failed")


def test_rolled_back_transaction_leaves_no_message():
    with pytest.raises(RuntimeError):
        _enqueue_then_fail()

    assert OutboxMessage.objects.count() == 0


def test_unreachable_broker_keeps_message_pending_and_fails_fast():
    # given a broker on a closed port
    app.conf.task_always_eager = False
    old_url = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.pool.force_close_all()
    try:
        message = services.enqueue("outbox.tasks.outbox_ping_task", 3)
        # when the after-commit send runs
        started = time.monotonic()
        sent = services.dispatch(message_id=message.pk)
        elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url = old_url
        app.pool.force_close_all()

    # then the request was not held up and nothing was lost
    message.refresh_from_db()
    assert sent is False
    assert elapsed < 10
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "Error" in message.last_error


def test_sweep_skips_fresh_messages_and_sends_old_ones():
    app.conf.task_always_eager = True
    try:
        fresh = services.enqueue("outbox.tasks.outbox_ping_task", 1)
        old = services.enqueue("outbox.tasks.outbox_ping_task", 2)
        OutboxMessage.objects.filter(pk=old.pk).update(
            created_at=old.created_at - timedelta(minutes=5)
        )

        sent = services.sweep()
    finally:
        app.conf.task_always_eager = False

    assert sent == 1
    assert OutboxMessage.objects.get(pk=old.pk).status == OutboxStatus.SENT
    assert OutboxMessage.objects.get(pk=fresh.pk).status == OutboxStatus.PENDING


def test_sent_message_is_not_sent_twice():
    app.conf.task_always_eager = True
    try:
        message = services.enqueue("outbox.tasks.outbox_ping_task", 5)
        first = services.dispatch(message_id=message.pk)
        second = services.dispatch(message_id=message.pk)
    finally:
        app.conf.task_always_eager = False

    assert (first, second) == (True, False)
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 1
