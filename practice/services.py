"""Writes for practice: generating cards, recording reviews, sessions, settings,
exam dates, catching up on a backlog and the daily reminder."""

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from centres import caching as versions
from centres import services as centre_services
from centres.models import EnrolmentStatus, NotificationKind, User
from practice import cards as card_specs
from practice import scheduling, selectors
from practice.models import (
    Card,
    CardSet,
    CardState,
    CardStateKind,
    PracticeSession,
    PracticeSettings,
    Rating,
    ReviewLog,
    UnitGoal,
)
from revision.models import Topic, Unit

logger = logging.getLogger(__name__)

# A session left open (the learner walked away) is continued for this long.
SESSION_RESUMABLE_FOR = timedelta(hours=6)


# --- Cards --------------------------------------------------------------------------
@dataclass(frozen=True)
class GenerateResult:
    created: int = 0
    updated: int = 0
    kept: int = 0
    retired: int = 0
    revived: int = 0


@transaction.atomic
def cards_generate_for_unit(
    *, unit: Unit, now: datetime | None = None
) -> GenerateResult:
    """Bring the unit's cards in line with its content.

    A card whose source is unchanged keeps its row (and so every learner's state and
    history); a card whose source has gone is retired, not deleted, and comes back
    if the source returns; new sources get new cards. Idempotent.
    """
    now = now or timezone.now()
    # Lock the card set row so two regenerations of one unit queue up.
    card_set, _created = CardSet.objects.select_for_update().get_or_create(
        unit=unit, defaults={"fingerprint": "", "generated_at": now}
    )
    topics = Topic.objects.filter(unit=unit).prefetch_related(
        "key_concepts", "misconceptions", "marking_points", "key_terms", "faqs"
    )
    existing = {(c.topic_id, c.source_key): c for c in Card.objects.filter(unit=unit)}
    wanted: set[tuple[int, str]] = set()
    to_create, to_update = [], []
    counts = {"created": 0, "updated": 0, "kept": 0, "revived": 0}
    position = 0
    for topic in topics.order_by("position", "title"):
        for spec in card_specs.specs_for_topic(topic):
            position += 1
            key = (topic.pk, spec.source_key)
            wanted.add(key)
            card = existing.get(key)
            if card is None:
                to_create.append(
                    Card(
                        unit=unit,
                        topic=topic,
                        kind=spec.kind,
                        source_key=spec.source_key,
                        front=spec.front,
                        back=spec.back,
                        position=position,
                    )
                )
                counts["created"] += 1
                continue
            changed = (card.front, card.back, card.position) != (
                spec.front,
                spec.back,
                position,
            )
            if card.retired_at is not None:
                counts["revived"] += 1
            elif changed:
                counts["updated"] += 1
            else:
                counts["kept"] += 1
            if changed or card.retired_at is not None:
                card.front, card.back, card.position = spec.front, spec.back, position
                card.retired_at = None
                to_update.append(card)
    Card.objects.bulk_create(to_create)
    Card.objects.bulk_update(to_update, ["front", "back", "position", "retired_at"])
    gone = [
        c.pk
        for key, c in existing.items()
        if key not in wanted and c.retired_at is None
    ]
    Card.objects.filter(pk__in=gone).update(retired_at=now)
    card_set.fingerprint = selectors.content_fingerprint(unit=unit)
    card_set.generated_at = now
    card_set.save(update_fields=["fingerprint", "generated_at"])
    versions.changed(versions.CONTENT)
    return GenerateResult(retired=len(gone), **counts)


def cards_ensure_for_unit(*, unit: Unit) -> bool:
    """Regenerate the unit's cards if its content changed since the last time.

    Two queries when nothing changed. Returns whether it regenerated."""
    fingerprint = selectors.content_fingerprint(unit=unit)
    current = CardSet.objects.filter(unit=unit).values_list("fingerprint", flat=True)
    if fingerprint == next(iter(current), None):
        return False
    cards_generate_for_unit(unit=unit)
    return True


def cards_sync_all() -> int:
    """Regenerate the cards of every unit whose content changed (after imports).

    Returns how many units were regenerated."""
    return sum(cards_ensure_for_unit(unit=unit) for unit in Unit.objects.order_by("pk"))


def cards_sync_unit(*, unit_id: int) -> int:
    """Regenerate one unit's cards if its content changed; 0 when the unit is gone."""
    unit = Unit.objects.filter(pk=unit_id).first()
    return int(cards_ensure_for_unit(unit=unit)) if unit else 0


# --- Reviews ------------------------------------------------------------------------
class ReviewError(ValidationError):
    """The review cannot be recorded (a bad grade); the message says why."""


@dataclass(frozen=True)
class ReviewOutcome:
    recorded: bool  # False for a replayed or stale form: nothing was counted
    state: CardState | None
    log: ReviewLog | None = None


