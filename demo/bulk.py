"""Demo step: a plausible portfolio for every learner beyond the hand-crafted ones.

The steps before this one walk the first HANDCRAFTED learners per centre through
every demo state, one by one, through the services. `--learners 5000` (the
benchmark's world) needs the thousands after them to look lived in too. On each
unit of their cohort's qualification such a learner has nothing yet, a draft, or
a portfolio that is submitted, being marked, returned or achieved (some after a
resubmission): reflective logs, witness testimonies and tiny generated files,
mapped to the unit's marking points (most points for advanced learners, a few
for new ones), self-assessments, markings, decisions with their judgements and
feedback release, IQA samples and reviews, and the audit entries for all of
them. One learner in ten also has weeks of practice (demo.practice's
FSRS simulation). The planner's statistics are refreshed afterwards (ANALYZE).

Rows are shaped as the services write them: the version snapshot of
portfolio.services.submission_submit, the judgements and linked evidence of
assessments.services marking_start/marking_finalise, the IQA sample chosen by
assessments.sampling from the assessor's history, and the services' audit
payloads, chained by hash. They are inserted with bulk_create, a batch of
learners per transaction, and dated over the last eight weeks as demo.timeline
dates the hand-crafted ones. Every file item is its own stored file of a few
hundred bytes (text, Word or PNG), so deleting one never touches another's.
Notification emails are not recreated.

Deterministic: each learner's portfolio comes from a generator seeded with their
username. Idempotent: a learner who already has evidence, a submission or
practice reviews is left alone. With the default 24 learners per centre nobody is
beyond the hand-crafted ones, so `make run` does nothing more here.
"""

import hashlib
import random
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from assessments import sampling, scale
from assessments import selectors as assessment_selectors
from assessments.models import (
    AssessmentDecision,
    AuditChainHead,
    AuditEntry,
    DecisionJudgement,
    FeedbackRelease,
    IqaActionPoint,
    IqaReview,
    IqaVerdict,
    Marking,
    MarkingJudgement,
    ReleaseStatus,
)
from centres.models import AdminEvent, Enrolment, Membership, User
from demo import portfolio as demo_portfolio
from demo import practice as demo_practice
from demo.centres import CENTRES
from demo.timeline import WAITING_DAYS, _Clock
from portfolio import rendering, uploads
from portfolio import services as portfolio_services
from portfolio.models import (
    AiUseLevel,
    Evidence,
    EvidenceKind,
    EvidenceMapping,
    EvidenceRevision,
    ExtractionStatus,
    SelfAssessment,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
)
from practice.models import Card, CardState, PracticeSession, ReviewLog
from revision.models import Unit

HANDCRAFTED = 24  # learners per centre the hand-crafted steps use (make run's default)
BATCH = 250  # learners per transaction
PRACTICE_SHARE = 0.1  # learners with practice history

NONE = "none"
DRAFT = SubmissionStatus.DRAFT.value
SUBMITTED = SubmissionStatus.SUBMITTED.value
IN_MARKING = SubmissionStatus.IN_MARKING.value
RETURNED = SubmissionStatus.RETURNED.value
ACHIEVED = SubmissionStatus.ACHIEVED.value
STATES = [NONE, DRAFT, SUBMITTED, IN_MARKING, RETURNED, ACHIEVED]

# How far on a learner is, per cohort (the first started in September, the
# second in January), and the chance of each state on a unit at that level:
# overall about 28% not started, 38% draft, 9% waiting, 4% being marked, 6%
# returned and 14% achieved.
LEVELS = ["new", "progressing", "advanced"]
LEVEL_WEIGHTS = [[30, 45, 25], [50, 40, 10]]
STATE_WEIGHTS = {
    "new": [60, 40, 0, 0, 0, 0],
    "progressing": [10, 50, 15, 7, 10, 8],
    "advanced": [0, 10, 15, 5, 10, 60],
}
RESUBMITTED_SHARE = 0.25  # of waiting and achieved units (not new learners')
AWAITING_RELEASE_SHARE = 0.5  # of units in marking where release needs a check

