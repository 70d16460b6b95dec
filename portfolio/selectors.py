"""Read queries for portfolios, scoped to what the actor may see.

A learner sees their own evidence; assessors see the learners of cohorts they are
assigned to; IQAs and admins every learner at the centre (centres.selectors
decides who is visible). Every getter raises Http404 for "missing" and "not
yours" alike so ids cannot be probed.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.text import Truncator

from centres import selectors as centre_selectors
from centres.models import Role
from portfolio.models import (
    Evidence,
    EvidenceKind,
    EvidenceMapping,
    EvidenceRevision,
    PortfolioExport,
    SelfAssessment,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
    SuggestedMapping,
    SuggestionStatus,
)
from revision import selectors as revision_selectors
from revision.models import ExamTip, LearningOutcome, MarkingPoint, Misconception, Unit

LEARNER_ONLY = frozenset({Role.LEARNER})


# --- who and which unit ---------------------------------------------------------------
def learner_for_actor(*, user, centre, roles, learner_id: int | None):
    """The learner whose portfolio is shown: the user themself when `learner_id`
    is None, else a learner the actor may see. Raises Http404."""
    if learner_id is None or learner_id == user.pk:
        if Role.LEARNER not in roles:
            raise Http404("No portfolio")
        return user
    staff_roles = roles - LEARNER_ONLY
    if not staff_roles:
        raise Http404("No such learner")
    return centre_selectors.learner_get_for_actor(
        user=user, centre=centre, roles=staff_roles, pk=learner_id
    )


def units_for_learner(*, learner, centre) -> QuerySet[Unit]:
    """Units of the qualifications the learner is enrolled on at the centre."""
    return revision_selectors.units_for_actor(
        user=learner, centre=centre, roles=LEARNER_ONLY
    )


def units_for_centre(*, user, centre) -> list[Unit]:
    """Units studied by any cohort at the centre (for its admin's settings)."""
    return list(
        revision_selectors.units_for_actor(
            user=user, centre=centre, roles=frozenset({Role.ADMIN})
        )
    )


def policy_levels(*, centre) -> dict[int, str]:
    """The AI-use level the centre set per unit id (units without one: default)."""
    from portfolio.models import UnitPolicy

    return dict(
        UnitPolicy.objects.filter(centre=centre).values_list("unit_id", "ai_use_level")
    )


def unit_get_for_learner(*, learner, centre, slug: str) -> Unit:
    """One of the learner's units. Raises Http404."""
    unit = units_for_learner(learner=learner, centre=centre).filter(slug=slug).first()
    if unit is None:
        raise Http404("No such unit")
    return unit


class _Tally:
    """`uncovered` and `percent` for anything with `total` and `covered` points."""

    total: int
    covered: int

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0


@dataclass
class UnitRow:
    unit: Unit
    status: str
    status_label: str
    points: int
    covered: int
    evidence_count: int

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.points) if self.points else 0


