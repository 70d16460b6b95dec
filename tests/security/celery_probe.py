"""Test-only Celery tasks that count their runs in Redis.

Workers started by tests/security/test_outbox_resilience.py load this module with
`celery -A config worker -I tests.security.celery_probe`; it is never imported by
the application.
"""

import os
import time

import redis
from celery import shared_task


def _redis() -> redis.Redis:
    return redis.Redis.from_url(os.environ["REDIS_URL"])


@shared_task(name="tests.security.celery_probe.count_task", acks_late=True)
def count_task(key: str) -> int:
    """Count one run under `key`."""
    return _redis().incr(f"{key}:done")


@shared_task(
    name="tests.security.celery_probe.slow_count_task",
    acks_late=True,
    reject_on_worker_lost=True,
)
def slow_count_task(key: str, seconds: float) -> int:
    """Mark the start, sleep (the test kills the worker here), count the finish."""
    client = _redis()
    client.incr(f"{key}:started")
    client.rpush(f"{key}:pids", os.getpid())
    time.sleep(seconds)
    return client.incr(f"{key}:done")