# --- text -----------------------------------------------------------------------------
WHO = [
    "an elderly customer",
    "a café owner",
    "a regular customer",
    "a first-time customer",
    "a small business customer",
    "a customer who is hard of hearing",
]
SCENARIOS = [
    {
        "title": "Sorting out a late delivery for {who}",
        "what_happened": "{Who} rang because a delivery had not arrived on the "
        "promised day and nobody had told them why.",
        "what_i_did": "I apologised, checked the courier's tracking and booked "
        "the first available slot, then confirmed it by email.",
        "outcome": "The parcel arrived the next morning and the customer rated "
        "the call {score} out of 10.",
        "learned": "I now check the courier portal before promising a date.",
    },
    {
        "title": "Refunding a double charge for {who}",
        "what_happened": "{Who} had been charged twice for the same order and "
        "was upset at the counter in front of a queue.",
        "what_i_did": "I moved the conversation to the quiet desk, confirmed the "
        "double charge on the till record and processed the refund while they "
        "waited.",
        "outcome": "They left satisfied and the till fault was fixed within two "
        "days. The follow-up survey scored us {score} out of 10.",
        "learned": "Taking an upset customer away from an audience calms things "
        "quickly.",
    },
    {
        "title": "Escalating a repeat complaint from {who}",
        "what_happened": "{Who} contacted us for the third time about a faulty "
        "kettle that had already been replaced once.",
        "what_i_did": "I read the case history before calling back, followed the "
        "complaints procedure and escalated to my team leader for a refund "
        "instead of a second replacement.",
        "outcome": "The complaint was closed within our five-day target and the "
        "customer rated the service {score} out of 10.",
        "learned": "Reading the whole history first stops the customer having "
        "to repeat themselves.",
    },
    {
        "title": "Explaining a price change to {who}",
        "what_happened": "{Who} was angry that a monthly fee had gone up without "
        "a letter they remembered receiving.",
        "what_i_did": "I found the notice we had sent, walked through the new "
        "tariff and compared it with a cheaper plan that suited them better.",
        "outcome": "They moved to the cheaper plan and withdrew their notice to "
        "leave; they scored the call {score} out of 10.",
        "learned": "Customers rarely read tariff letters, so I offer a plan "
        "review before they ask.",
    },
    {
        "title": "Helping {who} order online",
        "what_happened": "{Who} could not finish an online order because the "
        "payment page kept timing out.",
        "what_i_did": "I took the order over the phone, read each item back, and "
        "reported the timeout to the web team with the customer's browser "
        "details.",
        "outcome": "The order was placed in ten minutes and the web team fixed "
        "the fault that week. Satisfaction score: {score} out of 10.",
        "learned": "A quick workaround for the customer and a report for the "
        "team fixes both problems.",
    },
    {
        "title": "A data protection request from {who}",
        "what_happened": "{Who} asked for a copy of everything we held about "
        "them after a marketing email they had not signed up for.",
        "what_i_did": "I checked their identity, logged the subject access "
        "request in the data protection register and removed them from the "
        "mailing list straight away.",
        "outcome": "The data was sent within the one-month limit and the "
        "customer thanked us, scoring the call {score} out of 10.",
        "learned": "Knowing the procedure made the customer trust us again.",
    },
    {
        "title": "Improving the returns email after feedback from {who}",
        "what_happened": "{Who} replied to our returns email asking where to send "
        "their parcel, like many others that month.",
        "what_i_did": "I grouped thirty similar replies and rewrote the template "
        "with the address and a step-by-step list, checked by two colleagues.",
        "outcome": "Replies asking for the address dropped by about 40%; our "
        "survey score for returns rose to {score} out of 10.",
        "learned": "Measure before and after whenever I change a customer message.",
    },
    {
        "title": "Calming {who} during a power cut",
        "what_happened": "{Who} rang during a power cut, worried about medicine "
        "that needed to stay cold.",
        "what_i_did": "I checked the priority register, gave an honest estimate "
        "for reconnection and arranged a welfare visit under the vulnerable "
        "customer procedure.",
        "outcome": "Power was back within three hours and the customer scored "
        "the call {score} out of 10.",
        "learned": "I check the priority register at the start of every call now.",
    },
]
SCORES = [7, 8, 9, 10]
EDIT = (
    " Afterwards my team leader shared the figures: repeat contacts on this issue"
    " fell by about a fifth the following month."
)
WITNESSES = [
    ("Joanne Whitfield", "Customer service team leader"),
    ("Marcus Bell", "Branch manager"),
    ("Priya Nair", "Complaints supervisor"),
    ("Declan O'Neill", "Contact centre manager"),
]
STATEMENTS = [
    "I listened to the call. The learner stayed calm, summarised the customer's "
    "problem back to them, explained our refund policy clearly and booked a "
    "follow-up call, which they made on time.",
    "I watched the learner deal with an upset customer at the counter. They "
    "listened without interrupting, followed our complaints procedure and kept "
    "the customer informed until it was resolved.",
    "The learner led our team huddle on repeat complaints, presented the figures "
    "they had gathered and suggested two changes we have since adopted.",
]
NOTE_FILES = [
    (
        "One-to-one notes",
        "one-to-one-notes.txt",
        "Notes from my one-to-one with my manager on {day}: agreed to shadow the "
        "complaints desk for two shifts and present what I learned. {name}.",
    ),
    (
        "Complaint log extract",
        "complaint-log.txt",
        "Complaint log, week of {day}: 14 calls, 11 resolved first time, 3 "
        "escalated. Prepared by {name}.",
    ),
]
WORD_FILES = [
    (
        "Reflective account (Word)",
        "reflective-account.docx",
        "Reflective account by {name}: I reviewed our complaint log for the month "
        "and found most repeat calls were about delivery dates.",
    ),
]
CHART = ("Complaints chart", "complaints-chart.png")
LOG_NOTES = ["What I did, paragraph 1", "Outcome", "Second paragraph", "", ""]
FILE_NOTES = ["Whole document", "Page 1", ""]
COMMENTS = {
    2: "Fully shown: your log gives a clear, specific example.",
    1: "Partly shown: add a measurable result and who benefited.",
    0: "Not yet shown in the evidence submitted.",
}
ACHIEVED_FEEDBACK = [
    "All points fully evidenced. Well done.",
    "A clear, well-evidenced portfolio: every marking point is met.",
    "Achieved. Your logs show the standard consistently, with real outcomes.",
]
NOT_YET_FEEDBACK = [
    "A good start, but some points need more evidence.",
    "Nearly there: a couple of points are only partly shown.",
    "Your logs describe what happened well; show the outcome more clearly.",
]
NEXT_STEPS = [
    "Add a measurable result (a KPI figure or customer score) and resubmit.",
    "Ask your team leader for a witness testimony covering the partial points.",
    "Link your log to the organisation's complaints procedure by name.",
]
IQA_DISAGREE = [
    "MP2 accepted on thin evidence.",
    "The witness testimony does not say what the learner did themselves.",
]
IQA_ACTIONS = [
    "Agree with the learner what would make the point sufficient.",
    "Add a note on the decision saying which evidence met each point.",
]
IQA_CLOSING = [
    "Met the learner; extra witness statement requested.",
    "Added the missing rationale to the decision.",
]


# --- the plan of one learner's unit, before it has ids ---------------------------------
@dataclass
class _Item:
    evidence: Evidence
    points: dict[int, str]  # marking point id -> the learner's note
    contents: list[dict]  # revision contents, numbered from 1
    revised_at: list[datetime]
    first_version: int = 1  # the first version it is part of (0: none yet)
    edited_for: int = 0  # revision 2 from this version on (0: never edited)

    def revision_for(self, number: int) -> int:
        return 2 if self.edited_for and number >= self.edited_for else 1


@dataclass
class _Decision:
    values: dict[int, int]
    started: datetime
    finalised: datetime
    feedback: str
    next_steps: str
    release: str
    ready_at: datetime | None = None
    released_at: datetime | None = None
    acknowledged_at: datetime | None = None
    row: AssessmentDecision | None = None


@dataclass
class _Version:
    number: int
    at: datetime
    claims: dict[int, tuple[bool, str]] | None
    ai_use: str
    decision: _Decision | None = None
    draft_marking: tuple[datetime, dict[int, int]] | None = None
    row: SubmissionVersion | None = None


@dataclass
class _Plan:
    learner: object
    cohort_id: int
    unit: Unit
    state: str
    submission: Submission
    items: list[_Item]
    versions: list[_Version] = field(default_factory=list)
    claims: dict[int, tuple[bool, str]] | None = None


@dataclass
class _Centre:
    """What a centre's batches share: people, units, the IQA sampler."""

    slug: str
    prefix: str
    centre: object
    admin: object
    cohort_of: dict[int, int]
    cohort_index: dict[int, int]
    assessor_of: dict[int, object]
    iqa_of: dict[int, object]
    units: dict[int, list[Unit]]  # qualification id -> units with marking points
    cohort_qualification: dict[int, int]
    sampler: "_Sampler"
    made: Counter = field(default_factory=Counter)
    ai_levels: dict[int, str] = field(default_factory=dict)

    def ai_level(self, unit: Unit) -> str:
        if unit.pk not in self.ai_levels:
            self.ai_levels[unit.pk] = portfolio_services.ai_level_for(
                centre=self.centre, unit=unit
            )
        return self.ai_levels[unit.pk]


