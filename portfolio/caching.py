"""Cached fragments of the portfolio pages, and the versions that retire them.

The unit page's evidence table and the coverage matrix are cached per learner,
unit, page and language under two versions: the learner's portfolio for the unit
(moved on by every portfolio service that changes their evidence, its mappings,
its locking or their submission) and the unit's specification content (moved on
when revision imports one of its topics). A write through the services therefore
never leaves an old page behind. The fragments' expiry only bounds what a write
outside the services (the Django admin, a shell) could leave, or a cache outage
(pages are then built on every request, and writes never fail for it).
"""

import logging
import uuid
from collections.abc import Callable, Hashable
from functools import partial

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

FRAGMENT_SECONDS = 10 * 60  # the most a write that bypassed the services stays unseen
VERSION_SECONDS = 7 * 24 * 60 * 60  # a version that expired only costs one rebuild


def _portfolio_key(learner_id: int, unit_id: int) -> str:
    return f"portfolio:version:{learner_id}:{unit_id}"


def _content_key(unit_id: int) -> str:
    return f"portfolio:content-version:{unit_id}"


def _bump(key: str) -> None:
    # A cache outage must never fail (and so lose) the write that moves a
    # version on: the fragments it leaves behind expire on their own.
    try:
        cache.set(key, uuid.uuid4().hex, VERSION_SECONDS)
    except Exception:
        logger.warning("Could not move %s on; pages may lag", key, exc_info=True)


def _bump_now_and_after_commit(key: str) -> None:
    # Now, so later reads in the same transaction (and tests, which never commit)
    # see the change; again after commit, because a request that read the first
    # new version before the commit may have cached the old rows under it.
    _bump(key)
    transaction.on_commit(partial(_bump, key))


def portfolio_changed(*, learner_id: int, unit_id: int) -> None:
    """Retire the cached pages of one learner's portfolio for one unit."""
    _bump_now_and_after_commit(_portfolio_key(learner_id, unit_id))


def unit_content_changed(*, unit_id: int) -> None:
    """Retire every learner's cached pages for a unit whose marking points, exam
    tips or misconceptions changed."""
    _bump_now_and_after_commit(_content_key(unit_id))


def on_topic_content_changed(sender, *, unit, **kwargs) -> None:
    """Receiver for revision's `topic_content_changed` (sent by an import)."""
    unit_content_changed(unit_id=unit.pk)


def fragment[T](
    *,
    learner_id: int,
    unit_id: int,
    parts: tuple[Hashable, ...],
    build: Callable[[], T],
    keep: Callable[[T], bool] = lambda _value: True,
) -> T:
    """`build()`'s value, cached under the current versions of the learner's unit
    portfolio and of the unit's content, plus `parts` (which fragment, page,
    language...). A value `keep` refuses is returned without being cached, and
    without a working cache every call builds."""
    names = [_portfolio_key(learner_id, unit_id), _content_key(unit_id)]
    try:
        versions = cache.get_many(names)
        for name in names:
            if name not in versions:
                # Never bumped, or expired: start one (or take the one another
                # request has just started).
                token = uuid.uuid4().hex
                if not cache.add(name, token, VERSION_SECONDS):
                    token = cache.get(name, token)
                versions[name] = token
        key = ":".join(
            [
                "portfolio:fragment",
                *(str(p) for p in parts),
                str(learner_id),
                str(unit_id),
                *(versions[name] for name in names),
            ]
        )
        value = cache.get(key)
    except Exception:
        logger.warning("Portfolio page cache unavailable", exc_info=True)
        return build()
    if value is None:
        value = build()
        if keep(value):
            try:
                cache.set(key, value, FRAGMENT_SECONDS)
            except Exception:
                logger.warning("Portfolio page cache unavailable", exc_info=True)
    return value
