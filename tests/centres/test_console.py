"""The centre console: cohorts, staff assignment, withdrawals, audit, notifications."""

import pytest
from django.core import mail
from django.urls import reverse

from centres import services
from centres.models import (
    AdminAction,
    AdminEvent,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_admin_creates_a_cohort_and_it_is_audited(
    client_for, centre_admin, qualification
):
    client = client_for(centre_admin)
    response = client.post(
        reverse("centres:console-cohort-new"),
        {
            "name": "Plumbing 2027",
            "qualification": qualification.pk,
            "start_date": "2027-09-01",
            "end_date": "2028-07-01",
            "marking_target_days": "7",
        },
    )
    cohort = Cohort.objects.get(name="Plumbing 2027")
    assert response.status_code == 302
    assert (cohort.centre.slug, cohort.marking_target_days) == ("northgate", 7)
    event = AdminEvent.objects.get()
    assert (event.actor, event.action, event.cohort) == (
        centre_admin,
        AdminAction.COHORT_CREATED,
        cohort,
    )


def test_dates_out_of_order_keep_what_was_typed(
    client_for, centre_admin, qualification
):
    response = client_for(centre_admin).post(
        reverse("centres:console-cohort-new"),
        {
            "name": "Backwards",
            "qualification": qualification.pk,
            "start_date": "2027-09-01",
            "end_date": "2027-01-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The end date must be on or after the start." in page
    assert 'value="Backwards"' in page
    assert not Cohort.objects.filter(name="Backwards").exists()


def test_duplicate_cohort_name_is_a_form_error(client_for, centre_admin, cohort):
    response = client_for(centre_admin).post(
        reverse("centres:console-cohort-new"),
        {"name": cohort.name, "qualification": cohort.qualification_id},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Cohort.objects.filter(name=cohort.name).count() == 1


def test_edit_records_what_changed(client_for, centre_admin, cohort):
    client_for(centre_admin).post(
        reverse("centres:console-cohort-edit", args=[cohort.pk]),
        {
            "name": "Renamed",
            "start_date": "",
            "end_date": "",
            "marking_target_days": "5",
        },
    )
    cohort.refresh_from_db()
    assert (cohort.name, cohort.marking_target_days) == ("Renamed", 5)
    assert AdminEvent.objects.get().detail == "Changed: name, marking target days"


def test_archive_asks_first_then_archives(client_for, centre_admin, cohort):
    client = client_for(centre_admin)
    url = reverse("centres:console-cohort-archive", args=[cohort.pk])
    page = client.get(url).content.decode()
    assert "Yes, archive this cohort" in page
    cohort.refresh_from_db()
    assert cohort.archived_at is None  # a GET changes nothing
    client.post(url)
    cohort.refresh_from_db()
    assert cohort.archived_at is not None
    client.post(url, {"restore": "1"})
    cohort.refresh_from_db()
    assert cohort.archived_at is None
    assert list(AdminEvent.objects.values_list("action", flat=True)) == [
        AdminAction.COHORT_RESTORED,
        AdminAction.COHORT_ARCHIVED,
    ]


def test_assign_only_this_centres_staff(
    client_for, centre_admin, cohort, assessor, centre, other_centre
):
    second = factories.member(centre, "assessor", username="assessor2")
    outsider = factories.member(other_centre, "assessor", username="outsider")
    client = client_for(centre_admin)
    url = reverse("centres:console-cohort-staff", args=[cohort.pk])
    page = client.get(url).content.decode()
    assert "assessor2" in page
    assert "outsider" not in page
    # an outsider's id is refused and nothing changes
    response = client.post(url, {"assessors": [assessor.pk, outsider.pk]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert list(cohort.assessors.all()) == [assessor]
    # swapping assessors is audited both ways
    client.post(url, {"assessors": [second.pk], "iqas": []})
    assert list(cohort.assessors.all()) == [second]
    actions = set(AdminEvent.objects.values_list("action", "subject__username"))
    assert actions == {
        (AdminAction.ASSESSOR_ASSIGNED, "assessor2"),
        (AdminAction.ASSESSOR_UNASSIGNED, "assessor"),
        (AdminAction.IQA_UNASSIGNED, "iqa"),
    }


def test_service_refuses_other_centres_staff(cohort, other_centre, centre_admin):
    from django.core.exceptions import ValidationError

    outsider = factories.member(other_centre, "assessor", username="outsider")
    with pytest.raises(ValidationError):
        services.cohort_staff_set(
            cohort=cohort, assessors=[outsider], iqas=[], actor=centre_admin
        )
    assert outsider not in cohort.assessors.all()


def test_withdraw_is_audited(client_for, centre_admin, cohort, enrolled_learner):
    enrolment = Enrolment.objects.get(learner=enrolled_learner)
    client_for(centre_admin).post(
        reverse("centres:console-withdraw", args=[enrolment.pk])
    )
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    event = AdminEvent.objects.get()
    assert (event.action, event.subject) == (
        AdminAction.LEARNER_WITHDRAWN,
        enrolled_learner,
    )


def test_log_shows_who_did_what(client_for, centre_admin, cohort, enrolled_learner):
    enrolment = Enrolment.objects.get(learner=enrolled_learner)
    services.enrolment_withdraw(enrolment=enrolment, actor=centre_admin)
    page = client_for(centre_admin).get(reverse("centres:console-log")).content.decode()
    assert "Withdrew learner" in page
    assert str(enrolled_learner) in page


# --- Isolation -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("centres:console-cohort", "get"),
        ("centres:console-cohort-edit", "post"),
        ("centres:console-cohort-staff", "post"),
        ("centres:console-cohort-archive", "post"),
        ("centres:console-import-upload", "post"),
    ],
)
def test_other_centres_admin_gets_404_and_nothing_changes(
    client_for, other_admin, cohort, name, method
):
    client = client_for(other_admin)
    response = getattr(client, method)(
        reverse(name, args=[cohort.pk]), {"name": "Hijacked", "assessors": []}
    )
    assert response.status_code == 404
    cohort.refresh_from_db()
    assert cohort.name != "Hijacked"
    assert cohort.archived_at is None
    assert cohort.assessors.count() == 1
    assert AdminEvent.objects.count() == 0


def test_other_centres_enrolment_cannot_be_withdrawn(
    client_for, other_admin, enrolled_learner
):
    enrolment = Enrolment.objects.get(learner=enrolled_learner)
    response = client_for(other_admin).post(
        reverse("centres:console-withdraw", args=[enrolment.pk])
    )
    assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_console_lists_only_own_centres_cohorts(client_for, other_admin, cohort):
    page = client_for(other_admin).get(reverse("centres:console")).content.decode()
    assert cohort.name not in page


@pytest.mark.parametrize("role", ["learner", "assessor", "iqa"])
def test_non_admins_are_forbidden(client_for, centre, cohort, role):
    user = factories.member(centre, role, username=f"someone-{role}")
    client = client_for(user)
    assert client.get(reverse("centres:console")).status_code == 403
    response = client.post(reverse("centres:console-cohort-archive", args=[cohort.pk]))
    assert response.status_code == 403
    cohort.refresh_from_db()
    assert cohort.archived_at is None


def test_console_queries_do_not_grow_with_cohorts(
    client_for, centre_admin, centre, qualification, django_assert_num_queries
):
    client = client_for(centre_admin)
    factories.CohortFactory(centre=centre, qualification=qualification)
    client.get(reverse("centres:console"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("centres:console"))
    for _ in range(10):
        factories.CohortFactory(centre=centre, qualification=qualification)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("centres:console"))
    assert len(small) == len(large)


def test_home_has_the_console_panel_and_nav(client_for, centre_admin):
    page = client_for(centre_admin).get(reverse("home")).content.decode()
    assert "Centre console" in page
    assert reverse("centres:console") in page


# --- Notifications ----------------------------------------------------------------------
def test_notification_send_respects_preferences(learner):
    services.notification_preferences_update(
        user=learner, muted_kinds=[NotificationKind.SUBMISSION_MARKED]
    )
    muted = services.notification_send(
        user=learner, kind="submission_marked", subject="Marked", body="Done"
    )
    sent = services.notification_send(
        user=learner, kind="submission_received", subject="Received", body="Thanks"
    )
    assert muted is None
    assert services.notification_deliver(notification_id=sent.pk)
    assert [m.subject for m in mail.outbox] == ["Received"]


def test_essential_emails_cannot_be_muted(learner):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.notification_preferences_update(
            user=learner, muted_kinds=[NotificationKind.INVITATION]
        )
    assert not NotificationPreference.objects.filter(user=learner).exists()


def test_unknown_kind_is_refused(learner):
    with pytest.raises(ValueError, match="spam"):
        services.notification_send(user=learner, kind="spam", subject="x", body="y")
    assert Notification.objects.count() == 0


def test_settings_page_switches_emails_off(client_for, learner):
    client = client_for(learner)
    url = reverse("centres:notification-settings")
    page = client.get(url).content.decode()
    assert "Submission marked" in page
    assert "Invitation to set a password" in page  # listed as always sent
    client.post(url, {"enabled": ["submission_received"]})
    pref = NotificationPreference.objects.get(user=learner)
    assert set(pref.muted_kinds) == {"submission_marked", "iqa_outcome", "reminder"}


def test_settings_page_works_without_membership(client_for):
    loner = factories.UserFactory(username="loner")
    response = client_for(loner).get(reverse("centres:notification-settings"))
    assert response.status_code == 200


def test_delivery_task_is_idempotent(learner):
    from centres import tasks

    note = services.notification_send(
        user=learner, kind="reminder", subject="Due soon", body="Unit 2"
    )
    assert tasks.notifications_deliver_task([note.pk]) == 1
    assert tasks.notifications_deliver_task([note.pk]) == 0
    assert len(mail.outbox) == 1