def _count(queryset, group: str) -> Subquery:
    """A correlated COUNT(*) subquery grouped on `group`, 0 when no rows."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def unit_rows_for_learner(*, learner, centre) -> list[UnitRow]:
    """Each of the learner's units with status and coverage: one query whatever
    the number of units or evidence (correlated subqueries per unit)."""
    unit_points_qs = MarkingPoint.objects.filter(topic__unit=OuterRef("pk"))
    covered_qs = unit_points_qs.filter(
        Exists(
            EvidenceMapping.objects.filter(
                marking_point=OuterRef("pk"),
                evidence__learner=learner,
                evidence__centre=centre,
            )
        )
    )
    evidence_qs = Evidence.objects.filter(
        learner=learner, centre=centre, unit=OuterRef("pk")
    )
    status_qs = Submission.objects.filter(
        learner=learner, centre=centre, unit=OuterRef("pk")
    ).values("status")[:1]
    units = units_for_learner(learner=learner, centre=centre).annotate(
        point_count=_count(unit_points_qs, "topic__unit"),
        covered_count=_count(covered_qs, "topic__unit"),
        evidence_count=_count(evidence_qs, "unit"),
        submission_status=Subquery(status_qs),
    )
    rows = []
    for u in units:
        status = u.submission_status or SubmissionStatus.DRAFT
        rows.append(
            UnitRow(
                unit=u,
                status=status,
                status_label=SubmissionStatus(status).label,
                points=u.point_count,
                covered=u.covered_count,
                evidence_count=u.evidence_count,
            )
        )
    return rows


# --- evidence -------------------------------------------------------------------------
def evidence_for_unit(*, learner, centre, unit: Unit) -> list[Evidence]:
    """The learner's evidence for a unit with mappings and their marking points:
    two queries for any number of items."""
    return list(
        Evidence.objects.filter(learner=learner, centre=centre, unit=unit)
        .defer("extracted_text")
        .prefetch_related(
            Prefetch(
                "mappings",
                queryset=EvidenceMapping.objects.select_related("marking_point"),
            )
        )
        .order_by("-created_at", "-pk")
    )


def evidence_get_for_actor(*, user, centre, roles, pk: int) -> Evidence:
    """An item of evidence the actor may see, with unit and learner. Raises
    Http404 (missing, another centre's, or another learner's)."""
    qs = Evidence.objects.select_related("unit", "learner", "centre").filter(
        pk=pk, centre=centre
    )
    condition = Q(pk__in=[])
    if Role.LEARNER in roles:
        condition |= Q(learner=user)
    staff_roles = roles - LEARNER_ONLY
    if staff_roles:
        condition |= Q(
            learner__in=centre_selectors.learners_visible_to(
                user=user, centre=centre, roles=staff_roles
            )
        )
    evidence = qs.filter(condition).first()
    if evidence is None:
        raise Http404("No such evidence")
    return evidence


def evidence_get_for_learner(*, learner, centre, pk: int) -> Evidence:
    """The learner's own evidence, for editing. Raises Http404."""
    evidence = (
        Evidence.objects.select_related("unit", "learner", "centre")
        .filter(pk=pk, centre=centre, learner=learner)
        .first()
    )
    if evidence is None:
        raise Http404("No such evidence")
    return evidence


def evidence_revisions(*, evidence: Evidence) -> list[EvidenceRevision]:
    return list(evidence.revisions.order_by("-number"))


def suggestions_for_evidence(*, evidence: Evidence) -> list[SuggestedMapping]:
    """Open suggestions (neither accepted nor dismissed), best first."""
    return list(
        SuggestedMapping.objects.filter(
            evidence=evidence, status=SuggestionStatus.SUGGESTED
        )
        .exclude(marking_point__mappings__evidence=evidence)
        .select_related("marking_point")
        .order_by("-score")
    )


def suggestions_pending(*, evidence: Evidence) -> bool:
    """Whether suggestions for the evidence's current text are still to come."""
    from portfolio import services

    text = evidence.plain_text
    if not text.strip() or (evidence.is_draft and evidence.kind != "file"):
        return False
    return evidence.suggestions_hash != services.text_hash(text)


def unit_points(*, unit: Unit) -> list[MarkingPoint]:
    """The unit's marking points in order, with outcome and topic."""
    return list(
        MarkingPoint.objects.filter(topic__unit=unit)
        .select_related("outcome", "topic")
        .order_by("outcome__number", "topic__position", "position")
    )


# --- submissions ----------------------------------------------------------------------
def submission_for(*, learner, centre, unit: Unit) -> Submission | None:
    return Submission.objects.filter(learner=learner, centre=centre, unit=unit).first()


def submission_versions(*, submission: Submission | None) -> list[SubmissionVersion]:
    if submission is None:
        return []
    return list(submission.versions.order_by("-number"))