def _check_rating(rating: object) -> int:
    try:
        value = int(rating)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        value = 0
    if value not in Rating.values:
        raise ReviewError(
            _("Choose a grade from 1 (Again) to 4 (Easy)."), code="rating"
        )
    return value


@transaction.atomic
def review_record(
    *,
    learner: User,
    card: Card,
    rating: object,
    token: uuid.UUID,
    shown_reps: int,
    session: PracticeSession | None = None,
    now: datetime | None = None,
) -> ReviewOutcome:
    """Grade one card with FSRS and keep the review.

    `token` and `shown_reps` come from the form the card was shown in: a replayed
    post (same token) or one made stale by a review since (reps moved on) records
    nothing. The state row is locked, so two posts for one card serialise. A fixed
    number of queries whatever the learner's history.
    Raises ReviewError for a grade outside 1-4.
    """
    value = _check_rating(rating)
    now = now or timezone.now()
    # Only the plan's retention and exam date matter here, not the new-card
    # allowance, so the unseen cards need no counting.
    plan = selectors.plan_for(learner=learner, unit=card.unit, now=now, unseen=0)
    state = (
        CardState.objects.select_for_update().filter(learner=learner, card=card).first()
    )
    if (state.reps if state else 0) != shown_reps:
        return ReviewOutcome(recorded=False, state=state)
    state_before = state.state if state else None
    updated = scheduling.review(
        state,
        card_id=card.pk,
        rating=value,
        now=now,
        desired_retention=plan.desired_retention,
    )
    due = scheduling.clamp_due_to_exam(
        updated.due,
        now=now,
        exam_date=plan.exam_date,
        tz=selectors.learner_zone(learner),
    )
    log = ReviewLog(
        learner=learner,
        card=card,
        unit_id=card.unit_id,
        session=session,
        rating=value,
        reviewed_at=now,
        token=token,
        state_before=state_before,
        state_after=int(updated.state),
        stability_after=updated.stability,
        difficulty_after=updated.difficulty,
        due_after=due,
        desired_retention=plan.desired_retention,
    )
    fields = {
        "state": int(updated.state),
        "step": updated.step,
        "stability": updated.stability,
        "difficulty": updated.difficulty,
        "due": due,
        "last_review": now,
    }
    lapse = state_before == CardStateKind.REVIEW and value == Rating.AGAIN
    created = state is None
    try:
        # A savepoint: a replayed token or a racing first review of a new card
        # breaks a unique constraint, and must leave nothing behind.
        with transaction.atomic():
            log.save(force_insert=True)
            if created:
                state = CardState.objects.create(
                    learner=learner, card=card, unit_id=card.unit_id, reps=1, **fields
                )
    except IntegrityError:
        return ReviewOutcome(recorded=False, state=state)
    if not created:
        for name, new_value in fields.items():
            setattr(state, name, new_value)
        state.reps += 1
        state.lapses += int(lapse)
        state.save(update_fields=[*fields, "reps", "lapses"])
    if session is not None:
        PracticeSession.objects.filter(pk=session.pk).update(
            reviewed=F("reviewed") + 1,
            **{Rating(value).name.lower(): F(Rating(value).name.lower()) + 1},
        )
    versions.changed(versions.learner(learner.pk))
    return ReviewOutcome(recorded=True, state=state, log=log)


# --- Sessions -----------------------------------------------------------------------
def session_start(
    *, learner: User, unit: Unit, now: datetime | None = None
) -> PracticeSession:
    """Continue the learner's open session on the unit, or start one.

    Cards are regenerated first if the unit's content changed since they were made.
    An open session is continued if it started within SESSION_RESUMABLE_FOR and has
    room left; otherwise it is closed and a new one begins.

    With catch-up on, a backlog bigger than a day's reviews is first spread over the
    coming days (backlog_spread)."""
    now = now or timezone.now()
    cards_ensure_for_unit(unit=unit)
    with transaction.atomic():
        open_session = selectors.session_open_for(learner=learner, unit=unit)
        if open_session is not None:
            fresh = now - open_session.started_at < SESSION_RESUMABLE_FOR
            if fresh and open_session.reviewed < open_session.target:
                return open_session
            session_finish(session=open_session, now=now)
        prefs = selectors.settings_for(learner=learner)
        session = PracticeSession.objects.create(
            learner=learner, unit=unit, target=prefs.session_size, started_at=now
        )
    if prefs.catch_up:
        backlog_spread(learner=learner, unit=unit, days=prefs.catch_up_days, now=now)
    return session


def session_finish(
    *, session: PracticeSession, now: datetime | None = None
) -> PracticeSession:
    """Close the session (idempotent): it has reached its target or nothing is due."""
    if session.ended_at is None:
        session.ended_at = now or timezone.now()
        PracticeSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
            ended_at=session.ended_at
        )
    return session