class _Units:
    """Marking points, marking rules and practice cards per unit, read once."""

    def __init__(self) -> None:
        self.points: dict[int, list] = {}
        self.rank: dict[int, tuple] = {}
        self.rules: dict[int, tuple[str, int]] = {}
        self.cards: dict[int, list[Card]] = {}

    def load(self, unit: Unit) -> list:
        if unit.pk not in self.points:
            points = list(assessment_selectors.unit_marking_points(unit.pk))
            self.points[unit.pk] = points
            for point in points:
                # EvidenceMapping's ordering: topic (position, title), position.
                self.rank[point.pk] = (
                    point.topic.position,
                    point.topic.title,
                    point.position,
                    point.pk,
                )
            self.rules[unit.pk] = assessment_selectors.marking_rule_for(unit.pk)
            self.cards[unit.pk] = list(
                Card.objects.filter(unit=unit, retired_at__isnull=True)
            )
        return self.points[unit.pk]


class _Sampler:
    """assessments.services' IQA sampling, with the assessors' history kept in
    memory: counts read once from the centre's decisions, then updated as the
    bulk decisions are made."""

    def __init__(self, centre) -> None:
        self.base = centre.iqa_base_sample_percent
        self.decisions: Counter = Counter()
        self.reviews: Counter = Counter()
        self.disagreements: Counter = Counter()
        self.claimed: Counter = Counter()
        self.divergent: Counter = Counter()
        self.assessor_periods: set = set()
        self.unit_periods: set = set()
        self.seconds: deque = deque(maxlen=200)  # the service's recent 200
        for assessor_id, unit_id, sampled, created, seconds in (
            AssessmentDecision.objects.filter(centre=centre)
            .order_by("pk")
            .values_list("assessor_id", "unit_id", "sampled", "created_at", "marking_seconds")
        ):  # fmt: skip
            self.decisions[assessor_id] += 1
            if sampled:
                period = sampling.period_start(timezone.localdate(created))
                self.assessor_periods.add((assessor_id, period))
                self.unit_periods.add((unit_id, period))
            if seconds is not None:
                self.seconds.append(float(seconds))
        for assessor_id, verdict in IqaReview.objects.filter(
            decision__centre=centre
        ).values_list("decision__assessor_id", "verdict"):
            self.review(assessor_id, verdict)
        for assessor_id, claimed, value in DecisionJudgement.objects.filter(
            decision__centre=centre, learner_claimed__isnull=False
        ).values_list("decision__assessor_id", "learner_claimed", "value"):
            self._claim(assessor_id, claimed, value)

    def _claim(self, assessor_id: int, claimed: bool, value: int) -> None:
        self.claimed[assessor_id] += 1
        self.claimed[None] += 1
        full = value == scale.Judgement.FULL
        if claimed != full:
            self.divergent[assessor_id] += 1
            self.divergent[None] += 1

    def review(self, assessor_id: int, verdict: str) -> None:
        self.reviews[assessor_id] += 1
        if verdict == IqaVerdict.DISAGREE:
            self.disagreements[assessor_id] += 1

    def decide(
        self, *, assessor_id, unit_id, when, seconds, key, claims
    ) -> sampling.SamplingOutcome:
        period = sampling.period_start(timezone.localdate(when))
        data = sampling.SamplingInput(
            base_percent=self.base,
            history=sampling.AssessorHistory(
                decisions_total=self.decisions[assessor_id],
                iqa_reviews=self.reviews[assessor_id],
                iqa_disagreements=self.disagreements[assessor_id],
                self_assessed_points=self.claimed[assessor_id],
                divergent_points=self.divergent[assessor_id],
            ),
            assessor_sampled_this_period=(assessor_id, period) in self.assessor_periods,
            unit_sampled_this_period=(unit_id, period) in self.unit_periods,
            centre_divergence_rate=(
                self.divergent[None] / self.claimed[None] if self.claimed[None] else 0.0
            ),
            marking_seconds=seconds,
            centre_median_marking_seconds=sampling.median(list(self.seconds)),
            draw=sampling.draw_for(key),
        )
        chosen = sampling.decide(data)
        self.decisions[assessor_id] += 1
        if chosen.selected:
            self.assessor_periods.add((assessor_id, period))
            self.unit_periods.add((unit_id, period))
        self.seconds.append(float(seconds))
        for claimed, value in claims:
            self._claim(assessor_id, claimed, value)
        return chosen


# --- the step -------------------------------------------------------------------------
def seed(world) -> None:
    units = _Units()
    loaded = False
    for slug, data in world.data.get("centres", {}).items():
        learners = data["learners"][HANDCRAFTED:]
        if not learners:
            continue
        ctx = _centre_context(slug, data)
        busy = _busy_learners(ctx.centre)
        todo = [
            (HANDCRAFTED + n, learner)
            for n, learner in enumerate(learners)
            if learner.pk not in busy and learner.pk in ctx.cohort_of
        ]
        label = f"{ctx.prefix} portfolios"
        for start in range(0, len(todo), BATCH):
            with transaction.atomic():
                _seed_batch(ctx, units, todo[start : start + BATCH])
            world.progress(label, min(start + BATCH, len(todo)), len(todo))
        learners = ctx.made.pop("learners", 0)
        loaded = loaded or bool(learners)
        if learners:
            made = ", ".join(f"{n} {what}" for what, n in sorted(ctx.made.items()) if n)
            world.say(f"{ctx.centre.name}: work for {learners} more learners ({made})")
    if loaded:
        _analyse()


def _analyse() -> None:
    """Refresh the query planner's statistics for the tables the demo loads in
    bulk. Until autovacuum gets round to it (never, where it is off), PostgreSQL
    plans for the tables as they were before the load, and the cohort reports'
    queries take minutes instead of milliseconds."""
    tables = [
        model._meta.db_table
        for model in (
            User,
            Membership,
            Enrolment,
            AdminEvent,
            Evidence,
            EvidenceRevision,
            EvidenceMapping,
            Submission,
            SubmissionVersion,
            SelfAssessment,
            Marking,
            MarkingJudgement,
            MarkingJudgement.evidence.through,
            AssessmentDecision,
            DecisionJudgement,
            FeedbackRelease,
            IqaReview,
            IqaActionPoint,
            AuditEntry,
            PracticeSession,
            ReviewLog,
            CardState,
        )
    ]
    names = [connection.ops.quote_name(table) for table in tables]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(names))
        elif connection.vendor == "sqlite":
            for name in names:
                cursor.execute("ANALYZE " + name)


