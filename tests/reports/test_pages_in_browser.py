"""The paged progress report and heatmap in real Chromium: the page links work
from the keyboard and the pages have no serious accessibility violations."""

import pytest

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cohort(db):
    centre = factories.CentreFactory(name="Northgate College", slug="northgate")
    qualification = factories.QualificationFactory()
    factories.marking_unit(qualification, points=4)
    cohort = factories.CohortFactory(
        centre=centre, qualification=qualification, name="September group"
    )
    factories.member(centre, "admin", username="e2e-admin")
    for i in range(1, 61):
        learner = factories.member(
            centre,
            "learner",
            username=f"l{i:02d}",
            first_name="Learner",
            last_name=f"L{i:02d}",
        )
        factories.EnrolmentFactory(learner=learner, cohort=cohort)
    return cohort


@pytest.mark.parametrize(
    ("tab", "table"),
    [("Cohort progress", "#progress-table"), ("Criteria heatmap", "#heatmap")],
)
def test_the_next_page_link_works_from_the_keyboard(
    page, sign_in, cohort, axe, tab, table
):
    # given the report with 60 learners, 50 on the first page
    sign_in(page, "e2e-admin")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name=tab).click()
    assert page.locator(f"{table} tbody tr").count() == 50
    assert page.get_by_text("Showing 1\N{EN DASH}50 of 60").is_visible()
    assert page.get_by_text("Figures as of").is_visible()
    pages = page.get_by_role("navigation", name="Pages of learners")
    current = pages.get_by_role("link", name="Page 1")
    assert current.get_attribute("aria-current") == "page"
    assert axe(page) == []
    # when they move focus to "Next" and press Enter
    pages.get_by_role("link", name="Next").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # then the second page shows the other ten
    assert page.get_by_text("Showing 51\N{EN DASH}60 of 60").is_visible()
    assert page.locator(f"{table} tbody tr").count() == 10
    assert (
        page.locator(f"{table} tbody tr").last.get_by_text("Learner L60").is_visible()
    )


def test_heatmap_cells_are_coloured_like_the_key(page, sign_in, cohort):
    # given Learner L01 with a log mapped to the unit's first marking point
    from revision.models import MarkingPoint

    learner = cohort.enrolments.order_by("learner__username").first().learner
    point = MarkingPoint.objects.filter(
        topic__unit__qualification=cohort.qualification
    ).earliest("position")
    factories.EvidenceMappingFactory(
        evidence=factories.EvidenceFactory(
            learner=learner, unit=point.topic.unit, centre=cohort.centre
        ),
        marking_point=point,
    )
    # when the admin opens the heatmap
    sign_in(page, "e2e-admin")
    page.get_by_role("link", name="Reports", exact=True).click()
    with page.expect_navigation():  # to its load event: the stylesheets are in
        page.get_by_role("link", name="Criteria heatmap").click()

    def background(selector):
        return page.locator(selector).first.evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )

    # then each cell has the colour of its level in the key, not the table's white
    mapped = background("#heatmap tbody td.hm-mapped")
    empty = background("#heatmap tbody td.hm-none")
    assert mapped == background(".heatmap-legend .hm-mapped")
    assert empty == background(".heatmap-legend .hm-none")
    assert len({mapped, empty, "rgb(255, 255, 255)"}) == 3