# --- Settings, goals, catch-up ------------------------------------------------------
@transaction.atomic
def settings_update(
    *,
    learner: User,
    desired_retention: float,
    new_cards_per_day: int,
    reviews_per_day: int,
    session_size: int,
    reminders: bool,
    catch_up: bool,
) -> PracticeSettings:
    """Save the learner's practice settings. Raises ValidationError."""
    prefs = PracticeSettings.objects.filter(learner=learner).first() or (
        PracticeSettings(learner=learner)
    )
    prefs.desired_retention = desired_retention
    prefs.new_cards_per_day = new_cards_per_day
    prefs.reviews_per_day = reviews_per_day
    prefs.session_size = session_size
    prefs.reminders = reminders
    prefs.catch_up = catch_up
    prefs.full_clean()
    prefs.save()
    versions.changed(versions.learner(learner.pk))
    return prefs


@transaction.atomic
def goal_set(*, learner: User, unit: Unit, exam_date: date | None) -> UnitGoal:
    """Set (or clear, with None) the learner's exam or assessment date for a unit."""
    goal, _created = UnitGoal.objects.get_or_create(learner=learner, unit=unit)
    goal.exam_date = exam_date
    goal.full_clean()
    goal.save(update_fields=["exam_date"])
    versions.changed(versions.learner(learner.pk))
    return goal


@transaction.atomic
def backlog_spread(
    *, learner: User, unit: Unit, days: int = 7, now: datetime | None = None
) -> int:
    """Spread overdue reviews beyond today's allowance over the next `days` days.

    Instead of hundreds of overdue cards at once, today keeps what the daily review
    cap allows (the longest-overdue first) and the rest come back a fair share a day.
    FSRS copes with a late review (it uses the real elapsed time), so only due dates
    move; no review is invented or lost. Returns how many cards moved.
    """
    now = now or timezone.now()
    prefs = selectors.settings_for(learner=learner)
    done = selectors.today_counts(learner=learner, unit=unit, now=now)
    allowance = max(prefs.reviews_per_day - done.reviews, 0)
    overdue = list(
        CardState.objects.select_for_update()
        .filter(
            learner=learner,
            unit=unit,
            state=CardStateKind.REVIEW,
            due__lte=now,
            card__retired_at__isnull=True,
        )
        .order_by("due", "pk")
    )
    later = overdue[allowance:]
    if not later or days < 1:
        return 0
    per_day = max(math.ceil(len(later) / days), 1)
    tz = selectors.learner_zone(learner)
    today = now.astimezone(tz).date()
    for index, state in enumerate(later):
        day = today + timedelta(days=1 + index // per_day)
        state.due = scheduling.day_start(day, tz) + timedelta(hours=6)
    CardState.objects.bulk_update(later, ["due"], batch_size=500)
    versions.changed(versions.learner(learner.pk))
    return len(later)


# --- Reminders ----------------------------------------------------------------------
def reminders_send(*, now: datetime | None = None) -> int:
    """Email each opted-in learner who has cards due, at most once a day.

    Idempotent: `last_reminded_on` is set under a row lock before the email goes, so
    a rerun the same day sends nothing. Returns how many learners were emailed.
    """
    now = now or timezone.now()
    sent = 0
    candidates = PracticeSettings.objects.filter(reminders=True).values_list(
        "pk", flat=True
    )
    for prefs_pk in candidates.iterator():
        sent += int(_remind_one(prefs_pk=prefs_pk, now=now))
    return sent


@transaction.atomic
def _remind_one(*, prefs_pk: int, now: datetime) -> bool:
    prefs = (
        PracticeSettings.objects.select_for_update()
        .select_related("learner")
        .get(pk=prefs_pk)
    )
    learner = prefs.learner
    today = now.astimezone(selectors.learner_zone(learner)).date()
    if prefs.last_reminded_on == today or not learner.email or not learner.is_active:
        return False
    due = (
        CardState.objects.filter(
            learner=learner,
            due__lte=now,
            card__retired_at__isnull=True,
            unit__qualification__cohorts__enrolments__learner=learner,
            unit__qualification__cohorts__enrolments__status=EnrolmentStatus.ACTIVE,
        )
        .values("pk")
        .distinct()
        .count()
    )
    if not due:
        return False
    prefs.last_reminded_on = today
    prefs.save(update_fields=["last_reminded_on"])
    context = {"learner": learner, "due": due}
    # Respects the learner's email preferences ("Reminders and deadlines").
    sent = centre_services.notification_send(
        user=learner,
        kind=NotificationKind.REMINDER,
        subject=_("You have %(count)s cards to practise today") % {"count": due},
        body=render_to_string("practice/email/reminder.txt", context),
    )
    return sent is not None
