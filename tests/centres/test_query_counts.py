"""The home page and every console page cost a fixed number of queries,
middleware included (user and memberships: 2; the session is read from the
cache, `cached_db`), at 5 and at 30 learners,
cohorts and admin-log rows (issue #8)."""

import pytest
from django.urls import reverse

from tests.bench_guards.world import assert_counts, build, counts_at_two_sizes

pytestmark = pytest.mark.django_db


def test_home_and_console_query_counts(
    client_for, centre, cohort, enrolled_learner, centre_admin, assessor, iqa
):
    world = build(
        centre=centre, cohort=cohort, learner=enrolled_learner, admin=centre_admin
    )
    admin, pk = centre_admin, cohort.pk
    pages = {
        # learner home: centres 1, portfolio 1, practice 1, assessments 1
        "home (learner)": (enrolled_learner, reverse("home")),
        "home (admin)": (admin, reverse("home")),
        "home (assessor)": (assessor, reverse("home")),
        "home (IQA)": (iqa, reverse("home")),
        "baseline": (enrolled_learner, reverse("centres:baseline")),
        "console": (admin, reverse("centres:console")),
        "admin log": (admin, reverse("centres:console-log")),
        "new cohort": (admin, reverse("centres:console-cohort-new")),
        "cohort": (admin, reverse("centres:console-cohort", args=[pk])),
        "cohort edit": (admin, reverse("centres:console-cohort-edit", args=[pk])),
        "cohort staff": (admin, reverse("centres:console-cohort-staff", args=[pk])),
        "cohort archive": (
            admin,
            reverse("centres:console-cohort-archive", args=[pk]),
        ),
        "import preview": (
            admin,
            reverse("centres:console-import", args=[world.upload.pk]),
        ),
        "email settings": (
            enrolled_learner,
            reverse("centres:notification-settings"),
        ),
    }
    found = counts_at_two_sizes(client_for, pages, world)
    assert_counts(
        found,
        {
            "home (learner)": 6,
            # the marking-queue panel: the cohorts in scope, then one aggregate
            "home (admin)": 6,
            "home (assessor)": 5,
            "home (IQA)": 4,
            "baseline": 2,  # the middleware alone
            "console": 4,
            "admin log": 4,
            "new cohort": 3,
            "cohort": 7,  # cohort with qualification and centre in one query
            "cohort edit": 3,
            "cohort staff": 7,
            "cohort archive": 3,
            "import preview": 3,
            "email settings": 3,
        },
    )