def _centre_context(slug, data) -> _Centre:
    centre, cohorts = data["centre"], data["cohorts"]
    cohort_of = dict(
        Enrolment.objects.filter(cohort__in=cohorts)
        .order_by("cohort__start_date", "pk")
        .values_list("learner_id", "cohort_id")
    )
    units: dict[int, list[Unit]] = {}
    for cohort in cohorts:
        units.setdefault(
            cohort.qualification_id,
            [
                u
                for u in Unit.objects.filter(
                    qualification_id=cohort.qualification_id
                ).order_by("position", "title", "pk")
                if assessment_selectors.unit_marking_points(u.pk).exists()
            ],
        )
    prefix = {c["slug"]: c["prefix"] for c in CENTRES}.get(slug, slug)
    return _Centre(
        slug=slug,
        prefix=prefix,
        centre=centre,
        admin=data["staff"]["admin"],
        cohort_of=cohort_of,
        cohort_index={c.pk: n for n, c in enumerate(cohorts)},
        assessor_of={c.pk: c.assessors.order_by("pk").first() for c in cohorts},
        iqa_of={c.pk: c.iqas.order_by("pk").first() for c in cohorts},
        units=units,
        cohort_qualification={c.pk: c.qualification_id for c in cohorts},
        sampler=_Sampler(centre),
    )


def _busy_learners(centre) -> set[int]:
    """Learners at the centre who already have a portfolio or practice history."""
    busy = set(
        Submission.objects.filter(centre=centre).values_list("learner_id", flat=True)
    )
    busy |= set(
        Evidence.objects.filter(centre=centre).values_list("learner_id", flat=True)
    )
    busy |= set(
        ReviewLog.objects.filter(learner__memberships__centre=centre)
        .values_list("learner_id", flat=True)
        .distinct()
    )
    return busy


def _seed_batch(ctx: _Centre, units: _Units, batch) -> None:
    now = timezone.now()
    plans: list[_Plan] = []
    practice: list = []
    for position, learner in batch:
        given = len(plans) + len(practice)
        rng = random.Random(f"demo-bulk:{learner.username}")  # noqa: S311
        clock = _Clock(now, rng)
        cohort_id = ctx.cohort_of[learner.pk]
        level = rng.choices(
            LEVELS, weights=LEVEL_WEIGHTS[ctx.cohort_index[cohort_id] % 2]
        )[0]
        unit_list = ctx.units.get(ctx.cohort_qualification[cohort_id], [])
        for index, unit in enumerate(unit_list):
            units.load(unit)
            state = rng.choices(STATES, weights=STATE_WEIGHTS[level])[0]
            # The first bulk learners show every state, whatever the draw.
            forced = position - HANDCRAFTED
            if index == 0 and forced < len(STATES) - 1:
                state = STATES[forced + 1]
            plan = _plan_unit(
                ctx, units, rng, clock, learner, cohort_id, unit, state, level
            )
            if plan is not None:
                plans.append(plan)
                ctx.made[plan.state] += 1
        if rng.random() < PRACTICE_SHARE:
            with_cards = [u for u in unit_list if units.cards.get(u.pk)]
            if with_cards:
                practice.append((rng, learner, rng.choice(with_cards)))
        ctx.made["learners"] += len(plans) + len(practice) > given
    with _own_timestamps():
        _insert(ctx, units, plans, now)
    _insert_practice(ctx, units, practice, now)


# --- planning -------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _body_html(parts: tuple[str, str, str, str], free_text: str) -> str:
    keys = ("what_happened", "what_i_did", "outcome", "learned")
    return rendering.log_body_html(dict(zip(keys, parts, strict=True)), free_text)


def _content(evidence: Evidence) -> dict:
    """An EvidenceRevision's content, as portfolio.services._record_revision."""
    content = {"title": evidence.title}
    for name in (*portfolio_services.LOG_FIELDS, *portfolio_services.WITNESS_FIELDS):
        content[name] = getattr(evidence, name)
    content["is_draft"] = evidence.is_draft
    return content


def _new_evidence(ctx, rng, learner, unit, kind, when) -> Evidence:
    return Evidence(
        learner_id=learner.pk,
        centre_id=ctx.centre.pk,
        unit_id=unit.pk,
        kind=kind,
        is_draft=False,
        created_at=when,
        updated_at=min(when + timedelta(minutes=rng.randint(2, 50)), timezone.now()),
    )


def _log(ctx, rng, learner, unit, when, *, draft: bool = False) -> Evidence:
    scenario = rng.choice(SCENARIOS)
    who = rng.choice(WHO)
    fill = {"who": who, "Who": who[0].upper() + who[1:], "score": rng.choice(SCORES)}
    evidence = _new_evidence(ctx, rng, learner, unit, EvidenceKind.LOG, when)
    evidence.title = scenario["title"].format(**fill)
    evidence.what_happened = scenario["what_happened"].format(**fill)
    if draft:
        evidence.title = f"Draft: {evidence.title}"[:200]
        evidence.is_draft = True
    else:
        evidence.what_i_did = scenario["what_i_did"].format(**fill)
        evidence.outcome = scenario["outcome"].format(**fill)
        evidence.learned = scenario["learned"].format(**fill)
    _render(evidence)
    return evidence


def _render(evidence: Evidence) -> None:
    evidence.body_html = _body_html(
        (
            evidence.what_happened,
            evidence.what_i_did,
            evidence.outcome,
            evidence.learned,
        ),
        evidence.free_text,
    )
    _mark_suggested(evidence)


def _mark_suggested(evidence: Evidence) -> None:
    # Suggestions count as computed (none kept) for this text, so pages do not
    # wait for a task that bulk rows never queued.
    if not evidence.is_draft or evidence.kind == EvidenceKind.FILE:
        evidence.suggestions_hash = portfolio_services.text_hash(evidence.plain_text)


def _witness(ctx, rng, learner, unit, when) -> Evidence:
    name, role = rng.choice(WITNESSES)
    evidence = _new_evidence(ctx, rng, learner, unit, EvidenceKind.WITNESS, when)
    evidence.title = f"{role}'s observation"
    evidence.witness_name = name
    evidence.witness_role = role
    address = name.lower().replace(" ", ".").replace("'", "")
    evidence.witness_contact = f"{address}@example.org"
    evidence.free_text = rng.choice(STATEMENTS)
    _render(evidence)
    return evidence


def _file(ctx, rng, learner, unit, when) -> Evidence:
    name = learner.get_full_name() or learner.username
    roll = rng.random()
    text = ""
    if roll < 0.6:
        title, filename, template = rng.choice(NOTE_FILES)
        text = template.format(name=name, day=f"{when.day} {when:%B}")
        data, label = text.encode(), "txt"
    elif roll < 0.8:
        title, filename, template = rng.choice(WORD_FILES)
        text = template.format(name=name)
        data, label = demo_portfolio._docx(text), "docx"
    else:
        title, filename = CHART
        data, label = _chart(), "png"
    content_type, extension = uploads.ALLOWED[label]
    evidence = _new_evidence(ctx, rng, learner, unit, EvidenceKind.FILE, when)
    evidence.updated_at = when
    evidence.title = title
    evidence.original_name = filename
    evidence.content_type = content_type
    evidence.size = len(data)
    evidence.sha256 = hashlib.sha256(data).hexdigest()
    evidence.extracted_text = text
    evidence.extraction_status = (
        ExtractionStatus.DONE if text else ExtractionStatus.NOT_APPLICABLE
    )
    # Stored like models.evidence_upload_to names it, once the batch writes.
    evidence.file.name = (
        f"evidence/{when:%Y/%m}/{uuid.UUID(int=rng.getrandbits(128)).hex}{extension}"
    )
    evidence._bulk_data = data
    _mark_suggested(evidence)
    return evidence


