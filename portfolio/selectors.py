"""Read queries for portfolios, scoped to what the actor may see.

A learner sees their own evidence; assessors see the learners of cohorts they are
assigned to; IQAs and admins every learner at the centre (centres.selectors
decides who is visible). Every getter raises Http404 for "missing" and "not
yours" alike so ids cannot be probed.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from centres import selectors as centre_selectors
from centres.models import Role
from portfolio.models import (
    Evidence,
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
class Coverage:
    evidence: list[Evidence]
    groups: list[CoverageGroup]
    total: int
    covered: int

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0


def coverage(*, learner, centre, unit: Unit) -> Coverage:
    """Marking points (rows, grouped by learning outcome) by evidence (columns).

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
