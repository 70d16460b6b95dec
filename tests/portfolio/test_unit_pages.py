"""The unit page's paginated evidence table, the coverage matrix's paginated
evidence columns, and the cached fragments of both: every write through the
services (or a re-import of the unit's content) shows on the next request."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from portfolio import selectors, services
from revision import importer
from tests.portfolio.test_coverage import add_logs


def finished_log(learner, centre, unit, title="Complaint call"):
    return services.log_create(
        learner=learner,
        centre=centre,
        unit=unit,
        title=title,
        is_draft=False,
        what_happened="A customer rang about a faulty kettle.",
    )


def evidence_links(body: str) -> list[int]:
    """Ids of the evidence linked from the page, in page order."""
    return [int(pk) for pk in re.findall(r'href="/portfolio/evidence/(\d+)/"', body)]


def get(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def unit_url(unit):
    return reverse("portfolio:unit", args=[unit.slug])


@pytest.fixture
def matrix_url(unit):
    return reverse("portfolio:coverage", args=[unit.slug])


# --- the unit page ---------------------------------------------------------------------
def test_the_evidence_table_shows_25_items_a_page_newest_first(
    client_for, enrolled_learner, centre, unit, points, unit_url
):
    logs = add_logs(enrolled_learner, centre, unit, points, 30)
    newest_first = [log.pk for log in reversed(logs)]
    client = client_for(enrolled_learner)

    first = get(client, unit_url)
    second = get(client, unit_url, page=2)

    assert evidence_links(first) == newest_first[:25]
    assert "Showing 1\u201325 of 30, newest first" in first
    assert '<nav aria-label="Evidence pages">' in first
    assert 'href="?page=2#evidence-heading" rel="next"' in first
    assert 'aria-current="page" aria-label="Page 1"' in first
    assert evidence_links(second) == newest_first[25:]
    assert "Showing 26\u201330 of 30, newest first" in second
    assert 'href="?page=1#evidence-heading" rel="prev"' in second


@pytest.mark.parametrize(("asked", "shown"), [("99", "26\u201330"), ("x", "1\u201325")])
def test_a_page_out_of_range_shows_the_nearest(
    client_for, enrolled_learner, centre, unit, points, unit_url, asked, shown
):
    add_logs(enrolled_learner, centre, unit, points, 30)

    body = get(client_for(enrolled_learner), unit_url, page=asked)

    assert f"Showing {shown} of 30" in body


def test_a_short_portfolio_has_no_page_links(
    client_for, enrolled_learner, centre, unit, points, unit_url
):
    add_logs(enrolled_learner, centre, unit, points, 3)

    body = get(client_for(enrolled_learner), unit_url)

    assert "Showing 1\u20133 of 3" in body
    assert "Evidence pages" not in body


def test_coverage_counts_evidence_beyond_the_first_page(
    client_for, enrolled_learner, centre, unit, points, unit_url
):
    # given an old item (on page 2) that alone evidences MP3
    old = finished_log(enrolled_learner, centre, unit, title="The oldest log")
    services.mappings_set(evidence=old, points={points[2].pk: ""})
    add_logs(enrolled_learner, centre, unit, points, 30)

    body = get(client_for(enrolled_learner), unit_url)

    assert old.pk not in evidence_links(body)
    assert "3 of 4 marking points covered" in body


# --- the coverage matrix ---------------------------------------------------------------
def test_the_matrix_pages_its_columns_but_counts_every_item(
    enrolled_learner, centre, unit, points
):
    # given an old item that alone evidences MP3, then 25 newer ones (MP1, MP2)
    old = finished_log(enrolled_learner, centre, unit, title="The oldest log")
    services.mappings_set(evidence=old, points={points[2].pk: "second paragraph"})
    newer = add_logs(enrolled_learner, centre, unit, points, 25)

    first = selectors.coverage_matrix(
        learner=enrolled_learner, centre=centre, unit=unit, page=1
    )
    second = selectors.coverage_matrix(
        learner=enrolled_learner, centre=centre, unit=unit, page=2
    )

    rows = [row for group in first.groups for row in group.rows]
    assert (first.total, first.covered) == (4, 3)
    assert [(r.point.position, r.evidenced_by, r.covered) for r in rows] == [
        (1, 25, True),
        (2, 25, True),
        (3, 1, True),
        (4, 0, False),
    ]
    assert [c.pk for c in first.columns] == [log.pk for log in reversed(newer)][:20]
    assert rows[2].cells == [None] * 20
    assert rows[3].tips == ["Quote the policy you followed."]
    assert rows[3].misconceptions == ["Refunds are always the answer."]
    assert (second.pager.start, second.pager.end, second.pager.total) == (21, 26, 26)
    assert second.columns[-1].pk == old.pk
    rows_2 = [row for group in second.groups for row in group.rows]
    assert rows_2[2].cells[-1].note == "second paragraph"
    assert rows_2[0].cells[0].note == "para 1"


def test_the_matrix_page_shows_counts_and_page_links(
    client_for, enrolled_learner, centre, unit, points, matrix_url
):
    add_logs(enrolled_learner, centre, unit, points, 25)
    client = client_for(enrolled_learner)

    first = get(client, matrix_url)
    second = get(client, matrix_url, page=2)

    assert "2 of 4 marking points covered" in first
    assert "Showing evidence 1\u201320 of 25, newest first." in first
    assert first.count("Evidenced by 25 items") == 2
    assert first.count('class="table-danger uncovered"') == 2
    assert len(evidence_links(first)) == 20
    assert '<nav aria-label="Evidence column pages">' in first
    assert 'href="?page=2#matrix" rel="next"' in first
    assert "Showing evidence 21\u201325 of 25, newest first." in second
    assert len(evidence_links(second)) == 5


def test_an_htmx_request_gets_the_matrix_alone(
    client_for, enrolled_learner, centre, unit, points, matrix_url
):
    add_logs(enrolled_learner, centre, unit, points, 25)

    response = client_for(enrolled_learner).get(
        matrix_url, {"page": "2"}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="matrix">')
    assert "<html" not in body
    assert "Showing evidence 21\u201325 of 25" in body


# --- the cached fragments follow every write -----------------------------------------------
def test_mapping_shows_at_once_on_both_pages_for_learner_and_assessor(
    client_for, enrolled_learner, assessor, centre, unit, points, unit_url, matrix_url
):
    # given both pages seen (and cached) before the mapping
    log = finished_log(enrolled_learner, centre, unit)
    learner = client_for(enrolled_learner)
    staff = Client()
    staff.force_login(assessor)
    staff_url = reverse("portfolio:learner-unit", args=[enrolled_learner.pk, unit.slug])
    assert "0 of 4 marking points covered" in get(learner, unit_url)
    assert "Not mapped yet" in get(staff, staff_url)
    assert get(learner, matrix_url).count('class="table-danger uncovered"') == 4

    # when
    services.mappings_set(evidence=log, points={points[2].pk: "paragraph 2"})

    # then
    body = get(learner, unit_url)
    assert "1 of 4 marking points covered" in body
    assert ">MP3</span>" in body
    assert "Not mapped yet" not in get(staff, staff_url)
    matrix = get(learner, matrix_url)
    assert matrix.count('class="table-danger uncovered"') == 3
    assert "paragraph 2" in matrix


def test_editing_and_deleting_show_at_once(
    client_for, enrolled_learner, centre, unit, points, unit_url, matrix_url
):
    log = finished_log(enrolled_learner, centre, unit, title="First title")
    client = client_for(enrolled_learner)
    assert "First title" in get(client, unit_url)
    assert "First title" in get(client, matrix_url)

    services.log_update(
        evidence=log,
        expected_version=log.version,
        title="Second title",
        is_draft=False,
        what_happened="A customer rang about a faulty kettle.",
    )
    assert "Second title" in get(client, unit_url)
    assert "Second title" in get(client, matrix_url)

    services.evidence_delete(evidence=log)
    assert "No evidence yet." in get(client, unit_url)
    assert "Second title" not in get(client, matrix_url)


def test_submitting_and_returning_show_at_once(
    client_for, enrolled_learner, centre, unit, points, unit_url
):
    finished_log(enrolled_learner, centre, unit)
    client = client_for(enrolled_learner)
    assert "Read-only" not in get(client, unit_url)

    submission = services.submission_submit(
        learner=enrolled_learner, centre=centre, unit=unit, declared_authentic=True
    )
    body = get(client, unit_url)
    assert "Read-only" in body
    assert "submitted" in body
    assert "with 1 item of evidence" in body

    services.submission_return(submission=submission)
    assert "Read-only" not in get(client, unit_url)


def test_a_reimport_of_the_units_content_shows_at_once(
    client_for, enrolled_learner, centre, unit, points, matrix_url
):
    client = client_for(enrolled_learner)
    assert "Quote the policy you followed." in get(client, matrix_url)
    topic = unit.topics.get()
    doc = importer.topic_to_document(topic)
    doc.exam_tips = ["Say which policy clause applied."]
    doc.marking_points[3] = "Records the outcome and follows up within a day."

    importer.topic_import(doc=doc, source_name="complaints.md")

    body = get(client, matrix_url)
    assert "Say which policy clause applied." in body
    assert "Quote the policy you followed." not in body
    assert "follows up within a day." in body


def test_a_page_in_another_language_or_time_zone_is_cached_apart(
    client_for, enrolled_learner, centre, unit, points, unit_url
):
    finished_log(enrolled_learner, centre, unit)
    client = client_for(enrolled_learner)
    london = get(client, unit_url)

    enrolled_learner.time_zone = "America/New_York"
    enrolled_learner.save(update_fields=["time_zone"])
    new_york = get(client, unit_url)

    def updated(body: str) -> str:
        return re.search(r'<td class="small[^"]*">([^<]+)</td>', body).group(1)

    assert updated(london) != updated(new_york)


def test_a_cache_outage_loses_no_write_and_the_pages_still_build(
    settings, caplog, enrolled_learner, centre, unit, points, unit_url, matrix_url
):
    # given the cache on a closed port (and sessions kept in the database only)
    log = finished_log(enrolled_learner, centre, unit)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    client = Client()
    client.force_login(enrolled_learner)

    # when
    services.mappings_set(evidence=log, points={points[0].pk: ""})

    # then
    assert log.mappings.count() == 1
    assert "1 of 4 marking points covered" in get(client, unit_url)
    assert get(client, matrix_url).count('class="table-danger uncovered"') == 3
    assert "Page cache unavailable" in caplog.text
