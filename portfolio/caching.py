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

from collections.abc import Callable, Hashable

from centres import caching as versions

FRAGMENT_SECONDS = 10 * 60  # the most a write that bypassed the services stays unseen


def _portfolio_key(learner_id: int, unit_id: int) -> str:
    return f"portfolio:version:{learner_id}:{unit_id}"


def _content_key(unit_id: int) -> str:
    return f"portfolio:content-version:{unit_id}"


def portfolio_changed(*, learner_id: int, unit_id: int) -> None:
    """Retire the cached pages of one learner's portfolio for one unit (and the
    learner's home panels, which count it)."""
    versions.changed(_portfolio_key(learner_id, unit_id), versions.learner(learner_id))


def unit_content_changed(*, unit_id: int) -> None:
    """Retire every learner's cached pages for a unit whose marking points, exam
    tips or misconceptions changed."""
    versions.changed(_content_key(unit_id), versions.CONTENT)


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
    return versions.cached(
        versions=[_portfolio_key(learner_id, unit_id), _content_key(unit_id)],
        parts=("portfolio", *parts, learner_id, unit_id),
        build=build,
        seconds=FRAGMENT_SECONDS,
        keep=keep,
    )
