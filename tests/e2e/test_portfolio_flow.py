"""Real Chromium: a learner writes a log, uploads a PDF, maps both, sees the
coverage change, declares and submits, then sees "submitted" and cannot edit."""

import pytest

from revision.models import ExamTip
from tests import factories
from tests.portfolio import samples

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    centre = factories.CentreFactory(name="Northgate College", slug="northgate")
    qualification = factories.QualificationFactory(
        title="Level 3 Diploma in Customer Service"
    )
    cohort = factories.CohortFactory(centre=centre, qualification=qualification)
    learner = factories.member(
        centre, "learner", username="e2e-learner", first_name="Sam"
    )
    factories.EnrolmentFactory(learner=learner, cohort=cohort)
    unit = factories.UnitFactory(
        qualification=qualification, title="Handling complaints", slug="complaints"
    )
    outcome = factories.LearningOutcomeFactory(
        unit=unit, number=1, text="Resolve customer complaints"
    )
    topic = factories.TopicFactory(unit=unit, slug="resolving", title="Resolving")
    for position, text in enumerate(
        [
            "Listens to the customer and confirms the problem.",
            "Resolves the complaint within policy.",
            "Records the outcome and follows up.",
        ],
        start=1,
    ):
        factories.MarkingPointFactory(
            topic=topic, position=position, text=text, outcome=outcome
        )
    ExamTip.objects.create(topic=topic, position=1, text="Name the policy you used.")
    return unit


def test_learner_builds_and_submits_a_portfolio(
    page, live_server, sign_in, world, tmp_path, axe
):
    base = live_server.url
    sign_in(page, "e2e-learner")

    # Write a log.
    page.goto(f"{base}/portfolio/units/complaints/")
    assert page.get_by_text("0 of 3 marking points covered").is_visible()
    page.get_by_role("link", name="Write a reflective log").click()
    page.get_by_label("Title").fill("Refund for a faulty kettle")
    page.get_by_label("What happened").fill("A customer returned a faulty kettle.")
    page.get_by_label("What I did and why").fill(
        "I **listened**, checked the receipt and refunded within policy."
    )
    page.get_by_role("button", name="Save and continue to mapping").click()

    # Map the log to MP1 and MP2.
    page.get_by_label("MP1 Listens to the customer").check()
    page.get_by_label("MP2 Resolves the complaint").check()
    page.get_by_label("Where in this evidence (MP2)").fill("second paragraph")
    page.get_by_role("button", name="Save mapping").click()
    assert page.get_by_text("2 of 3 marking points covered").is_visible()

    # Upload a PDF (the htmx form with its progress bar) and map it to MP3.
    pdf = tmp_path / "follow-up.pdf"
    pdf.write_bytes(samples.pdf_bytes("Follow-up call log."))
    page.get_by_role("link", name="Upload a file").click()
    page.get_by_label("Title").fill("Follow-up call record")
    page.locator("input[type=file]").set_input_files(str(pdf))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/map/")
    page.get_by_label("MP3 Records the outcome").check()
    page.get_by_role("button", name="Save mapping").click()
    assert page.get_by_text("3 of 3 marking points covered").is_visible()

    # The coverage matrix has no uncovered rows now.
    page.get_by_role("link", name="Open the coverage matrix").click()
    assert page.locator("tr.uncovered").count() == 0
    assert axe(page) == []

    # Self-assess, declare and submit; a missing declaration keeps what was typed.
    page.goto(f"{base}/portfolio/units/complaints/submit/")
    page.get_by_label("I have evidenced MP1").check()
    page.get_by_label("AI tools used and how").fill("None")
    page.get_by_role("button", name="Submit for assessment").click()
    assert page.get_by_text("Confirm that this work is your own").is_visible()
    assert page.get_by_label("AI tools used and how").input_value() == "None"
    page.get_by_label("I confirm this portfolio is my own work").check()
    page.get_by_role("button", name="Submit for assessment").click()

    # Submitted: the status shows and nothing can be edited.
    assert page.locator('[data-status="submitted"]').is_visible()
    assert page.get_by_text("This unit has been submitted").is_visible()
    assert page.get_by_role("link", name="Write a reflective log").count() == 0
    page.get_by_role("link", name="Refund for a faulty kettle").click()
    assert page.get_by_text("Submitted: read-only").is_visible()
    assert page.get_by_role("link", name="Edit").count() == 0
    assert axe(page) == []


def test_autosave_keeps_a_draft_and_refuses_a_stale_tab(
    page, live_server, sign_in, world
):
    from portfolio.models import Evidence

    base = live_server.url
    sign_in(page, "e2e-learner")

    # Typing saves a draft without pressing a button.
    page.goto(f"{base}/portfolio/units/complaints/logs/new/")
    page.get_by_label("Title").fill("Difficult call")
    page.get_by_label("What happened").fill("A customer shouted about a bill.")
    page.get_by_text("Draft saved").wait_for()
    log = Evidence.objects.get()
    assert (log.is_draft, log.what_happened) == (
        True,
        "A customer shouted about a bill.",
    )

    # A second tab edits the same draft and autosaves first.
    other = page.context.new_page()
    other.goto(f"{base}/portfolio/units/complaints/logs/{log.pk}/")
    other.get_by_label("What I did and why").fill("I listened and apologised.")
    other.get_by_text("Draft saved").wait_for()

    # The first tab's next autosave is refused, with its text kept on the page.
    page.get_by_label("Outcome").fill("The bill was corrected.")
    page.get_by_text("changed in another window or tab").wait_for()
    assert page.get_by_label("Outcome").input_value() == "The bill was corrected."
    log.refresh_from_db()
    assert (log.what_i_did, log.outcome) == ("I listened and apologised.", "")
