"""Cached pieces of pages, and the versions that retire them.

A piece (a home panel, a table) is cached under the current value of one or more
*versions*: a random token in the cache standing for some data ("learner 42's
work", "the marking at centre 3", "the revision content"). A service that changes
that data calls `changed(...)`, which replaces the token, so no piece built from
the old data is ever read again; it simply expires. Each piece also has a short
life of its own (`seconds`), which bounds what a write outside the services (the
Django admin, a shell) or a change of the clock ("due today", "past target")
could leave showing.

A cache outage never fails a request or a write: pieces are then built on every
request, and a version that could not be moved on is logged.

The versions used across apps are named here, at the bottom of the dependency
order, so every app can move them on without importing the app that reads them.
"""

import logging
import uuid
from collections.abc import Callable, Hashable, Sequence
from functools import cache as once
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

VERSION_SECONDS = 7 * 24 * 60 * 60  # a version that expired only costs one rebuild

# The revision content of every unit (marking points, cards, topics).
CONTENT = "version:content"


def learner(learner_id: int) -> str:
    """A learner's own work and what happens to it: evidence, submissions and
    their status, feedback released to them, practice reviews, enrolments."""
    return f"version:learner:{learner_id}"


def cohorts(centre_id: int) -> str:
    """A centre's cohorts: their names and dates, targets, staff and enrolments."""
    return f"version:cohorts:{centre_id}"


def marking(centre_id: int) -> str:
    """The marking at a centre: submissions arriving, taken, returned or decided,
    and marks and decisions on them."""
    return f"version:marking:{centre_id}"


def submission(submission_id: int) -> str:
    """One submission as its markers see it: the draft marks, comments on
    passages and their replies, authorised resubmissions and decisions."""
    return f"version:submission:{submission_id}"


def comment_bank(centre_id: int) -> str:
    """A centre's comment bank: its assessors' own entries and the shared ones."""
    return f"version:comment-bank:{centre_id}"


def learner_view(request) -> list[str]:
    """What the signed-in learner's own pages show: their work, their centre's
    cohorts and the revision content."""
    return [learner(request.user.pk), cohorts(request.centre.pk), CONTENT]


def viewer(request) -> tuple[Hashable, ...]:
    """The parts of a key for a piece built for the signed-in user as they see it:
    who, at which centre, in which roles, language and time zone."""
    return (
        request.user.pk,
        request.centre.pk,
        ",".join(sorted(request.roles)),
        get_language(),
        timezone.get_current_timezone_name(),
    )


@once
def csrf_placeholder() -> str:
    """What a cached piece holding a form renders as its CSRF token (pass it as
    the `csrf_token` of the piece's context), for `with_csrf` to replace. Derived
    from the secret key, so no text a user writes into a page can be mistaken
    for it."""
    return "csrf-" + salted_hmac("centres.caching.csrf", "placeholder").hexdigest()


def with_csrf(html: str, request) -> SafeString:
    """A cached piece of our own rendered HTML with the request's own CSRF token
    in its forms (a token cached with the piece would stop working when the
    session's secret turns)."""
    filled = html.replace(csrf_placeholder(), get_token(request))
    return mark_safe(filled)  # noqa: S308  # nosec B308 B703


def _bump(name: str) -> None:
    # A cache outage must never fail (and so lose) the write that moves a version
    # on: the pieces it leaves behind expire on their own.
    try:
        cache.set(name, uuid.uuid4().hex, VERSION_SECONDS)
    except Exception:
        logger.warning("Could not move %s on; pages may lag", name, exc_info=True)


def changed(*names: str) -> None:
    """Retire every piece cached under these versions.

    Moved on now, so later reads in the same transaction (and tests, which never
    commit) see the change, and again after commit, because a request that read
    the first new token before the commit may have cached the old rows under it.
    """
    for name in names:
        _bump(name)
        transaction.on_commit(partial(_bump, name))


def _tokens(names: Sequence[str]) -> list[str]:
    found = cache.get_many(names)
    tokens = []
    for name in names:
        token = found.get(name)
        if token is None:
            # Never moved on, or expired: start one (or take the one another
            # request has just started).
            token = uuid.uuid4().hex
            if not cache.add(name, token, VERSION_SECONDS):
                token = cache.get(name, token)
        tokens.append(token)
    return tokens


def cached[T](
    *,
    versions: Sequence[str],
    parts: tuple[Hashable, ...],
    build: Callable[[], T],
    seconds: int,
    keep: Callable[[T], bool] = lambda _value: True,
) -> T:
    """`build()`'s value, cached for `seconds` under `parts` (what the piece is:
    its name, the user, the page, the language) and the current `versions`. A
    value `keep` refuses is returned without being cached. With the setting
    PAGE_CACHE off, every call builds (the query-count tests measure the build)."""
    if not getattr(settings, "PAGE_CACHE", True):
        return build()
    try:
        key = ":".join(["piece", *map(str, parts), *_tokens(versions)])
        value = cache.get(key)
    except Exception:
        logger.warning("Page cache unavailable", exc_info=True)
        return build()
    if value is None:
        value = build()
        if keep(value):
            try:
                cache.set(key, value, seconds)
            except Exception:
                logger.warning("Page cache unavailable", exc_info=True)
    return value