@lru_cache(maxsize=1)
def _chart() -> bytes:
    return demo_portfolio._png()


def _item(ctx, rng, learner, unit, when, *, draft: bool = False) -> _Item:
    roll = rng.random()
    if draft:
        evidence = _log(ctx, rng, learner, unit, when, draft=True)
    elif roll < 0.2:
        evidence = _file(ctx, rng, learner, unit, when)
    elif roll < 0.27:
        evidence = _witness(ctx, rng, learner, unit, when)
    else:
        evidence = _log(ctx, rng, learner, unit, when)
    return _Item(
        evidence=evidence, points={}, contents=[_content(evidence)], revised_at=[when]
    )


def _map(rng, items: list[_Item], point_ids: list[int]) -> None:
    """Map each chosen point to one item (sometimes two), never to draft logs."""
    mappable = [i for i in items if not i.evidence.is_draft]
    if not mappable:
        return
    for point_id in point_ids:
        for item in rng.sample(mappable, min(len(mappable), 1 + (rng.random() < 0.3))):
            notes = FILE_NOTES if item.evidence.kind == EvidenceKind.FILE else LOG_NOTES
            item.points[point_id] = rng.choice(notes)


def _items_between(ctx, rng, clock, learner, unit, count, oldest, newest):
    """`count` items written from `oldest` to `newest` days ago, in order."""
    ages = sorted((rng.uniform(newest, oldest) for _ in range(count)), reverse=True)
    items, last = [], None
    for age in ages:
        when = clock.days_ago(age, not_before=last)
        items.append(_item(ctx, rng, learner, unit, when))
        last = when
    return items


def _plan_unit(ctx, units, rng, clock, learner, cohort_id, unit, state, level):
    if state == NONE:
        return None
    point_ids = [p.pk for p in units.points[unit.pk]]
    if not point_ids:
        return None
    new = level == "new"
    submission = Submission(
        learner_id=learner.pk, unit_id=unit.pk, centre_id=ctx.centre.pk
    )
    plan = _Plan(learner, cohort_id, unit, state, submission, [])
    ai_level = ctx.ai_level(unit)
    if state == DRAFT:
        count = rng.randint(1, 3 if new else 6)
        cover = rng.uniform(0.1, 0.35) if new else rng.uniform(0.3, 0.8)
        first = rng.uniform(8, 45)
        items = _items_between(
            ctx, rng, clock, learner, unit, count, first, rng.uniform(0, 5)
        )
        if rng.random() < 0.35:
            items[-1] = _item(
                ctx, rng, learner, unit, items[-1].evidence.created_at, draft=True
            )
        for item in items:
            item.first_version = 0
        _map(rng, items, rng.sample(point_ids, _share(point_ids, cover)))
        plan.items = items
        if rng.random() < 0.3:
            plan.claims = _claims(rng, items, point_ids)
        _dates(plan, items[0].evidence.created_at, _last(items), None)
        return plan

    resubmitted = (
        state in (SUBMITTED, IN_MARKING, ACHIEVED)
        and not new
        and rng.random() < RESUBMITTED_SHARE
    )
    awaiting = (
        state == IN_MARKING
        and ctx.centre.release_requires_check
        and rng.random() < AWAITING_RELEASE_SHARE
    )
    # When the (last) version went in, in days ago; evidence is written in the
    # five to fifteen days before the first, all since enrolment (63 days ago).
    if state == SUBMITTED:
        age = rng.choice(WAITING_DAYS) + rng.random()
    elif state == IN_MARKING:
        age = rng.uniform(3, 12)
    else:
        age = rng.uniform(10, 20 if resubmitted else 40)
    first_age = age + rng.uniform(14, 21) if resubmitted else age
    count = rng.randint(2 if state == RETURNED else 3, 7)
    oldest = first_age + rng.uniform(5, 15)
    items = _items_between(ctx, rng, clock, learner, unit, count, oldest, first_age + 1)
    full = state == ACHIEVED and not resubmitted
    cover = 1.0 if full else rng.uniform(0.5, 0.95)
    covered = rng.sample(point_ids, _share(point_ids, cover))
    _map(rng, items, covered)
    plan.items = items
    claims = _claims(rng, items, point_ids) if rng.random() < 0.6 else None
    plan.claims = claims
    submitted = clock.days_ago(first_age, not_before=_last(items))
    version = _Version(1, submitted, claims, _ai_use(rng, ai_level))
    plan.versions.append(version)
    if resubmitted:
        # Returned for more evidence, then revised and submitted again.
        version.decision = _decide(
            ctx, units, rng, clock, unit, covered, scale.Outcome.NOT_YET, submitted
        )
        released = version.decision.released_at
        edit_at = clock.days_ago(age + rng.uniform(1, 4), not_before=released)
        logs = [i for i in items if i.evidence.kind == EvidenceKind.LOG]
        if logs:
            _edit(rng.choice(logs), edit_at, 2)
        extra = _item(ctx, rng, learner, unit, edit_at + timedelta(minutes=30))
        extra.first_version = 2
        weak = [p for p, v in version.decision.values.items() if v < 2]
        _map(rng, [extra], weak or covered[:1])
        items.append(extra)
        if claims is not None:
            claims = _claims(rng, items, point_ids)
            plan.claims = claims
        version = _Version(
            2,
            clock.days_ago(age, not_before=extra.evidence.created_at),
            claims,
            _ai_use(rng, ai_level),
        )
        plan.versions.append(version)
    mapped = {p for i in items for p in i.points}
    if state == IN_MARKING and not awaiting:
        started = clock.days_ago(rng.uniform(0, min(age, 2)), not_before=version.at)
        judged = rng.randint(0, len(point_ids) - 1)
        version.draft_marking = (
            started,
            {p: _value(rng, p, mapped) for p in point_ids[:judged]},
        )
    elif state != SUBMITTED:
        if state == ACHIEVED:
            outcome = scale.Outcome.ACHIEVED
        elif state == RETURNED:
            outcome = scale.Outcome.NOT_YET
        else:  # decided, feedback waiting for its second look
            outcome = (
                scale.Outcome.ACHIEVED if rng.random() < 0.7 else scale.Outcome.NOT_YET
            )
        version.decision = _decide(
            ctx,
            units,
            rng,
            clock,
            unit,
            sorted(mapped),
            outcome,
            version.at,
            awaiting=awaiting,
        )
    last_event = max(
        [_last(items), version.at]
        + [
            moment
            for v in plan.versions
            if v.decision
            for moment in (v.decision.finalised, v.decision.released_at)
            if moment
        ]
    )
    if state == RETURNED and rng.random() < 0.3:
        # Working on it again: a draft log written after the feedback.
        after = clock.days_ago(rng.uniform(0, 3), not_before=last_event)
        extra = _item(ctx, rng, learner, unit, after, draft=True)
        extra.first_version = 0
        items.append(extra)
        last_event = after
    locked = state in (SUBMITTED, IN_MARKING, ACHIEVED)
    for item in items:
        item.evidence.is_locked = locked and item.first_version > 0
    _dates(plan, items[0].evidence.created_at, last_event, version.at)
    submission.status = state
    submission.current_version = len(plan.versions)
    if state in (RETURNED, ACHIEVED):
        submission.notified_for = f"{state}:{submission.current_version}"
    return plan


