"""Every revision page costs a fixed number of queries, middleware included
(session, user, memberships: 3), at 5 and at 30 topics (issue #8)."""

import pytest
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
            "unit list": 4,
            "unit": 6,
            "topic": 4,  # the body comes from the cache (keyed by updated_at)
            "search": 5,  # one UNION over every kind of content, then the topics
            "upload": 4,
            "upload status": 4,
        },
    )


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
