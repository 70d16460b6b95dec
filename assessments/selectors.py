"""Read queries for marking, feedback and IQA, scoped to what the actor may see."""

import difflib
import hashlib
import itertools
import operator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, JSONObject
from django.http import Http404
from django.utils import timezone

from assessments import permissions, sampling, workdays
from assessments.models import (
    DEFAULT_POLICY,
    AnchoredComment,
    AnchoredReply,
    AssessmentDecision,
    CommentBankEntry,
    DecisionJudgement,
    FeedbackRelease,
    IqaActionPoint,
    Marking,
    MarkingJudgement,
    ReleaseStatus,
    ResubmissionAuthorisation,
    ResubmissionPolicy,
    UnitMarkingRule,
)
from centres.models import Cohort, Enrolment, EnrolmentStatus, Role, User
from portfolio.models import (
    Evidence,
    EvidenceRevision,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
    SuggestedMapping,
    SuggestionStatus,
)
from revision.models import MarkingPoint, Unit

WAITING = (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_MARKING)
QUEUE_PAGE_SIZE = 25


# --- Scope ------------------------------------------------------------------------
def _enrolments_for(*, assessor_id: int | None) -> QuerySet[Enrolment]:
    """Active enrolments linking a submission's learner to a cohort on the unit's
    qualification at the submission's centre (optionally one assessor's)."""
    qs = Enrolment.objects.filter(
        learner=OuterRef("learner"),
        cohort__centre=OuterRef("centre"),
        cohort__qualification=OuterRef("unit__qualification"),
        status=EnrolmentStatus.ACTIVE,
    )
    if assessor_id is not None:
        qs = qs.filter(cohort__assessors=assessor_id)
    return qs


def _marker_scope(*, user: Any, roles: frozenset[str], path: str = "") -> Q:
    """Which submissions (reached through `path`) the actor may mark or look at as
    a marker, at the submission's own centre: every one for an admin, those of
    learners in their assigned cohorts for an assessor, none otherwise."""
    if permissions.sees_every_queue(roles):
        return Q()
    if Role.ASSESSOR not in roles:
        return Q(pk__in=[])
    assigned = Enrolment.objects.filter(
        learner=OuterRef(f"{path}learner"),
        cohort__centre=OuterRef(f"{path}centre"),
        cohort__qualification=OuterRef(f"{path}unit__qualification"),
        status=EnrolmentStatus.ACTIVE,
        cohort__assessors=user.pk,
    )
    return Q(Exists(assigned))


def submissions_for_marker(
    *, user: Any, centre: Any, roles: frozenset[str]
) -> QuerySet[Submission]:
    """Submissions at `centre` the actor may mark or look at as a marker: every one
    for an admin, those of learners in their assigned cohorts for an assessor.
    Only those submitted at least once: a unit never submitted is the learner's
    draft, with nothing to mark."""
    return Submission.objects.filter(
        _marker_scope(user=user, roles=roles), centre=centre, current_version__gt=0
    )


def submission_is_assigned(*, user: Any, submission: Submission) -> bool:
    """Whether `user` assesses a cohort the submission's learner is on."""
    return (
        Submission.objects.filter(pk=submission.pk)
        .filter(Exists(_enrolments_for(assessor_id=user.pk)))
        .exists()
    )


def submission_get_for_marker(
    *, user: Any, centre: Any, roles: frozenset[str], pk: int
) -> Submission:
    """One submission the actor may mark. Raises Http404 for missing and not-yours."""
    try:
        return (
            submissions_for_marker(user=user, centre=centre, roles=roles)
            .select_related("learner", "unit", "unit__qualification", "centre")
            .get(pk=pk)
        )
    except Submission.DoesNotExist:
        raise Http404("No such submission") from None


def submission_light_for_marker(
    *, user: Any, centre: Any, roles: frozenset[str], pk: int
) -> Submission:
    """One submission the actor may mark with only its learner and current version
    loaded: the scope check made on every request for a kept marking screen (a
    `marking_screen` can be built from it). Raises Http404 for missing and
    not-yours."""
    submission = (
        submissions_for_marker(user=user, centre=centre, roles=roles)
        .filter(pk=pk)
        .only("learner_id", "current_version")
        .order_by()
        .first()
    )
    if submission is None:
        raise Http404("No such submission")
    return submission


# --- Queue ------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueRow:
    """One waiting submission as the queue lists it."""

    pk: int
    learner: str
    unit_title: str
    cohort_name: str
    submitted_at: Any  # datetime | None
    status: str
    version: int
    target_days: int
    days_waiting: int

    @property
    def overdue(self) -> bool:
        return self.days_waiting > self.target_days

    @property
    def is_resubmission(self) -> bool:
        return self.version > 1


@dataclass(frozen=True)
class ScopeCohort:
    """A cohort whose learners' submissions a queue covers."""

    pk: int
    name: str
    qualification_id: int
    target_days: int  # the cohort's marking target, else the centre's


@dataclass(frozen=True)
class QueueChoices:
    """What the queue's filters offer, and the cohorts behind them: the actor's
    own (or every one at the centre for those who see every queue)."""

    cohorts: list[ScopeCohort]
    units: list[tuple[int, str]]

    @property
    def cohort_choices(self) -> list[tuple[int, str]]:
        return [(c.pk, c.name) for c in self.cohorts]


@dataclass
class Queue:
    rows: list[QueueRow]
    total: int
    overdue: int
    resubmissions: int
    in_marking: int
    page: int
    pages: int
    cohorts: list[tuple[int, str]] = field(default_factory=list)
    units: list[tuple[int, str]] = field(default_factory=list)

    @property
    def first(self) -> int:
        """The position in the whole queue of the page's first row (from 1)."""
        return (self.page - 1) * QUEUE_PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _scope_cohorts(
    *, user: Any, centre: Any, roles: frozenset[str]
) -> list[ScopeCohort]:
    """The cohorts with learners whose work the actor marks, by name (one query)."""
    qs = Cohort.objects.filter(centre=centre).filter(
        Exists(Enrolment.objects.filter(cohort=OuterRef("pk")))
    )
    if not permissions.sees_every_queue(roles):
        qs = qs.filter(assessors=user)
    default = centre.marking_target_days
    return [
        ScopeCohort(pk, name, qualification_id, default if target is None else target)
        for pk, name, qualification_id, target in qs.order_by("name", "pk").values_list(
            "pk", "name", "qualification_id", "marking_target_days"
        )
    ]