def _share(point_ids, cover: float) -> int:
    return max(1, min(len(point_ids), round(cover * len(point_ids))))


def _last(items: list[_Item]) -> datetime:
    return max(i.evidence.updated_at for i in items)


def _dates(plan: _Plan, created, updated, submitted) -> None:
    plan.submission.created_at = created
    plan.submission.updated_at = max(created, updated)
    plan.submission.submitted_at = submitted


def _edit(item: _Item, when: datetime, version: int) -> None:
    evidence = item.evidence
    evidence.outcome = evidence.outcome + EDIT
    evidence.version = 2
    evidence.updated_at = when
    _render(evidence)
    item.contents.append(_content(evidence))
    item.revised_at.append(when)
    item.edited_for = version


def _claims(rng, items, point_ids) -> dict[int, tuple[bool, str]]:
    """The learner's self-assessment: the points they mapped, and the odd hope."""
    mapped = {p for i in items for p in i.points}
    return {
        p: (True, rng.choice(["See my log", "", "Witness testimony"]))
        if p in mapped
        else (rng.random() < 0.1, "")
        for p in point_ids
    }


def _ai_use(rng, level: str) -> str:
    if level == AiUseLevel.NONE:
        return ""
    if level == AiUseLevel.DISCLOSED:
        return rng.choice(["None.", "I used a grammar checker on my logs."])
    return "" if rng.random() < 0.7 else "I used a grammar checker on my logs."


def _value(rng, point_id: int, mapped: set[int]) -> int:
    if point_id not in mapped:
        return 0
    return 2 if rng.random() < 0.8 else 1


def _decide(
    ctx, units, rng, clock, unit, mapped, outcome, submitted, *, awaiting=False
) -> _Decision:
    points = [p.pk for p in units.points[unit.pk]]
    rule, min_percent = units.rules[unit.pk]
    mapped_set = set(mapped)
    if outcome == scale.Outcome.ACHIEVED:
        values = dict.fromkeys(points, 2)
    else:
        values = {p: _value(rng, p, mapped_set) for p in points}
        # Lower points until the unit's rule says "not yet".
        while (
            scale.outcome_for([values[p] for p in points], rule=rule, min_percent=min_percent)
            == scale.Outcome.ACHIEVED
        ):  # fmt: skip
            point = rng.choice([p for p in points if values[p] > 0])
            values[point] -= 1
    seconds = (
        rng.randint(25 * 60, 90 * 60) if rng.random() > 0.05 else rng.randint(480, 900)
    )
    days = (clock.now - submitted).total_seconds() / 86400
    finalised = clock.days_ago(
        max(0.0, days - rng.uniform(1, min(6, max(1, days - 0.5)))),
        not_before=submitted + timedelta(seconds=seconds),
    )
    decision = _Decision(
        values=values,
        started=finalised - timedelta(seconds=seconds),
        finalised=finalised,
        feedback=rng.choice(
            ACHIEVED_FEEDBACK if outcome == scale.Outcome.ACHIEVED else NOT_YET_FEEDBACK
        ),
        next_steps="" if outcome == scale.Outcome.ACHIEVED else rng.choice(NEXT_STEPS),
        release=ReleaseStatus.RELEASED,
    )
    latest = clock.now - timedelta(minutes=3)
    if ctx.centre.release_requires_check:
        if awaiting:
            decision.release = rng.choice([ReleaseStatus.MARKED, ReleaseStatus.READY])
        if decision.release != ReleaseStatus.MARKED:
            decision.ready_at = min(
                finalised + timedelta(hours=rng.randint(1, 20)), latest
            )
        if decision.release == ReleaseStatus.RELEASED:
            decision.released_at = min(
                decision.ready_at + timedelta(hours=rng.randint(1, 20)), latest
            )
    else:
        decision.released_at = finalised
    if decision.released_at and rng.random() < 0.5:
        decision.acknowledged_at = min(
            decision.released_at + timedelta(hours=rng.randint(6, 40)),
            clock.now - timedelta(minutes=2),
        )
    return decision


