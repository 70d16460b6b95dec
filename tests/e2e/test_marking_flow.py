"""Real Chromium: an assessor marks (one point partial), the learner reads the
feedback and resubmits, the assessor marks again and it is achieved, and an IQA
reviews the sampled decision and agrees."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import AssessmentDecision, AuditEntry
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
        for role in ("learner", "assessor", "iqa")
    }
    factories.EnrolmentFactory(learner=people["learner"], cohort=cohort)
    cohort.assessors.add(people["assessor"])
    cohort.iqas.add(people["iqa"])
    unit = factories.marking_unit(qualification, points=2)
    submission = factories.submitted_portfolio(
        learner=people["learner"], centre=centre, unit=unit
    )
    points = list(unit.topics.get().marking_points.order_by("position"))
    return {"people": people, "unit": unit, "submission": submission, "points": points}


def sign_out(page, live_server):
    page.context.clear_cookies()


def mark(page, live_server, world, values, feedback):
    page.goto(f"{live_server.url}/marking/")
    page.locator("table").get_by_role(
        "link", name=re.compile(r"^(Mark|Continue) ")
    ).first.click()
    page.wait_for_url(re.compile(r"/marking/submissions/\d+/$"))
    start = page.get_by_role("button", name="Start marking")
    if start.count():
        start.click()
        page.wait_for_load_state("domcontentloaded")
    for point, value in zip(world["points"], values, strict=True):
        page.locator(f"#value-{point.pk}-{value}").check()
        expect(page.locator("#autosave-status")).to_contain_text("Draft saved")
    page.get_by_label("Overall feedback").fill(feedback)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Finalise decision").click()
    page.wait_for_url(re.compile(r"/marking/decisions/\d+/$"))


def test_mark_feedback_resubmit_achieve_and_iqa_agree(
    page, live_server, sign_in, world, axe
):
    # The assessor marks: MP1 fully evidenced, MP2 partially.
    sign_in(page, "e2e-assessor")
    mark(page, live_server, world, [2, 1], "Good structure; MP2 needs a KPI figure.")
    expect(page.locator("#decision-outcome")).to_have_text("Not yet achieved, resubmit")
    expect(page.locator("#release-status")).to_contain_text("Released to the learner")

    # The learner reads the feedback, acknowledges it and resubmits.
    sign_out(page, live_server)
    sign_in(page, "e2e-learner")
    page.get_by_role("link", name="Feedback", exact=True).first.click()
    page.get_by_role("link", name=world["unit"].title).click()
    expect(page.locator("#feedback-outcome")).to_have_text("Not yet achieved, resubmit")
    expect(page.locator(".fb-point[data-label=MP2]")).to_contain_text(
        "Partially evidenced"
    )
    expect(page.get_by_text("MP2 needs a KPI figure")).to_be_visible()
    assert axe(page) == []
    page.get_by_role("button", name="I have read this feedback").click()
    expect(page.locator("#acknowledged")).to_be_visible()
    page.goto(f"{live_server.url}/portfolio/units/{world['unit'].slug}/submit/")
    page.get_by_label(re.compile("my own work")).check()
    page.get_by_role("button", name="Submit for assessment").click()
    expect(page.get_by_text("Submitted. Your assessor will mark it.")).to_be_visible()

    # The assessor marks the resubmission with the previous marks in view.
    sign_out(page, live_server)
    sign_in(page, "e2e-assessor")
    page.goto(f"{live_server.url}/marking/")
    expect(page.get_by_text("Version 2")).to_be_visible()
    page.locator("table").get_by_role("link", name=re.compile(r"^Mark ")).first.click()
    page.get_by_role("button", name="Start marking").click()
    expect(page.get_by_text("Previous marking:").nth(1)).to_be_visible()
    assert axe(page) == []
    mark(page, live_server, world, [2, 2], "All points now fully evidenced.")
    expect(page.locator("#decision-outcome")).to_have_text("Achieved")
    world["submission"].refresh_from_db()
    assert world["submission"].status == "achieved"

    # The IQA reviews the sampled first decision and agrees.
    sign_out(page, live_server)
    sign_in(page, "e2e-iqa")
    page.get_by_role("link", name="Quality assurance").first.click()
    assert axe(page) == []
    page.get_by_role("link", name=re.compile(r"^Review")).first.click()
    page.get_by_label("Agree", exact=True).check()
    for check in ("Valid", "Authentic", "Current", "Sufficient"):
        page.get_by_label(check, exact=True).check()
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_text("IQA review recorded.")).to_be_visible()

    first = AssessmentDecision.objects.order_by("pk").first()
    assert first.iqa_review.verdict == "agree"
    assert "iqa.review" in AuditEntry.objects.values_list("action", flat=True)


def test_the_queue_fits_a_phone(page, sign_in, live_server, world):
    # given an assessor on a phone
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "e2e-assessor")
    # when they open the marking queue
    page.goto(f"{live_server.url}/marking/")
    # then the Mark button is on screen without scrolling sideways, and the
    # cohort and date folded under the unit are still there to read
    mark_link = page.locator("table").get_by_role("link", name=re.compile(r"^Mark "))
    box = mark_link.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 375
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text("September group")
    expect(row).to_contain_text("submitted ")


def test_a_logs_own_headings_read_as_sub_headings(page, sign_in, live_server, world):
    # given an assessor opening a learner's log in the marking screen
    sign_in(page, "e2e-assessor")
    page.goto(f"{live_server.url}/marking/submissions/{world['submission'].pk}/")
    heading = page.locator(".log-body h3").first
    expect(heading).to_have_text("What happened")

    def size(locator):
        return float(
            locator.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        )

    # then the log's questions are no bigger than the page's own section headings
    assert size(heading) <= size(
        page.get_by_role("heading", name="Evidence", exact=True)
    )
    assert size(heading) < size(page.locator("h1"))


def test_the_evidence_stays_in_view_while_marking(page, sign_in, live_server, world):
    # given an assessor on a wide but short screen, marking
    page.set_viewport_size({"width": 1400, "height": 600})
    sign_in(page, "e2e-assessor")
    page.goto(f"{live_server.url}/marking/submissions/{world['submission'].pk}/")
    page.get_by_role("button", name="Start marking").click()
    page.wait_for_load_state("domcontentloaded")
    # when they scroll down to the overall feedback
    page.get_by_label("Overall feedback").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 300
    # then the evidence is still on screen beside it (at the very end of the page
    # it may ride up a little with the end of its column)
    expect(page.locator(".log-body").first).to_be_in_viewport(ratio=0.5)
    box = page.get_by_role("region", name="Evidence").bounding_box()
    assert box is not None
    assert box["y"] + box["height"] > 500
