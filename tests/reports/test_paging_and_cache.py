"""The progress report and the heatmap page their learners 50 at a time, while
their totals and exports still cover the whole cohort; their figures are reused
for a minute and the pages say when they were counted."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.services import JudgementInput
from portfolio import services as portfolio_services
from reports import caching, selectors, views
from revision.models import MarkingPoint
from tests import factories

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


def enrol_many(cohort, n):
    """Learners "Learner 01" … sorted by surname: L01 first."""
    return [
        enrol(cohort, f"l{i:02d}", first_name="Learner", last_name=f"L{i:02d}")
        for i in range(1, n + 1)
    ]


def showing(first: int, last: int, total: int) -> str:
    return f"Showing {first}\N{EN DASH}{last} of {total}"


def body_rows(html: str, table_id: str) -> list[str]:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)


def totals_row(html: str) -> tuple[int, ...]:
    """The heatmap's "Learners covering" figures, column by column."""
    row = html.split('<tr class="hm-summary">', 1)[1].split("</tr>", 1)[0]
    return tuple(int(n) for n in re.findall(r"<td [^>]*>(\d+)<br>", row))


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


def test_progress_shows_fifty_learners_a_page_and_links_keep_the_filters(
    cohort, client_for, centre_admin
):
    # given 60 learners
    enrol_many(cohort, 60)
    client = client_for(centre_admin)
    url = reverse("reports:progress")
    filters = {"cohort": cohort.pk, "sort": "coverage", "q": "Learner"}
    # when the admin opens the report
    first = client.get(url, filters).content.decode()
    # then the first 50 show, with the count of everyone and a link to page 2
    assert len(body_rows(first, "progress-table")) == views.PAGE_SIZE == 50
    assert f"{cohort.name}: 60 learners" in first
    assert showing(1, 50, 60) in first
    assert 'aria-label="Pages of learners"' in first
    link = re.search(r'<a class="page-link" href="([^"]+)" rel="next">Next</a>', first)
    assert link is not None
    assert "sort=coverage" in link[1]
    assert "q=Learner" in link[1]
    assert "page=2" in link[1]
    assert '<a class="page-link" href="' in first
    assert 'aria-current="page"><span class="visually-hidden">Page </span>1' in first
    # and page 2 has the other ten, the last in surname order
    second = client.get(url, {**filters, "sort": "name", "page": 2}).content.decode()
    rows = body_rows(second, "progress-table")
    assert len(rows) == 10
    assert "Learner L60" in rows[-1]
    assert showing(51, 60, 60) in second
    assert 'rel="prev">Previous</a>' in second
    # a page past the end shows the last page
    past = client.get(url, {**filters, "sort": "name", "page": 99}).content.decode()
    assert showing(51, 60, 60) in past


