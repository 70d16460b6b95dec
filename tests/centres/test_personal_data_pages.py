"""Personal data pages: a learner's own download, an admin's subject access export
and erasure request, with every app's real part registered."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import (
    AnchoredComment,
    AnchoredReply,
    AssessmentDecision,
    AuditEntry,
    DecisionJudgement,
)
from assessments.services import JudgementInput
from centres import personal_data
from centres.models import Enrolment, User
from portfolio import services as portfolio_services
from portfolio.models import Evidence, EvidenceRevision, SubmissionVersion
from practice import services as practice_services
from practice.models import PracticeSettings, UnitGoal
from revision.models import MarkingPoint
from tests import factories
from tests.portfolio.samples import PNG

pytestmark = pytest.mark.django_db

LOG_TEXT = "A customer rang about a late delivery of a sofa."


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def unit(qualification):
    return factories.marking_unit(qualification, points=2)


def _upload(learner, centre, unit, name):
    return portfolio_services.file_upload(
        learner=learner,
        centre=centre,
        unit=unit,
        title=f"Photo by {learner.username}",
        upload=SimpleUploadedFile(name, PNG, content_type="image/png"),
    )


@pytest.fixture
def portfolio(enrolled_learner, centre, unit, assessor, iqa, media_root):
    """A learner with a file, a marked and released submission, a comment thread
    on their log, and practice settings."""
    photo = _upload(enrolled_learner, centre, unit, "till-receipt.png")
    submission = factories.submitted_portfolio(
        learner=enrolled_learner, centre=centre, unit=unit
    )
    points = list(MarkingPoint.objects.filter(topic__unit=unit).order_by("position"))
    marking = assessment_services.marking_start(
        assessor=assessor, submission=submission
    )
    marking = assessment_services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements={
            p.pk: JudgementInput(value=2, comment=f"Clear. {p.label}") for p in points
        },
        summative_feedback="A well-organised portfolio.",
        next_steps="",
    )
    log = Evidence.objects.get(learner=enrolled_learner, kind="log")
    comment = assessment_services.anchored_comment_add(
        assessor=assessor,
        marking=marking,
        evidence_id=log.pk,
        quote="late delivery of a sofa",
        body="Say what you checked first.",
    )
    assessment_services.anchored_reply_add(
        actor=enrolled_learner, comment=comment, body="I checked the stock system."
    )
    decision = assessment_services.marking_finalise(
        assessor=assessor, marking=marking, expected_version=marking.version
    )
    # Feedback is released at once unless the decision was sampled for a second look.
    if decision.release.status != "released":
        assessment_services.feedback_mark_ready(actor=assessor, decision=decision)
        assessment_services.feedback_release(
            actor=iqa, roles=frozenset({"iqa"}), decision=decision
        )
    practice_services.settings_update(
        learner=enrolled_learner,
        desired_retention=0.85,
        new_cards_per_day=15,
        reviews_per_day=150,
        session_size=12,
        reminders=True,
        catch_up=False,
    )
    practice_services.goal_set(
        learner=enrolled_learner, unit=unit, exam_date=datetime.date(2027, 6, 14)
    )
    return {"photo": photo, "log": log, "decision": decision, "comment": comment}


@pytest.fixture
def peer(centre, cohort, unit, media_root):
    """A classmate with their own log and file."""
    peer = factories.member(centre, "learner", username="peer-priya")
    factories.EnrolmentFactory(learner=peer, cohort=cohort)
    portfolio_services.log_create(
        learner=peer,
        centre=centre,
        unit=unit,
        title="Priya's stocktake",
        is_draft=False,
        what_happened="Priya counted the warehouse stock on a Sunday.",
        what_i_did="",
        outcome="",
        learned="",
    )
    _upload(peer, centre, unit, "priya.png")
    return peer


def _zip(response) -> zipfile.ZipFile:
    body = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(body))


# --- Download my data ------------------------------------------------------------
def test_learner_downloads_all_their_data_and_nothing_of_a_classmate(
    client_for, enrolled_learner, portfolio, peer, cohort
):
    # when
    response = client_for(enrolled_learner).post(reverse("centres:personal-data"))

    # then: a ZIP attachment with one JSON per app and their file byte for byte
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="criterion-personal-data-learner-'
    )
    archive = _zip(response)
    photo = portfolio["photo"]
    assert sorted(n for n in archive.namelist() if n.endswith(".json")) == [
        "assessments.json",
        "centres.json",
        "portfolio.json",
        "practice.json",
        "revision.json",
    ]
    assert [n for n in archive.namelist() if n.startswith("files/")] == [
        f"files/portfolio/evidence/{photo.pk}-till-receipt.png"
    ]
    assert archive.read(f"files/portfolio/evidence/{photo.pk}-till-receipt.png") == PNG

    centres = json.loads(archive.read("centres.json"))
    assert centres["profile"]["username"] == "learner"
    assert centres["enrolments"][0]["cohort"] == cohort.name
    port = json.loads(archive.read("portfolio.json"))
    log = next(e for e in port["evidence"] if e["kind"] == "log")
    assert log["what_happened"] == LOG_TEXT
    assert log["revisions"][0]["content"]["what_happened"] == LOG_TEXT
    assert [m["note"] for m in log["mappings"]] == ["second paragraph"] * 2
    assert port["submissions"][0]["versions"][0]["declared_authentic"] is True
    assessments = json.loads(archive.read("assessments.json"))
    [decision] = assessments["decisions_about_me"]
    assert decision["outcome"] == portfolio["decision"].outcome
    assert decision["overall_feedback"] == "A well-organised portfolio."
    assert [r["reply"] for r in assessments["replies_i_wrote"]] == [
        "I checked the stock system."
    ]
    practice = json.loads(archive.read("practice.json"))
    assert practice["settings"]["session_size"] == 12
    assert practice["goals"][0]["exam_date"] == "2027-06-14"

    # nothing of the classmate's
    everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"Priya" not in everything
    assert b"peer-priya" not in everything
    # and the download is in the audit log
    entry = AuditEntry.objects.get(action="personal_data.exported")
    assert (entry.actor_id, entry.object_id) == (
        enrolled_learner.pk,
        str(enrolled_learner.pk),
    )


def test_download_page_is_linked_from_the_user_menu(client_for, learner):
    response = client_for(learner).get(reverse("centres:notification-settings"))

    assert reverse("centres:personal-data").encode() in response.content
    page = client_for(learner).get(reverse("centres:personal-data"))
    assert page.status_code == 200
    assert b"Download my data" in page.content


# --- Admin subject access export -------------------------------------------------
def test_admin_exports_a_learner_of_their_centre(
    client_for, centre_admin, enrolled_learner, portfolio
):
    url = reverse("centres:personal-data-learner", args=[enrolled_learner.pk])

    response = client_for(centre_admin).post(url)

    assert response.status_code == 200
    archive = _zip(response)
    centres = json.loads(archive.read("centres.json"))
    assert centres["profile"]["email"] == enrolled_learner.email
    photo = portfolio["photo"]
    assert archive.read(f"files/portfolio/evidence/{photo.pk}-till-receipt.png") == PNG
    entry = AuditEntry.objects.get(action="personal_data.exported")
    assert entry.actor_id == centre_admin.pk
    assert entry.centre_id == centre_admin.memberships.get().centre_id


@pytest.mark.parametrize("name", ["personal-data-learner", "personal-data-erase"])
def test_another_centres_admin_gets_404_and_nothing_changes(
    client_for, other_admin, enrolled_learner, portfolio, name
):
    url = reverse(f"centres:{name}", args=[enrolled_learner.pk])
    client = client_for(other_admin)

    assert client.get(url).status_code == 404
    response = client.post(url, {"confirmation": enrolled_learner.username})

    assert response.status_code == 404
    enrolled_learner.refresh_from_db()
    assert enrolled_learner.username == "learner"
    assert not AuditEntry.objects.filter(action__startswith="personal_data").exists()


def test_a_learner_cannot_erase_or_export_anyone(
    client_for, enrolled_learner, peer, portfolio
):
    client = client_for(enrolled_learner)
    for name in ("personal-data-learner", "personal-data-erase"):
        url = reverse(f"centres:{name}", args=[peer.pk])
        assert client.post(url, {"confirmation": peer.username}).status_code == 403
    peer.refresh_from_db()
    assert peer.username == "peer-priya"
    assert peer.is_active


# --- Erasure ---------------------------------------------------------------------
def test_erasure_page_shows_what_is_kept_and_removed(
    client_for, centre_admin, enrolled_learner, portfolio
):
    url = reverse("centres:personal-data-erase", args=[enrolled_learner.pk])

    response = client_for(centre_admin).get(url)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Uploaded evidence files: 1" in content
    assert "Text of reflective logs and witness testimonies: 1" in content
    assert "Assessment decisions, judgements, outcomes and dates: 1" in content
    assert "<code>learner</code>" in content


def test_wrong_confirmation_erases_nothing_and_keeps_what_was_typed(
    client_for, centre_admin, enrolled_learner, portfolio
):
    url = reverse("centres:personal-data-erase", args=[enrolled_learner.pk])

    response = client_for(centre_admin).post(url, {"confirmation": "Learner"})

    assert response.status_code == 200
    assert "Type the username exactly as shown to confirm." in response.text
    assert 'value="Learner"' in response.text
    enrolled_learner.refresh_from_db()
    assert enrolled_learner.username == "learner"
    assert enrolled_learner.is_active
    assert Evidence.objects.get(pk=portfolio["log"].pk).what_happened == LOG_TEXT


def test_erasure_anonymises_removes_text_and_files_and_keeps_decisions(
    client_for,
    centre_admin,
    enrolled_learner,
    portfolio,
    peer,
    media_root,
    django_capture_on_commit_callbacks,
):
    # given
    photo_path = media_root / portfolio["photo"].file.name
    assert photo_path.read_bytes() == PNG
    decision = portfolio["decision"]
    judgements = list(
        DecisionJudgement.objects.filter(decision=decision).values_list(
            "marking_point_id", "value", "comment"
        )
    )
    url = reverse("centres:personal-data-erase", args=[enrolled_learner.pk])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(centre_admin).post(url, {"confirmation": "learner"})

    # then: the person is anonymous and cannot sign in
    assert response.status_code == 302
    learner = User.objects.get(pk=enrolled_learner.pk)
    assert learner.username == f"erased-{learner.pk}"
    assert (learner.first_name, learner.last_name, learner.email) == (
        "Erased",
        "person",
        "",
    )
    assert not learner.is_active
    assert not learner.has_usable_password()
    # their words and files are gone
    notice = personal_data.ERASED_NOTICE
    log = Evidence.objects.get(pk=portfolio["log"].pk)
    assert (log.title, log.what_happened, log.what_i_did, log.learned) == (
        notice,
        notice,
        "",
        "",
    )
    assert LOG_TEXT not in json.dumps(
        list(EvidenceRevision.objects.filter(evidence=log).values("content"))
    )
    version = SubmissionVersion.objects.get(submission__learner=learner)
    assert "Handling a complaint" not in json.dumps(version.snapshot)
    assert not photo_path.exists()
    assert Evidence.objects.get(pk=portfolio["photo"].pk).original_name == ""
    assert AnchoredComment.objects.get().quote == notice
    assert AnchoredReply.objects.get().body == notice
    assert not PracticeSettings.objects.filter(learner=learner).exists()
    assert not UnitGoal.objects.filter(learner=learner).exists()
    # the decision the awarding body needs is kept, unchanged
    kept = AssessmentDecision.objects.get(pk=decision.pk)
    assert (kept.outcome, kept.score, kept.created_at) == (
        decision.outcome,
        decision.score,
        decision.created_at,
    )
    assert kept.submission.learner_id == learner.pk
    assert (
        list(
            DecisionJudgement.objects.filter(decision=decision).values_list(
                "marking_point_id", "value", "comment"
            )
        )
        == judgements
    )
    assert Enrolment.objects.filter(learner=learner).count() == 1
    # the audit chain is intact and records the erasure
    call_command("verify_audit_log")
    entry = AuditEntry.objects.get(action="personal_data.erased")
    assert (entry.actor_id, entry.object_id) == (centre_admin.pk, str(learner.pk))
    # the classmate is untouched
    peer_log = Evidence.objects.get(learner=peer, kind="log")
    assert peer_log.what_happened == "Priya counted the warehouse stock on a Sunday."
    peer_file = Evidence.objects.get(learner=peer, kind="file")
    assert (media_root / peer_file.file.name).read_bytes() == PNG


def test_a_rolled_back_erasure_deletes_no_file(
    enrolled_learner,
    centre_admin,
    centre,
    portfolio,
    media_root,
    django_capture_on_commit_callbacks,
):
    # given: a part registered last that fails
    photo_path = media_root / portfolio["photo"].file.name

    def broken(user):
        raise RuntimeError("the last app could not erase")

    personal_data.register("zz_broken", anonymise=broken)
    try:
        # when
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
        ):
            personal_data.person_erase(
                actor=centre_admin,
                centre=centre,
                person=enrolled_learner,
                confirmation="learner",
            )
    finally:
        personal_data._parts.pop("zz_broken", None)

    # then
    assert callbacks == []
    assert photo_path.read_bytes() == PNG
    learner = User.objects.get(pk=enrolled_learner.pk)
    assert learner.username == "learner"
    assert Evidence.objects.get(pk=portfolio["log"].pk).what_happened == LOG_TEXT
    assert not AuditEntry.objects.filter(action="personal_data.erased").exists()


def test_a_learner_of_two_centres_is_not_erased_by_one_admin(
    client_for, centre_admin, enrolled_learner, other_centre
):
    factories.MembershipFactory(user=enrolled_learner, centre=other_centre)
    url = reverse("centres:personal-data-erase", args=[enrolled_learner.pk])

    response = client_for(centre_admin).post(url, {"confirmation": "learner"})

    assert response.status_code == 200
    assert "also belongs to another centre" in response.text
    enrolled_learner.refresh_from_db()
    assert enrolled_learner.username == "learner"


def test_a_staff_members_export_holds_what_they_wrote(
    assessor, enrolled_learner, portfolio
):
    archive = zipfile.ZipFile(io.BytesIO(personal_data.export_zip(user=assessor)))

    assessments = json.loads(archive.read("assessments.json"))
    [decision] = assessments["decisions_i_made"]
    assert decision["learner_id"] == enrolled_learner.pk
    assert decision["overall_feedback"] == "A well-organised portfolio."
    assert [c["comment"] for c in assessments["comments_i_wrote"]] == [
        "Say what you checked first."
    ]
    assert assessments["decisions_about_me"] == []
    assert enrolled_learner.last_name.encode() not in archive.read("assessments.json")
