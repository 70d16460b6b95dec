"""Read-only report data for a centre, computed with grouped aggregate queries.

Reports sit above every app and read them through their models and selectors,
never writing. Every function here runs a fixed number of queries whatever the
cohort's size (the benchmark's cohort has 2,000 learners by 40 marking points):
a handful of GROUP BY queries, merged in Python.

"Criteria" in these reports are the unit's examiner marking points: the things
learners map evidence to and assessors judge.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import sampling
from assessments import selectors as assessment_selectors
from assessments.models import AssessmentDecision, DecisionJudgement
from assessments.scale import Judgement
from centres import selectors as centre_selectors
from centres.models import Cohort, Enrolment, EnrolmentStatus, Role, User
from portfolio.models import Evidence, EvidenceMapping, Submission, SubmissionStatus
from revision.models import MarkingPoint, Unit

WAITING = (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_MARKING)


def report_cohorts(*, user: User, centre, roles: frozenset[str]) -> QuerySet[Cohort]:
    """Cohorts the actor may report on (not archived), with their qualification."""
    return (
        centre_selectors.cohorts_for_actor(user=user, centre=centre, roles=roles)
        .filter(archived_at__isnull=True)
        .select_related("qualification")
        .order_by("name")
    )


def _active_learners(cohort: Cohort) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.ACTIVE)


def _points(cohort: Cohort, unit_id: int | None) -> QuerySet[MarkingPoint]:
    points = MarkingPoint.objects.filter(
        topic__unit__qualification=cohort.qualification_id
    )
    if unit_id:
        points = points.filter(topic__unit_id=unit_id)
    return points


def cohort_units(*, cohort: Cohort) -> list[Unit]:
    return list(Unit.objects.filter(qualification=cohort.qualification_id))


# --- Cohort progress ---------------------------------------------------------------
@dataclass
class ProgressRow:
    learner_id: int
    name: str
    email: str
    reference: str
    units_achieved: int
    units_total: int
    points_covered: int
    points_total: int
    last_activity: datetime | None
    last_submitted: datetime | None
    today: date

    @property
    def covered_percent(self) -> int:
        if not self.points_total:
            return 0
        return round(100 * self.points_covered / self.points_total)

    @property
    def days_since_submission(self) -> int | None:
        if self.last_submitted is None:
            return None
        return (self.today - timezone.localdate(self.last_submitted)).days


def cohort_progress(
    *,
    cohort: Cohort,
    query: str = "",
    inactive_days: int | None = None,
    sort: str = "name",
) -> list[ProgressRow]:
    """One row per active learner: units achieved, marking points covered, last
    activity and days since the last submission (five queries)."""
    enrolments = _active_learners(cohort)
    if query:
        enrolments = enrolments.filter(
            Q(learner__first_name__icontains=query)
            | Q(learner__last_name__icontains=query)
            | Q(learner__email__icontains=query)
            | Q(learner_reference__icontains=query)
        )
    learners = list(
        enrolments.values_list(
            "learner_id",
            "learner__first_name",
            "learner__last_name",
            "learner__username",
            "learner__email",
            "learner_reference",
        ).order_by("learner__last_name", "learner__first_name", "learner_id")
    )
    learner_ids = enrolments.values("learner_id")
    # The qualification's units with their marking points (a unit without points
    # still counts): the unit total and the point ids in one query.
    unit_points = list(
        Unit.objects.filter(qualification=cohort.qualification_id)
        .values_list("pk", "topics__marking_points")
        .order_by()
    )
    unit_total = len({unit for unit, _point in unit_points})
    point_ids = [point for _unit, point in unit_points if point is not None]
    scope = {"centre_id": cohort.centre_id, "learner_id__in": learner_ids}
    submissions = {
        row["learner_id"]: row
        for row in Submission.objects.filter(
            **scope, unit__qualification=cohort.qualification_id
        )
        .values("learner_id")
        .annotate(
            achieved=Count("pk", filter=Q(status=SubmissionStatus.ACHIEVED)),
            last_submitted=Max("submitted_at"),
            last_changed=Max("updated_at"),
        )
        .order_by()
    }
    evidence = {
        row["learner_id"]: row["last"]
        for row in Evidence.objects.filter(**scope)
        .values("learner_id")
        .annotate(last=Max("updated_at"))
        .order_by()
    }
    covered = {
        row["evidence__learner_id"]: row["points"]
        # Point ids as a list, not a join through topic and unit: the planner
        # then reads the mapping index directly.
        for row in EvidenceMapping.objects.filter(
            evidence__centre_id=cohort.centre_id,
            evidence__learner_id__in=learner_ids,
            marking_point_id__in=point_ids,
        )
        .values("evidence__learner_id")
        .annotate(points=Count("marking_point_id", distinct=True))
        .order_by()
    }
    today = timezone.localdate()
    rows = []
    for learner_id, first, last, username, email, reference in learners:
        sub = submissions.get(learner_id, {})
        moments = [m for m in (sub.get("last_changed"), evidence.get(learner_id)) if m]
        rows.append(
            ProgressRow(
                learner_id=learner_id,
                name=f"{first} {last}".strip() or username,
                email=email,
                reference=reference,
                units_achieved=sub.get("achieved", 0),
                units_total=unit_total,
                points_covered=covered.get(learner_id, 0),
                points_total=len(point_ids),
                last_activity=max(moments) if moments else None,
                last_submitted=sub.get("last_submitted"),
                today=today,
            )
        )
    if inactive_days is not None:
        rows = [
            r
            for r in rows
            if r.days_since_submission is None
            or r.days_since_submission >= inactive_days
        ]
    sorts = {
        "coverage": lambda r: (r.covered_percent, r.name),
        "achieved": lambda r: (r.units_achieved, r.name),
        "idle": lambda r: (
            -(
                r.days_since_submission
                if r.days_since_submission is not None
                else 10**6
            ),
            r.name,
        ),
    }
    if sort in sorts:
        rows.sort(key=sorts[sort])
    return rows


# --- Criteria heatmap --------------------------------------------------------------
NONE, MAPPED, PARTIAL, ACHIEVED = 0, 1, 2, 3
# Each level: a CSS class, a symbol (so the map reads without colour) and a label.
LEVELS = {
    NONE: ("none", "·", _("No evidence mapped")),
    MAPPED: ("mapped", "○", _("Evidence mapped, not yet judged met")),
    PARTIAL: ("partial", "◐", _("Partially evidenced (assessor)")),
    ACHIEVED: ("achieved", "●", _("Fully evidenced (assessor)")),
}


@dataclass
class HeatmapColumn:
    pk: int
    label: str
    text: str
    unit: str
    learners_covered: int = 0
    learners_achieved: int = 0


@dataclass
class HeatmapRow:
    learner_id: int
    name: str
    cells: list[int] = field(default_factory=list)


@dataclass
class Heatmap:
    columns: list[HeatmapColumn]
    rows: list[HeatmapRow]
    learner_total: int


def criteria_heatmap(
    *,
    cohort: Cohort,
    unit_id: int | None = None,
    units: list[Unit] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Heatmap:
    """Marking points by learners, each cell none / mapped / partially / fully
    evidenced (the assessor's latest judgement wins over the learner's mapping).

    The per-point totals cover the whole cohort; `offset`/`limit` page the learner
    rows. `units` are the qualification's units (cohort_units) when the caller
    already has them. Four or five queries whatever the size.
    """
    points = list(
        _points(cohort, unit_id)
        .select_related("topic__unit")
        .order_by(
            "topic__unit__position", "topic__unit__title", "topic__position", "position"
        )
    )
    enrolments = _active_learners(cohort)
    learner_ids = enrolments.values("learner_id")
    all_learners = list(
        enrolments.values_list(
            "learner_id",
            "learner__first_name",
            "learner__last_name",
            "learner__username",
        ).order_by("learner__last_name", "learner__first_name", "learner_id")
    )
    page = all_learners[offset : (offset + limit) if limit else None]
    point_ids = [p.pk for p in points]
    level: dict[tuple[int, int], int] = {}
    for learner_id, point_id in (
        EvidenceMapping.objects.filter(
            evidence__centre_id=cohort.centre_id,
            evidence__learner_id__in=learner_ids,
            marking_point_id__in=point_ids,
        )
        .values_list("evidence__learner_id", "marking_point_id")
        .order_by()  # no default ordering: it would join the specification tables
        .distinct()
    ):
        level[(learner_id, point_id)] = MAPPED
    for learner_id, point_id, best in (
        DecisionJudgement.objects.filter(
            decision__centre_id=cohort.centre_id,
            decision__submission__learner_id__in=learner_ids,
            decision__superseded_by__isnull=True,
            marking_point_id__in=point_ids,
        )
        .values_list("decision__submission__learner_id", "marking_point_id")
        .annotate(best=Max("value"))
        .order_by()
    ):
        if best == Judgement.FULL:
            level[(learner_id, point_id)] = ACHIEVED
        elif best == Judgement.PARTIAL:
            level[(learner_id, point_id)] = PARTIAL
    # "U2 MP3": the unit's code, else its place in the qualification.
    if units is None:
        units = cohort_units(cohort=cohort)
    unit_numbers = {
        unit.pk: unit.code or f"U{n}" for n, unit in enumerate(units, start=1)
    }
    columns = [
        HeatmapColumn(
            pk=p.pk,
            label=f"{unit_numbers[p.topic.unit_id]} {p.label}",
            text=p.text,
            unit=p.topic.unit.title,
        )
        for p in points
    ]
    by_pk = {c.pk: c for c in columns}
    for (_learner, point_id), value in level.items():
        by_pk[point_id].learners_covered += 1
        if value == ACHIEVED:
            by_pk[point_id].learners_achieved += 1
    rows = [
        HeatmapRow(
            learner_id=learner_id,
            name=f"{first} {last}".strip() or username,
            cells=[level.get((learner_id, pk), NONE) for pk in point_ids],
        )
        for learner_id, first, last, username in page
    ]
    return Heatmap(columns=columns, rows=rows, learner_total=len(all_learners))


# --- Assessor workload -------------------------------------------------------------
@dataclass
class WorkloadRow:
    assessor_id: int
    name: str
    cohorts: int
    queue: int
    overdue: int
    median_days_to_mark: float | None
    decisions_this_month: int


def assessor_workload(*, centre, cohort: Cohort | None = None) -> list[WorkloadRow]:
    """Per assessor at the centre: submissions waiting in their cohorts, how many
    are past the marking target, median days from submission to decision over the
    last 90 days, and decisions this month (five queries)."""
    assessors = centre_selectors.staff_for_centre(centre=centre, role=Role.ASSESSOR)
    if cohort is not None:
        assessors = assessors.filter(assessed_cohorts=cohort)
    people = list(
        assessors.values_list("pk", "first_name", "last_name", "username").order_by(
            "last_name", "first_name"
        )
    )
    ids = [p[0] for p in people]
    cohort_links = Cohort.assessors.through.objects.filter(
        user_id__in=ids, cohort__centre=centre, cohort__archived_at__isnull=True
    )
    if cohort is not None:
        cohort_links = cohort_links.filter(cohort=cohort)
    links = list(
        cohort_links.values_list(
            "user_id",
            "cohort_id",
            "cohort__qualification_id",
            "cohort__marking_target_days",
        )
    )
    cohorts_of: dict[int, set[int]] = {}
    for user_id, cohort_id, _q, _t in links:
        cohorts_of.setdefault(user_id, set()).add(cohort_id)
    # Waiting submissions with the cohorts their learner is actively enrolled on.
    waiting = list(
        Submission.objects.filter(
            centre=centre,
            status__in=WAITING,
            learner__enrolments__cohort_id__in=[c for _u, c, _q, _t in links],
            learner__enrolments__status=EnrolmentStatus.ACTIVE,
            learner__enrolments__cohort__qualification_id=F("unit__qualification_id"),
        ).values_list("pk", "submitted_at", "learner__enrolments__cohort_id")
    )
    target_of = {c: t or centre.marking_target_days for _u, c, _q, t in links}
    now = timezone.now()
    queue: dict[int, set[int]] = {}
    overdue: dict[int, set[int]] = {}
    for submission_id, submitted_at, cohort_id in waiting:
        for user_id, cohorts in cohorts_of.items():
            if cohort_id in cohorts:
                queue.setdefault(user_id, set()).add(submission_id)
                target = timedelta(days=target_of[cohort_id] * 7 / 5)  # working days
                if submitted_at and now - submitted_at > target:
                    overdue.setdefault(user_id, set()).add(submission_id)
    since = now - timedelta(days=90)
    durations: dict[int, list[float]] = {}
    for assessor_id, decided, submitted in AssessmentDecision.objects.filter(
        centre=centre,
        assessor_id__in=ids,
        created_at__gte=since,
        supersedes__isnull=True,
    ).values_list("assessor_id", "created_at", "submission_version__created_at"):
        if submitted:
            durations.setdefault(assessor_id, []).append(
                (decided - submitted).total_seconds() / 86400
            )
    month_start = timezone.localtime(now).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    this_month = dict(
        AssessmentDecision.objects.filter(
            centre=centre, assessor_id__in=ids, created_at__gte=month_start
        )
        .values_list("assessor_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        WorkloadRow(
            assessor_id=pk,
            name=f"{first} {last}".strip() or username,
            cohorts=len(cohorts_of.get(pk, ())),
            queue=len(queue.get(pk, ())),
            overdue=len(overdue.get(pk, ())),
            median_days_to_mark=(
                round(statistics.median(durations[pk]), 1) if pk in durations else None
            ),
            decisions_this_month=this_month.get(pk, 0),
        )
        for pk, first, last, username in people
    ]


# --- IQA sampling coverage ---------------------------------------------------------
def iqa_coverage(
    *, centre, previous_quarter: bool = False, uncovered_only: bool = False
) -> tuple[date, list[Any], list[Any]]:
    """Sampling coverage by assessor and by unit for this (or the previous)
    sampling quarter (two queries). Rows are the assessments app's CoverageRow."""
    today = timezone.localdate()
    start = sampling.period_start(today)
    end = None
    if previous_quarter:
        end = start
        start = sampling.period_start(start - timedelta(days=1))
    base = AssessmentDecision.objects.filter(centre=centre, created_at__date__gte=start)
    if end is not None:
        base = base.filter(created_at__date__lt=end)
    aggregates = {
        "decisions": Count("pk"),
        "sampled": Count("pk", filter=Q(sampled=True)),
        "reviewed": Count("pk", filter=Q(iqa_review__isnull=False)),
        "disagreed": Count("pk", filter=Q(iqa_review__verdict="disagree")),
    }
    by_assessor = [
        assessment_selectors.CoverageRow(
            label=f"{r.pop('assessor__first_name')} {r.pop('assessor__last_name')}".strip()
            or r["assessor__username"],
            **{k: r[k] for k in aggregates},
        )
        for r in base.values(
            "assessor_id",
            "assessor__first_name",
            "assessor__last_name",
            "assessor__username",
        )
        .annotate(**aggregates)
        .order_by("assessor__last_name", "assessor__first_name")
    ]
    by_unit = [
        assessment_selectors.CoverageRow(
            label=r["unit__title"], **{k: r[k] for k in aggregates}
        )
        for r in base.values("unit_id", "unit__title")
        .annotate(**aggregates)
        .order_by("unit__title")
    ]
    if uncovered_only:
        by_assessor = [r for r in by_assessor if not r.covered]
        by_unit = [r for r in by_unit if not r.covered]
    return start, by_assessor, by_unit