def _first_cohort(cohorts: list[ScopeCohort], *, assessor_id: int | None) -> Subquery:
    """The id of the first cohort by name among `cohorts` that the submission's
    learner is actively enrolled on for the unit's qualification."""
    qs = Enrolment.objects.filter(
        learner=OuterRef("learner"),
        cohort_id__in=[c.pk for c in cohorts],
        cohort__qualification_id=OuterRef("unit__qualification_id"),
        status=EnrolmentStatus.ACTIVE,
    )
    if assessor_id is not None:
        qs = qs.filter(cohort__assessors=assessor_id)
    return Subquery(qs.order_by("cohort__name", "pk").values("cohort_id")[:1])


def _waiting(
    *,
    centre: Any,
    cohorts: list[ScopeCohort],
    assessor_id: int | None = None,
    unit_id: int | None = None,
) -> QuerySet[Submission]:
    """Submissions waiting at `centre` from learners actively enrolled on one of
    `cohorts` (on the unit's qualification), optionally only those `assessor_id`
    assesses, whose current version is not finalised yet. The cohorts are named
    by id, so each row costs one index probe on the enrolments."""
    if not cohorts:
        return Submission.objects.none()
    by_qualification: dict[int, list[int]] = {}
    for cohort in cohorts:
        by_qualification.setdefault(cohort.qualification_id, []).append(cohort.pk)
    enrolled = Q()
    for qualification_id, ids in sorted(by_qualification.items()):
        enrolments = Enrolment.objects.filter(
            learner=OuterRef("learner"),
            cohort_id__in=ids,
            status=EnrolmentStatus.ACTIVE,
        )
        if assessor_id is not None:
            enrolments = enrolments.filter(cohort__assessors=assessor_id)
        enrolled |= Q(unit__qualification_id=qualification_id) & Q(Exists(enrolments))
    finalised = Marking.objects.filter(
        submission=OuterRef("pk"),
        submission_version__number=OuterRef("current_version"),
        finalised_at__isnull=False,
    )
    qs = (
        Submission.objects.filter(centre=centre, status__in=WAITING)
        .filter(enrolled)
        .exclude(Exists(finalised))
    )
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs


def _counts(
    qs: QuerySet[Submission],
    *,
    cohorts: list[ScopeCohort],
    assessor_id: int | None,
    today: date,
    holidays: frozenset[date],
) -> tuple[QuerySet[Submission], dict[str, Count]]:
    """The queue's counts as aggregates (waiting, past target, resubmissions, being
    marked), with `qs` annotated with each row's cohort when they need it.

    Past target is a filter on when a row was submitted: on or before the last
    day that puts it beyond its cohort's target, in working days as
    `workdays.working_days_between` counts them (in the current time zone, less
    the centre's bank `holidays`). So rows need their cohort only when the
    cohorts' targets differ."""
    counts = {
        "total": Count("pk"),
        "resubmissions": Count("pk", filter=Q(current_version__gt=1)),
        "in_marking": Count("pk", filter=Q(status=SubmissionStatus.IN_MARKING)),
    }
    by_target: dict[int, list[int]] = {}
    for cohort in cohorts:
        by_target.setdefault(cohort.target_days, []).append(cohort.pk)
    zone = timezone.get_current_timezone()

    def cutoff(target: int) -> datetime:
        day = workdays.latest_start_beyond(target, today, holidays) + timedelta(days=1)
        return datetime.combine(day, time.min, tzinfo=zone)

    if len(by_target) == 1:
        counts["overdue"] = Count(
            "pk", filter=Q(submitted_at__lt=cutoff(next(iter(by_target))))
        )
    elif by_target:
        qs = qs.annotate(cohort_id=_first_cohort(cohorts, assessor_id=assessor_id))
        overdue = Q()
        for target, ids in sorted(by_target.items()):
            overdue |= Q(cohort_id__in=ids, submitted_at__lt=cutoff(target))
        counts["overdue"] = Count("pk", filter=overdue)
    return qs, counts


def queue_choices_for_actor(
    *, user: Any, centre: Any, roles: frozenset[str]
) -> QueueChoices:
    """The cohorts the actor's queue covers and the units with work waiting at the
    centre, for the queue's filters (two queries, whatever the cohorts' size)."""
    units = (
        Unit.objects.filter(
            Exists(
                Submission.objects.filter(
                    unit=OuterRef("pk"), centre=centre, status__in=WAITING
                )
            )
        )
        .order_by("title", "pk")
        .values_list("pk", "title")
    )
    return QueueChoices(
        cohorts=_scope_cohorts(user=user, centre=centre, roles=roles),
        units=list(units),
    )


def _queue_page(
    qs: QuerySet[Submission],
    counts: dict[str, Count],
    *,
    cohorts: list[ScopeCohort],
    assessor_id: int | None,
    start: int,
) -> list[dict[str, Any]]:
    """One page of the queue, oldest first, each row also carrying the counts over
    the whole queue (window aggregates): the rows in scope are found once."""
    return list(
        qs.annotate(
            first_cohort=_first_cohort(cohorts, assessor_id=assessor_id),
            **{name: Window(count) for name, count in counts.items()},
        )
        .order_by("submitted_at", "pk")
        .values(
            "pk",
            "learner_id",
            "unit__title",
            "submitted_at",
            "status",
            "current_version",
            "first_cohort",
            *counts,
        )[start : start + QUEUE_PAGE_SIZE]
    )


