"""A learner practises five cards in the browser and sees their progress change."""

import re

import pytest
from playwright.sync_api import expect

from practice import services
from practice.models import ReviewLog
from tests import factories
from tests.practice.conftest import CARD_COUNT, add_content

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learner_with_unit():
    centre = factories.CentreFactory(name="Northgate College", slug="northgate")
    qualification = factories.QualificationFactory()
    cohort = factories.CohortFactory(centre=centre, qualification=qualification)
    learner = factories.member(
        centre, "learner", username="amelia", first_name="Amelia"
    )
    factories.EnrolmentFactory(learner=learner, cohort=cohort)
    unit = factories.UnitFactory(
        qualification=qualification,
        title="Customer relations",
        slug="customer-relations",
    )
    add_content(factories.TopicFactory(unit=unit, title="Building relationships"))
    services.cards_sync_all()  # what the periodic sync does after an import
    return learner, unit


def test_learner_practises_five_cards_and_sees_progress(
    page, live_server, sign_in, learner_with_unit, axe
):
    learner, _unit = learner_with_unit
    sign_in(page, "amelia")
    # the home panel and navigation lead to practice
    expect(page.get_by_role("heading", name="Cards to practise today")).to_be_visible()
    page.get_by_role("link", name="Practise", exact=True).click()
    page.get_by_role("link", name=re.compile("Customer relations")).click()
    page.get_by_role("link", name="Progress").click()
    expect(page.locator('[data-count="new"]')).to_have_text(str(CARD_COUNT))
    expect(page.locator('[data-count="learning"]')).to_have_text("0")
    assert axe(page) == []

    page.get_by_role("button", name="Practise now").click()
    expect(page.locator("#card-front")).to_be_visible()
    assert axe(page) == []
    grades = ["3", "4", "1", "3", "4"]
    for n, key in enumerate(grades, 1):
        front = page.locator("#card-front").inner_text()
        # keyboard: space reveals, a digit grades (htmx swaps in the next card)
        page.locator("body").press(" ") if n % 2 else page.get_by_text(
            "Show answer"
        ).click()
        expect(page.locator("#card-back")).to_be_visible()
        page.keyboard.press(key)
        expect(page.locator("#practice-card")).not_to_contain_text(front)
        assert ReviewLog.objects.filter(learner=learner).count() == n

    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("heading", name="Session complete")).to_be_visible()
    expect(page.get_by_text("You reviewed 5 cards.")).to_be_visible()
    page.get_by_role("link", name="See your progress").click()
    expect(page.locator('[data-count="new"]')).to_have_text(str(CARD_COUNT - 5))
    # the card graded Again is in learning; the others' first step too or review
    learning = int(page.locator('[data-count="learning"]').inner_text())
    review = int(page.locator('[data-count="review"]').inner_text())
    assert learning + review == 5
    assert learning >= 1
    expect(page.get_by_text("5 reviews in total.")).to_be_visible()
    assert axe(page) == []


def test_on_a_phone_the_card_shows_no_keyboard_hints(
    page, live_server, sign_in, learner_with_unit
):
    # given a learner practising on a phone, where there is no keyboard to press
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "amelia")
    page.goto(f"{live_server.url}/practice/unit/customer-relations/")
    page.get_by_role("button", name="Start a session").click()
    page.get_by_text("Show answer").click()
    # then the grades read as words only, with no "Keys: …" line
    expect(page.get_by_role("button", name="Good", exact=True)).to_be_visible()
    expect(page.get_by_text("Keys: Space shows the answer")).to_be_hidden()
    # and on a wide screen the hints are back
    page.set_viewport_size({"width": 1200, "height": 800})
    expect(page.get_by_text("Keys: Space shows the answer")).to_be_visible()
