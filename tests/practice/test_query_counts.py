"""Every practice page costs a fixed number of queries, middleware included
(user and memberships: 2; the session comes from the cache),
at 5 and at 30 topics and reviews (issue #8)."""

import pytest
from django.urls import reverse

from tests.bench_guards.world import assert_counts, build, counts_at_two_sizes

pytestmark = pytest.mark.django_db


def test_practice_pages_query_counts(
    client_for, centre, cohort, enrolled_learner, centre_admin
):
    world = build(
        centre=centre, cohort=cohort, learner=enrolled_learner, admin=centre_admin
    )
    learner = enrolled_learner
    pages = {
        "index": (learner, reverse("practice:index")),
        "settings": (learner, reverse("practice:settings")),
        "session (next card)": (
            learner,
            reverse("practice:session", args=[world.session.public_id]),
        ),
        "unit": (learner, reverse("practice:unit", args=["cr"])),
        "progress": (learner, reverse("practice:progress", args=["cr"])),
    }
    found = counts_at_two_sizes(client_for, pages, world)
    assert_counts(
        found,
        {
            "index": 3,  # units with due and new counts: one query
            "settings": 3,
            # session, plan (settings and exam date; with an exam date, the unseen
            # cards counted), today's reviews, the next card
            "session (next card)": 7,
            # unit, counts (its cards joined to the learner's states), plan
            # (settings, exam date: one query), open session
            "unit": 6,
            "progress": 7,
        },
    )


def test_unit_page_figures_after_the_merged_queries(
    client_for, centre, cohort, enrolled_learner, centre_admin
):
    # given 5 topics of 3 cards each (a concept both ways, a marking point) and 4
    # reviews in the last fortnight
    world = build(
        centre=centre, cohort=cohort, learner=enrolled_learner, admin=centre_admin
    )
    world.grow(4)
    # when the learner opens the unit's progress
    response = client_for(enrolled_learner).get(
        reverse("practice:progress", args=["cr"])
    )
    # then the totals and the per-topic counts are those of the cards and reviews
    progress = response.context["progress"]
    assert progress.total == 5 * 3
    assert progress.reviews_total == 4
    assert sum(n for _day, n in progress.history) == 4
    assert progress.new == progress.total - 4
    assert [t.cards for t in progress.topics] == [3, 3, 3, 3, 3]
    assert sum(t.seen for t in progress.topics) == 4
    plan = response.context["plan"]
    assert plan.exam_date is not None
    assert plan.reviews_per_day == 200
