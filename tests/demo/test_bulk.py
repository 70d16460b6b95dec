"""`seed_demo --learners N` gives the learners beyond the hand-crafted ones
portfolios of their own, shaped as the services make them (demo/bulk.py)."""

from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from assessments.audit import audit_chain_problems
from assessments.models import AssessmentDecision, IqaReview
from centres.models import Centre, Enrolment
from demo.bulk import HANDCRAFTED
from portfolio.models import (
    Evidence,
    EvidenceKind,
    EvidenceMapping,
    Submission,
    SubmissionStatus,
)
from practice.models import ReviewLog

pytestmark = pytest.mark.django_db(transaction=True)


def _seed(*args: str) -> None:
    call_command("seed_demo", *args, stdout=StringIO(), stderr=StringIO())


def _bulk_learner_ids(centre: Centre, learners: int) -> list[int]:
    prefix = {"northgate": "north", "riverside": "river"}[centre.slug]
    usernames = [
        f"{prefix}-learner-{n:02d}" for n in range(HANDCRAFTED + 1, learners + 1)
    ]
    return list(
        Enrolment.objects.filter(
            cohort__centre=centre, learner__username__in=usernames
        ).values_list("learner_id", flat=True)
    )


def _handcrafted_world() -> dict:
    """What the first HANDCRAFTED learners per centre have."""
    usernames = [
        f"{prefix}-learner-{n:02d}"
        for prefix in ("north", "river")
        for n in range(1, HANDCRAFTED + 1)
    ]
    return {
        "evidence": sorted(
            Evidence.objects.filter(learner__username__in=usernames).values_list(
                "learner__username", "unit_id", "title", "version", "is_locked"
            )
        ),
        "submissions": sorted(
            Submission.objects.filter(learner__username__in=usernames).values_list(
                "learner__username", "unit_id", "status", "current_version"
            )
        ),
        "decisions": sorted(
            AssessmentDecision.objects.filter(
                submission__learner__username__in=usernames
            ).values_list("pk", "outcome", "sampled")
        ),
        "reviews": ReviewLog.objects.filter(learner__username__in=usernames).count(),
    }


def test_learners_beyond_the_handcrafted_ones_get_portfolios_in_every_state(
    settings, tmp_path
):
    # given the default world, which has nobody beyond the hand-crafted learners
    settings.MEDIA_ROOT = tmp_path
    _seed()
    handcrafted = _handcrafted_world()

    # when it grows to 40 learners per centre
    _seed("--learners", "40")

    # then the hand-crafted learners' work is as it was
    assert _handcrafted_world() == handcrafted
    # and each centre's new learners have evidence, mappings and submissions in
    # every state
    for centre in Centre.objects.all():
        learner_ids = _bulk_learner_ids(centre, 40)
        assert len(learner_ids) == 40 - HANDCRAFTED
        evidence = Evidence.objects.filter(learner_id__in=learner_ids)
        assert evidence.filter(kind=EvidenceKind.LOG).exists(), centre.name
        assert EvidenceMapping.objects.filter(evidence__in=evidence).exists()
        statuses = set(
            Submission.objects.filter(learner_id__in=learner_ids).values_list(
                "status", flat=True
            )
        )
        assert statuses == set(SubmissionStatus.values), centre.name
        assert AssessmentDecision.objects.filter(
            submission__learner_id__in=learner_ids
        ).exists()
    # and every stored file is where its evidence says, at its recorded size
    files = Evidence.objects.filter(
        kind=EvidenceKind.FILE, learner__username__regex=r"-learner-(2[5-9]|3\d|40)$"
    )
    assert files.exists()
    for item in files:
        assert default_storage.size(item.file.name) == item.size
    # and the audit log's hash chain still verifies
    assert list(audit_chain_problems()) == []


