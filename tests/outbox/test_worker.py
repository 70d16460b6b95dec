"""A real Celery worker against the real Redis broker runs a task sent through the
outbox and returns its result."""

import os

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from outbox import services
from outbox.models import OutboxStatus

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="REDIS_URL is not set: the worker test needs a real Redis broker",
    ),
]


@pytest.fixture
def redis_worker():
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app


@pytest.mark.django_db(transaction=True)
def test_worker_runs_task_sent_through_outbox(redis_worker):
    message = services.enqueue("outbox.tasks.outbox_ping_task", 41)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT  # sent after commit (autocommit here)

    result = redis_worker.send_task("outbox.tasks.outbox_ping_task", args=[42])

    assert result.get(timeout=20) == 42
