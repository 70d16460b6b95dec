"""Read-only report data for a centre, computed with grouped aggregate queries.

Reports sit above every app and read them through their models and selectors,
never writing. Every function here runs a fixed number of queries whatever the
cohort's size (the benchmark's cohort has 2,000 learners by 40 marking points),
and the work per page is bounded too: the progress report and the heatmap sort,
filter and page their learners in the database and read figures only for the
page's learners, while whole-cohort totals are counted by GROUP BY queries. A
page's figures are reused for a minute (reports.caching) and say when they were
counted; the exports always count afresh and include every learner.

"Criteria" in these reports are the unit's examiner marking points: the things
learners map evidence to and assessors judge.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import sampling, workdays
from assessments import selectors as assessment_selectors
from assessments.models import AssessmentDecision, DecisionJudgement
from assessments.scale import Judgement
from centres import selectors as centre_selectors
from centres.models import Cohort, Enrolment, EnrolmentStatus, Role, User
from portfolio.models import Evidence, EvidenceMapping, Submission, SubmissionStatus
from reports import caching
from revision.models import MarkingPoint, Unit

WAITING = (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_MARKING)


def report_cohorts(*, user: User, centre, roles: frozenset[str]) -> QuerySet[Cohort]:
    """Cohorts the actor may report on (not archived), by name."""
    return (
        centre_selectors.cohorts_for_actor(user=user, centre=centre, roles=roles)
        .filter(archived_at__isnull=True)
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


# --- Paging ------------------------------------------------------------------------
# Ties break by surname, first name, then id, so pages never shuffle rows.
_NAME_ORDER = ("learner__last_name", "learner__first_name", "learner_id")


def _page_bounds(page: int, per_page: int | None, total: int) -> tuple[int, int, int]:
    """(page, offset, limit) with the page clamped to 1..last; limit 0 is "all"."""
    if per_page is None:
        return 1, 0, 0
    last = max(1, -(-total // per_page))
    page = min(max(page, 1), last)
    return page, (page - 1) * per_page, per_page


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


@dataclass
class CohortProgress:
    """One page of progress rows (or all of them), how many learners match the
    filters, the page shown (a page past the end shows the last one) and when
    the figures were counted."""

    rows: list[ProgressRow]
    total: int
    page: int
    computed_at: datetime


def _per_learner(queryset: QuerySet[Any], group: str, aggregate: Any) -> Subquery:
    """A correlated subquery: `aggregate` over `queryset`'s rows for the outer
    learner (`queryset` is filtered on OuterRef and grouped by `group`).

    The centre goes in the aggregate's filter, not the WHERE clause: with only
    the learner to match, the planner reads the learner index (a couple of rows)
    rather than every row of the centre, statistics or not."""
    return Subquery(
        queryset.order_by().values(group).annotate(value=aggregate).values("value")
    )


def _qualification_shape(cohort: Cohort) -> tuple[list[int], list[int]]:
    """The qualification's unit ids (a unit without points still counts) and its
    marking point ids, in one query."""
    unit_points = list(
        Unit.objects.filter(qualification=cohort.qualification_id)
        .values_list("pk", "topics__marking_points")
        .order_by()
    )
    unit_ids = sorted({unit for unit, _point in unit_points})
    point_ids = [point for _unit, point in unit_points if point is not None]
    return unit_ids, point_ids


def _sort_key(
    sort: str, *, cohort: Cohort, unit_ids: list[int], point_ids: list[int]
) -> Any:
    """The ORDER BY term for sorting by a figure, or None to sort by name. It is a
    correlated subquery, so sorting by a figure computes it for every match."""
    learner = OuterRef("learner_id")
    here = Q(centre_id=cohort.centre_id)
    submissions = Submission.objects.filter(learner_id=learner, unit_id__in=unit_ids)
    if sort == "coverage":  # one denominator: the count orders as the percentage
        mappings = EvidenceMapping.objects.filter(
            evidence__learner_id=learner, marking_point_id__in=point_ids
        )
        covered = Count(
            "marking_point_id",
            distinct=True,
            filter=Q(evidence__centre_id=cohort.centre_id),
        )
        return Coalesce(_per_learner(mappings, "evidence__learner_id", covered), 0)
    if sort == "achieved":
        achieved = Count("pk", filter=here & Q(status=SubmissionStatus.ACHIEVED))
        return Coalesce(_per_learner(submissions, "learner_id", achieved), 0)
    if sort == "idle":  # never submitted first, then the oldest last submission
        last = Max("submitted_at", filter=here)
        return _per_learner(submissions, "learner_id", last).asc(nulls_first=True)
    return None


def cohort_progress(
    *,
    cohort: Cohort,
    query: str = "",
    inactive_days: int | None = None,
    sort: str = "name",
    page: int = 1,
    per_page: int | None = None,
) -> CohortProgress:
    """Active learners with units achieved, marking points covered, last activity
    and days since their last submission, filtered, sorted and paged in the
    database (`per_page` None: every match, for the exports).

    Five queries whatever the cohort's size: the qualification's shape, the
    count, the page of learners, then the page's submissions and its evidence
    with their mappings, grouped per learner."""
    unit_ids, point_ids = _qualification_shape(cohort)
    here = Q(centre_id=cohort.centre_id)
    enrolments = _active_learners(cohort)
    if query:
        enrolments = enrolments.filter(
            Q(learner__first_name__icontains=query)
            | Q(learner__last_name__icontains=query)
            | Q(learner__email__icontains=query)
            | Q(learner_reference__icontains=query)
        )
    if inactive_days is not None:
        # Nothing submitted since the start of the local day `inactive_days - 1`
        # days ago: today - (local date of the last submission) >= inactive_days.
        since = datetime.combine(
            timezone.localdate() - timedelta(days=inactive_days - 1),
            time.min,
            tzinfo=timezone.get_current_timezone(),
        )
        submitted = Submission.objects.filter(
            learner_id=OuterRef("learner_id"), unit_id__in=unit_ids
        )
        last = _per_learner(submitted, "learner_id", Max("submitted_at", filter=here))
        enrolments = enrolments.alias(last_submitted=last).filter(
            Q(last_submitted__isnull=True) | Q(last_submitted__lt=since)
        )
    total = enrolments.count()
    page, offset, limit = _page_bounds(page, per_page, total)
    key = _sort_key(sort, cohort=cohort, unit_ids=unit_ids, point_ids=point_ids)
    learners = enrolments.values_list(
        "learner_id",
        "learner__first_name",
        "learner__last_name",
        "learner__username",
        "learner__email",
        "learner_reference",
    ).order_by(*([key] if key is not None else []), *_NAME_ORDER)
    if limit:
        learners = learners[offset : offset + limit]
    shown = list(learners)
    # The page's learners by id; every match (as a subquery) for the exports.
    ids: Any = [row[0] for row in shown] if limit else enrolments.values("learner_id")
    submissions = {
        learner_id: figures
        for learner_id, *figures in Submission.objects.filter(
            learner_id__in=ids, unit_id__in=unit_ids
        )
        .values("learner_id")
        .annotate(
            achieved=Count("pk", filter=here & Q(status=SubmissionStatus.ACHIEVED)),
            submitted=Max("submitted_at", filter=here),
            changed=Max("updated_at", filter=here),
        )
        .values_list("learner_id", "achieved", "submitted", "changed")
        .order_by()
    }
    evidence = {
        learner_id: (changed, covered)
        for learner_id, changed, covered in Evidence.objects.filter(
            learner_id__in=ids, centre_id=cohort.centre_id
        )
        .values("learner_id")
        .annotate(
            changed=Max("updated_at"),
            covered=Count(
                "mappings__marking_point_id",
                distinct=True,
                filter=Q(mappings__marking_point_id__in=point_ids),
            ),
        )
        .values_list("learner_id", "changed", "covered")
        .order_by()
    }
    today = timezone.localdate()
    rows = []
    for learner_id, first, last_name, username, email, reference in shown:
        achieved, submitted_at, changed = submissions.get(learner_id, (0, None, None))
        evidence_changed, covered = evidence.get(learner_id, (None, 0))
        moments = [m for m in (changed, evidence_changed) if m]
        rows.append(
            ProgressRow(
                learner_id=learner_id,
                name=f"{first} {last_name}".strip() or username,
                email=email,
                reference=reference,
                units_achieved=achieved,
                units_total=len(unit_ids),
                points_covered=covered,
                points_total=len(point_ids),
                last_activity=max(moments) if moments else None,
                last_submitted=submitted_at,
                today=today,
            )
        )
    return CohortProgress(rows=rows, total=total, page=page, computed_at=timezone.now())


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
    """The columns with their whole-cohort totals, one page of learner rows (or
    all of them), the page shown and when the oldest figure here was counted."""

    columns: list[HeatmapColumn]
    rows: list[HeatmapRow]
    learner_total: int
    page: int
    computed_at: datetime


@dataclass
class HeatmapTotals:
    """{marking point id: (learners covering it, learners fully evidenced)}."""

    by_point: dict[int, tuple[int, int]]
    computed_at: datetime


def _cohort_pairs(cohort: Cohort) -> tuple[QuerySet[Any], QuerySet[Any], str]:
    """The active learners' mappings, their current (not superseded) judgements,
    and the judgement's learner lookup."""
    learners = _active_learners(cohort).values("learner_id")
    mappings = EvidenceMapping.objects.filter(
        evidence__centre_id=cohort.centre_id, evidence__learner_id__in=learners
    )
    judgements = DecisionJudgement.objects.filter(
        decision__centre_id=cohort.centre_id,
        decision__submission__learner_id__in=learners,
    ).exclude(
        # A correction supersedes the decision it replaces.
        Exists(AssessmentDecision.objects.filter(supersedes_id=OuterRef("decision_id")))
    )
    return mappings, judgements, "decision__submission__learner_id"


