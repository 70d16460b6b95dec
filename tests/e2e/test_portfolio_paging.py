"""Real Chromium: a learner with a long portfolio pages through the evidence table
and the coverage matrix's columns with the keyboard, and both pages pass axe."""

import pytest

from tests import factories
from tests.portfolio.test_coverage import add_logs

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def long_portfolio(db):
    centre = factories.CentreFactory(slug="paging")
    cohort = factories.CohortFactory(centre=centre)
    learner = factories.member(centre, "learner", username="paging-learner")
    factories.EnrolmentFactory(learner=learner, cohort=cohort)
    unit = factories.UnitFactory(
        qualification=cohort.qualification, title="Complaints", slug="complaints"
    )
    topic = factories.TopicFactory(unit=unit, slug="resolving", title="Resolving")
    points = [
        factories.MarkingPointFactory(topic=topic, position=n, text=text)
        for n, text in enumerate(["Listens.", "Resolves.", "Records."], start=1)
    ]
    add_logs(learner, centre, unit, points, 30)
    return learner


def test_paging_the_evidence_and_the_matrix_by_keyboard(
    page, live_server, sign_in, long_portfolio, axe
):
    sign_in(page, "paging-learner")

    page.goto(f"{live_server.url}/portfolio/units/complaints/")
    assert page.get_by_text("Showing 1\u201325 of 30, newest first").is_visible()
    assert page.locator("#evidence-table tbody tr").count() == 25
    assert axe(page) == []
    pages = page.get_by_role("navigation", name="Evidence pages")
    pages.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**?page=2*")
    assert page.get_by_text("Showing 26\u201330 of 30, newest first").is_visible()
    assert page.locator("#evidence-table tbody tr").count() == 5

    page.goto(f"{live_server.url}/portfolio/units/complaints/coverage/")
    assert page.get_by_text("2 of 3 marking points covered").is_visible()
    assert page.locator(".coverage-matrix thead th").count() == 21
    assert axe(page) == []
    columns = page.get_by_role("navigation", name="Evidence column pages")
    columns.get_by_role("link", name="Page 2").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**?page=2*")
    assert page.get_by_text("Showing evidence 21\u201330 of 30").is_visible()
    assert page.locator(".coverage-matrix thead th").count() == 11


def test_the_evidence_table_fits_a_phone(page, live_server, sign_in, long_portfolio):
    # given a learner on a phone, whose logs have titles like people write
    from portfolio.models import Evidence

    Evidence.objects.filter(learner=long_portfolio).update(
        title="Calming a customer whose boiler repair was missed"
    )
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "paging-learner")
    # when they open the unit's portfolio
    page.goto(f"{live_server.url}/portfolio/units/complaints/")
    # then the table needs no sideways scrolling, and each row still says what
    # kind of evidence it is and when it was last changed
    wrap = page.locator("#evidence-table").locator("xpath=..")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    first = page.locator("#evidence-table tbody tr").first
    assert "Reflective log \u00b7 " in first.inner_text()