# --- inserting ------------------------------------------------------------------------
@contextmanager
def _own_timestamps() -> Iterator[None]:
    """Let bulk_create store the dates the plans give instead of "now"
    (auto_now/auto_now_add would overwrite them), for the duration of the step."""
    models = [
        Evidence,
        EvidenceRevision,
        EvidenceMapping,
        Submission,
        SubmissionVersion,
        Marking,
        AssessmentDecision,
        IqaReview,
    ]
    fields = [
        f
        for model in models
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _with_ids(rows: list) -> list:
    if rows and rows[-1].pk is None:  # every supported database returns ids
        raise RuntimeError("bulk_create did not return primary keys")
    return rows


def _insert(ctx: _Centre, units: _Units, plans: list[_Plan], now) -> None:
    items = [item for plan in plans for item in plan.items]
    storage = Evidence._meta.get_field("file").storage
    stored: list[str] = []
    try:
        for item in items:
            data = getattr(item.evidence, "_bulk_data", None)
            if data is not None:
                item.evidence.file.name = storage.save(
                    item.evidence.file.name, ContentFile(data)
                )
                stored.append(item.evidence.file.name)
        _insert_rows(ctx, units, plans, items, now)
    except BaseException:
        for name in stored:
            storage.delete(name)
        raise


def _insert_rows(ctx, units, plans, items, now) -> None:
    _with_ids(Submission.objects.bulk_create([p.submission for p in plans], 1000))
    _with_ids(Evidence.objects.bulk_create([i.evidence for i in items], 1000))
    EvidenceRevision.objects.bulk_create(
        [
            EvidenceRevision(
                evidence_id=item.evidence.pk,
                number=n,
                content=content,
                created_at=when,
            )
            for item in items
            for n, (content, when) in enumerate(
                zip(item.contents, item.revised_at, strict=True), start=1
            )
        ],
        batch_size=2000,
    )
    EvidenceMapping.objects.bulk_create(
        [
            EvidenceMapping(
                evidence_id=item.evidence.pk,
                marking_point_id=point_id,
                note=note,
                created_at=item.evidence.created_at,
            )
            for item in items
            for point_id, note in item.points.items()
        ],
        batch_size=2000,
    )
    versions = []
    for plan in plans:
        for version in plan.versions:
            version.row = SubmissionVersion(
                submission_id=plan.submission.pk,
                number=version.number,
                snapshot=_snapshot(units, plan, version.number),
                declared_authentic=True,
                ai_use=version.ai_use,
                ai_level=ctx.ai_level(plan.unit),
                self_assessment={
                    str(p): {"claimed": claimed, "note": note}
                    for p, (claimed, note) in (version.claims or {}).items()
                },
                created_at=version.at,
            )
            versions.append(version.row)
    _with_ids(SubmissionVersion.objects.bulk_create(versions, 1000))
    SelfAssessment.objects.bulk_create(
        [
            SelfAssessment(
                submission_id=plan.submission.pk,
                submission_version_id=version.row.pk if version else None,
                marking_point_id=point_id,
                claimed=claimed,
                note=note,
            )
            for plan in plans
            for version, claims in [(None, plan.claims)]
            + [(v, v.claims) for v in plan.versions]
            if claims
            for point_id, (claimed, note) in claims.items()
        ],
        batch_size=2000,
    )
    _insert_marking(ctx, units, plans, now)


def _snapshot(units: _Units, plan: _Plan, number: int) -> dict:
    """The version snapshot exactly as portfolio.services.submission_submit takes it."""
    items = sorted(
        (i for i in plan.items if 0 < i.first_version <= number),
        key=lambda i: i.evidence.pk,
    )
    return {
        "evidence_ids": [i.evidence.pk for i in items],
        "evidence": [
            {
                "id": i.evidence.pk,
                "kind": i.evidence.kind,
                "title": i.evidence.title,
                "revision": i.revision_for(number),
                "sha256": i.evidence.sha256,
                "mappings": [
                    {"marking_point": point_id, "note": i.points[point_id]}
                    for point_id in sorted(i.points, key=units.rank.__getitem__)
                ],
            }
            for i in items
        ],
    }


def _linked(plan: _Plan, number: int) -> dict[int, list[int]]:
    """Per marking point, the version's evidence mapped to it (marking_start's
    pre-linking)."""
    linked: dict[int, list[int]] = {}
    for item in sorted(plan.items, key=lambda i: i.evidence.pk):
        if 0 < item.first_version <= number:
            for point_id in item.points:
                linked.setdefault(point_id, []).append(item.evidence.pk)
    return linked


def _insert_marking(ctx: _Centre, units: _Units, plans: list[_Plan], now) -> None:
    """Markings (finalised with a decision, or a draft in progress) and their
    judgements, with the mapped evidence linked as marking_start links it."""
    markings = []
    for plan in plans:
        assessor = ctx.assessor_of[plan.cohort_id]
        for version in plan.versions:
            if version.decision is not None:
                d = version.decision
                started, updated, values = d.started, d.finalised, d.values
                finalised, feedback, steps = d.finalised, d.feedback, d.next_steps
            elif version.draft_marking is not None:
                started, values = version.draft_marking
                updated, finalised = started + timedelta(minutes=40), None
                feedback = steps = ""
            else:
                continue
            marking = Marking(
                submission_id=plan.submission.pk,
                submission_version_id=version.row.pk,
                assessor_id=assessor.pk,
                summative_feedback=feedback,
                next_steps=steps,
                version=1 + len(values) // 3 + (finalised is not None),
                updated_by_id=assessor.pk,
                started_at=started,
                updated_at=min(updated, now),
                finalised_at=finalised,
            )
            marking._plan = (plan, version, values)
            markings.append(marking)
    _with_ids(Marking.objects.bulk_create(markings, 1000))
    judgements = []
    for marking in markings:
        plan, version, values = marking._plan
        linked = _linked(plan, version.number)
        for point in units.points[plan.unit.pk]:
            value = values.get(point.pk)
            row = MarkingJudgement(
                marking_id=marking.pk,
                marking_point_id=point.pk,
                value=value,
                comment=COMMENTS[value] if value is not None else "",
            )
            row._evidence = linked.get(point.pk, [])
            judgements.append(row)
    _with_ids(MarkingJudgement.objects.bulk_create(judgements, 2000))
    through = MarkingJudgement.evidence.through
    through.objects.bulk_create(
        [
            through(markingjudgement_id=row.pk, evidence_id=evidence_id)
            for row in judgements
            for evidence_id in row._evidence
        ],
        batch_size=5000,
    )
    _insert_decisions(ctx, units, plans, now)


def _insert_decisions(ctx: _Centre, units: _Units, plans: list[_Plan], now) -> None:
    """Decisions as marking_finalise records them (outcome by the unit's rule,
    score, the IQA sample), their frozen judgements and feedback release."""
    centre = ctx.centre
    checked = centre.release_requires_check
    decided = []
    for plan in plans:
        assessor = ctx.assessor_of[plan.cohort_id]
        for version in plan.versions:
            d = version.decision
            if d is None:
                continue
            ordered = [d.values[p.pk] for p in units.points[plan.unit.pk]]
            rule, min_percent = units.rules[plan.unit.pk]
            outcome = scale.outcome_for(ordered, rule=rule, min_percent=min_percent)
            total = scale.score(ordered)
            seconds = int((d.finalised - d.started).total_seconds())
            claims = version.claims or {}
            key = f"{plan.submission.pk}:{version.row.pk}"
            chosen = ctx.sampler.decide(
                assessor_id=assessor.pk,
                unit_id=plan.unit.pk,
                when=d.finalised,
                seconds=seconds,
                key=key,
                claims=[(claims[p][0], d.values[p]) for p in d.values if p in claims],
            )
            d.row = AssessmentDecision(
                submission_id=plan.submission.pk,
                submission_version_id=version.row.pk,
                centre_id=centre.pk,
                unit_id=plan.unit.pk,
                assessor_id=assessor.pk,
                outcome=outcome.value,
                score=total.total,
                max_score=total.maximum,
                percent=total.percent,
                summative_feedback=d.feedback,
                next_steps=d.next_steps,
                marking_seconds=seconds,
                sampled=chosen.selected,
                sample_rate=chosen.rate_percent,
                sample_reasons=list(chosen.reasons),
                sample_draw=sampling.draw_for(key),
                created_at=d.finalised,
            )
            decided.append((plan, version, assessor, total))
    _with_ids(
        AssessmentDecision.objects.bulk_create(
            [v.decision.row for _p, v, _a, _t in decided], 1000
        )
    )
    judgements, releases, audit = [], [], []
    for plan, version, assessor, total in decided:
        d, row = version.decision, version.decision.row
        claims = version.claims or {}
        linked = _linked(plan, version.number)
        judgements += [
            DecisionJudgement(
                decision_id=row.pk,
                marking_point_id=p.pk,
                value=d.values[p.pk],
                comment=COMMENTS[d.values[p.pk]],
                evidence_ids=sorted(linked.get(p.pk, [])),
                learner_claimed=claims[p.pk][0] if p.pk in claims else None,
            )
            for p in units.points[plan.unit.pk]
        ]
        releaser = ctx.admin if checked else assessor
        releases.append(
            FeedbackRelease(
                decision_id=row.pk,
                status=d.release,
                ready_by_id=assessor.pk if d.ready_at else None,
                ready_at=d.ready_at,
                released_by_id=releaser.pk if d.released_at else None,
                released_at=d.released_at,
                acknowledged_at=d.acknowledged_at,
            )
        )
        # The audit entries marking_finalise, feedback_mark_ready and
        # feedback_release record, with their payloads.
        audit.append(
            (
                d.finalised,
                assessor.pk,
                "decision.finalise",
                row,
                {
                    "submission": plan.submission.pk,
                    "version": version.number,
                    "learner": plan.submission.learner_id,
                    "unit": plan.unit.pk,
                    "outcome": row.outcome,
                    "score": total.total,
                    "max_score": total.maximum,
                    "judgements": {str(k): v for k, v in sorted(d.values.items())},
                    "supersedes": None,
                    "reason": "",
                    "sampled": row.sampled,
                    "sample_rate": row.sample_rate,
                    "sample_reasons": row.sample_reasons,
                },
            )
        )
        if d.ready_at:
            audit.append((d.ready_at, assessor.pk, "feedback.ready", row, {}))
        if d.released_at:
            audit.append(
                (
                    d.released_at,
                    releaser.pk,
                    "feedback.release",
                    row,
                    {"submission": plan.submission.pk, "outcome": row.outcome},
                )
            )
    DecisionJudgement.objects.bulk_create(judgements, batch_size=2000)
    FeedbackRelease.objects.bulk_create(releases, batch_size=1000)
    ctx.made["decisions"] += len(decided)
    audit += _insert_iqa(ctx, decided, now)
    _audit(ctx.centre, audit)


def _insert_iqa(ctx: _Centre, decided: list, now) -> list:
    """Review some of the sampled decisions, as the cohort's IQA would have a
    few days after each, and return the audit events iqa_review_record and
    action_point_close would have written."""
    reviews = []
    for plan, version, assessor, _total in decided:
        d = version.decision
        iqa = ctx.iqa_of[plan.cohort_id]
        if (
            iqa is None
            or not d.row.sampled
            or assessor.pk == iqa.pk
            or d.finalised > now - timedelta(days=3)
        ):
            continue
        seed = f"demo-bulk-iqa:{plan.learner.username}:{plan.unit.pk}:{version.number}"
        rng = random.Random(seed)  # noqa: S311
        if rng.random() > 0.35:
            continue
        agree = rng.random() < 0.85
        when = min(
            d.finalised + timedelta(days=rng.randint(2, 5)),
            now - timedelta(minutes=10),
        )
        review = IqaReview(
            decision_id=d.row.pk,
            iqa_id=iqa.pk,
            verdict=IqaVerdict.AGREE if agree else IqaVerdict.DISAGREE,
            valid=True,
            authentic=True,
            current=True,
            sufficient=agree,
            comment="" if agree else rng.choice(IQA_DISAGREE),
            created_at=when,
        )
        review._action = None
        if not agree:
            closed = rng.random() < 0.5
            review._action = IqaActionPoint(
                assessor_id=assessor.pk,
                text=rng.choice(IQA_ACTIONS),
                closed_at=min(
                    when + timedelta(days=rng.randint(1, 3)),
                    now - timedelta(minutes=1),
                )
                if closed
                else None,
                closing_note=rng.choice(IQA_CLOSING) if closed else "",
            )
        reviews.append(review)
        ctx.sampler.review(assessor.pk, review.verdict)
    _with_ids(IqaReview.objects.bulk_create(reviews, 1000))
    actions = []
    for review in reviews:
        if review._action is not None:
            review._action.review_id = review.pk
            actions.append(review._action)
    _with_ids(IqaActionPoint.objects.bulk_create(actions, 1000))
    audit = []
    for review in reviews:
        action = review._action
        audit.append(
            (
                review.created_at,
                review.iqa_id,
                "iqa.review",
                review,
                {
                    "decision": review.decision_id,
                    "verdict": str(review.verdict.value),
                    "vacs": {
                        "valid": review.valid,
                        "authentic": review.authentic,
                        "current": review.current,
                        "sufficient": review.sufficient,
                    },
                    "action_points": [action.text] if action else [],
                },
            )
        )
        if action and action.closed_at:
            audit.append(
                (
                    action.closed_at,
                    action.assessor_id,
                    "iqa.action_closed",
                    action,
                    {"note": action.closing_note},
                )
            )
    ctx.made["IQA reviews"] += len(reviews)
    return audit


def _audit(centre, events: list) -> None:
    """Append the batch's events to the hash-chained audit log in time order, as
    assessments.audit.audit_record would have one by one."""
    if not events:
        return
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    entries = []
    seq, previous = head.seq, head.hash
    for when, actor, action, obj, payload in sorted(events, key=lambda e: (e[0], e[2])):
        seq += 1
        entry = AuditEntry(
            seq=seq,
            created_at=when.astimezone(UTC),
            actor_id=actor,
            centre_id=centre.pk,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            payload=payload,
            prev_hash=previous,
        )
        entry.hash = entry.compute_hash()
        previous = entry.hash
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    head.seq, head.hash = seq, previous
    head.save(update_fields=["seq", "hash"])


def _insert_practice(ctx: _Centre, units: _Units, practice: list, now) -> None:
    sessions, logs, states = [], [], []
    for rng, learner, unit in practice:
        profile = (
            rng.randint(5, 42),
            rng.choice([0, 0, 0, 1, 3, 7, 14]),
            rng.randint(4, 10),
        )
        made = demo_practice.simulate_history(
            rng,
            learner,
            unit,
            units.cards[unit.pk],
            profile,
            now,
            new_uuid=lambda rng=rng: uuid.UUID(int=rng.getrandbits(128), version=4),
            fuzz=False,
        )
        sessions += made[0]
        logs += made[1]
        states += made[2]
    demo_practice.insert_history(sessions, logs, states)
    ctx.made["practice reviews"] += len(logs)