def _count_heatmap_totals(cohort: Cohort) -> HeatmapTotals:
    """Count every marking point's learners over the whole active cohort in one
    query. A learner covers a point with a mapping or a judgement of at least
    partial: the database groups three counts per point (mapped; judged without
    a mapping; fully evidenced) and returns them as one UNION of small rows."""
    mappings, judgements, judged_learner = _cohort_pairs(cohort)
    points = _points(cohort, None).values("pk")
    mapped_too = EvidenceMapping.objects.filter(
        marking_point_id=OuterRef("marking_point_id"),
        evidence__centre_id=cohort.centre_id,
        evidence__learner_id=OuterRef(judged_learner),
    )

    def per_point(queryset: QuerySet[Any], kind: int, learner: str) -> QuerySet[Any]:
        return (
            queryset.filter(marking_point_id__in=points)
            .order_by()
            .values("marking_point_id")
            .annotate(kind=Value(kind), n=Count(learner, distinct=True))
            .values_list("marking_point_id", "kind", "n")
        )

    counts: dict[int, list[int]] = {}
    for point_id, kind, n in (
        per_point(mappings, 0, "evidence__learner_id")
        .union(
            per_point(
                judgements.filter(value__gte=Judgement.PARTIAL).exclude(
                    Exists(mapped_too)
                ),
                1,
                judged_learner,
            ),
            per_point(judgements.filter(value=Judgement.FULL), 2, judged_learner),
            all=True,
        )
        .order_by()
    ):
        counts.setdefault(point_id, [0, 0, 0])[kind] = n
    return HeatmapTotals(
        by_point={
            pk: (mapped + judged, full) for pk, (mapped, judged, full) in counts.items()
        },
        computed_at=timezone.now(),
    )