def test_exports_include_every_learner_not_one_page(cohort, client_for, centre_admin):
    enrol_many(cohort, 55)
    client = client_for(centre_admin)
    for name in ("progress", "heatmap"):
        response = client.get(
            reverse(f"reports:{name}"), {"cohort": cohort.pk, "export": "csv"}
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 1 + 55, name
        assert rows[-1][0] == "Learner L55", name


def test_heatmap_totals_count_the_whole_cohort_not_the_page(
    cohort, centre, points, client_for, centre_admin
):
    # given 55 learners, the last (on page 2) with the first point mapped
    learners = enrol_many(cohort, 55)
    evidence = factories.EvidenceFactory(
        learner=learners[-1], centre=centre, unit=points[0].topic.unit
    )
    portfolio_services.mappings_set(evidence=evidence, points={points[0].pk: ""})
    client = client_for(centre_admin)
    # when the admin opens page 1
    url = reverse("reports:criteria-heatmap", args=[cohort.pk])
    page = client.get(url).content.decode()
    # then page 1 shows 50 learners without them, and the totals still count them
    assert len(body_rows(page, "heatmap")) == 50
    assert "Learner L55" not in page
    assert totals_row(page) == (1, 0, 0)
    assert showing(1, 50, 55) in page
    # and page 2 shows their row with the mapped cell
    last = body_rows(client.get(url, {"page": 2}).content.decode(), "heatmap")[-1]
    assert "Learner L55" in last
    assert re.findall(r'<td class="hm-(\w+)"', last) == ["mapped", "none", "none"]


def test_a_judgement_without_a_mapping_still_covers_and_corrections_replace(
    cohort, centre, unit, points, assessor
):
    # given Ada mapped only the first point, judged fully / partially / not yet
    ada = enrol(cohort, "ada", first_name="Ada", last_name="Adams")
    submission = factories.submitted_portfolio(
        learner=ada, centre=centre, unit=unit, map_points=[points[0].pk]
    )
    decision = mark(assessor, submission, points, [2, 1, 0])
    # then the judged point counts as covered though nothing was mapped to it
    heatmap = selectors.criteria_heatmap(cohort=cohort)
    assert heatmap.rows[0].cells == [
        selectors.ACHIEVED,
        selectors.PARTIAL,
        selectors.NONE,
    ]
    assert [c.learners_covered for c in heatmap.columns] == [1, 1, 0]
    assert [c.learners_achieved for c in heatmap.columns] == [1, 0, 0]
    # when the assessor corrects the decision
    assessment_services.decision_correct(
        actor=assessor,
        decision=decision,
        judgements={
            p.pk: JudgementInput(value=v, comment="Looked again.")
            for p, v in zip(points, [1, 0, 0], strict=True)
        },
        summative_feedback="Corrected.",
        next_steps="",
        reason="Misread the log.",
    )
    cache.clear()  # the totals are reused for a minute
    # then only the correction counts
    heatmap = selectors.criteria_heatmap(cohort=cohort)
    assert heatmap.rows[0].cells == [selectors.PARTIAL, selectors.NONE, selectors.NONE]
    assert [c.learners_covered for c in heatmap.columns] == [1, 0, 0]
    assert [c.learners_achieved for c in heatmap.columns] == [0, 0, 0]


def _as_of(page: str) -> str:
    found = re.search(r'Figures as of <time datetime="[^"]+">(\d\d:\d\d)</time>', page)
    assert found is not None, "the page says when its figures were counted"
    return found[1]


@pytest.mark.parametrize("name", ["cohort-progress", "criteria-heatmap"])
def test_figures_are_reused_for_a_minute_and_the_page_says_when_counted(
    cohort, centre, points, client_for, centre_admin, name
):
    # given Ben with one point mapped, and the report opened once
    ben = enrol(cohort, "ben", first_name="Ben", last_name="Brown")
    evidence = factories.EvidenceFactory(
        learner=ben, centre=centre, unit=points[0].topic.unit
    )
    portfolio_services.mappings_set(evidence=evidence, points={points[0].pk: ""})
    client = client_for(centre_admin)
    url = reverse(f"reports:{name}", args=[cohort.pk])
    before = client.get(url)
    as_of = before.context["as_of"]
    assert abs(timezone.now() - as_of) < timedelta(seconds=30)
    assert _as_of(before.content.decode()) == timezone.localtime(as_of).strftime(
        "%H:%M"
    )
    assert caching.REPORT_CACHE_SECONDS == 60  # "up to a minute old"

    def covered(response) -> tuple[int, ...]:
        """Ben's points covered (progress), or each point's learners (heatmap)."""
        if name == "cohort-progress":
            [row] = body_rows(response.content.decode(), "progress-table")
            return (int(re.search(r"\((\d)/3\)", row)[1]),)
        return totals_row(response.content.decode())

    first = covered(before)
    # when Ben maps a second point through the portfolio service
    portfolio_services.mappings_set(
        evidence=evidence, points={points[0].pk: "", points[1].pk: ""}
    )
    # then within the minute the page shows the same figures, as of the same time
    again = client.get(url)
    assert covered(again) == first
    assert again.context["as_of"] == as_of
    # and once the minute is up (the cached figures gone) it counts afresh
    cache.clear()
    after = client.get(url)
    assert covered(after) != first
    assert after.context["as_of"] > as_of
    assert covered(after) == ((2,) if name == "cohort-progress" else (1, 1, 0))


def test_each_filter_has_its_own_figures(cohort, client_for, centre_admin):
    enrol(cohort, "ada", first_name="Ada", last_name="Adams")
    enrol(cohort, "ben", first_name="Ben", last_name="Brown")
    client = client_for(centre_admin)
    url = reverse("reports:cohort-progress", args=[cohort.pk])
    assert len(body_rows(client.get(url).content.decode(), "progress-table")) == 2
    filtered = client.get(url, {"q": "brown"}).content.decode()
    assert [("Ben Brown" in r) for r in body_rows(filtered, "progress-table")] == [True]
    assert f"{cohort.name}: 1 learner" in filtered
