"""A learner revises a unit in real Chromium: unit page, topic page on a phone,
print layout, and search that lands on the exact misconception."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from revision import importer
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEED = (
    Path(__file__).resolve().parent.parent
    / "revision/fixtures/002_fb371deb7646f730.txt"
)


@pytest.fixture
def learner_with_content():
    centre = factories.CentreFactory(name="Northgate College", slug="northgate")
    learner = factories.member(centre, "learner", username="revising-learner")
    cohort = factories.CohortFactory(centre=centre)
    factories.EnrolmentFactory(learner=learner, cohort=cohort)
    (result,) = importer.path_import(
        path=SEED, qualification_title=cohort.qualification.title
    )
    return learner, result.topic


def test_learner_revises_a_topic_and_finds_a_correction(
    page, live_server, sign_in, learner_with_content
):
    learner, topic = learner_with_content
    sign_in(page, learner.username)

    # the unit page lists the learning outcomes and the topic
    page.goto(f"{live_server.url}/revision/{topic.unit.slug}/")
    assert page.get_by_role("heading", name="Learning outcomes and assessment criteria")
    assert page.get_by_text("Learning outcome 4:").is_visible()
    page.get_by_role("link", name=topic.title).click()

    # the topic page, on a phone-sized screen
    page.set_viewport_size({"width": 375, "height": 740})
    assessors = page.locator("#marking-points")
    assert assessors.get_by_role("heading").inner_text().strip() == (
        "What assessors look for"
    )
    assert assessors.locator("li").count() == 5
    assert page.locator("#misconceptions .correction").count() == 3
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing forces sideways scrolling on a phone

    # printing hides the navigation but keeps the marking points
    page.emulate_media(media="print")
    assert not page.locator("header nav.navbar").is_visible()
    assert assessors.is_visible()
    page.emulate_media(media="screen")

    # search by a word that is only in a correction
    page.goto(f"{live_server.url}/revision/search/?q=politeness")
    page.locator(".search-results a", has_text=topic.title).first.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith("#misconceptions-6")
    assert "Customer service is just about being polite." in (
        page.locator("#misconceptions-6").inner_text()
    )


def test_search_results_page_through_by_keyboard(
    page, live_server, sign_in, learner_with_content, axe
):
    learner, topic = learner_with_content
    # given more hits than one page shows: 25 exam tips that use a word found
    # nowhere else (PostgreSQL stems, so "escalation" would also find "de-escalate")
    topic.exam_tips.all().delete()
    for n in range(1, 26):
        topic.exam_tips.create(position=n, text=f"Zephyrine tip number {n}.")
    topic.save()  # moves the topic's content version on, as an import does
    sign_in(page, learner.username)
    page.goto(f"{live_server.url}/revision/search/?q=zephyrine")
    assert page.get_by_text("Showing 1\u201320 of 25 results").is_visible()
    assert page.locator(".search-results li").count() == 20
    assert axe(page) == []
    # when the learner tabs to "Next" and presses Enter
    next_link = page.get_by_role("link", name="Next")
    next_link.focus()
    page.keyboard.press("Enter")
    # then the other five are listed
    expect(page.get_by_text("Showing 21\u201325 of 25 results")).to_be_visible()
    expect(page.locator(".search-results li")).to_have_count(5)
    expect(page.get_by_role("link", name="Previous")).to_be_visible()
