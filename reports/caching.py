"""Report figures reused for a minute.

Counting a 2,000-learner cohort costs more than the rest of a report page, and a
minute-old figure is fine for a report, so the progress report and the heatmap
keep what they counted (their table for one cohort, filters and page; the
heatmap's whole-cohort totals) for REPORT_CACHE_SECONDS and say when it was
counted ("Figures as of 14:05"). The exports always count afresh.

Nothing here is invalidated by writes: those happen in four other apps' services,
so an entry simply expires.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache

from centres.models import Cohort

REPORT_CACHE_SECONDS = 60


def reuse[T](name: str, cohort: Cohort, *parts: object, compute: Callable[[], T]) -> T:
    """`compute()`, kept for REPORT_CACHE_SECONDS under `name`, the cohort and
    `parts` (each made into text: the filters, the page, the language).

    The key has the cohort's creation time as well as its id, so an entry never
    outlives its cohort (ids come round again on SQLite after a rollback)."""
    stamp = f"{cohort.pk}.{cohort.created_at.timestamp():.6f}"
    key = ":".join(["reports", name, stamp, *map(str, parts)])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, REPORT_CACHE_SECONDS)
    return value


def text_key(text: str) -> str:
    """A short stand-in for a user's search text, safe in a cache key."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]
