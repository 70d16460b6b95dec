"""Every report page and its CSV/XLSX export costs a fixed number of queries,
middleware included (session, user, memberships: 3), at 5 and at 30 learners
(issue #8): with the page's figures reused from the cache (the usual case) and
when they are counted afresh."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import caching
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
    pages["baseline"] = (centre_admin, reverse("centres:baseline"))
    found = counts_at_two_sizes(client_for, pages, world)
    middleware = found.pop("baseline")[1]  # session, user, memberships
    # progress: cohorts 1 (choices and the chosen cohort), figures reused 0
    # heatmap: cohorts 1, units 1 (filter and column labels), figures reused 0
    # exports (never reused): progress 1 + selector 5, heatmap 2 + selector 4
    # workload: cohorts 1, selector 5; IQA coverage: selector 2
    own = {
        f"{name}{e}": 6
        for name in ("progress", "heatmap", "workload")
        for e in ("?export=csv", "?export=xlsx")
    }
    own |= {"progress": 1, "heatmap": 2, "workload": 6}
    own |= {f"iqa{e}": 2 for e in ("", "?export=csv", "?export=xlsx")}
    own |= {
        "cohort-progress": 1,
        "criteria-heatmap": 2,
        "progress (IQA)": 1,
        "heatmap by cohort filter": 2,
    }
    assert middleware <= 3
    assert_counts(found, {name: middleware + n for name, n in own.items()})


def test_report_pages_counting_afresh_query_counts(
    client_for, centre, cohort, enrolled_learner, centre_admin, monkeypatch
):
    # given the report pages with nothing reused, at 5 and at 30 learners
    monkeypatch.setattr(caching, "REPORT_CACHE_SECONDS", 0)  # kept for no time
    world = build(
        centre=centre, cohort=cohort, learner=enrolled_learner, admin=centre_admin
    )
    client = client_for(centre_admin)
    pages = {
        "progress": reverse("reports:cohort-progress", args=[cohort.pk]),
        "progress sorted by coverage, idle only": reverse("reports:progress")
        + f"?cohort={cohort.pk}&sort=coverage&inactive_days=3&q=a",
        "heatmap": reverse("reports:criteria-heatmap", args=[cohort.pk]),
        "heatmap page 2 of a unit": reverse("reports:heatmap")
        + f"?cohort={cohort.pk}&unit={world.unit.pk}&page=2",
        "baseline": reverse("centres:baseline"),
    }
    found: dict[str, list[int]] = {name: [] for name in pages}
    for grow_by in (5, 25):
        world.grow(grow_by)
        for name, url in pages.items():
            client.get(url)  # warm-up (sessions, translations)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found[name].append(len(captured))
    # then progress counts with its selector's 5 queries and the heatmap with 5
    # (points, totals, learners, the page of learners, their cells)
    middleware = found.pop("baseline")
    own = {
        "progress": 1 + 5,
        "progress sorted by coverage, idle only": 1 + 5,
        "heatmap": 2 + 5,
        "heatmap page 2 of a unit": 2 + 5,
    }
    assert found == {name: [m + n for m in middleware] for name, n in own.items()}
    assert max(max(counts) for counts in found.values()) <= 10


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