@dataclass(frozen=True)
class VersionSummary:
    number: int
    created_at: Any
    item_count: int  # items of evidence the version was submitted with


def submission_history(*, submission: Submission | None) -> list[VersionSummary]:
    """The submitted versions, newest first, with how many items each held: one
    query that reads only the snapshots' id lists, not their contents."""
    if submission is None:
        return []
    return [
        VersionSummary(number=number, created_at=created_at, item_count=len(ids or []))
        for number, created_at, ids in submission.versions.order_by(
            "-number"
        ).values_list("number", "created_at", "snapshot__evidence_ids")
    ]


def submission_version_get(*, submission: Submission, number: int | None = None):
    """One version of a submission (the current one when `number` is None),
    with its self-assessment rows. Raises Http404."""
    number = number or submission.current_version
    version = (
        SubmissionVersion.objects.filter(submission=submission, number=number)
        .prefetch_related(
            Prefetch(
                "self_assessments",
                queryset=SelfAssessment.objects.select_related("marking_point"),
            )
        )
        .first()
    )
    if version is None:
        raise Http404("No such version")
    return version


def submission_evidence(*, submission: Submission) -> list[Evidence]:
    """Every item of evidence in the submission's unit portfolio, with mappings
    (and their marking points) and revisions: three queries for any size."""
    return list(
        Evidence.objects.filter(
            learner_id=submission.learner_id,
            unit_id=submission.unit_id,
            centre_id=submission.centre_id,
        )
        .defer("extracted_text")
        .prefetch_related(
            Prefetch(
                "mappings",
                queryset=EvidenceMapping.objects.select_related("marking_point"),
            ),
            Prefetch("revisions", queryset=EvidenceRevision.objects.order_by("number")),
        )
        .order_by("created_at", "pk")
    )


def draft_self_assessment(
    *, submission: Submission | None
) -> dict[int, SelfAssessment]:
    if submission is None:
        return {}
    return {
        sa.marking_point_id: sa
        for sa in SelfAssessment.objects.filter(
            submission=submission, submission_version__isnull=True
        )
    }


def export_get_for_actor(*, user, centre, roles, pk: int) -> PortfolioExport:
    """An export the actor may download: the learner's own, or any at the centre
    for an admin. Raises Http404."""
    export = (
        PortfolioExport.objects.select_related("submission__unit")
        .filter(pk=pk, submission__centre=centre)
        .first()
    )
    if export is None:
        raise Http404("No such export")
    mine = Role.LEARNER in roles and export.submission.learner_id == user.pk
    if not (mine or Role.ADMIN in roles):
        raise Http404("No such export")
    return export


# --- coverage -------------------------------------------------------------------------
@dataclass
class CoverageRow:
    point: MarkingPoint
    cells: list[str | None]  # per evidence column: the mapping note, or None
    covered: bool
    tips: list[Any] = field(default_factory=list)
    misconceptions: list[Any] = field(default_factory=list)


@dataclass
class CoverageGroup:
    outcome: LearningOutcome | None
    rows: list[CoverageRow]


@dataclass
class Coverage(_Tally):
    evidence: list[Evidence]
    groups: list[CoverageGroup]
    total: int
    covered: int


