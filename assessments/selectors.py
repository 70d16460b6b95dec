"""Read queries for marking, feedback and IQA, scoped to what the actor may see."""

import difflib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from assessments import permissions, sampling, workdays
from assessments.models import (
    DEFAULT_POLICY,
    AnchoredComment,
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
from centres.models import Enrolment, EnrolmentStatus, Role
from portfolio.models import (
    Evidence,
    EvidenceRevision,
    SelfAssessment,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
)
from revision.models import MarkingPoint

WAITING = (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_MARKING)
QUEUE_PAGE_SIZE = 50


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


def submissions_for_marker(
    *, user: Any, centre: Any, roles: frozenset[str]
) -> QuerySet[Submission]:
    """Submissions at `centre` the actor may mark or look at as a marker: every one
    for an admin, those of learners in their assigned cohorts for an assessor."""
    qs = Submission.objects.filter(centre=centre)
    if permissions.sees_every_queue(roles):
        return qs
    if Role.ASSESSOR in roles:
        return qs.filter(Exists(_enrolments_for(assessor_id=user.pk)))
    return qs.none()


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


# --- Queue ------------------------------------------------------------------------
@dataclass
class QueueRow:
    submission: Submission
    cohort_name: str
    target_days: int
    days_waiting: int

    @property
    def overdue(self) -> bool:
        return self.days_waiting > self.target_days

    @property
    def is_resubmission(self) -> bool:
        return self.submission.current_version > 1


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


def _queue_queryset(
    *,
    user: Any,
    centre: Any,
    roles: frozenset[str],
    cohort_id: int | None = None,
    unit_id: int | None = None,
    assessor_id: int | None = None,
) -> QuerySet[Submission]:
    scope_assessor = None if permissions.sees_every_queue(roles) else user.pk
    if assessor_id is not None and permissions.sees_every_queue(roles):
        scope_assessor = assessor_id
    enrolments = _enrolments_for(assessor_id=scope_assessor)
    if cohort_id is not None:
        enrolments = enrolments.filter(cohort_id=cohort_id)
    first = enrolments.order_by("cohort__name", "pk")
    finalised = Marking.objects.filter(
        submission=OuterRef("pk"),
        submission_version__number=OuterRef("current_version"),
        finalised_at__isnull=False,
    )
    return (
        Submission.objects.filter(centre=centre, status__in=WAITING)
        .filter(Exists(enrolments))
        .exclude(Exists(finalised))
        .filter(**({"unit_id": unit_id} if unit_id else {}))
        .annotate(
            cohort_name=Subquery(first.values("cohort__name")[:1]),
            target_days=Coalesce(
                Subquery(first.values("cohort__marking_target_days")[:1]),
                F("centre__marking_target_days"),
                output_field=IntegerField(),
            ),
        )
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
) -> Queue:
    """Submissions waiting to be marked, oldest first, with days waiting against
    the cohort's (or centre's) marking target. Four queries whatever its size."""
    today = today or timezone.localdate()
    qs = _queue_queryset(
        user=user,
        centre=centre,
        roles=roles,
        cohort_id=cohort_id,
        unit_id=unit_id,
        assessor_id=assessor_id,
    )
    # Counts need working days per row: one narrow query over all waiting rows.
    summary = list(
        qs.values_list("submitted_at", "target_days", "current_version", "status")
    )
    overdue = sum(
        1
        for submitted_at, target, _v, _s in summary
        if submitted_at
        and workdays.working_days_between(timezone.localdate(submitted_at), today)
        > target
    )
    pages = max(1, -(-len(summary) // QUEUE_PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * QUEUE_PAGE_SIZE
    rows = [
        QueueRow(
            submission=s,
            cohort_name=s.cohort_name or "",
            target_days=s.target_days,
            days_waiting=workdays.working_days_between(
                timezone.localdate(s.submitted_at), today
            )
            if s.submitted_at
            else 0,
        )
        for s in qs.select_related("learner", "unit").order_by("submitted_at", "pk")[
            start : start + QUEUE_PAGE_SIZE
        ]
    ]
    cohort_scope = Enrolment.objects.filter(cohort__centre=centre)
    if not permissions.sees_every_queue(roles):
        cohort_scope = cohort_scope.filter(cohort__assessors=user)
    cohorts = sorted(
        {
            (c["cohort_id"], c["cohort__name"])
            for c in cohort_scope.values("cohort_id", "cohort__name").distinct()
        },
        key=lambda c: c[1],
    )
    units = sorted(
        set(
            Submission.objects.filter(centre=centre, status__in=WAITING).values_list(
                "unit_id", "unit__title"
            )
        ),
        key=lambda u: u[1],
    )
    return Queue(
        rows=rows,
        total=len(summary),
        overdue=overdue,
        resubmissions=sum(1 for row in summary if row[2] > 1),
        in_marking=sum(1 for row in summary if row[3] == SubmissionStatus.IN_MARKING),
        page=page,
        pages=pages,
        cohorts=cohorts,
        units=units,
    )


def queue_summary(*, user: Any, centre: Any, roles: frozenset[str]) -> dict[str, int]:
    """Counts for the home panel (one query)."""
    today = timezone.localdate()
    rows = list(
        _queue_queryset(user=user, centre=centre, roles=roles).values_list(
            "submitted_at", "target_days"
        )
    )
    overdue = sum(
        1
        for submitted_at, target in rows
        if submitted_at
        and workdays.working_days_between(timezone.localdate(submitted_at), today)
        > target
    )
    return {"total": len(rows), "overdue": overdue}


def next_in_queue(
    *, user: Any, centre: Any, roles: frozenset[str], after: Submission
) -> Submission | None:
    """The oldest waiting submission other than `after`."""
    return (
        _queue_queryset(user=user, centre=centre, roles=roles)
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


def resubmission_allowance(*, submission: Submission) -> Allowance:
    """Whether the learner may resubmit (or the current resubmission is within the
    rules): resubmissions used against the qualification's limit, and the window
    counted from the release of the latest "not yet" feedback."""
    from datetime import timedelta

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
@dataclass
class PointRow:
    point: MarkingPoint
    judgement: MarkingJudgement | None
    evidence_ids: set[int]
    mapped_evidence_ids: set[int]
    learner_claim: SelfAssessment | None
    previous: DecisionJudgement | None


@dataclass
class EvidenceDiff:
    evidence: Evidence
    status: str  # "new", "changed", "unchanged"
    lines: list[str]


@dataclass
class MarkingScreen:
    submission: Submission
    version: SubmissionVersion
    marking: Marking | None
    evidence: list[Evidence]
    points: list[PointRow]
    previous_decision: AssessmentDecision | None
    diffs: list[EvidenceDiff]
    anchored: list[AnchoredComment]
    bank: list[CommentBankEntry]
    allowance: Allowance
    rule: tuple[str, int]

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


def _diffs(
    *, evidence: list[Evidence], current: SubmissionVersion, previous: Any
) -> list[EvidenceDiff]:
    """What changed in each item of evidence since the previous version (difflib
    over the saved revisions the two snapshots name). Two queries."""
    if previous is None:
        return []
    old = {e["id"]: e.get("revision") for e in previous.snapshot.get("evidence", [])}
    new = {e["id"]: e.get("revision") for e in current.snapshot.get("evidence", [])}
    wanted = Q(pk__in=[])
    for ev_id, number in [*old.items(), *new.items()]:
        if number is not None:
            wanted |= Q(evidence_id=ev_id, number=number)
    revisions = {
        (r.evidence_id, r.number): r.content
        for r in EvidenceRevision.objects.filter(wanted)
    }
    result = []
    for item in evidence:
        if item.pk not in old:
            result.append(EvidenceDiff(item, "new", []))
            continue
        if old[item.pk] == new.get(item.pk):
            result.append(EvidenceDiff(item, "unchanged", []))
            continue
        before = _content_text(revisions.get((item.pk, old[item.pk]), {}))
        after = _content_text(revisions.get((item.pk, new.get(item.pk)), {}))
        lines = list(
            difflib.unified_diff(
                before, after, "previous submission", "this submission", lineterm=""
            )
        )
        result.append(EvidenceDiff(item, "changed", lines))
    return result


def marking_screen(*, submission: Submission, user: Any) -> MarkingScreen:
    """Everything the marking screen shows, in a constant number of queries."""
    version = SubmissionVersion.objects.get(
        submission=submission, number=submission.current_version
    )
    ids = version.snapshot.get("evidence_ids", [])
    evidence = list(
        Evidence.objects.filter(pk__in=ids)
        .prefetch_related("mappings")
        .order_by("kind", "pk")
    )
    marking = (
        Marking.objects.filter(submission_version=version)
        .select_related("updated_by", "assessor")
        .prefetch_related(
            Prefetch(
                "judgements",
                queryset=MarkingJudgement.objects.prefetch_related("evidence"),
            )
        )
        .first()
    )
    judgements = (
        {j.marking_point_id: j for j in marking.judgements.all()} if marking else {}
    )
    claims = {
        c.marking_point_id: c
        for c in SelfAssessment.objects.filter(submission_version=version)
    }
    previous_decision = (
        AssessmentDecision.objects.filter(
            submission=submission, submission_version__number__lt=version.number
        )
        .filter(superseded_by__isnull=True)
        .prefetch_related("judgements")
        .order_by("-submission_version__number", "-pk")
        .first()
    )
    previous_judgements = (
        {j.marking_point_id: j for j in previous_decision.judgements.all()}
        if previous_decision
        else {}
    )
    mapped: dict[int, set[int]] = {}
    for item in evidence:
        for mapping in item.mappings.all():
            mapped.setdefault(mapping.marking_point_id, set()).add(item.pk)
    points = [
        PointRow(
            point=point,
            judgement=judgements.get(point.pk),
            evidence_ids=(
                {e.pk for e in judgements[point.pk].evidence.all()}
                if point.pk in judgements
                else set()
            ),
            mapped_evidence_ids=mapped.get(point.pk, set()),
            learner_claim=claims.get(point.pk),
            previous=previous_judgements.get(point.pk),
        )
        for point in unit_marking_points(submission.unit_id)
    ]
    previous_version = (
        SubmissionVersion.objects.filter(
            submission=submission, number=version.number - 1
        ).first()
        if version.number > 1
        else None
    )
    anchored = (
        list(
            AnchoredComment.objects.filter(marking=marking)
            .select_related("marking_point", "author")
            .prefetch_related("replies__author")
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
        previous_decision=previous_decision,
        diffs=_diffs(evidence=evidence, current=version, previous=previous_version),
        anchored=anchored,
        bank=comment_bank_for(user=user, centre=submission.centre),
        allowance=resubmission_allowance(submission=submission),
        rule=marking_rule_for(submission.unit_id),
    )


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
    """The latest released feedback on the learner's own submission. Raises Http404
    when the submission is not theirs or nothing has been released yet."""
    released = (
        _decisions()
        .filter(
            submission_id=submission_pk,
            submission__learner=learner,
            centre=centre,
            release__status=ReleaseStatus.RELEASED,
        )
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
    marking = Marking.objects.filter(
        submission_version=decision.submission_version
    ).first()
    anchored = (
        list(
            AnchoredComment.objects.filter(marking=marking)
            .select_related("evidence", "marking_point", "author")
            .prefetch_related("replies__author")
        )
        if marking
        else []
    )
    ids = {i for j in judgements for i in j.evidence_ids} | {
        a.evidence_id for a in anchored
    }
    evidence = {e.pk: e for e in Evidence.objects.filter(pk__in=ids)}
    return LearnerFeedback(
        decision=decision,
        judgements=judgements,
        anchored=anchored,
        evidence=evidence,
        allowance=resubmission_allowance(submission=decision.submission),
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
