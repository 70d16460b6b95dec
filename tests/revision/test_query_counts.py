"""Every revision page costs a fixed number of queries, middleware included
(user and memberships: 2; the session comes from the cache),
at 5 and at 30 topics (issue #8)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.bench_guards.world import assert_counts, build, counts_at_two_sizes

pytestmark = pytest.mark.django_db


def test_revision_pages_query_counts(
    client_for, centre, cohort, enrolled_learner, centre_admin
):
    world = build(
        centre=centre, cohort=cohort, learner=enrolled_learner, admin=centre_admin
    )
    learner, admin = enrolled_learner, centre_admin
    pages = {
        "unit list": (learner, reverse("revision:unit-list")),
        "unit": (learner, reverse("revision:unit-detail", args=["cr"])),
        "topic": (learner, reverse("revision:topic-detail", args=["cr", "rapport"])),
        "search": (learner, reverse("revision:search") + "?q=rapport"),
        "upload": (admin, reverse("revision:upload")),
        "upload status": (
            admin,
            reverse("revision:import-status", args=[world.document.pk]),
        ),
    }
    found = counts_at_two_sizes(client_for, pages, world)
    assert_counts(
        found,
        {
            "unit list": 3,
            "unit": 5,
            # the body comes from the cache (keyed by the unit's content version)
            "topic": 3,
            # the units and their content version, then the page from the cache
            "search": 3,
            "upload": 3,
            "upload status": 3,
        },
    )


def test_search_costs_the_same_when_nothing_is_cached(
    client_for, centre, cohort, enrolled_learner, centre_admin
):
    world = build(
        centre=centre, cohort=cohort, learner=enrolled_learner, admin=centre_admin
    )
    client = client_for(enrolled_learner)
    url = reverse("revision:search") + "?q=rapport"
    found = []
    for grow_by in (5, 25):
        world.grow(grow_by)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        found.append(len(queries))
    # the session (the cache held it too), the user and memberships, the units and
    # their version, one UNION over every kind of content, the page's snippets
    assert found == [6, 6]


def test_search_still_ranks_and_links_every_kind_of_content(
    client_for, centre, cohort, enrolled_learner, centre_admin
):
    # given a concept and a marking point in each of 3 grown topics, plus the
    # first topic's concept and marking point: all mention the word
    world = build(
        centre=centre, cohort=cohort, learner=enrolled_learner, admin=centre_admin
    )
    world.grow(3)
    # when the learner searches for it
    response = client_for(enrolled_learner).get(
        reverse("revision:search"), {"q": "rapport"}
    )
    # then every one of those rows is a hit, linked to its own section
    hits = response.context["hits"]
    assert len(hits) == 2 + 2 * 3 + 1  # + the first topic's own title
    anchors = {(hit.topic.slug, hit.anchor) for hit in hits}
    assert ("grown-2", "key-concepts-1") in anchors
    assert ("grown-2", "marking-points-1") in anchors
    assert ("rapport", "synopsis") in anchors
    assert "<mark>rapport</mark>" in str(hits[-1].snippet).lower()
