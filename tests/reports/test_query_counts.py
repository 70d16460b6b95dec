"""Every report page and its CSV/XLSX export costs a fixed number of queries,
middleware included (session, user, memberships: 3), at 5 and at 30 learners
(issue #8)."""

import pytest
from django.urls import reverse

from tests.bench_guards.world import assert_counts, build, counts_at_two_sizes

pytestmark = pytest.mark.django_db


def test_report_pages_and_exports_query_counts(
    client_for, centre, cohort, enrolled_learner, centre_admin, iqa
):
    world = build(
        centre=centre, cohort=cohort, learner=enrolled_learner, admin=centre_admin
    )
    pages = {}
    for name in ("progress", "heatmap", "workload", "iqa"):
        for export in ("", "?export=csv", "?export=xlsx"):
            pages[f"{name}{export}"] = (
                centre_admin,
                reverse(f"reports:{name}") + export,
            )
    for name in ("cohort-progress", "criteria-heatmap"):
        pages[name] = (centre_admin, reverse(f"reports:{name}", args=[cohort.pk]))
    pages["progress (IQA)"] = (iqa, reverse("reports:progress"))
    pages["heatmap by cohort filter"] = (
        centre_admin,
        reverse("reports:heatmap") + f"?cohort={cohort.pk}&unit={world.unit.pk}",
    )
    found = counts_at_two_sizes(client_for, pages, world)
    # progress: cohorts 1 (choices and the chosen cohort), selector 5
    # heatmap: cohorts 1, units 1 (filter and column labels), selector 4
    # workload: cohorts 1, selector 5; IQA coverage: selector 2
    expected = {
        f"{name}{e}": 9
        for name in ("progress", "heatmap", "workload")
        for e in ("", "?export=csv", "?export=xlsx")
    }
    expected |= {f"iqa{e}": 5 for e in ("", "?export=csv", "?export=xlsx")}
    expected |= {
        "cohort-progress": 9,
        "criteria-heatmap": 9,
        "progress (IQA)": 9,
        "heatmap by cohort filter": 9,
    }
    assert_counts(found, expected)


def test_an_archived_cohort_still_reports_and_another_centres_is_404(
    client_for, centre, cohort, centre_admin, other_centre, qualification
):
    # given an archived cohort here and a cohort at another centre
    from django.utils import timezone

    from tests import factories

    archived = factories.CohortFactory(
        centre=centre, qualification=qualification, archived_at=timezone.now()
    )
    theirs = factories.CohortFactory(centre=other_centre, qualification=qualification)
    client = client_for(centre_admin)
    # when the admin asks for each by URL
    mine = client.get(reverse("reports:cohort-progress", args=[archived.pk]))
    other = client.get(reverse("reports:cohort-progress", args=[theirs.pk]))
    # then the archived one shows (it is not in the filter's list) and theirs is 404
    assert mine.status_code == 200
    assert mine.context["cohort"] == archived
    assert other.status_code == 404
    assert client.get(reverse("reports:progress"), {"cohort": "x"}).status_code == 404
