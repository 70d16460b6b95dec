"""FSRS scheduling and the exam-date plan, with no database.

The memory model is the `fsrs` package (the scheduler Anki uses); this module only
converts between our rows and its Card, and decides the desired retention and the
daily new-card allowance from the learner's settings and exam date.
"""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import fsrs

# Retention rises towards this as the exam nears (FSRS's sensible ceiling; above it
# the workload grows steeply for little gain).
EXAM_RETENTION = 0.95
# How many days before the exam retention starts to rise.
EXAM_RAMP_DAYS = 30
# Learning and relearning steps are minutes apart: show them this early rather than
# ending a session while a just-failed card waits for its 10-minute step.
LEARN_AHEAD = timedelta(minutes=20)


@dataclass(frozen=True)
class Plan:
    """What today's practice of one unit allows, decided from settings and goal."""

    desired_retention: float
    new_per_day: int
    reviews_per_day: int
    exam_date: date | None
    days_to_exam: int | None


def effective_retention(base: float, *, today: date, exam_date: date | None) -> float:
    """The desired retention for today: the learner's own until the last
    EXAM_RAMP_DAYS before the exam, then rising linearly to EXAM_RETENTION."""
    if exam_date is None or base >= EXAM_RETENTION:
        return base
    days_left = (exam_date - today).days
    if days_left < 0 or days_left >= EXAM_RAMP_DAYS:
        return base
    progress = 1 - days_left / EXAM_RAMP_DAYS
    return round(base + (EXAM_RETENTION - base) * progress, 4)


def new_allowance(cap: int, *, unseen: int, today: date, exam_date: date | None) -> int:
    """New cards allowed today: the learner's cap, raised when that would leave
    cards unseen by the exam (every card is seen at least once before it)."""
    if exam_date is None:
        return cap
    days_left = (exam_date - today).days
    if days_left <= 0:
        return cap
    return max(cap, math.ceil(unseen / days_left))


def make_plan(
    *,
    desired_retention: float,
    new_cards_per_day: int,
    reviews_per_day: int,
    exam_date: date | None,
    unseen: int,
    today: date,
) -> Plan:
    return Plan(
        desired_retention=effective_retention(
            desired_retention, today=today, exam_date=exam_date
        ),
        new_per_day=new_allowance(
            new_cards_per_day, unseen=unseen, today=today, exam_date=exam_date
        ),
        reviews_per_day=reviews_per_day,
        exam_date=exam_date,
        days_to_exam=None if exam_date is None else (exam_date - today).days,
    )


def scheduler(desired_retention: float) -> fsrs.Scheduler:
    return fsrs.Scheduler(desired_retention=desired_retention)


def to_fsrs(state, *, card_id: int) -> fsrs.Card:
    """An fsrs.Card from a CardState row, or a new card when `state` is None."""
    if state is None:
        # card_id given so fsrs does not sleep 1 ms to make a unique id.
        return fsrs.Card(card_id=card_id)
    return fsrs.Card(
        card_id=card_id,
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due.astimezone(UTC),
        last_review=state.last_review.astimezone(UTC) if state.last_review else None,
    )


def review(
    state, *, card_id: int, rating: int, now: datetime, desired_retention: float
) -> fsrs.Card:
    """Apply one rating with FSRS and return the updated fsrs.Card."""
    card, _log = scheduler(desired_retention).review_card(
        to_fsrs(state, card_id=card_id), fsrs.Rating(rating), now.astimezone(UTC)
    )
    return card


def clamp_due_to_exam(
    due: datetime, *, now: datetime, exam_date: date | None, tz: ZoneInfo
) -> datetime:
    """Bring a due time forward to the day before the exam, so every card seen comes
    back once more before it rather than the day after."""
    if exam_date is None:
        return due
    latest = datetime.combine(exam_date - timedelta(days=1), time(6, 0), tzinfo=tz)
    if latest <= now or due <= latest:
        return due
    return latest


def retrievability(state, *, now: datetime) -> float:
    """The probability (0-1) the learner recalls the card now (FSRS's R)."""
    if state is None or state.stability is None or state.last_review is None:
        return 0.0
    return scheduler(0.9).get_card_retrievability(
        to_fsrs(state, card_id=state.card_id), now.astimezone(UTC)
    )


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)
