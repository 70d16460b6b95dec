"""The permission layer: who reaches which page, and nobody sees another centre."""

import pytest
from django.http import Http404
from django.urls import reverse

from centres import selectors
from centres.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_signed_out_user_is_sent_to_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_membership_sees_explanation_not_error(client_for):
    loner = factories.UserFactory(username="loner")

    response = client_for(loner).get(reverse("home"), follow=True)

    assert response.status_code == 200
    assert b"You are not a member of a centre yet" in response.content
    assert b"ask your centre admin" in response.content


@pytest.mark.parametrize(
    ("actor", "expected", "absent"),
    [
        ("enrolled_learner", b"Your courses", b"Learners</th>"),
        ("assessor", b"Cohorts", b"Your courses"),
        ("centre_admin", b"Cohorts", b"Your courses"),
        ("iqa", b"Cohorts", b"Your courses"),
    ],
)
def test_home_page_is_role_aware(request, client_for, cohort, actor, expected, absent):
    user = request.getfixturevalue(actor)

    response = client_for(user).get(reverse("home"))

    assert response.status_code == 200
    assert expected in response.content
    assert absent not in response.content


def test_learner_home_lists_their_qualification(client_for, enrolled_learner, cohort):
    response = client_for(enrolled_learner).get(reverse("home"))

    assert cohort.qualification.title.encode() in response.content
    assert cohort.name.encode() in response.content


def test_admin_home_shows_only_own_centre_cohorts(
    client_for, centre_admin, cohort, other_centre
):
    foreign = factories.CohortFactory(centre=other_centre, name="Foreign cohort")

    response = client_for(centre_admin).get(reverse("home"))

    assert cohort.name.encode() in response.content
    assert foreign.name.encode() not in response.content


@pytest.mark.parametrize("role", [Role.LEARNER, Role.ASSESSOR, Role.IQA, Role.ADMIN])
def test_no_role_can_fetch_another_centres_cohort(centre, other_centre, role):
    user = factories.member(centre, role, username=f"actor-{role}")
    foreign = factories.CohortFactory(centre=other_centre)

    with pytest.raises(Http404):
        selectors.cohort_get_for_actor(
            user=user, centre=centre, roles=frozenset({role}), pk=foreign.pk
        )


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.IQA, Role.ADMIN])
def test_no_staff_role_sees_another_centres_learners(
    centre, other_centre, other_learner, role
):
    user = factories.member(centre, role, username=f"staff-{role}")

    visible = selectors.learners_visible_to(
        user=user, centre=centre, roles=frozenset({role})
    )

    assert other_learner not in visible
    with pytest.raises(Http404):
        selectors.learner_get_for_actor(
            user=user, centre=centre, roles=frozenset({role}), pk=other_learner.pk
        )


def test_assessor_sees_only_learners_in_assigned_cohorts(
    centre, assessor, cohort, qualification
):
    mine = factories.member(centre, Role.LEARNER, username="mine")
    factories.EnrolmentFactory(learner=mine, cohort=cohort)
    unassigned_cohort = factories.CohortFactory(
        centre=centre, qualification=qualification
    )
    theirs = factories.member(centre, Role.LEARNER, username="theirs")
    factories.EnrolmentFactory(learner=theirs, cohort=unassigned_cohort)

    visible = list(
        selectors.learners_visible_to(
            user=assessor, centre=centre, roles=frozenset({Role.ASSESSOR})
        )
    )

    assert visible == [mine]


def test_learner_sees_only_themself(centre, enrolled_learner, cohort):
    classmate = factories.member(centre, Role.LEARNER, username="classmate")
    factories.EnrolmentFactory(learner=classmate, cohort=cohort)

    visible = list(
        selectors.learners_visible_to(
            user=enrolled_learner, centre=centre, roles=frozenset({Role.LEARNER})
        )
    )

    assert visible == [enrolled_learner]


def test_switching_to_a_centre_you_do_not_belong_to_is_refused(
    client_for, centre_admin, other_centre
):
    client = client_for(centre_admin)

    response = client.post(
        reverse("centres:switch"), {"centre": other_centre.pk}, follow=True
    )

    assert b"You are not a member of that centre." in response.content
    assert response.context["current_centre"].slug == "northgate"


def test_user_with_two_centres_can_switch(client_for, centre, other_centre):
    user = factories.member(centre, Role.ASSESSOR, username="peripatetic")
    factories.MembershipFactory(user=user, centre=other_centre, role=Role.ADMIN)
    client = client_for(user)

    client.post(reverse("centres:switch"), {"centre": other_centre.pk})
    response = client.get(reverse("home"))

    assert response.context["current_centre"] == other_centre
    assert response.context["current_roles"] == frozenset({Role.ADMIN})


def test_home_page_query_count_is_constant(
    settings,
    client_for,
    centre_admin,
    centre,
    qualification,
    django_assert_max_num_queries,
):
    settings.PAGE_CACHE = False  # count the panels built afresh each time
    client = client_for(centre_admin)
    factories.CohortFactory.create_batch(2, centre=centre, qualification=qualification)
    with django_assert_max_num_queries(10) as small:
        client.get(reverse("home"))
    factories.CohortFactory.create_batch(20, centre=centre, qualification=qualification)
    with django_assert_max_num_queries(10) as large:
        client.get(reverse("home"))

    assert len(small.captured_queries) == len(large.captured_queries)
