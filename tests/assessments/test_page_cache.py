"""Home panels and the marking queue are kept in the cache (centres/caching.py)
and rebuilt as soon as a write through the services changes what they show."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from centres import services as centre_services
from portfolio import services as portfolio_services
from tests import factories


def get(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def waiting(html: str) -> int:
    found = re.search(r'id="count-total">(\d+)<', html)
    assert found, "no waiting count on the page"
    return int(found.group(1))


def test_learner_home_is_kept_and_shows_new_evidence_at_once(
    client_for, enrolled_learner, centre, unit, points
):
    client = client_for(enrolled_learner)
    first, built = get(client, reverse("home"))
    again, kept = get(client, reverse("home"))
    assert kept < built  # the panels came from the cache
    assert "0 of" in first  # nothing covered yet
    assert "0 of" in again

    log = portfolio_services.log_create(
        learner=enrolled_learner,
        centre=centre,
        unit=unit,
        title="Calming an angry caller",
        is_draft=False,
        what_happened="A caller was angry about a refund.",
        what_i_did="I listened and arranged the refund.",
        outcome="The caller thanked me.",
        learned="Listen first.",
    )
    portfolio_services.mappings_set(evidence=log, points={points[0].pk: ""})

    html, _ = get(client, reverse("home"))
    assert f"1 of {len(points)} marking points covered" in html


def test_learner_home_shows_a_new_enrolment_at_once(
    client_for, enrolled_learner, centre, qualification
):
    client = client_for(enrolled_learner)
    get(client, reverse("home"))
    cohort = factories.CohortFactory(
        centre=centre, qualification=qualification, name="Evening group 2027"
    )

    centre_services.enrolment_create(learner=enrolled_learner, cohort=cohort)

    html, _ = get(client, reverse("home"))
    assert "Evening group 2027" in html


def test_queue_and_assessor_home_show_a_new_submission_at_once(
    client_for, assessor, enrolled_learner, centre, unit, points
):
    client = client_for(assessor)
    before, built = get(client, reverse("assessments:queue"))
    _, kept = get(client, reverse("assessments:queue"))
    home_before, _ = get(client, reverse("home"))
    assert waiting(before) == 0
    assert kept < built

    submission = factories.submitted_portfolio(
        learner=enrolled_learner, centre=centre, unit=unit
    )

    after, _ = get(client, reverse("assessments:queue"))
    assert waiting(after) == 1
    home_after, _ = get(client, reverse("home"))
    assert "1 submission waiting to be marked" in home_after
    assert "1 submission waiting" not in home_before

    # and once marked and released, it leaves the queue
    marking = services.marking_start(assessor=assessor, submission=submission)
    assert waiting(get(client, reverse("assessments:queue"))[0]) == 1
    services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements={
            p.pk: services.JudgementInput(value=2, comment="Clear.") for p in points
        },
    )
    marking.refresh_from_db()
    services.marking_finalise(
        assessor=assessor, marking=marking, expected_version=marking.version
    )
    assert waiting(get(client, reverse("assessments:queue"))[0]) == 0


def test_queue_shows_a_cohort_given_to_the_assessor_at_once(
    client_for, centre, qualification, unit, points, centre_admin
):
    marker = factories.member(centre, "assessor", username="newmarker")
    cohort = factories.CohortFactory(centre=centre, qualification=qualification)
    learner = factories.member(centre, "learner", username="latelearner")
    factories.EnrolmentFactory(learner=learner, cohort=cohort)
    factories.submitted_portfolio(learner=learner, centre=centre, unit=unit)
    client = client_for(marker)
    assert waiting(get(client, reverse("assessments:queue"))[0]) == 0

    centre_services.cohort_staff_set(
        cohort=cohort, assessors=[marker], iqas=[], actor=centre_admin
    )

    assert waiting(get(client, reverse("assessments:queue"))[0]) == 1
