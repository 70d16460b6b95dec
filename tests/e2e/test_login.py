"""Real Chromium signs in as each role and sees that role's home page."""

import pytest

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    centre = factories.CentreFactory(name="Northgate College", slug="northgate")
    qualification = factories.QualificationFactory(
        title="Level 3 Diploma in Customer Service"
    )
    cohort = factories.CohortFactory(
        centre=centre, qualification=qualification, name="September group"
    )
    people = {
        role: factories.member(
            centre, role, username=f"e2e-{role}", first_name=role.title()
        )
        for role in ("learner", "assessor", "iqa", "admin")
    }
    factories.EnrolmentFactory(learner=people["learner"], cohort=cohort)
    cohort.assessors.add(people["assessor"])
    return people


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        ("learner", "Your courses"),
        ("assessor", "Cohorts"),
        ("iqa", "Cohorts"),
        ("admin", "Cohorts"),
    ],
)
def test_each_role_signs_in_and_sees_their_home(
    page, sign_in, live_server, world, role, heading
):
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    sign_in(page, f"e2e-{role}")

    assert page.get_by_role("heading", name=f"Welcome, {role.title()}").is_visible()
    assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    if role == "learner":
        assert page.get_by_text("Level 3 Diploma in Customer Service").is_visible()
    page.wait_for_load_state("networkidle")
    # every file the pages asked for was there, and the tab has our icon (without
    # one, desktop browsers ask for /favicon.ico, a 404)
    assert failed == []
    icon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(f"{live_server.url}{icon}")
    assert response.ok
    assert response.headers["content-type"] == "image/svg+xml"


def test_wrong_password_is_reported_in_the_browser(page, sign_in, world):
    sign_in(page, "e2e-learner", password="not-the-password")

    assert page.get_by_text("Please enter a correct username and password").is_visible()
    assert page.get_by_label("Username").input_value() == "e2e-learner"