def test_bulk_snapshots_are_those_submission_submit_takes(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _seed("--learners", "40")

    waiting = Submission.objects.filter(
        status__in=[
            SubmissionStatus.SUBMITTED,
            SubmissionStatus.IN_MARKING,
            SubmissionStatus.ACHIEVED,
        ],
        learner__username__regex=r"-learner-(2[5-9]|3\d|40)$",
    )
    assert waiting.exists()
    for submission in waiting:
        version = submission.versions.get(number=submission.current_version)
        # What portfolio.services.submission_submit would snapshot now (nothing
        # has changed since: the evidence is locked).
        evidence = list(
            Evidence.objects.filter(
                learner=submission.learner,
                unit=submission.unit,
                centre=submission.centre,
            )
            .prefetch_related("mappings")
            .order_by("pk")
        )
        assert all(e.is_locked for e in evidence)
        assert version.snapshot == {
            "evidence_ids": [e.pk for e in evidence],
            "evidence": [
                {
                    "id": e.pk,
                    "kind": e.kind,
                    "title": e.title,
                    "revision": e.version,
                    "sha256": e.sha256,
                    "mappings": [
                        {"marking_point": m.marking_point_id, "note": m.note}
                        for m in e.mappings.all()
                    ],
                }
                for e in evidence
            ],
        }
        assert all(e.revisions.filter(number=e.version).exists() for e in evidence)


def test_a_submitted_bulk_portfolio_opens_in_its_assessors_marking_screen(
    client, settings, tmp_path
):
    # given a bulk learner's unit waiting for marking
    settings.MEDIA_ROOT = tmp_path
    _seed("--learners", "40")
    submission = (
        Submission.objects.filter(
            status=SubmissionStatus.SUBMITTED,
            learner__username__regex=r"-learner-(2[5-9]|3\d|40)$",
        )
        .select_related("learner")
        .order_by("pk")
        .first()
    )
    cohort = Enrolment.objects.get(learner=submission.learner).cohort
    assessor = cohort.assessors.get()
    title = Evidence.objects.filter(
        learner=submission.learner, unit=submission.unit
    ).values_list("title", flat=True)[0]

    # when their assessor opens it
    client.force_login(assessor)
    response = client.get(reverse("assessments:mark", args=[submission.pk]))

    # then the marking screen shows the learner's evidence
    assert response.status_code == 200
    assert submission.learner.get_full_name() in response.text
    assert title in response.text.replace("&#x27;", "'")


def test_bulk_iqa_samples_are_reviewed_by_the_cohorts_iqa(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _seed("--learners", "60")

    bulk = AssessmentDecision.objects.filter(
        submission__learner__username__regex=r"-learner-(2[5-9]|[3-5]\d|60)$"
    )
    assert bulk.filter(sampled=True).exists()
    reviews = IqaReview.objects.filter(decision__in=bulk)
    assert reviews.exists()
    for review in reviews.select_related("decision"):
        assert review.decision.sampled
        assert review.iqa_id != review.decision.assessor_id
        assert review.created_at > review.decision.created_at


def _bulk_signature() -> dict:
    bulk = r"-learner-(2[5-9]|3\d|40)$"
    return {
        "submissions": sorted(
            Submission.objects.filter(learner__username__regex=bulk).values_list(
                "learner__username", "unit__slug", "status", "current_version"
            )
        ),
        "evidence": sorted(
            Evidence.objects.filter(learner__username__regex=bulk).values_list(
                "learner__username", "unit__slug", "kind", "title", "is_locked"
            )
        ),
        "mappings": sorted(
            EvidenceMapping.objects.filter(
                evidence__learner__username__regex=bulk
            ).values_list("evidence__title", "marking_point__text", "note")
        ),
        "decisions": sorted(
            AssessmentDecision.objects.filter(
                submission__learner__username__regex=bulk
            ).values_list("submission__learner__username", "outcome", "score")
        ),
        "reviews": sorted(
            ReviewLog.objects.filter(learner__username__regex=bulk).values_list(
                "learner__username", "card__front", "rating"
            )
        ),
    }


def test_the_bulk_world_is_the_same_every_time(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _seed("--learners", "40")
    first = _bulk_signature()

    call_command("flush", interactive=False, verbosity=0)
    _seed("--learners", "40")

    assert _bulk_signature() == first
    assert first["submissions"]
    assert first["reviews"]
