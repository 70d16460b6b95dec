"""Reads for practice, scoped to the learner: units they are enrolled on, their own
sessions and card states. Picking the next card runs a fixed number of queries
whatever the size of the learner's history."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    DateField,
    FilteredRelation,
    Max,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import TruncDate
from django.http import Http404

from centres import caching
from centres.models import Enrolment, EnrolmentStatus, User
from practice import scheduling
from practice.models import (
    Card,
    CardState,
    CardStateKind,
    PracticeSession,
    PracticeSettings,
    ReviewLog,
    UnitGoal,
)
from revision.models import Topic, Unit

# A card in review whose stability reaches three weeks counts as mastered (Anki
# calls an interval of 21 days or more "mature").
MASTERED_STABILITY_DAYS = 21.0


def learner_zone(learner) -> ZoneInfo:
    try:
        return ZoneInfo(learner.time_zone or "Europe/London")
    except (ValueError, KeyError):
        return ZoneInfo("Europe/London")


def _enrolled_qualification_ids(*, learner, centre) -> QuerySet:
    """The qualifications the learner is actively enrolled on at `centre`, as a
    subquery (flat, so each page's query stays cheap to build)."""
    return Enrolment.objects.filter(
        learner=learner, cohort__centre=centre, status=EnrolmentStatus.ACTIVE
    ).values("cohort__qualification_id")


def units_for_learner(*, learner, centre) -> QuerySet[Unit]:
    """Units of the qualifications the learner is actively enrolled on at `centre`."""
    return (
        Unit.objects.filter(
            qualification_id__in=_enrolled_qualification_ids(
                learner=learner, centre=centre
            )
        )
        .select_related("qualification")
        .order_by("qualification__title", "position", "title")
    )


def unit_get_for_learner(*, learner, centre, slug: str) -> Unit:
    """A unit the learner is enrolled on. Raises Http404 for missing and not-yours."""
    try:
        return units_for_learner(learner=learner, centre=centre).get(slug=slug)
    except Unit.DoesNotExist:
        raise Http404("No such unit") from None


def session_get_for_learner(*, learner, centre, public_id) -> PracticeSession:
    """The learner's own session on a unit they are still enrolled on.

    Raises Http404 for missing, another learner's, or a unit no longer theirs."""
    qualifications = _enrolled_qualification_ids(learner=learner, centre=centre)
    try:
        return PracticeSession.objects.select_related("unit").get(
            public_id=public_id,
            learner=learner,
            unit__qualification_id__in=qualifications,
        )
    except (PracticeSession.DoesNotExist, ValueError):
        raise Http404("No such session") from None


def card_get_for_session(*, session: PracticeSession, pk) -> Card:
    """An active card of the session's unit. Raises Http404 otherwise."""
    try:
        card = Card.objects.get(pk=pk, unit_id=session.unit_id, retired_at__isnull=True)
    except (Card.DoesNotExist, ValueError, TypeError):
        raise Http404("No such card") from None
    card.unit = session.unit  # already loaded: saves a query per review
    return card


def settings_for(*, learner) -> PracticeSettings:
    """The learner's settings, or the defaults (unsaved) if they never set any."""
    found = PracticeSettings.objects.filter(learner=learner).first()
    return found or PracticeSettings(learner=learner)


def exam_date_for(*, learner, unit) -> date | None:
    goal = UnitGoal.objects.filter(learner=learner, unit=unit).first()
    return goal.exam_date if goal else None


@dataclass(frozen=True)
class TodayCounts:
    reviews: int
    new: int


def today_counts(*, learner, unit, now: datetime) -> TodayCounts:
    """Reviews and first-time cards done today (learner's day), in one query."""
    tz = learner_zone(learner)
    start = scheduling.day_start(now.astimezone(tz).date(), tz)
    counts = ReviewLog.objects.filter(
        learner=learner, unit=unit, reviewed_at__gte=start
    ).aggregate(
        new=Count("pk", filter=Q(state_before__isnull=True)),
        reviews=Count("pk", filter=Q(state_before=CardStateKind.REVIEW)),
    )
    return TodayCounts(reviews=counts["reviews"], new=counts["new"])


def _unseen_cards(*, learner, unit) -> QuerySet[Card]:
    """The unit's active cards the learner has never reviewed (no state row)."""
    return (
        Card.objects.filter(unit=unit, retired_at__isnull=True)
        .annotate(mine=FilteredRelation("states", condition=Q(states__learner=learner)))
        .filter(mine__isnull=True)
    )


PLAN_ROW_SECONDS = 10 * 60  # bounds what a write outside the services leaves


def _plan_row(*, learner, unit) -> tuple:
    """The learner's settings (None where never set) and exam date for the unit."""
    found = (
        User.objects.filter(pk=learner.pk)
        .annotate(
            goal=FilteredRelation("unit_goals", condition=Q(unit_goals__unit=unit))
        )
        .values_list(
            "practice_settings__desired_retention",
            "practice_settings__new_cards_per_day",
            "practice_settings__reviews_per_day",
            "goal__exam_date",
        )
        .first()
    )
    return found or (None, None, None, None)


def plan_for(
    *, learner, unit, now: datetime, unseen: int | None = None
) -> scheduling.Plan:
    """Today's plan for the unit: retention and allowances.

    One query for the learner's settings and exam date (both joined to the
    learner's row, so it is there even before they saved any). With an exam date,
    the unseen cards decide the new-card allowance: a second query counts them
    unless the caller passes `unseen`. The settings and exam date are kept in the
    cache under the learner's version (`settings_update` and `goal_set` move it
    on), so a practice page usually skips that query."""
    retention, new_cap, reviews_cap, exam_date = caching.cached(
        versions=[caching.learner(learner.pk)],
        parts=("practice-plan", learner.pk, unit.pk),
        build=lambda: _plan_row(learner=learner, unit=unit),
        seconds=PLAN_ROW_SECONDS,
    )
    if exam_date is not None and unseen is None:
        unseen = _unseen_cards(learner=learner, unit=unit).count()
    defaults = PracticeSettings(learner=learner)

    def setting(value, default):
        return default if value is None else value

    return scheduling.make_plan(
        desired_retention=setting(retention, defaults.desired_retention),
        new_cards_per_day=setting(new_cap, defaults.new_cards_per_day),
        reviews_per_day=setting(reviews_cap, defaults.reviews_per_day),
        exam_date=exam_date,
        unseen=unseen or 0,
        today=now.astimezone(learner_zone(learner)).date(),
    )


@dataclass(frozen=True)
class NextCard:
    card: Card
    state: CardState | None

    @property
    def reps(self) -> int:
        return self.state.reps if self.state else 0


def next_card(
    *, learner, unit, now: datetime, plan: scheduling.Plan
) -> NextCard | None:
    """The card to show next, or None when nothing is due within today's caps.

    Cards due now come first (in learning, or in review while the daily review cap
    allows), oldest due first; then new cards in reading order while the new-card
    allowance lasts; then cards in learning due within LEARN_AHEAD. At most three
    queries.
    """
    done = today_counts(learner=learner, unit=unit, now=now)
    learning_states = [CardStateKind.LEARNING, CardStateKind.RELEARNING]
    # One query for both kinds of card already seen: those due now, and those in
    # learning due within LEARN_AHEAD (later than any due now, so they sort last).
    condition = Q(state__in=learning_states, due__lte=now + scheduling.LEARN_AHEAD)
    if done.reviews < plan.reviews_per_day:
        condition |= Q(state=CardStateKind.REVIEW, due__lte=now)
    state = (
        CardState.objects.filter(
            condition, learner=learner, unit=unit, card__retired_at__isnull=True
        )
        .select_related("card")
        .order_by("due", "pk")
        .first()
    )
    if state is not None and state.due <= now:
        return NextCard(card=state.card, state=state)
    if done.new < plan.new_per_day:
        card = (
            _unseen_cards(learner=learner, unit=unit).order_by("position", "pk").first()
        )
        if card is not None:
            return NextCard(card=card, state=None)
    # Nothing else left: show a card in learning a little early rather than end
    # the session while it waits out a step of a few minutes.
    return NextCard(card=state.card, state=state) if state else None


def state_for(*, learner, card) -> CardState | None:
    return CardState.objects.filter(learner=learner, card=card).first()


# --- Progress -----------------------------------------------------------------------
@dataclass(frozen=True)
class TopicRecall:
    topic: Topic
    cards: int
    seen: int
    recall: float  # mean predicted recall now, 0-1, new cards counting as 0


@dataclass(frozen=True)
class Progress:
    total: int
    new: int
    learning: int
    due: int
    review: int
    mastered: int
    overdue: int
    history: list[tuple[date, int]]  # the last 30 days, oldest first
    forecast: list[tuple[date, int]]  # the next 30 days, today first
    topics: list[TopicRecall]
    reviews_total: int


@dataclass(frozen=True)
class UnitSummary:
    """The unit page's counts of the learner's active cards."""

    total: int
    new: int
    learning: int
    due: int  # in review and due now
    overdue: int  # in review and due before today


def unit_summary(*, learner, unit, now: datetime) -> UnitSummary:
    """Counts of the unit's active cards by the learner's state: one query for the
    cards joined to this learner's states (at most one each), so as many rows as
    the unit has cards whatever the learner's history, counted here."""
    tz = learner_zone(learner)
    start_today = scheduling.day_start(now.astimezone(tz).date(), tz)
    rows = (
        Card.objects.filter(unit=unit, retired_at__isnull=True)
        .annotate(mine=FilteredRelation("states", condition=Q(states__learner=learner)))
        .values_list("mine__state", "mine__due")
    )
    total = seen = learning = due = overdue = 0
    for state, when in rows:
        total += 1
        if state is None:
            continue
        seen += 1
        if state == CardStateKind.REVIEW:
            due += when <= now
            overdue += when < start_today
        else:
            learning += 1
    return UnitSummary(
        total=total, new=total - seen, learning=learning, due=due, overdue=overdue
    )


def unit_progress(*, learner, unit, now: datetime) -> Progress:
    """Counts, a 30-day review history and forecast, and predicted recall per topic.

    Three queries, each bounded by the unit's number of topics or cards or by 30
    days: topics with their card counts, the learner's card states, and reviews
    per day (with everything older in one bucket, for the total)."""
    tz = learner_zone(learner)
    today = now.astimezone(tz).date()
    topics = list(
        Topic.objects.filter(unit=unit)
        .annotate(
            active_cards=Count(
                "practice_cards",
                filter=Q(
                    practice_cards__unit=unit, practice_cards__retired_at__isnull=True
                ),
            )
        )
        .order_by("position", "title")
    )
    states = list(
        CardState.objects.filter(
            learner=learner, unit=unit, card__retired_at__isnull=True
        ).select_related("card")
    )
    learning = sum(
        1
        for s in states
        if s.state in (CardStateKind.LEARNING, CardStateKind.RELEARNING)
    )
    reviewing = [s for s in states if s.state == CardStateKind.REVIEW]
    due = sum(1 for s in reviewing if s.due <= now)
    start_today = scheduling.day_start(today, tz)
    overdue = sum(1 for s in reviewing if s.due < start_today)
    mastered = sum(
        1
        for s in reviewing
        if s.due > now and (s.stability or 0) >= MASTERED_STABILITY_DAYS
    )

    first_day = today - timedelta(days=29)
    recent = Q(reviewed_at__gte=scheduling.day_start(first_day, tz))
    per_day = dict(
        ReviewLog.objects.filter(learner=learner, unit=unit)
        # Reviews before the 30 days fall in one bucket (day None): still counted
        # in the total, without a query of their own.
        .annotate(
            day=Case(
                When(recent, then=TruncDate("reviewed_at", tzinfo=tz)),
                default=None,
                output_field=DateField(),
            )
        )
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "n")
    )
    reviews_total = sum(per_day.values())
    history = [
        (first_day + timedelta(days=i), per_day.get(first_day + timedelta(days=i), 0))
        for i in range(30)
    ]
    forecast_counts: dict[date, int] = defaultdict(int)
    for s in states:
        day = max(s.due.astimezone(tz).date(), today)
        forecast_counts[day] += 1
    forecast = [
        (today + timedelta(days=i), forecast_counts.get(today + timedelta(days=i), 0))
        for i in range(30)
    ]

    recall_sum: dict[int, float] = defaultdict(float)
    seen: dict[int, int] = defaultdict(int)
    for state in states:
        seen[state.card.topic_id] += 1
        recall_sum[state.card.topic_id] += scheduling.retrievability(state, now=now)
    topic_rows = [
        TopicRecall(
            topic=t,
            cards=t.active_cards,
            seen=seen[t.pk],
            recall=(recall_sum[t.pk] / t.active_cards) if t.active_cards else 0.0,
        )
        for t in topics
    ]
    total = sum(t.active_cards for t in topics)
    return Progress(
        total=total,
        new=total - len(states),
        learning=learning,
        due=due,
        review=len(reviewing) - due - mastered,
        mastered=mastered,
        overdue=overdue,
        history=history,
        forecast=forecast,
        topics=topic_rows,
        reviews_total=reviews_total,
    )


