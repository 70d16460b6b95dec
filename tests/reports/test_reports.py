"""Reports: cohort progress, criteria heatmap, assessor workload, IQA coverage,
exports with formula injection neutralised, isolation and constant query counts."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments import selectors as assessment_selectors
from assessments import services as assessment_services
from assessments.services import JudgementInput
from reports import exports, selectors
from revision.models import MarkingPoint
from tests import factories
from tests.assessments.test_queue import waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(qualification):
    return factories.marking_unit(qualification, points=3)


@pytest.fixture
def points(unit):
    return list(MarkingPoint.objects.filter(topic__unit=unit).order_by("position"))


def enrol(cohort, username, **fields):
    learner = factories.member(cohort.centre, "learner", username=username, **fields)
    factories.EnrolmentFactory(learner=learner, cohort=cohort)
    return learner


def mark(assessor, submission, points, values):
    marking = assessment_services.marking_start(
        assessor=assessor, submission=submission
    )
    marking = assessment_services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements={
            p.pk: JudgementInput(value=v, comment="Seen in the log.")
            for p, v in zip(points, values, strict=True)
        },
        summative_feedback="Well organised.",
    )
    return assessment_services.marking_finalise(
        assessor=assessor, marking=marking, expected_version=marking.version
    )


@pytest.fixture
def world(cohort, centre, unit, points, assessor):
    """Ada: submitted, marked 2/1/0. Ben: one point mapped in a draft. Cy: nothing."""
    ada = enrol(cohort, "ada", first_name="Ada", last_name="Adams")
    ben = enrol(cohort, "ben", first_name="Ben", last_name="Brown")
    enrol(cohort, "cy", first_name="Cy", last_name="Cole")
    submission = factories.submitted_portfolio(learner=ada, centre=centre, unit=unit)
    mark(assessor, submission, points, [2, 1, 0])
    evidence = factories.EvidenceFactory(learner=ben, centre=centre, unit=unit)
    factories.EvidenceMappingFactory(evidence=evidence, marking_point=points[1])
    return {"ada": ada, "ben": ben, "submission": submission}


def test_progress_values(world, cohort):
    rows = {r.name: r for r in selectors.cohort_progress(cohort=cohort).rows}
    ada, ben, cy = rows["Ada Adams"], rows["Ben Brown"], rows["Cy Cole"]
    assert (ada.points_covered, ada.points_total, ada.covered_percent) == (3, 3, 100)
    assert (ben.points_covered, ben.covered_percent) == (1, 33)
    assert (cy.points_covered, cy.last_activity, cy.days_since_submission) == (
        0,
        None,
        None,
    )
    assert ada.days_since_submission == 0
    assert ada.units_achieved == 0  # marked "not yet": one point not evidenced
    assert ben.last_activity is not None


def _names(cohort, **filters):
    return [r.name for r in selectors.cohort_progress(cohort=cohort, **filters).rows]


def test_progress_filters_and_sorts(world, cohort):
    assert _names(cohort) == ["Ada Adams", "Ben Brown", "Cy Cole"]
    assert _names(cohort, sort="coverage") == ["Cy Cole", "Ben Brown", "Ada Adams"]
    assert _names(cohort, query="brown") == ["Ben Brown"]
    assert _names(cohort, inactive_days=1) == ["Ben Brown", "Cy Cole"]  # never
    assert _names(cohort, inactive_days=0) == ["Ada Adams", "Ben Brown", "Cy Cole"]
    # never submitted first (by name), then the longest since a submission
    assert _names(cohort, sort="idle") == ["Ben Brown", "Cy Cole", "Ada Adams"]


def test_progress_sorts_by_units_achieved(world, cohort, centre, unit, assessor):
    # given Ben with an achieved unit
    submission = factories.submitted_portfolio(
        learner=world["ben"], centre=centre, unit=unit
    )
    mark(assessor, submission, list(unit_points(unit)), [2, 2, 2])
    # then he sorts last by units achieved, fewest first
    assert _names(cohort, sort="achieved") == ["Ada Adams", "Cy Cole", "Ben Brown"]
    [ben] = selectors.cohort_progress(cohort=cohort, query="Ben").rows
    assert (ben.units_achieved, ben.units_total) == (1, 1)


def unit_points(unit):
    return MarkingPoint.objects.filter(topic__unit=unit).order_by("position")


def test_heatmap_cells_follow_judgement_over_mapping(world, cohort, points):
    heatmap = selectors.criteria_heatmap(cohort=cohort)
    cells = {r.name: r.cells for r in heatmap.rows}
    assert cells["Ada Adams"] == [
        selectors.ACHIEVED,
        selectors.PARTIAL,
        selectors.MAPPED,
    ]
    assert cells["Ben Brown"] == [selectors.NONE, selectors.MAPPED, selectors.NONE]
    assert cells["Cy Cole"] == [selectors.NONE] * 3
    assert [c.learners_covered for c in heatmap.columns] == [1, 2, 1]
    assert [c.learners_achieved for c in heatmap.columns] == [1, 0, 0]


def test_heatmap_page_has_legend_readable_without_colour(
    world, cohort, client_for, centre_admin
):
    page = client_for(centre_admin).get(reverse("reports:heatmap")).content.decode()
    assert "Fully evidenced (assessor)" in page
    for symbol in ("●", "◐", "○", "·"):
        assert symbol in page
    assert '<span class="visually-hidden">Partially evidenced (assessor)</span>' in page


def test_workload(world, cohort, centre, assessor, unit):
    # a second learner waiting to be marked
    dee = enrol(cohort, "dee", first_name="Dee", last_name="Dunn")
    factories.submitted_portfolio(learner=dee, centre=centre, unit=unit)
    [row] = selectors.assessor_workload(centre=centre)
    assert (row.assessor_id, row.queue, row.decisions_this_month) == (assessor.pk, 1, 1)
    assert row.cohorts == 1
    assert row.median_days_to_mark == 0.0
    assert row.overdue == 0


def test_workload_counts_past_target_as_the_queue_does(centre, cohort, assessor, unit):
    # given: work waiting from today back to eight weeks ago, over weekends and
    # bank holidays; one sent two weeks and an hour ago: ten working days, so not
    # yet past the ten-day target (counting calendar time made it overdue)
    now = timezone.now()
    for days_ago in (0, 3, 9, 13, 14 + 1 / 24, 15, 22, 40, 56):
        waiting(cohort, unit, now - timedelta(days=days_ago))

    [row] = selectors.assessor_workload(centre=centre)
    queue = assessment_selectors.queue_for_actor(
        user=assessor, centre=centre, roles=frozenset({"assessor"})
    )

    assert row.queue == queue.total == 9
    assert row.overdue == queue.overdue > 0


def test_iqa_page_shows_coverage(world, client_for, centre_admin, assessor):
    page = client_for(centre_admin).get(reverse("reports:iqa")).content.decode()
    assert str(assessor) in page
    assert "sampling quarter starting" in page
    # the assessor was sampled or not; the uncovered filter keeps only the unsampled
    _start, by_assessor, _units = selectors.iqa_coverage(
        centre=assessor.memberships.get().centre
    )
    [row] = by_assessor
    _s, filtered, _u = selectors.iqa_coverage(
        centre=assessor.memberships.get().centre, uncovered_only=True
    )
    assert filtered == ([] if row.covered else [row])
    _s, previous, _u = selectors.iqa_coverage(
        centre=assessor.memberships.get().centre, previous_quarter=True
    )
    assert previous == []  # the decision is this quarter's


@pytest.mark.parametrize("name", ["progress", "heatmap", "workload", "iqa"])
def test_every_report_exports_csv_and_xlsx(world, client_for, centre_admin, name):
    client = client_for(centre_admin)
    response = client.get(reverse(f"reports:{name}"), {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) > 1
    response = client.get(reverse(f"reports:{name}"), {"export": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.active.max_row > 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Ada", "Ada"),
        (-3, -3),
        (None, ""),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def test_exports_neutralise_formulas_in_names(cohort, client_for, centre_admin):
    enrol(cohort, "evil", first_name="=cmd|' /C calc'!A0", last_name="@Evil")
    client = client_for(centre_admin)
    text = client.get(reverse("reports:progress"), {"export": "csv"}).content.decode()
    assert "\r\n'=cmd|' /C calc'!A0 @Evil,evil@example.org," in text
    book = load_workbook(
        io.BytesIO(client.get(reverse("reports:progress"), {"export": "xlsx"}).content)
    )
    cell = book.active.cell(row=2, column=1)
    assert cell.data_type == "s"
    assert cell.value == "'=cmd|' /C calc'!A0 @Evil"


def test_other_centres_cohort_is_404(world, cohort, client_for, other_admin):
    client = client_for(other_admin)
    for name in ("progress", "heatmap"):
        response = client.get(reverse(f"reports:{name}"), {"cohort": cohort.pk})
        assert response.status_code == 404
        response = client.get(
            reverse(f"reports:{name}"), {"cohort": cohort.pk, "export": "csv"}
        )
        assert response.status_code == 404
    # their own (empty) reports never show our learners
    page = client.get(reverse("reports:progress")).content.decode()
    assert "Ada Adams" not in page
    text = client.get(reverse("reports:workload"), {"export": "csv"}).content.decode()
    assert "assessor" not in text.lower().split("\n", 1)[1]


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_learners_and_assessors_cannot_open_reports(client_for, centre, role):
    user = factories.member(centre, role, username=f"r-{role}")
    assert client_for(user).get(reverse("reports:progress")).status_code == 403


def test_bad_filter_values_do_not_break_the_page(
    world, client_for, centre_admin, cohort
):
    client = client_for(centre_admin)
    response = client.get(
        reverse("reports:progress"),
        {
            "cohort": cohort.pk,
            "inactive_days": "lots",
            "sort": "nonsense",
            "page": "-1",
        },
    )
    assert response.status_code == 200
    assert "Ada Adams" in response.content.decode()
    assert client.get(reverse("reports:heatmap"), {"cohort": "x"}).status_code == 404


def _grow(cohort, centre, points, n, start):
    for i in range(start, start + n):
        learner = enrol(cohort, f"grow{i}", first_name=f"G{i}", last_name="Grow")
        evidence = factories.EvidenceFactory(
            learner=learner, centre=centre, unit=points[0].topic.unit
        )
        factories.EvidenceMappingFactory(evidence=evidence, marking_point=points[i % 3])
        factories.SubmissionFactory(
            learner=learner, centre=centre, unit=points[0].topic.unit, status="draft"
        )


@pytest.mark.parametrize("name", ["progress", "heatmap", "workload"])
def test_report_queries_are_constant(
    world, cohort, centre, points, client_for, centre_admin, name
):
    client = client_for(centre_admin)
    url = reverse(f"reports:{name}")
    client.get(url)
    _grow(cohort, centre, points, 2, 0)
    cache.clear()  # count afresh, as a minute later
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, {"cohort": cohort.pk}).status_code == 200
    _grow(cohort, centre, points, 12, 100)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, {"cohort": cohort.pk})
    assert len(small) == len(large)
    if name != "workload":
        assert "G111" in response.content.decode()


def test_nav_and_home_panel_for_admins(client_for, centre_admin):
    page = client_for(centre_admin).get(reverse("home")).content.decode()
    assert reverse("reports:index") in page
    assert "Criteria heatmap" in page
