"""The coverage matrix and the portfolio pages: values, visibility, pagination,
the cached fragments' invalidation, and query counts that do not grow with the
amount of evidence."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio import caching, selectors
from portfolio.models import Evidence, EvidenceMapping
from tests import factories


def add_logs(learner, centre, unit, points, count, *, mapped_to=2):
    """`count` finished logs, each mapped to the first `mapped_to` marking points
    (written in bulk for speed, then the cached pages retired as services do)."""
    logs = Evidence.objects.bulk_create(
        Evidence(
            learner=learner,
            centre=centre,
            unit=unit,
            kind="log",
            title=f"Log {n}",
            what_happened="Handled a complaint.",
            body_html="<p>Handled a complaint.</p>",
            is_draft=False,
        )
        for n in range(count)
    )
    EvidenceMapping.objects.bulk_create(
        EvidenceMapping(evidence=log, marking_point=point, note="para 1")
        for log in logs
        for point in points[:mapped_to]
    )
    caching.portfolio_changed(learner_id=learner.pk, unit_id=unit.pk)
    return logs


def test_coverage_groups_points_by_outcome_and_flags_the_uncovered(
    enrolled_learner, centre, unit, points
):
    add_logs(enrolled_learner, centre, unit, points, 1)

    cov = selectors.coverage(learner=enrolled_learner, centre=centre, unit=unit)

    assert (cov.total, cov.covered, cov.percent) == (4, 2, 50)
    assert [g.outcome.number for g in cov.groups] == [1, 2]
    rows = [row for group in cov.groups for row in group.rows]
    assert [(r.point.position, r.covered, r.cells) for r in rows] == [
        (1, True, ["para 1"]),
        (2, True, ["para 1"]),
        (3, False, [None]),
        (4, False, [None]),
    ]
    assert [t.text for t in rows[2].tips] == ["Quote the policy you followed."]
    assert [m.text for m in rows[2].misconceptions] == [
        "Refunds are always the answer."
    ]
    assert rows[0].tips == []


def test_the_matrix_page_shows_uncovered_points_with_revision_links(
    client_for, enrolled_learner, centre, unit, points
):
    add_logs(enrolled_learner, centre, unit, points, 1)

    body = (
        client_for(enrolled_learner)
        .get(reverse("portfolio:coverage", args=[unit.slug]))
        .content.decode()
    )

    assert "2 of 4 marking points covered" in body
    assert body.count('class="table-danger uncovered"') == 2
    assert reverse("revision:topic-detail", args=[unit.slug, "complaints"]) in body
    assert "Quote the policy you followed." in body


def test_the_assessor_sees_the_learners_matrix(
    client_for, assessor, enrolled_learner, centre, unit, points
):
    add_logs(enrolled_learner, centre, unit, points, 1)

    response = client_for(assessor).get(
        reverse("portfolio:learner-coverage", args=[enrolled_learner.pk, unit.slug])
    )

    assert response.status_code == 200
    assert "2 of 4 marking points covered" in response.content.decode()


def test_a_learner_cannot_open_the_staff_view(client_for, enrolled_learner, unit):
    response = client_for(enrolled_learner).get(
        reverse("portfolio:learner-coverage", args=[enrolled_learner.pk, unit.slug])
    )

    assert response.status_code == 403


def test_another_centres_learner_cannot_see_the_unit(client_for, other_learner, unit):
    response = client_for(other_learner).get(
        reverse("portfolio:coverage", args=[unit.slug])
    )

    assert response.status_code == 404


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def first_and_cached(client, url) -> tuple[int, int]:
    """Queries for a page built afresh, then for the same page from the cache."""
    return count_queries(client, url), count_queries(client, url)


@pytest.mark.parametrize(
    "url_name", ["portfolio:unit", "portfolio:coverage", "portfolio:index", "home"]
)
def test_learner_pages_use_constant_queries(
    client_for, enrolled_learner, centre, unit, points, url_name
):
    client = client_for(enrolled_learner)
    url = (
        reverse(url_name, args=[unit.slug])
        if "unit" in url_name or "coverage" in url_name
        else reverse(url_name)
    )
    add_logs(enrolled_learner, centre, unit, points, 10)
    small = first_and_cached(client, url)

    add_logs(enrolled_learner, centre, unit, points, 490)
    large = first_and_cached(client, url)

    assert small == large
    assert max(large) <= 10


def test_staff_pages_use_constant_queries(
    client_for, centre_admin, enrolled_learner, centre, unit, points
):
    client = client_for(centre_admin)
    urls = [
        reverse("portfolio:learner-unit", args=[enrolled_learner.pk, unit.slug]),
        reverse("portfolio:learner-coverage", args=[enrolled_learner.pk, unit.slug]),
    ]
    add_logs(enrolled_learner, centre, unit, points, 10)
    small = [first_and_cached(client, url) for url in urls]

    add_logs(enrolled_learner, centre, unit, points, 490)
    large = [first_and_cached(client, url) for url in urls]

    assert small == large
    assert max(max(pair) for pair in large) <= 10


def test_the_home_panel_lists_units_with_coverage(
    client_for, enrolled_learner, centre, unit, points
):
    add_logs(enrolled_learner, centre, unit, points, 1)
    factories.UnitFactory(qualification=unit.qualification, title="Teamwork")

    body = client_for(enrolled_learner).get(reverse("home")).content.decode()

    assert "Your portfolio" in body
    assert "2 of 4 marking points covered" in body
    assert "Teamwork" in body