def heatmap_totals(*, cohort: Cohort) -> HeatmapTotals:
    """Learners covering and fully evidencing each of the qualification's marking
    points over the whole cohort (one query), reused for a minute across the
    heatmap's pages and unit filters (reports.caching)."""
    return caching.reuse(
        "heatmap-totals", cohort, compute=lambda: _count_heatmap_totals(cohort)
    )


def criteria_heatmap(
    *,
    cohort: Cohort,
    unit_id: int | None = None,
    units: list[Unit] | None = None,
    page: int = 1,
    per_page: int | None = None,
    with_totals: bool = True,
) -> Heatmap:
    """Marking points by learners, each cell none / mapped / partially / fully
    evidenced (the assessor's latest judgement wins over the learner's mapping).

    The per-point totals cover the whole cohort (heatmap_totals; left at 0 without
    `with_totals`, as the exports do); `page`/`per_page` page the learner rows
    (None: every learner) and only the shown learners' cells are read. `units`
    are the qualification's units (cohort_units) when the caller already has
    them. Four queries (one more without `units`, one more to count the totals)
    whatever the cohort's size.
    """
    points = list(
        _points(cohort, unit_id)
        .select_related("topic__unit")
        .order_by(
            "topic__unit__position", "topic__unit__title", "topic__position", "position"
        )
    )
    point_ids = [p.pk for p in points]
    totals = heatmap_totals(cohort=cohort) if with_totals else None
    enrolments = _active_learners(cohort)
    learner_total = enrolments.count()
    page, offset, limit = _page_bounds(page, per_page, learner_total)
    names = enrolments.values_list(
        "learner_id",
        "learner__first_name",
        "learner__last_name",
        "learner__username",
    ).order_by(*_NAME_ORDER)
    shown = list(names[offset : offset + limit] if limit else names)
    mappings, judgements, judged_learner = _cohort_pairs(cohort)
    if limit:
        ids = [learner_id for learner_id, *_name in shown]
        mappings = mappings.filter(evidence__learner_id__in=ids)
        judgements = judgements.filter(**{f"{judged_learner}__in": ids})
    # The shown learners' cells in one query: each mapped pair (-1), and each
    # judged pair with its best judgement; a judgement wins over a mapping.
    cells = (
        mappings.filter(marking_point_id__in=point_ids)
        .values_list("evidence__learner_id", "marking_point_id")
        .annotate(best=Value(-1))
        .order_by()  # no default ordering: it would join the specification tables
        .union(
            judgements.filter(
                marking_point_id__in=point_ids, value__gte=Judgement.PARTIAL
            )
            .values_list(judged_learner, "marking_point_id")
            .annotate(best=Max("value"))
            .order_by()
        )
        .order_by()
    )
    as_level = {-1: MAPPED, Judgement.PARTIAL: PARTIAL, Judgement.FULL: ACHIEVED}
    level: dict[tuple[int, int], int] = {}
    for learner_id, point_id, best in cells:
        key = (learner_id, point_id)
        level[key] = max(level.get(key, NONE), as_level[best])
    # "U2 MP3": the unit's code, else its place in the qualification.
    if units is None:
        units = cohort_units(cohort=cohort)
    unit_numbers = {
        unit.pk: unit.code or f"U{n}" for n, unit in enumerate(units, start=1)
    }
    by_point = totals.by_point if totals else {}
    columns = [
        HeatmapColumn(
            pk=p.pk,
            label=f"{unit_numbers[p.topic.unit_id]} {p.label}",
            text=p.text,
            unit=p.topic.unit.title,
            learners_covered=by_point.get(p.pk, (0, 0))[0],
            learners_achieved=by_point.get(p.pk, (0, 0))[1],
        )
        for p in points
    ]
    rows = [
        HeatmapRow(
            learner_id=learner_id,
            name=f"{first} {last}".strip() or username,
            cells=[level.get((learner_id, pk), NONE) for pk in point_ids],
        )
        for learner_id, first, last, username in shown
    ]
    return Heatmap(
        columns=columns,
        rows=rows,
        learner_total=learner_total,
        page=page,
        computed_at=totals.computed_at if totals else timezone.now(),
    )


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
    # Past target in working days less the centre's bank holidays, as the queue
    # counts them: sent on or before the latest day beyond each cohort's target.
    today = timezone.localdate(now)
    holidays = workdays.bank_holidays(centre.bank_holidays, today)
    latest = {
        target: workdays.latest_start_beyond(target, today, holidays)
        for target in set(target_of.values())
    }
    queue: dict[int, set[int]] = {}
    overdue: dict[int, set[int]] = {}
    for submission_id, submitted_at, cohort_id in waiting:
        for user_id, cohorts in cohorts_of.items():
            if cohort_id in cohorts:
                queue.setdefault(user_id, set()).add(submission_id)
                beyond = latest[target_of[cohort_id]]
                if submitted_at and timezone.localdate(submitted_at) <= beyond:
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