def queue_for_actor(
    *,
    user: Any,
    centre: Any,
    roles: frozenset[str],
    cohort_id: int | None = None,
    unit_id: int | None = None,
    assessor_id: int | None = None,
    page: int = 1,
    today: date | None = None,
    choices: QueueChoices | None = None,
) -> Queue:
    """Submissions waiting to be marked, oldest first, a page at a time, with days
    waiting against the cohort's (or centre's) marking target, and the counts
    over the whole queue. Four queries whatever the queue's size (two when the
    caller has the filter `choices` already): the page with the counts, then its
    learners' names; one more only for a page past the end."""
    today = today or timezone.localdate()
    holidays = workdays.bank_holidays(centre.bank_holidays, today)
    choices = choices or queue_choices_for_actor(user=user, centre=centre, roles=roles)
    cohorts = [c for c in choices.cohorts if cohort_id in (None, c.pk)]
    if not permissions.sees_every_queue(roles):
        assessor_id = None  # their own cohorts are the scope already
    scope = {"cohorts": cohorts, "assessor_id": assessor_id}
    qs, counts = _counts(
        _waiting(centre=centre, unit_id=unit_id, **scope),
        today=today,
        holidays=holidays,
        **scope,
    )
    page = max(1, page)
    found = _queue_page(qs, counts, start=(page - 1) * QUEUE_PAGE_SIZE, **scope)
    if not found and page > 1:  # past the end (the queue shrank): the last page
        total = qs.aggregate(n=Count("pk"))["n"]
        page = max(1, -(-total // QUEUE_PAGE_SIZE))
        found = _queue_page(qs, counts, start=(page - 1) * QUEUE_PAGE_SIZE, **scope)
    totals = {name: found[0][name] if found else 0 for name in counts}
    learners = User.objects.filter(pk__in={row["learner_id"] for row in found})
    names = {
        learner.pk: str(learner)
        for learner in learners.only("first_name", "last_name", "username")
    }
    by_pk = {c.pk: c for c in cohorts}
    rows = []
    for row in found:
        cohort = by_pk.get(row["first_cohort"])
        submitted_at = row["submitted_at"]
        rows.append(
            QueueRow(
                pk=row["pk"],
                learner=names.get(row["learner_id"], ""),
                unit_title=row["unit__title"],
                cohort_name=cohort.name if cohort else "",
                submitted_at=submitted_at,
                status=row["status"],
                version=row["current_version"],
                target_days=cohort.target_days
                if cohort
                else centre.marking_target_days,
                days_waiting=workdays.working_days_between(
                    timezone.localdate(submitted_at), today, holidays
                )
                if submitted_at
                else 0,
            )
        )
    return Queue(
        rows=rows,
        total=totals["total"],
        overdue=totals.get("overdue", 0),
        resubmissions=totals["resubmissions"],
        in_marking=totals["in_marking"],
        page=page,
        pages=max(1, -(-totals["total"] // QUEUE_PAGE_SIZE)),
        cohorts=choices.cohort_choices,
        units=choices.units,
    )


def queue_summary(*, user: Any, centre: Any, roles: frozenset[str]) -> dict[str, int]:
    """Waiting and past-target counts for the home panel (two queries: the cohorts
    in scope, then one aggregate)."""
    cohorts = _scope_cohorts(user=user, centre=centre, roles=roles)
    today = timezone.localdate()
    qs, counts = _counts(
        _waiting(centre=centre, cohorts=cohorts),
        cohorts=cohorts,
        assessor_id=None,
        today=today,
        holidays=workdays.bank_holidays(centre.bank_holidays, today),
    )
    wanted = {name: counts[name] for name in ("total", "overdue") if name in counts}
    result = qs.aggregate(**wanted)
    return {"total": result["total"] or 0, "overdue": result.get("overdue") or 0}


def next_in_queue(
    *, user: Any, centre: Any, roles: frozenset[str], after: Submission
) -> Submission | None:
    """The oldest waiting submission other than `after`."""
    cohorts = _scope_cohorts(user=user, centre=centre, roles=roles)
    return (
        _waiting(centre=centre, cohorts=cohorts)
        .exclude(pk=after.pk)
        .order_by("submitted_at", "pk")
        .first()
    )


# --- Policies -----------------------------------------------------------------------
@dataclass(frozen=True)
class Allowance:
    max_resubmissions: int
    window_days: int
    authoriser_role: str
    used: int
    authorised_extra: int
    deadline: Any  # datetime | None
    allowed: bool
    reason: str


def policy_for(qualification_id: int) -> dict[str, Any]:
    policy = ResubmissionPolicy.objects.filter(
        qualification_id=qualification_id
    ).first()
    if policy is None:
        return dict(DEFAULT_POLICY)
    return {
        "max_resubmissions": policy.max_resubmissions,
        "window_days": policy.window_days,
        "authoriser_role": policy.authoriser_role,
    }


def _authorised_extra(path: str = "") -> Coalesce:
    """How many extra resubmissions were authorised (a subquery)."""
    return Coalesce(
        Subquery(
            ResubmissionAuthorisation.objects.filter(
                submission_id=OuterRef(f"{path}id")
            )
            .values("submission_id")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _last_return(path: str = "") -> Subquery:
    """When "not yet" feedback was last released to the learner (a subquery)."""
    return Subquery(
        FeedbackRelease.objects.filter(
            decision__submission_id=OuterRef(f"{path}id"),
            status=ReleaseStatus.RELEASED,
            decision__outcome="not_yet",
        )
        .order_by("-released_at")
        .values("released_at")[:1]
    )


def allowance_annotations(path: str = "") -> dict[str, Any]:
    """Subquery annotations carrying what `allowance_from` needs, for a queryset
    whose rows reach the submission through `path` ("" on Submission itself,
    "submission__" from a version or decision): no query of their own."""
    policy = ResubmissionPolicy.objects.filter(
        qualification_id=OuterRef(f"{path}unit__qualification_id")
    )
    return {
        "policy_max": Subquery(policy.values("max_resubmissions")[:1]),
        "policy_window": Subquery(policy.values("window_days")[:1]),
        "policy_role": Subquery(policy.values("authoriser_role")[:1]),
        "authorised_extra": _authorised_extra(path),
        "last_return": _last_return(path),
        "rule_name": Subquery(
            UnitMarkingRule.objects.filter(unit_id=OuterRef(f"{path}unit_id")).values(
                "rule"
            )[:1]
        ),
        "rule_min_percent": Subquery(
            UnitMarkingRule.objects.filter(unit_id=OuterRef(f"{path}unit_id")).values(
                "min_percent"
            )[:1]
        ),
    }


def allowance_from(*, submission: Submission, row: Any) -> Allowance:
    """The allowance from a row annotated with `allowance_annotations`."""
    policy = dict(DEFAULT_POLICY)
    if row.policy_max is not None:
        policy = {
            "max_resubmissions": row.policy_max,
            "window_days": row.policy_window,
            "authoriser_role": row.policy_role,
        }
    return _allowance(
        submission=submission,
        policy=policy,
        extra=row.authorised_extra or 0,
        last_return=row.last_return,
    )


def resubmission_allowance(*, submission: Submission) -> Allowance:
    """Whether the learner may resubmit (or the current resubmission is within the
    rules): resubmissions used against the qualification's limit, and the window
    counted from the release of the latest "not yet" feedback."""
    policy = policy_for(submission.unit.qualification_id)
    extra = ResubmissionAuthorisation.objects.filter(submission=submission).count()
    last_return = (
        FeedbackRelease.objects.filter(
            decision__submission=submission,
            status=ReleaseStatus.RELEASED,
            decision__outcome="not_yet",
        )
        .order_by("-released_at")
        .values_list("released_at", flat=True)
        .first()
    )
    return _allowance(
        submission=submission, policy=policy, extra=extra, last_return=last_return
    )


def _allowance(
    *, submission: Submission, policy: dict[str, Any], extra: int, last_return: Any
) -> Allowance:
    # While returned the next submission would be a resubmission; while waiting,
    # the version being marked already counts.
    if submission.status == SubmissionStatus.RETURNED:
        used = submission.current_version
    else:
        used = max(0, submission.current_version - 1)
    limit = policy["max_resubmissions"] + extra
    deadline = (
        last_return + timedelta(days=policy["window_days"]) if last_return else None
    )
    allowed, reason = True, ""
    if used > limit:
        allowed = False
        reason = "limit"
    elif (
        deadline is not None
        and submission.status == SubmissionStatus.RETURNED
        and timezone.now() > deadline
        and not extra
    ):
        allowed = False
        reason = "window"
    return Allowance(
        max_resubmissions=policy["max_resubmissions"],
        window_days=policy["window_days"],
        authoriser_role=policy["authoriser_role"],
        used=used,
        authorised_extra=extra,
        deadline=deadline,
        allowed=allowed,
        reason=reason,
    )


def marking_rule_for(unit_id: int) -> tuple[str, int]:
    rule = UnitMarkingRule.objects.filter(unit_id=unit_id).first()
    if rule is None:
        return "all_full", 100
    return rule.rule, rule.min_percent


def unit_marking_points(unit_id: int) -> QuerySet[MarkingPoint]:
    return (
        MarkingPoint.objects.filter(topic__unit_id=unit_id)
        .select_related("topic")
        .order_by("topic__position", "topic__pk", "position")
    )


# --- Marking screen -----------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """The learner's self-assessment of one point, as frozen in the version."""

    claimed: bool
    note: str


@dataclass
class SuggestionHint:
    """A criteria suggestion shown beside a marking point as a reading aid: which
    item, the supporting sentences found in its text, the score and the backend.
    Never a judgement and never used to fill one in."""

    evidence: Evidence
    score: float
    backend: str
    preselected: bool
    sentences: list[str]


@dataclass
class PointRow:
    point: MarkingPoint
    judgement: MarkingJudgement | None
    evidence_ids: set[int]
    mapped_evidence_ids: set[int]
    learner_claim: Claim | None
    previous: DecisionJudgement | None
    suggestions: list[SuggestionHint] = field(default_factory=list)
    more_suggestions: int = 0


@dataclass
class EvidenceDiff:
    evidence: Evidence
    status: str  # "new", "changed", "unchanged"
    lines: list[str]


# What the marking screen reads of each item of evidence. The query loads only
# these (a template reaching for another field costs a query per item, which the
# query-count tests catch), and the evidence column's cache key hashes them all,
# so the cached HTML changes whenever anything it shows changes, whoever wrote it.
SCREEN_EVIDENCE_FIELDS = (
    "kind",
    "title",
    "original_name",
    "content_type",
    "size",
    "witness_name",
    "witness_role",
    "witness_contact",
    "body_html",
    "what_happened",
    "what_i_did",
    "outcome",
    "learned",
    "free_text",
    "extracted_text",
)


@dataclass
class EvidenceRow:
    """One item of evidence on the marking screen with what the learner mapped it
    to (from the version's snapshot) and the suggested sentences to mark in it."""

    item: Evidence
    mappings: list[tuple[str, str]]  # (point label, learner's note)
    marks: list[tuple[str, str]] = field(default_factory=list)  # (sentence, label)

    @cached_property
    def highlighted(self) -> list[tuple[str, tuple[str, ...]]]:
        """The item's text split into (text, point labels) pieces for highlighting,
        worked out only when the evidence column is rendered."""
        return (
            highlight_segments(self.item.plain_text, self.marks) if self.marks else []
        )


def evidence_fingerprint(rows: list[EvidenceRow]) -> str:
    """A digest of everything the evidence column shows: each item's loaded fields,
    the learner's mappings and the suggested sentences."""
    loaded = operator.attrgetter(*SCREEN_EVIDENCE_FIELDS)
    parts: list[str] = []
    for row in rows:
        parts.append(repr((row.item.pk, row.mappings, row.marks)))
        parts.extend(map(str, loaded(row.item)))
    # Each part prefixed with its length, so no two different rows read the same.
    text = "".join([f"{len(part)}:{part}" for part in parts])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass
class MarkingScreen:
    submission: Submission
    version: SubmissionVersion
    marking: Marking | None
    evidence: list[Evidence]
    points: list[PointRow]
    previous_decision_id: int | None
    diffs: list[EvidenceDiff]
    anchored: list[AnchoredComment]
    bank: list[CommentBankEntry]
    allowance: Allowance
    rule: tuple[str, int]
    decision_id: int | None = None
    evidence_rows: list[EvidenceRow] = field(default_factory=list)
    suggestion_backends: list[str] = field(default_factory=list)

    @cached_property
    def evidence_key(self) -> str:
        """Changes whenever the evidence column would render differently."""
        return evidence_fingerprint(self.evidence_rows)

    @property
    def score(self) -> tuple[int, int]:
        values = [p.judgement.value for p in self.points if p.judgement]
        return sum(v or 0 for v in values), 2 * len(self.points)


def _content_text(content: dict[str, Any]) -> list[str]:
    parts = []
    for key in ("what_happened", "what_i_did", "outcome", "learned", "free_text"):
        value = (content or {}).get(key) or ""
        if value.strip():
            parts.append(f"## {key.replace('_', ' ')}")
            parts.extend(value.splitlines())
    return parts


def _changed_revisions(
    current: dict[str, Any], previous: Any
) -> dict[int, tuple[int | None, int | None]]:
    """Evidence ids whose saved revision differs between the previous snapshot and
    this one, with the (old, new) revision numbers."""
    if not previous:
        return {}
    old = {e["id"]: e.get("revision") for e in previous.get("evidence", [])}
    new = {e["id"]: e.get("revision") for e in current.get("evidence", [])}
    return {
        ev_id: (number, new.get(ev_id))
        for ev_id, number in old.items()
        if ev_id in new and number != new.get(ev_id)
    }


def _submitted_evidence(
    submission: Submission,
    ids: list[int],
    changed: dict[int, tuple[int | None, int | None]],
) -> list[Evidence]:
    """The submitted evidence (`ids`, from the version's snapshot); items that
    changed since the previous version also carry the content of both revisions
    (`old_content`, `new_content`) from subqueries, so the diff costs no query of
    its own. Found through the learner and unit (indexed) rather than a list of a
    hundred ids, which costs more to build than to run."""
    wanted = set(ids)
    qs = (
        Evidence.objects.filter(
            learner_id=submission.learner_id, unit_id=submission.unit_id
        )
        .only(*SCREEN_EVIDENCE_FIELDS)
        .order_by("kind", "pk")
    )
    if changed:
        qs = _with_revisions(qs, changed)
    return [item for item in qs if item.pk in wanted]


def _with_revisions(
    qs: QuerySet[Evidence], changed: dict[int, tuple[int | None, int | None]]
) -> QuerySet[Evidence]:
    """Annotate the items whose saved revision changed with both revisions."""

    def number(index: int) -> Case:
        return Case(
            *[
                When(pk=ev_id, then=Value(numbers[index]))
                for ev_id, numbers in changed.items()
                if numbers[index] is not None
            ],
            default=Value(None),
            output_field=IntegerField(),
        )

    def content(field_name: str) -> Subquery:
        return Subquery(
            EvidenceRevision.objects.filter(
                evidence_id=OuterRef("pk"), number=OuterRef(field_name)
            )
            .order_by()
            .values("content")[:1],
            output_field=JSONField(),
        )

    return qs.annotate(old_number=number(0), new_number=number(1)).annotate(
        old_content=content("old_number"), new_content=content("new_number")
    )


def _diffs(
    *, evidence: list[Evidence], current: dict[str, Any], previous: Any
) -> list[EvidenceDiff]:
    """What changed in each item of evidence since the previous version (difflib
    over the saved revisions the two snapshots name, fetched with the evidence)."""
    if not previous:
        return []
    old = {e["id"] for e in previous.get("evidence", [])}
    changed = _changed_revisions(current, previous)
    result = []
    for item in evidence:
        if item.pk not in old:
            result.append(EvidenceDiff(item, "new", []))
            continue
        if item.pk not in changed:
            result.append(EvidenceDiff(item, "unchanged", []))
            continue
        before = _content_text(getattr(item, "old_content", None) or {})
        after = _content_text(getattr(item, "new_content", None) or {})
        lines = list(
            difflib.unified_diff(
                before, after, "previous submission", "this submission", lineterm=""
            )
        )
        result.append(EvidenceDiff(item, "changed", lines))
    return result


def _screen_versions() -> QuerySet[SubmissionVersion]:
    """Versions with what every marking screen needs from single rows: the
    submission with its learner and unit and the draft marking (joined); from
    subqueries the qualification's resubmission policy, the unit's marking rule
    and how many extra resubmissions were authorised; and the history only a
    resubmission, a returned submission or a finalised marking shows (the
    previous snapshot and decision, this version's decision and when "not yet"
    feedback was last released), empty for a first version on its way through
    marking. (Joining the policy and the rule too takes PostgreSQL longer to plan
    than the whole query takes to run.)"""
    policy = ResubmissionPolicy.objects.filter(
        qualification_id=OuterRef("submission__unit__qualification_id")
    ).values(
        as_json=JSONObject(
            max_resubmissions="max_resubmissions",
            window_days="window_days",
            authoriser_role="authoriser_role",
        )
    )
    rule = UnitMarkingRule.objects.filter(
        unit_id=OuterRef("submission__unit_id")
    ).values(as_json=JSONObject(rule="rule", min_percent="min_percent"))
    previous = SubmissionVersion.objects.filter(
        submission_id=OuterRef("submission_id"), number=OuterRef("number") - 1
    ).order_by()
    earlier_decision = AssessmentDecision.objects.filter(
        submission_id=OuterRef("submission_id"),
        submission_version__number__lt=OuterRef("number"),
        superseded_by__isnull=True,
    ).order_by("-submission_version__number", "-pk")
    this_decision = AssessmentDecision.objects.filter(
        submission_version_id=OuterRef("pk")
    ).order_by(F("superseded_by").asc(nulls_first=True), "-created_at", "-pk")
    return (
        SubmissionVersion.objects.select_related(
            "submission", "submission__learner", "submission__unit", "marking"
        )
        .annotate(
            authorised_extra=_authorised_extra("submission__"),
            policy=Subquery(policy[:1]),
            rule=Subquery(rule[:1]),
            previous_snapshot=Subquery(previous.values("snapshot")[:1]),
            previous_decision_id=Subquery(earlier_decision.values("pk")[:1]),
            decision_id=Subquery(this_decision.values("pk")[:1]),
            last_return=_last_return("submission__"),
        )
        .order_by()
    )


def _screen_allowance(version: Any) -> Allowance:
    """The resubmission allowance from a row of `_screen_versions`."""
    return _allowance(
        submission=version.submission,
        policy=version.policy or dict(DEFAULT_POLICY),
        extra=version.authorised_extra or 0,
        last_return=version.last_return,
    )


def _screen_rule(version: Any) -> tuple[str, int]:
    rule = version.rule
    return ("all_full", 100) if rule is None else (rule["rule"], rule["min_percent"])


def _points_with_marks(
    *, unit_id: int, marking_id: int | None, previous_decision_id: int | None
) -> QuerySet[MarkingPoint]:
    """The unit's points, each carrying its draft judgement (with the ids of the
    evidence linked to it) and the previous decision's judgement: one query."""
    qs = unit_marking_points(unit_id)
    if marking_id is not None:
        mine = MarkingJudgement.objects.filter(
            marking_id=marking_id, marking_point_id=OuterRef("pk")
        )
        linked = (
            MarkingJudgement.evidence.through.objects.filter(
                markingjudgement__marking_id=marking_id,
                markingjudgement__marking_point_id=OuterRef("pk"),
            )
            .values("markingjudgement_id")
            .annotate(ids=StringAgg(Cast("evidence_id", CharField()), Value(",")))
            .values("ids")[:1]
        )
        qs = qs.annotate(
            j_id=Subquery(mine.values("pk")[:1]),
            j_value=Subquery(mine.values("value")[:1]),
            j_comment=Subquery(mine.values("comment")[:1]),
            j_evidence=Subquery(linked, output_field=CharField()),
        )
    if previous_decision_id is not None:
        earlier = DecisionJudgement.objects.filter(
            decision_id=previous_decision_id, marking_point_id=OuterRef("pk")
        )
        qs = qs.annotate(
            p_value=Subquery(earlier.values("value")[:1]),
            p_comment=Subquery(earlier.values("comment")[:1]),
        )
    return qs


def _threads(comments: QuerySet[AnchoredComment]) -> list[AnchoredComment]:
    """Anchored comments, each with `.thread` (its replies, oldest first), from
    one query: the replies are LEFT JOINed, so a comment repeats once per reply."""
    rows = comments.annotate(
        r_id=F("replies__id"),
        r_body=F("replies__body"),
        r_first=F("replies__author__first_name"),
        r_last=F("replies__author__last_name"),
        r_username=F("replies__author__username"),
    ).order_by("created_at", "pk", "replies__created_at", "replies__pk")
    result: dict[int, AnchoredComment] = {}
    for row in rows:
        comment = result.setdefault(row.pk, row)
        if not hasattr(comment, "thread"):
            comment.thread = []  # type: ignore[attr-defined]
        if row.r_id is not None:
            author = User(
                first_name=row.r_first, last_name=row.r_last, username=row.r_username
            )
            comment.thread.append(  # type: ignore[attr-defined]
                AnchoredReply(
                    pk=row.r_id, comment=comment, author=author, body=row.r_body
                )
            )
    return list(result.values())


def suggestions_for_marking(
    *, submission: Submission, evidence: list[Evidence]
) -> dict[int, list[SuggestionHint]]:
    """Criteria suggestions for the submitted evidence, by marking point, best
    first: a reading aid for the assessor (one query). Suggestions the learner
    dismissed are left out, and so is any sentence no longer in the item's text."""
    by_id = {item.pk: item for item in evidence}
    hints: dict[int, list[SuggestionHint]] = {}
    if not by_id:
        return hints
    texts: dict[int, str] = {}
    rows = (
        SuggestedMapping.objects.filter(
            evidence__learner_id=submission.learner_id,
            evidence__unit_id=submission.unit_id,
        )
        .exclude(status=SuggestionStatus.DISMISSED)
        .only(
            "evidence_id",
            "marking_point_id",
            "backend",
            "score",
            "preselected",
            "sentences",
        )
        .order_by("-preselected", "-score", "pk")
    )
    for row in rows:
        item = by_id.get(row.evidence_id)
        if item is None:
            continue  # evidence of the unit that was not submitted
        text = texts.setdefault(item.pk, item.plain_text)
        sentences = [
            s for s in (row.sentences or []) if isinstance(s, str) and s and s in text
        ]
        hints.setdefault(row.marking_point_id, []).append(
            SuggestionHint(
                evidence=item,
                score=row.score,
                backend=row.backend,
                preselected=row.preselected,
                sentences=sentences,
            )
        )
    return hints


def highlight_segments(
    text: str, marks: list[tuple[str, str]]
) -> list[tuple[str, tuple[str, ...]]]:
    """Split `text` into (segment, labels) pieces where each piece inside one or
    more of the `marks` ((sentence, label) pairs, found as exact substrings)
    carries those labels. The caller escapes every segment; only the wrapping
    <mark> is markup, so learner text can never become HTML."""
    spans: list[tuple[int, int, str]] = []
    for sentence, label in marks:
        at = text.find(sentence) if sentence else -1
        if at >= 0:
            spans.append((at, at + len(sentence), label))
    if not spans:
        return [(text, ())] if text else []
    cuts = sorted(
        {0, len(text), *(a for a, _b, _l in spans), *(b for _a, b, _l in spans)}
    )
    pieces: list[tuple[str, tuple[str, ...]]] = []
    for begin, end in itertools.pairwise(cuts):
        labels = tuple(
            sorted(
                {label for a, b, label in spans if a <= begin and end <= b},
                key=lambda lab: (len(lab), lab),
            )
        )
        if pieces and pieces[-1][1] == labels:
            pieces[-1] = (pieces[-1][0] + text[begin:end], labels)
        else:
            pieces.append((text[begin:end], labels))
    return pieces


SUGGESTIONS_PER_POINT = 5  # the strongest pre-selected few; the rest are counted


def _build_screen(version: Any, *, user: Any) -> MarkingScreen:
    submission = version.submission
    try:
        marking: Marking | None = version.marking
    except Marking.DoesNotExist:
        marking = None
    snapshot = version.snapshot or {}
    ids = snapshot.get("evidence_ids", [])
    evidence = _submitted_evidence(
        submission, ids, _changed_revisions(snapshot, version.previous_snapshot)
    )
    known = {item.pk for item in evidence}
    mapped: dict[int, set[int]] = {}
    notes: dict[int, list[tuple[int, str]]] = {}
    for entry in snapshot.get("evidence", []):
        for mapping in entry.get("mappings", []):
            if entry.get("id") in known:
                mapped.setdefault(mapping["marking_point"], set()).add(entry["id"])
                notes.setdefault(entry["id"], []).append(
                    (mapping["marking_point"], mapping.get("note", ""))
                )
    claims = {
        int(point_id): Claim(bool(c.get("claimed")), c.get("note", ""))
        for point_id, c in (version.self_assessment or {}).items()
    }
    hints = suggestions_for_marking(submission=submission, evidence=evidence)
    points = []
    for point in _points_with_marks(
        unit_id=submission.unit_id,
        marking_id=marking.pk if marking else None,
        previous_decision_id=version.previous_decision_id,
    ):
        judgement = None
        linked: set[int] = set()
        if getattr(point, "j_id", None) is not None:
            judgement = MarkingJudgement(
                pk=point.j_id,
                marking=marking,
                marking_point=point,
                value=point.j_value,
                comment=point.j_comment,
            )
            linked = {int(i) for i in (point.j_evidence or "").split(",") if i}
        previous = None
        if getattr(point, "p_value", None) is not None:
            previous = DecisionJudgement(
                marking_point=point, value=point.p_value, comment=point.p_comment
            )
        # Only what the matcher pre-selected is shown and highlighted: its weaker
        # ranked candidates (kept for the learner's picker) are often chance, a
        # match of 0.01, and would read to an assessor as evidence. They are counted.
        suggested = hints.get(point.pk, [])
        shown = [hint for hint in suggested if hint.preselected][:SUGGESTIONS_PER_POINT]
        points.append(
            PointRow(
                point=point,
                judgement=judgement,
                evidence_ids=linked,
                mapped_evidence_ids=mapped.get(point.pk, set()),
                learner_claim=claims.get(point.pk),
                previous=previous,
                suggestions=shown,
                more_suggestions=len(suggested) - len(shown),
            )
        )
    labels = {row.point.pk: row.point.label for row in points}
    marks: dict[int, list[tuple[str, str]]] = {}
    for row in points:
        for hint in row.suggestions:
            for sentence in hint.sentences:
                marks.setdefault(hint.evidence.pk, []).append(
                    (sentence, labels[row.point.pk])
                )
    evidence_rows = [
        EvidenceRow(
            item=item,
            mappings=[
                (labels[point_id], note)
                for point_id, note in notes.get(item.pk, [])
                if point_id in labels
            ],
            marks=marks.get(item.pk, []),
        )
        for item in evidence
    ]
    anchored = (
        _threads(
            AnchoredComment.objects.filter(marking=marking).select_related(
                "marking_point", "author"
            )
        )
        if marking
        else []
    )
    return MarkingScreen(
        submission=submission,
        version=version,
        marking=marking,
        evidence=evidence,
        points=points,
        previous_decision_id=version.previous_decision_id,
        diffs=_diffs(
            evidence=evidence, current=snapshot, previous=version.previous_snapshot
        ),
        anchored=anchored,
        # The bank is offered beside each point of the marking form only.
        bank=comment_bank_for(user=user, centre=submission.centre_id)
        if marking
        else [],
        allowance=_screen_allowance(version),
        rule=_screen_rule(version),
        decision_id=version.decision_id,
        evidence_rows=evidence_rows,
        suggestion_backends=sorted(
            {hint.backend for hints_ in hints.values() for hint in hints_}
        ),
    )


def marking_screen(*, submission: Submission, user: Any) -> MarkingScreen:
    """Everything the marking screen shows for a submission already fetched for
    the actor (`submission_get_for_marker`, `submission_light_for_marker`), in a
    constant number of queries whatever the size of the portfolio: three before
    marking starts, and one more each for the comment bank and the comments on
    passages once it has."""
    version = _screen_versions().get(
        submission_id=submission.pk, number=submission.current_version
    )
    return _build_screen(version, user=user)


def comment_bank_for(*, user: Any, centre: Any) -> list[CommentBankEntry]:
    """The assessor's own reusable comments, then the centre's shared ones."""
    return list(
        CommentBankEntry.objects.filter(centre=centre)
        .filter(Q(owner=user) | Q(owner__isnull=True))
        .order_by(F("owner_id").asc(nulls_last=True), "text")
    )


# --- Decisions and feedback ---------------------------------------------------------
def _decisions() -> QuerySet[AssessmentDecision]:
    return AssessmentDecision.objects.select_related(
        "submission",
        "submission__learner",
        "submission_version",
        "unit",
        "assessor",
        "release",
        "release__released_by",
        "superseded_by",
        "iqa_review",
        "iqa_review__iqa",
    )


def decision_get_for_marker(
    *, user: Any, centre: Any, roles: frozenset[str], pk: int
) -> AssessmentDecision:
    """A decision on a submission the actor may mark, or any at the centre for an
    IQA. Raises Http404 for missing and not-yours alike."""
    qs = _decisions().filter(centre=centre)
    if not (roles & {Role.IQA, Role.ADMIN}):
        qs = qs.filter(
            submission__in=submissions_for_marker(user=user, centre=centre, roles=roles)
        )
    try:
        return qs.prefetch_related("judgements__marking_point").get(pk=pk)
    except AssessmentDecision.DoesNotExist:
        raise Http404("No such decision") from None


def releases_awaiting(*, user: Any, centre: Any, roles: frozenset[str]) -> list[Any]:
    """Decisions marked but not yet released that the actor can see."""
    qs = _decisions().filter(
        centre=centre, release__status__in=[ReleaseStatus.MARKED, ReleaseStatus.READY]
    )
    if not (roles & {Role.IQA, Role.ADMIN}):
        qs = qs.filter(
            submission__in=submissions_for_marker(user=user, centre=centre, roles=roles)
        )
    return list(qs.order_by("created_at")[:200])


@dataclass
class LearnerFeedback:
    decision: AssessmentDecision
    judgements: list[DecisionJudgement]
    anchored: list[AnchoredComment]
    evidence: dict[int, Evidence]
    allowance: Allowance
    history: list[AssessmentDecision]


def feedback_for_learner(
    *, learner: Any, centre: Any, submission_pk: int
) -> LearnerFeedback:
    """The latest released feedback on the learner's own submission, in three
    queries whatever its size. Raises Http404 when the submission is not theirs or
    nothing has been released yet."""
    released = (
        _decisions()
        .select_related("submission__unit")
        .filter(
            submission_id=submission_pk,
            submission__learner=learner,
            centre=centre,
            release__status=ReleaseStatus.RELEASED,
        )
        .annotate(**allowance_annotations("submission__"))
        .order_by("-release__released_at", "-pk")
    )
    history = list(released)
    if not history:
        raise Http404("No feedback yet")
    decision = history[0]
    judgements = list(
        decision.judgements.select_related("marking_point").order_by(
            "marking_point__topic__position", "marking_point__position"
        )
    )
    anchored = _threads(
        AnchoredComment.objects.filter(
            marking__submission_version_id=decision.submission_version_id
        ).select_related("evidence", "marking_point", "author")
    )
    # Titles of the evidence the judgements point at, from the frozen snapshot.
    evidence = {
        entry["id"]: Evidence(pk=entry["id"], title=entry.get("title", ""))
        for entry in decision.submission_version.snapshot.get("evidence", [])
    }
    evidence.update({a.evidence_id: a.evidence for a in anchored})
    return LearnerFeedback(
        decision=decision,
        judgements=judgements,
        anchored=anchored,
        evidence=evidence,
        allowance=allowance_from(submission=decision.submission, row=decision),
        history=history,
    )


def feedback_list_for_learner(*, learner: Any, centre: Any) -> list[Any]:
    """The learner's released decisions, newest first."""
    return list(
        _decisions()
        .filter(
            submission__learner=learner,
            centre=centre,
            release__status=ReleaseStatus.RELEASED,
            superseded_by__isnull=True,
        )
        .order_by("-release__released_at")
    )


def feedback_latest_for_learner(*, learner: Any, centre: Any, limit: int = 5) -> list:
    """The learner's `limit` latest released decisions for the home panel, loading
    only what it shows (unit title, outcome, whether they have read it)."""
    return list(
        AssessmentDecision.objects.filter(
            submission__learner=learner,
            centre=centre,
            release__status=ReleaseStatus.RELEASED,
            superseded_by__isnull=True,
        )
        .select_related("unit", "release")
        .only("submission_id", "outcome", "unit__title", "release__acknowledged_at")
        .order_by("-release__released_at")[:limit]
    )


def anchored_comment_get_for_actor(
    *, user: Any, centre: Any, roles: frozenset[str], pk: int
) -> AnchoredComment:
    """An anchored comment the actor may reply to: the learner once released, or a
    marker of the submission. Raises Http404 otherwise."""
    qs = AnchoredComment.objects.select_related(
        "marking", "marking__submission"
    ).filter(marking__submission__centre=centre)
    condition = Q(pk__in=[])
    if Role.LEARNER in roles:
        condition |= Q(
            marking__submission__learner=user,
            marking__submission_version__decisions__release__status=ReleaseStatus.RELEASED,
        )
    if roles & permissions.MARKING_ROLES:
        condition |= Q(
            marking__submission__in=submissions_for_marker(
                user=user, centre=centre, roles=roles
            )
        )
    try:
        return qs.filter(condition).distinct().get(pk=pk)
    except AnchoredComment.DoesNotExist:
        raise Http404("No such comment") from None


# --- IQA ----------------------------------------------------------------------------
def iqa_samples(
    *, user: Any, centre: Any, roles: frozenset[str], reviewed: bool = False
) -> list[AssessmentDecision]:
    """Sampled decisions awaiting (or with) an IQA review, oldest first."""
    qs = _decisions().filter(
        centre=centre, sampled=True, iqa_review__isnull=not reviewed
    )
    return list(qs.order_by("created_at", "pk")[:200])


def iqa_sample_count(*, centre: Any) -> int:
    return AssessmentDecision.objects.filter(
        centre=centre, sampled=True, iqa_review__isnull=True
    ).count()


@dataclass
class CoverageRow:
    label: str
    decisions: int
    sampled: int
    reviewed: int
    disagreed: int

    @property
    def covered(self) -> bool:
        return self.sampled > 0

    @property
    def percent(self) -> int:
        return round(100 * self.sampled / self.decisions) if self.decisions else 0


def iqa_coverage(
    *, centre: Any, today: date | None = None
) -> tuple[date, list[CoverageRow], list[CoverageRow]]:
    """Sampling coverage this period by assessor and by unit (two queries)."""
    start = sampling.period_start(today or timezone.localdate())
    base = AssessmentDecision.objects.filter(centre=centre, created_at__date__gte=start)
    aggregates = {
        "decisions": Count("pk"),
        "sampled": Count("pk", filter=Q(sampled=True)),
        "reviewed": Count("pk", filter=Q(iqa_review__isnull=False)),
        "disagreed": Count("pk", filter=Q(iqa_review__verdict="disagree")),
    }
    by_assessor = [
        CoverageRow(
            label=f"{r['assessor__first_name']} {r['assessor__last_name']}".strip()
            or r["assessor__username"],
            decisions=r["decisions"],
            sampled=r["sampled"],
            reviewed=r["reviewed"],
            disagreed=r["disagreed"],
        )
        for r in base.values(
            "assessor_id",
            "assessor__first_name",
            "assessor__last_name",
            "assessor__username",
        )
        .annotate(**aggregates)
        .order_by("assessor__last_name")
    ]
    by_unit = [
        CoverageRow(
            label=r["unit__title"],
            decisions=r["decisions"],
            sampled=r["sampled"],
            reviewed=r["reviewed"],
            disagreed=r["disagreed"],
        )
        for r in base.values("unit_id", "unit__title")
        .annotate(**aggregates)
        .order_by("unit__title")
    ]
    return start, by_assessor, by_unit


def action_points_for(*, user: Any, centre: Any, roles: frozenset[str]) -> list[Any]:
    """Open action points: the assessor's own, or every one at the centre for IQAs
    and admins."""
    qs = IqaActionPoint.objects.filter(
        review__decision__centre=centre, closed_at__isnull=True
    ).select_related("review", "review__decision", "assessor", "review__iqa")
    if not (roles & {Role.IQA, Role.ADMIN}):
        qs = qs.filter(assessor=user)
    return list(qs[:200])


def action_point_get_for_assessor(*, user: Any, centre: Any, pk: int) -> Any:
    try:
        return IqaActionPoint.objects.select_related("review__decision").get(
            pk=pk, assessor=user, review__decision__centre=centre
        )
    except IqaActionPoint.DoesNotExist:
        raise Http404("No such action point") from None


@dataclass
class Passage:
    evidence: Evidence
    segments: list[tuple[str, AnchoredComment | None]]


def passages(
    evidence: dict[int, Evidence], anchored: list[AnchoredComment]
) -> list[Passage]:
    """Each commented log as text segments, the quoted passages marked with their
    comment, so the learner reads the comments in place."""
    by_evidence: dict[int, list[AnchoredComment]] = {}
    for comment in anchored:
        by_evidence.setdefault(comment.evidence_id, []).append(comment)
    result = []
    for evidence_id, comments in by_evidence.items():
        item = evidence.get(evidence_id)
        if item is None:
            continue
        text = " ".join(item.plain_text.split())
        spans = []
        for comment in comments:
            at = text.find(comment.quote)
            if at >= 0:
                spans.append((at, at + len(comment.quote), comment))
        spans.sort(key=lambda s: s[0])
        segments: list[tuple[str, AnchoredComment | None]] = []
        cursor = 0
        for begin, end, comment in spans:
            if begin < cursor:
                continue  # overlapping passages: show the first
            segments.append((text[cursor:begin], None))
            segments.append((text[begin:end], comment))
            cursor = end
        segments.append((text[cursor:], None))
        result.append(Passage(item, segments))
    return result
