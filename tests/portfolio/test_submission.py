"""Mapping, self-assessment, declaration and the submission cycle."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portfolio import selectors, services
from portfolio.models import (
    AiUseLevel,
    Evidence,
    EvidenceMapping,
    SelfAssessment,
    Submission,
    SubmissionStatus,
    UnitPolicy,
)


def finished_log(learner, centre, unit, title="Complaint call"):
    return services.log_create(
        learner=learner,
        centre=centre,
        unit=unit,
        title=title,
        is_draft=False,
        what_happened="A customer rang about a faulty kettle.",
    )


@pytest.fixture
def log(enrolled_learner, centre, unit):
    return finished_log(enrolled_learner, centre, unit)


def submit(learner, centre, unit, **kwargs):
    return services.submission_submit(
        learner=learner,
        centre=centre,
        unit=unit,
        declared_authentic=kwargs.pop("declared_authentic", True),
        **kwargs,
    )


# --- mapping ---------------------------------------------------------------------------
def test_mapping_to_the_units_points_with_notes(log, points):
    services.mappings_set(
        evidence=log, points={points[0].pk: "paragraph 2", points[2].pk: ""}
    )

    assert sorted(log.mappings.values_list("marking_point__position", "note")) == [
        (1, "paragraph 2"),
        (3, ""),
    ]


def test_mapping_to_another_units_point_is_refused_and_nothing_changes(
    log, points, other_unit
):
    services.mappings_set(evidence=log, points={points[0].pk: ""})
    foreign = other_unit.topics.get().marking_points.get()

    with pytest.raises(ValidationError) as error:
        services.mappings_set(evidence=log, points={points[1].pk: "", foreign.pk: ""})

    assert error.value.message_dict == {
        "marking_points": ["Evidence can only be mapped to this unit's marking points."]
    }
    assert list(log.mappings.values_list("marking_point_id", flat=True)) == [
        points[0].pk
    ]


def test_the_mapping_page_shows_the_refusal(
    client_for, enrolled_learner, log, other_unit
):
    foreign = other_unit.topics.get().marking_points.get()

    response = client_for(enrolled_learner).post(
        reverse("portfolio:evidence-map", args=[log.pk]), {"points": [foreign.pk]}
    )

    assert response.status_code == 200
    assert "only be mapped to this unit" in response.content.decode()
    assert EvidenceMapping.objects.count() == 0


# --- submitting -----------------------------------------------------------------------------
def test_submitting_takes_a_snapshot_and_locks_the_evidence(
    enrolled_learner, centre, unit, log, points
):
    # given
    services.mappings_set(evidence=log, points={points[0].pk: "start"})
    services.self_assessment_save(
        learner=enrolled_learner,
        centre=centre,
        unit=unit,
        claims={points[0].pk: (True, "in my log"), points[1].pk: (False, "")},
    )

    # when
    submission = submit(enrolled_learner, centre, unit, ai_use="Spell checker only")

    # then
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.current_version == 1
    version = selectors.submission_version_get(submission=submission)
    assert version.snapshot["evidence_ids"] == [log.pk]
    assert version.snapshot["evidence"][0]["mappings"] == [
        {"marking_point": points[0].pk, "note": "start"}
    ]
    assert version.ai_use == "Spell checker only"
    assert version.ai_level == AiUseLevel.ASSISTIVE
    assert version.self_assessment == {
        str(points[0].pk): {"claimed": True, "note": "in my log"},
        str(points[1].pk): {"claimed": False, "note": ""},
    }
    assert sorted(
        (sa.marking_point_id, sa.claimed) for sa in version.self_assessments.all()
    ) == [(points[0].pk, True), (points[1].pk, False)]
    assert Evidence.objects.get(pk=log.pk).is_locked


def test_without_the_declaration_nothing_is_submitted(
    enrolled_learner, centre, unit, log
):
    with pytest.raises(ValidationError) as error:
        submit(enrolled_learner, centre, unit, declared_authentic=False)

    assert error.value.message_dict == {
        "declared_authentic": ["Confirm that this work is your own before submitting."]
    }
    assert Submission.objects.get().status == SubmissionStatus.DRAFT
    assert not Evidence.objects.get().is_locked


def test_the_declaration_error_is_at_the_field_and_the_form_is_kept(
    client_for, enrolled_learner, unit, log, points
):
    response = client_for(enrolled_learner).post(
        reverse("portfolio:submit", args=[unit.slug]),
        {
            "ai_use": "I used Grammarly on log 1.",
            f"claim-{points[0].pk}": "on",
            f"where-{points[0].pk}": "second paragraph",
            "action": "submit",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["declared_authentic"] == [
        "Confirm that this work is your own before submitting."
    ]
    body = response.content.decode()
    assert "I used Grammarly on log 1." in body
    assert 'value="second paragraph"' in body
    assert Submission.objects.get().status == SubmissionStatus.DRAFT


@pytest.mark.parametrize(
    ("level", "ai_use", "message"),
    [
        (AiUseLevel.NONE, "ChatGPT drafted my log", "does not allow AI tools"),
        (AiUseLevel.DISCLOSED, "", "Say which AI tools you used"),
    ],
)
def test_ai_use_is_checked_against_the_units_level(
    enrolled_learner, centre, unit, log, level, ai_use, message
):
    services.unit_policy_set(centre=centre, unit=unit, ai_use_level=level)

    with pytest.raises(ValidationError) as error:
        submit(enrolled_learner, centre, unit, ai_use=ai_use)

    assert message in error.value.message_dict["ai_use"][0]
    assert Submission.objects.get().status == SubmissionStatus.DRAFT


def test_draft_logs_must_be_finished_first(enrolled_learner, centre, unit):
    services.log_create(
        learner=enrolled_learner,
        centre=centre,
        unit=unit,
        title="Half",
        what_happened="x",
    )

    with pytest.raises(ValidationError) as error:
        submit(enrolled_learner, centre, unit)

    assert "Finish your draft logs" in error.value.messages[0]


def test_nothing_to_submit(enrolled_learner, centre, unit):
    with pytest.raises(ValidationError) as error:
        submit(enrolled_learner, centre, unit)

    assert error.value.messages == [
        "Add at least one piece of evidence before submitting."
    ]


def test_a_submitted_unit_cannot_be_changed(
    enrolled_learner, centre, unit, log, points
):
    submit(enrolled_learner, centre, unit)

    with pytest.raises(PermissionDenied):
        services.mappings_set(evidence=log, points={points[0].pk: ""})
    with pytest.raises(PermissionDenied):
        finished_log(enrolled_learner, centre, unit, title="Another")
    with pytest.raises(PermissionDenied):
        services.evidence_delete(evidence=log)
    with pytest.raises(ValidationError):
        submit(enrolled_learner, centre, unit)
    assert Evidence.objects.count() == 1
    assert EvidenceMapping.objects.count() == 0


# --- the cycle -------------------------------------------------------------------------------
def test_the_full_cycle_with_a_resubmission(
    enrolled_learner, centre, unit, log, eager_tasks
):
    submission = submit(enrolled_learner, centre, unit)
    submission = services.submission_start_marking(submission=submission)
    assert submission.status == SubmissionStatus.IN_MARKING

    with eager_tasks():
        submission = services.submission_return(submission=submission)
    assert submission.status == SubmissionStatus.RETURNED
    assert not Evidence.objects.get(pk=log.pk).is_locked
    assert [m.subject for m in mail.outbox] == ["Customer service: feedback ready"]
    assert "/portfolio/units/customer-service/" in mail.outbox[0].body

    second = finished_log(enrolled_learner, centre, unit, title="Follow-up call")
    submission = submit(enrolled_learner, centre, unit)
    assert submission.current_version == 2
    version = selectors.submission_version_get(submission=submission, number=2)
    assert version.snapshot["evidence_ids"] == [log.pk, second.pk]

    with eager_tasks():
        submission = services.submission_achieve(submission=submission)
    assert submission.status == SubmissionStatus.ACHIEVED
    assert mail.outbox[-1].subject == "Customer service: achieved"
    assert len(mail.outbox) == 2


def test_the_marked_email_is_sent_once(
    enrolled_learner, centre, unit, log, eager_tasks
):
    submission = submit(enrolled_learner, centre, unit)
    services.submission_achieve(submission=submission)
    mail.outbox.clear()

    with eager_tasks():
        sent = [
            services.submission_marked_email(
                submission_id=submission.pk, status=SubmissionStatus.ACHIEVED
            )
            for _ in range(2)
        ]

    assert sent == [True, False]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("status", "service"),
    [
        (SubmissionStatus.DRAFT, "submission_start_marking"),
        (SubmissionStatus.ACHIEVED, "submission_return"),
        (SubmissionStatus.RETURNED, "submission_achieve"),
        (SubmissionStatus.DRAFT, "submission_achieve"),
    ],
)
def test_transitions_from_the_wrong_state_are_refused(
    enrolled_learner, centre, unit, status, service
):
    submission = Submission.objects.create(
        learner=enrolled_learner, unit=unit, centre=centre, status=status
    )

    with pytest.raises(ValidationError):
        getattr(services, service)(submission=submission)

    submission.refresh_from_db()
    assert submission.status == status


def test_the_learner_sees_submitted_and_no_edit_buttons(
    client_for, enrolled_learner, centre, unit, log
):
    submit(enrolled_learner, centre, unit)
    client = client_for(enrolled_learner)

    page = client.get(reverse("portfolio:unit", args=[unit.slug])).content.decode()
    detail = client.get(
        reverse("portfolio:evidence-detail", args=[log.pk])
    ).content.decode()

    assert 'data-status="submitted"' in page
    assert reverse("portfolio:log-new", args=[unit.slug]) not in page
    assert reverse("portfolio:log-edit", args=[unit.slug, log.pk]) not in detail
    assert "Submitted: read-only" in detail


def test_self_assessment_only_covers_the_units_points(
    enrolled_learner, centre, unit, other_unit
):
    foreign = other_unit.topics.get().marking_points.get()

    with pytest.raises(ValidationError):
        services.self_assessment_save(
            learner=enrolled_learner,
            centre=centre,
            unit=unit,
            claims={foreign.pk: (True, "")},
        )

    assert SelfAssessment.objects.count() == 0


def test_version_changes_show_what_the_learner_changed_on_resubmission(
    enrolled_learner, centre, unit, log, points
):
    # given: version 1 with one mapped log; returned; the log edited, remapped,
    # and a second log added, then version 2
    services.mappings_set(evidence=log, points={points[0].pk: ""})
    submission = submit(enrolled_learner, centre, unit)
    services.submission_return(submission=submission)
    services.log_update(
        evidence=log,
        expected_version=log.version,
        title=log.title,
        is_draft=False,
        what_happened="A customer rang about a faulty kettle on a Sunday.",
    )
    services.mappings_set(evidence=log, points={points[1].pk: ""})
    added = finished_log(enrolled_learner, centre, unit, title="Follow-up")
    submission = submit(enrolled_learner, centre, unit)

    # when
    changes = selectors.version_changes(submission=submission, old=1, new=2)

    # then
    assert [(c.evidence_id, c.change) for c in changes] == [
        (log.pk, "changed"),
        (added.pk, "added"),
    ]
    assert changes[0].fields == [
        (
            "what_happened",
            "A customer rang about a faulty kettle.",
            "A customer rang about a faulty kettle on a Sunday.",
        )
    ]
    assert (changes[0].mappings_added, changes[0].mappings_removed) == (
        [points[1].pk],
        [points[0].pk],
    )


def test_the_version_page_lists_the_changes(
    client_for, enrolled_learner, centre, unit, log
):
    submission = submit(enrolled_learner, centre, unit)
    services.submission_return(submission=submission)
    finished_log(enrolled_learner, centre, unit, title="Follow-up call")
    submit(enrolled_learner, centre, unit)

    body = (
        client_for(enrolled_learner)
        .get(
            reverse(
                "portfolio:version-detail", args=[enrolled_learner.pk, unit.slug, 2]
            )
        )
        .content.decode()
    )

    assert "What changed since version 1" in body
    assert "<strong>Follow-up call</strong>: added" in body


def test_an_admin_sets_the_ai_use_level_and_the_learner_sees_it(
    client_for, centre_admin, enrolled_learner, centre, unit
):
    client = client_for(centre_admin)

    bad = client.post(reverse("portfolio:policies"), {f"level-{unit.pk}": "anything"})
    assert "Choose one of the listed levels" in bad.content.decode()
    assert services.ai_level_for(centre=centre, unit=unit) == AiUseLevel.ASSISTIVE

    client.post(reverse("portfolio:policies"), {f"level-{unit.pk}": AiUseLevel.NONE})
    assert services.ai_level_for(centre=centre, unit=unit) == AiUseLevel.NONE

    page = client_for(enrolled_learner).get(
        reverse("portfolio:submit", args=[unit.slug])
    )
    assert "<strong>No AI use</strong>" in page.content.decode()


def test_only_admins_set_ai_use_levels(client_for, assessor, enrolled_learner, unit):
    for user in (assessor, enrolled_learner):
        response = client_for(user).post(
            reverse("portfolio:policies"), {f"level-{unit.pk}": AiUseLevel.NONE}
        )
        assert response.status_code == 403
    assert UnitPolicy.objects.count() == 0


def test_submitting_sends_a_receipt_and_tells_the_cohorts_assessor(
    enrolled_learner, centre, unit, log, assessor
):
    from centres.models import Notification, NotificationKind

    submit(enrolled_learner, centre, unit)

    sent = {
        (n.user.username, n.subject)
        for n in Notification.objects.filter(kind=NotificationKind.SUBMISSION_RECEIVED)
    }
    name = enrolled_learner.get_full_name()
    assert sent == {
        (enrolled_learner.username, f"Received: {unit.title}"),
        (assessor.username, f"To mark: {name}, {unit.title}"),
    }