@dataclass(frozen=True)
class UnitDue:
    unit: Unit
    due: int
    new: int


def due_by_unit(*, learner, centre, now: datetime) -> list[UnitDue]:
    """Cards due (and never seen) per enrolled unit, for the home panel and index.

    One query whatever the number of units or reviews: each unit's active cards
    joined to this learner's states (at most one per card), counted per unit."""
    units = (
        units_for_learner(learner=learner, centre=centre)
        .annotate(
            active=FilteredRelation(
                "practice_cards",
                condition=Q(practice_cards__retired_at__isnull=True),
            ),
            mine=FilteredRelation(
                "active__states", condition=Q(active__states__learner=learner)
            ),
        )
        .annotate(
            n_cards=Count("active"),
            n_seen=Count("mine"),
            n_due=Count("mine", filter=Q(mine__due__lte=now)),
        )
    )
    return [UnitDue(unit=u, due=u.n_due, new=u.n_cards - u.n_seen) for u in units]


def content_fingerprint(*, unit) -> str:
    """Changes whenever a topic of the unit is imported, edited, added or removed."""
    found = Topic.objects.filter(unit=unit).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    last = found["last"].isoformat() if found["last"] else "-"
    return f"{found['n']}:{last}"


def has_open_session(*, learner, unit) -> bool:
    """Whether the learner has a session on the unit still open (to continue)."""
    return PracticeSession.objects.filter(
        learner=learner, unit=unit, ended_at__isnull=True
    ).exists()


def session_open_for(*, learner, unit) -> PracticeSession | None:
    return (
        PracticeSession.objects.filter(
            learner=learner, unit=unit, ended_at__isnull=True
        )
        .order_by("-started_at")
        .first()
    )