def coverage(*, learner, centre, unit: Unit) -> Coverage:
    """Marking points (rows, grouped by learning outcome) by every item of
    evidence (columns), for the PDF export; the coverage page shows
    `coverage_matrix`, a page of columns at a time.

    Uncovered points carry their topic's exam tips and misconceptions. Five
    queries for any number of evidence items or marking points.
    """
    evidence = evidence_for_unit(learner=learner, centre=centre, unit=unit)
    points = unit_points(unit=unit)
    index = {e.pk: i for i, e in enumerate(evidence)}
    notes: dict[int, list[str | None]] = {p.pk: [None] * len(evidence) for p in points}
    for item in evidence:
        for mapping in item.mappings.all():
            if mapping.marking_point_id in notes:
                notes[mapping.marking_point_id][index[item.pk]] = mapping.note or "✓"
    uncovered_topics = {
        p.topic_id for p in points if not any(c is not None for c in notes[p.pk])
    }
    tips: dict[int, list[ExamTip]] = {}
    for tip in ExamTip.objects.filter(topic_id__in=uncovered_topics):
        tips.setdefault(tip.topic_id, []).append(tip)
    mistakes: dict[int, list[Misconception]] = {}
    for mistake in Misconception.objects.filter(topic_id__in=uncovered_topics):
        mistakes.setdefault(mistake.topic_id, []).append(mistake)
    groups: list[CoverageGroup] = []
    covered = 0
    for point in points:
        cells = notes[point.pk]
        is_covered = any(c is not None for c in cells)
        covered += is_covered
        row = CoverageRow(
            point=point,
            cells=cells,
            covered=is_covered,
            tips=[] if is_covered else tips.get(point.topic_id, [])[:3],
            misconceptions=[] if is_covered else mistakes.get(point.topic_id, [])[:3],
        )
        if not groups or groups[-1].outcome != point.outcome:
            groups.append(CoverageGroup(outcome=point.outcome, rows=[]))
        groups[-1].rows.append(row)
    return Coverage(
        evidence=evidence, groups=groups, total=len(points), covered=covered
    )


# --- the unit page and the bounded coverage matrix --------------------------------------
EVIDENCE_PER_PAGE = 25  # rows of the unit page's evidence table
MATRIX_COLUMNS_PER_PAGE = 20  # evidence columns of the coverage matrix


