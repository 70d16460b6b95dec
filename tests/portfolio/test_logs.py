"""Reflective logs: sanitised rendering, versions, autosave and edit conflicts."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portfolio import services
from portfolio.models import Evidence, EvidenceRevision, Submission, SubmissionStatus


def new_log(learner, centre, unit, **text):
    fields = {"what_happened": "A customer rang about a late delivery.", **text}
    return services.log_create(
        learner=learner, centre=centre, unit=unit, title="Late delivery", **fields
    )


def test_a_log_is_rendered_as_sanitised_markdown(enrolled_learner, centre, unit):
    log = new_log(
        enrolled_learner,
        centre,
        unit,
        what_i_did="I **apologised** <script>alert(1)</script>",
        free_text="[policy](javascript:alert(1)) and [site](https://example.org)",
    )

    assert "<h3>What happened</h3>" in log.body_html
    assert "<strong>apologised</strong>" in log.body_html
    assert "<script" not in log.body_html
    assert "javascript:" not in log.body_html
    assert 'href="https://example.org"' in log.body_html


def test_every_save_keeps_a_revision(enrolled_learner, centre, unit):
    log = new_log(enrolled_learner, centre, unit)

    log = services.log_update(
        evidence=log,
        expected_version=1,
        title="Late delivery",
        is_draft=False,
        what_happened="A customer rang about a late sofa.",
    )

    assert log.version == 2
    assert list(
        EvidenceRevision.objects.filter(evidence=log)
        .order_by("number")
        .values_list("number", "content__what_happened")
    ) == [
        (1, "A customer rang about a late delivery."),
        (2, "A customer rang about a late sofa."),
    ]


def test_a_stale_version_is_refused_and_nothing_changes(enrolled_learner, centre, unit):
    log = new_log(enrolled_learner, centre, unit)
    services.log_update(
        evidence=log, expected_version=1, title="Tab one", is_draft=True
    )

    with pytest.raises(services.EditConflict):
        services.log_update(
            evidence=log, expected_version=1, title="Tab two", is_draft=True
        )

    log.refresh_from_db()
    assert (log.title, log.version) == ("Tab one", 2)
    assert log.revisions.count() == 2


def test_submitted_evidence_cannot_be_edited(enrolled_learner, centre, unit):
    log = new_log(enrolled_learner, centre, unit)
    Submission.objects.filter(learner=enrolled_learner, unit=unit).update(
        status=SubmissionStatus.SUBMITTED
    )

    with pytest.raises(PermissionDenied):
        services.log_update(
            evidence=log, expected_version=1, title="Changed", is_draft=False
        )

    log.refresh_from_db()
    assert log.title == "Late delivery"


# --- through the pages -------------------------------------------------------------------
def test_a_script_payload_gets_a_message_at_the_field_and_the_rest_is_kept(
    client_for, enrolled_learner, unit
):
    response = client_for(enrolled_learner).post(
        reverse("portfolio:log-new", args=[unit.slug]),
        {
            "title": "Complaint call",
            "what_happened": "The customer was upset about a refund.",
            "what_i_did": '<img src=x onerror="alert(1)">',
            "action": "finish",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["what_i_did"]
    assert "HTML and scripts are not allowed" in errors["what_i_did"][0]
    body = response.content.decode()
    assert "The customer was upset about a refund." in body
    assert 'value="Complaint call"' in body
    assert Evidence.objects.count() == 0


def test_autosave_creates_a_draft_then_updates_it(client_for, enrolled_learner, unit):
    client = client_for(enrolled_learner)
    url = reverse("portfolio:log-autosave", args=[unit.slug])

    first = client.post(
        url,
        {"title": "Draft", "what_happened": "Started"},
        headers={"HX-Request": "true"},
    )
    log = Evidence.objects.get()
    second = client.post(
        url,
        {
            "title": "Draft",
            "what_happened": "Started and continued",
            "evidence_id": log.pk,
            "version": 1,
        },
        headers={"HX-Request": "true"},
    )

    log.refresh_from_db()
    assert first.status_code == second.status_code == 200
    assert "Draft saved" in second.content.decode()
    assert (log.is_draft, log.version, log.what_happened) == (
        True,
        2,
        "Started and continued",
    )
    assert 'name="version" value="2"' in second.content.decode()


def test_autosave_from_a_stale_tab_is_refused_with_a_message(
    client_for, enrolled_learner, centre, unit
):
    log = new_log(enrolled_learner, centre, unit)
    services.log_update(evidence=log, expected_version=1, title="Newer", is_draft=True)

    response = client_for(enrolled_learner).post(
        reverse("portfolio:log-autosave", args=[unit.slug]),
        {
            "title": "Older",
            "what_happened": "old text",
            "evidence_id": log.pk,
            "version": 1,
        },
        headers={"HX-Request": "true"},
    )

    log.refresh_from_db()
    assert "changed in another window or tab" in response.content.decode()
    assert 'name="version" value="1"' in response.content.decode()
    assert (log.title, log.version) == ("Newer", 2)


def test_an_empty_autosave_creates_nothing(client_for, enrolled_learner, unit):
    response = client_for(enrolled_learner).post(
        reverse("portfolio:log-autosave", args=[unit.slug]), {"title": ""}
    )

    assert response.status_code == 200
    assert Evidence.objects.count() == 0


def test_a_witness_testimony_needs_who_the_witness_is(
    client_for, enrolled_learner, unit
):
    response = client_for(enrolled_learner).post(
        reverse("portfolio:witness-new", args=[unit.slug]),
        {
            "title": "Manager's statement",
            "witness_name": "Priya Shah",
            "free_text": "I watched Sam handle the complaint calmly.",
            "action": "finish",
        },
    )

    errors = response.context["form"].errors
    assert errors["witness_role"] == ["Give the witness's role."]
    assert errors["witness_contact"] == ["Give the witness's email or phone number."]
    assert 'value="Priya Shah"' in response.content.decode()
    assert Evidence.objects.count() == 0
