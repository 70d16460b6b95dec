"""A centre admin enrols learners from a CSV, assigns an assessor and reads the
progress report and criteria heatmap, in real Chromium."""

import pytest

from centres.models import Enrolment, User
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "First name,Last name,Email,Learner reference\n"
    "Priya,Shah,priya.shah@example.org,NG-101\n"
    "Tom,O'Neill,tom.oneill@example.org,NG-102\n"
    "Bad,Row,not-an-email,NG-103\n"
    "Priya,Again,PRIYA.SHAH@example.org,NG-104\n"
)


@pytest.fixture
def world(db):
    centre = factories.CentreFactory(name="Northgate College", slug="northgate")
    qualification = factories.QualificationFactory(
        title="Level 3 Diploma in Customer Service"
    )
    factories.marking_unit(qualification, points=4)
    cohort = factories.CohortFactory(
        centre=centre, qualification=qualification, name="September group"
    )
    factories.member(centre, "admin", username="e2e-admin", first_name="Alex")
    factories.member(
        centre, "assessor", username="e2e-assessor", first_name="Sam", last_name="Reid"
    )
    return cohort


def test_admin_imports_learners_assigns_an_assessor_and_reads_reports(
    page, sign_in, live_server, world, tmp_path, axe
):
    cohort = world
    upload = tmp_path / "learners.csv"
    upload.write_text(CSV, encoding="utf-8")
    sign_in(page, "e2e-admin")

    # given the console, via the navigation bar
    page.get_by_role("link", name="Centre", exact=True).click()
    page.get_by_role("link", name="September group").click()

    # when the admin uploads the CSV
    page.get_by_label("Spreadsheet of learners").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and preview").click()

    # then the preview shows what will happen, and nothing is written yet
    assert page.get_by_role("heading", name="Rejected").is_visible()
    assert page.get_by_text("“not-an-email” is not a valid email address.").is_visible()
    assert page.get_by_text(
        "Duplicate email: the same address is on line 2."
    ).is_visible()
    assert page.get_by_text("2 new learners").is_visible()
    assert not User.objects.filter(email="priya.shah@example.org").exists()
    assert axe(page) == []

    # when they confirm
    page.get_by_role("button", name="Confirm and enrol 2 learners").click()
    assert page.get_by_text("2 new learners invited").is_visible()
    assert Enrolment.objects.filter(cohort=cohort).count() == 2
    assert page.get_by_role(
        "cell", name="priya.shah@example.org", exact=True
    ).is_visible()

    # and assign an assessor
    page.get_by_role("link", name="Assign assessors and IQAs").click()
    page.get_by_label("Sam Reid (e2e-assessor@example.org)").check()
    page.get_by_role("button", name="Save assignments").click()
    assert page.locator("#cohort-assessors").inner_text() == "Sam Reid"
    assert page.get_by_role("cell", name="Assigned assessor").is_visible()

    # then the progress report lists the new learners
    page.get_by_role("link", name="Reports", exact=True).click()
    assert page.get_by_role("heading", name="September group: 2 learners").is_visible()
    assert page.get_by_role("cell", name="Priya Shah NG-101").is_visible()
    assert axe(page) == []

    # and the heatmap shows them against the marking points, with a key
    page.get_by_role("link", name="Criteria heatmap").click()
    assert page.get_by_role("heading", name="Key").is_visible()
    assert page.locator("#heatmap tbody tr").count() == 2
    assert page.locator("#heatmap tbody td.hm-none").count() == 8
    assert axe(page) == []