@dataclass(frozen=True)
class Pager:
    """One page of a list of `total` items: Django's Page without its COUNT
    query, because these pages already get the total from an aggregate."""

    number: int
    per_page: int
    total: int

    @classmethod
    def at(cls, number: int, *, per_page: int, total: int) -> "Pager":
        """The page `number`, moved into range (1 to the last page)."""
        last = max(1, -(-total // per_page))
        return cls(number=min(max(number, 1), last), per_page=per_page, total=total)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def start(self) -> int:
        """1-based position of the page's first item (0 for an empty list)."""
        return self.offset + 1 if self.total else 0

    @property
    def end(self) -> int:
        return min(self.offset + self.per_page, self.total)

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.number < self.num_pages else None

    @property
    def links(self) -> list[int | None]:
        """Page numbers to link: the first, the last and two either side of the
        current page; None where a run of pages is left out."""
        last = self.num_pages
        shown = sorted(
            {1, last}
            | set(range(max(1, self.number - 2), min(last, self.number + 2) + 1))
        )
        links: list[int | None] = []
        for n in shown:
            if links and n - (links[-1] or 0) > 1:
                links.append(None)
            links.append(n)
        return links


@dataclass
class CoverageSummary(_Tally):
    total: int  # marking points in the unit
    covered: int  # of those, mapped from at least one item of the learner's evidence
    evidence_count: int  # the learner's items of evidence for the unit


def _unit_evidence(*, learner, centre, unit: Unit) -> QuerySet[Evidence]:
    return Evidence.objects.filter(learner=learner, centre=centre, unit=unit)


def _total(queryset, counted: str = "pk", *, distinct: bool = False) -> Subquery:
    """A COUNT subquery over all of `queryset` (no GROUP BY, so always one row,
    0 when it is empty)."""
    return Subquery(
        queryset.order_by()
        .annotate(everything=Value(1))
        .values("everything")
        .annotate(n=Count(counted, distinct=distinct))
        .values("n"),
        output_field=IntegerField(),
    )


def coverage_summary(*, learner, centre, unit: Unit) -> CoverageSummary:
    """How many of the unit's marking points the learner's evidence covers, and
    how many items there are: one query of three counts, for any portfolio size.

    The mapping count starts from the learner's evidence (`evidence_id IN ...`),
    so the database walks their items, never every learner's mappings.
    """
    evidence = _unit_evidence(learner=learner, centre=centre, unit=unit)
    # Services only map evidence to its own unit's marking points, so counting
    # the points its mappings name needs no join back to the unit.
    mapped = EvidenceMapping.objects.filter(evidence_id__in=evidence.values("pk"))
    total, covered, evidence_count = (
        Unit.objects.filter(pk=unit.pk)
        .annotate(
            point_count=_total(MarkingPoint.objects.filter(topic__unit=unit)),
            covered_count=_total(mapped, "marking_point_id", distinct=True),
            evidence_count=_total(evidence),
        )
        .values_list("point_count", "covered_count", "evidence_count")
        .get()
    )
    return CoverageSummary(total=total, covered=covered, evidence_count=evidence_count)


@dataclass
class EvidenceRow:
    pk: int
    title: str
    kind: str
    kind_label: str
    is_draft: bool
    is_locked: bool
    updated_at: Any
    points: list[tuple[str, str]]  # (label, text) of each marking point it maps to


def evidence_page(*, learner, centre, unit: Unit, pager: Pager) -> list[EvidenceRow]:
    """One page of the learner's evidence for a unit, newest first, with the
    marking points each item maps to: one query (the page's items joined to
    their mappings), whatever the portfolio's size."""
    page_ids = _unit_evidence(learner=learner, centre=centre, unit=unit).order_by(
        "-created_at", "-pk"
    )[pager.offset : pager.offset + pager.per_page]
    joined = (
        Evidence.objects.filter(pk__in=page_ids.values("pk"))
        .order_by(
            "-created_at",
            "-pk",
            "mappings__marking_point__topic_id",
            "mappings__marking_point__position",
        )
        .values_list(
            "pk",
            "title",
            "kind",
            "is_draft",
            "is_locked",
            "updated_at",
            "mappings__marking_point_id",
            "mappings__marking_point__position",
            "mappings__marking_point__reference",
            "mappings__marking_point__text",
        )
    )
    rows: dict[int, EvidenceRow] = {}
    labels: dict[int, str] = {}
    for pk, title, kind, draft, locked, updated, point_id, pos, ref, text in joined:
        row = rows.get(pk)
        if row is None:
            row = rows[pk] = EvidenceRow(
                pk=pk,
                title=title,
                kind=kind,
                kind_label=EvidenceKind(kind).label,
                is_draft=draft,
                is_locked=locked,
                updated_at=updated,
                points=[],
            )
        if point_id is not None:
            if point_id not in labels:
                labels[point_id] = MarkingPoint(position=pos, reference=ref).label
            row.points.append((labels[point_id], text))
    return list(rows.values())


@dataclass
class MatrixColumn:
    pk: int
    title: str  # shortened to fit a column heading
    full_title: str


@dataclass
class MatrixCell:
    note: str  # where in the evidence, or "✓" when the learner gave no note
    short: str  # the note shortened for the cell; "" for a plain tick


@dataclass
class MatrixRow:
    point: MarkingPoint
    evidenced_by: int  # items of evidence (all of them, not just this page's)
    cells: list[MatrixCell | None]  # per column of the page
    tips: list[str] = field(default_factory=list)
    misconceptions: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return self.evidenced_by > 0


@dataclass
class MatrixGroup:
    outcome: LearningOutcome | None
    rows: list[MatrixRow]


@dataclass
class CoverageMatrix(_Tally):
    columns: list[MatrixColumn]
    groups: list[MatrixGroup]
    pager: Pager  # over the evidence columns
    total: int
    covered: int


def coverage_matrix(*, learner, centre, unit: Unit, page: int) -> CoverageMatrix:
    """The unit's marking points (rows, grouped by learning outcome) against one
    page of the learner's evidence (columns, newest first).

    Whether a row is covered and how many items evidence it count all of the
    evidence, in SQL; only the cells are per page. Uncovered rows carry their
    topic's first three exam tips and misconceptions. Four queries for any
    number of evidence items.
    """
    evidence = _unit_evidence(learner=learner, centre=centre, unit=unit)
    evidence_total, evidenced_by = _evidence_counts(evidence)
    pager = Pager.at(page, per_page=MATRIX_COLUMNS_PER_PAGE, total=evidence_total)
    points = list(
        MarkingPoint.objects.filter(topic__unit=unit)
        .select_related("outcome", "topic")
        .only(
            "position",
            "text",
            "reference",
            "topic__slug",
            "topic__title",
            "outcome__number",
            "outcome__text",
        )
        .order_by("outcome__number", "topic__position", "position")
    )
    page_ids = evidence.order_by("-created_at", "-pk")[
        pager.offset : pager.offset + pager.per_page
    ]
    joined = (
        Evidence.objects.filter(pk__in=page_ids.values("pk"))
        .order_by("-created_at", "-pk")
        .values_list("pk", "title", "mappings__marking_point_id", "mappings__note")
    )
    columns: list[MatrixColumn] = []
    notes: dict[int, dict[int, str]] = {}  # point id -> column index -> note
    for pk, title, point_id, note in joined:
        if not columns or columns[-1].pk != pk:
            columns.append(
                MatrixColumn(pk=pk, title=_short(title, 30), full_title=title)
            )
        if point_id is not None:
            notes.setdefault(point_id, {})[len(columns) - 1] = note
    advice = _topic_advice({p.topic_id for p in points if not evidenced_by.get(p.pk)})
    groups: list[MatrixGroup] = []
    for point in points:
        cells: list[MatrixCell | None] = [None] * len(columns)
        for index, note in notes.get(point.pk, {}).items():
            cells[index] = MatrixCell(note=note or "✓", short=_short(note, 40))
        count = evidenced_by.get(point.pk, 0)
        tips, mistakes = advice.get(point.topic_id, ([], []))
        row = MatrixRow(
            point=point,
            evidenced_by=count,
            cells=cells,
            tips=[] if count else tips[:3],
            misconceptions=[] if count else mistakes[:3],
        )
        if not groups or groups[-1].outcome != point.outcome:
            groups.append(MatrixGroup(outcome=point.outcome, rows=[]))
        groups[-1].rows.append(row)
    return CoverageMatrix(
        columns=columns,
        groups=groups,
        pager=pager,
        total=len(points),
        covered=sum(1 for p in points if evidenced_by.get(p.pk)),
    )


def _short(text: str, length: int) -> str:
    """`text` cut to `length` characters as the truncatechars filter would (most
    titles and notes fit, and skip Truncator's translated ellipsis)."""
    return text if len(text) <= length else Truncator(text).chars(length)


def _evidence_counts(evidence: QuerySet[Evidence]) -> tuple[int, dict[int, int]]:
    """(items of evidence, {marking point id: items mapped to it}): one query,
    the per-point counts and the total (on a row with no point) in a UNION.

    Both start from the evidence ids (`evidence_id IN ...`), so the database
    walks this learner's items, never every learner's mappings to the points.
    """
    per_point = (
        EvidenceMapping.objects.filter(evidence_id__in=evidence.values("pk"))
        .order_by()
        .values("marking_point_id")
        .annotate(n=Count("evidence_id"))
        .values_list("marking_point_id", "n")
    )
    items = (
        evidence.order_by()
        .annotate(point=Value(None, output_field=BigIntegerField()))
        .values("point")
        .annotate(n=Count("pk"))
        .values_list("point", "n")
    )
    total, counts = 0, {}
    for point_id, n in per_point.union(items, all=True).order_by():
        if point_id is None:
            total = n
        else:
            counts[point_id] = n
    return total, counts


def _topic_advice(topic_ids: set[int]) -> dict[int, tuple[list[str], list[str]]]:
    """{topic id: (exam tips, misconceptions)} in document order: one query
    (none when every point is covered)."""
    if not topic_ids:
        return {}
    tips = (
        ExamTip.objects.filter(topic_id__in=topic_ids)
        .order_by()
        .annotate(kind=Value("tip"))
        .values_list("topic_id", "position", "kind", "text")
    )
    mistakes = (
        Misconception.objects.filter(topic_id__in=topic_ids)
        .order_by()
        .annotate(kind=Value("mistake"))
        .values_list("topic_id", "position", "kind", "text")
    )
    advice: dict[int, tuple[list[str], list[str]]] = {}
    for topic_id, _position, kind, text in tips.union(mistakes, all=True).order_by(
        "topic_id", "position"
    ):
        entry = advice.setdefault(topic_id, ([], []))
        entry[0 if kind == "tip" else 1].append(text)
    return advice


# --- what changed between versions ------------------------------------------------------
@dataclass
class EvidenceChange:
    evidence_id: int
    title: str
    change: str  # "added", "removed", "changed" or "unchanged"
    fields: list[tuple[str, str, str]]  # (field, before, after) for text that changed
    mappings_added: list[int]  # marking point ids
    mappings_removed: list[int]

    @property
    def labelled_fields(self) -> list[tuple[str, str, str]]:
        """The changed fields with their labels ("what happened") for display."""
        return [
            (str(Evidence._meta.get_field(name).verbose_name), before, after)
            for name, before, after in self.fields
        ]


DIFF_FIELDS = (
    "title",
    "what_happened",
    "what_i_did",
    "outcome",
    "learned",
    "free_text",
    "witness_name",
    "witness_role",
    "witness_contact",
)


def version_changes(
    *, submission: Submission, old: int, new: int
) -> list[EvidenceChange]:
    """What changed in the evidence between two versions of a submission: items
    added or removed, text fields edited (from the saved revisions) and mappings
    added or removed. Three queries for any number of items."""
    versions = {
        v.number: v
        for v in SubmissionVersion.objects.filter(
            submission=submission, number__in=[old, new]
        )
    }
    if old not in versions or new not in versions:
        raise Http404("No such version")
    before = {e["id"]: e for e in versions[old].snapshot.get("evidence", [])}
    after = {e["id"]: e for e in versions[new].snapshot.get("evidence", [])}
    wanted = Q(pk__in=[])
    for item in [*before.values(), *after.values()]:
        wanted |= Q(evidence_id=item["id"], number=item.get("revision"))
    revisions = {
        (r.evidence_id, r.number): r.content
        for r in EvidenceRevision.objects.filter(wanted)
    }
    changes = []
    for evidence_id in sorted(before.keys() | after.keys()):
        b, a = before.get(evidence_id), after.get(evidence_id)
        item = a or b
        if b is None or a is None:
            changes.append(
                EvidenceChange(
                    evidence_id=evidence_id,
                    title=item["title"],
                    change="added" if b is None else "removed",
                    fields=[],
                    mappings_added=[],
                    mappings_removed=[],
                )
            )
            continue
        old_text = revisions.get((evidence_id, b.get("revision")), {})
        new_text = revisions.get((evidence_id, a.get("revision")), {})
        fields = [
            (name, old_text.get(name, ""), new_text.get(name, ""))
            for name in DIFF_FIELDS
            if old_text.get(name, "") != new_text.get(name, "")
        ]
        old_points = {m["marking_point"] for m in b.get("mappings", [])}
        new_points = {m["marking_point"] for m in a.get("mappings", [])}
        changed = bool(
            fields or old_points != new_points or b.get("sha256") != a.get("sha256")
        )
        changes.append(
            EvidenceChange(
                evidence_id=evidence_id,
                title=a["title"],
                change="changed" if changed else "unchanged",
                fields=fields,
                mappings_added=sorted(new_points - old_points),
                mappings_removed=sorted(old_points - new_points),
            )
        )
    return changes
