"""URL kwargs owned by assessments/: submissions being marked, decisions, anchored
comments, comment-bank entries and IQA action points, at centre A, centre B and of
A's peer learner. Built with the ORM on a unit of their own, so they coexist with
the portfolio builders' submissions."""

from django.utils import timezone

from assessments.models import (
    AnchoredComment,
    AssessmentDecision,
    CommentBankEntry,
    FeedbackRelease,
    IqaActionPoint,
    IqaReview,
    Marking,
)
from centres.models import Role
from portfolio.models import Submission, SubmissionVersion
from tests import factories
from tests.security.world import KwargIds, register


def _unit(world, key: str):
    def make():
        unit = factories.UnitFactory(
            qualification=world.cohorts[key].qualification,
            slug=f"sec-marking-unit-{key}",
            title=f"Marking unit {key}",
        )
        topic = factories.TopicFactory(unit=unit, slug=f"sec-marking-topic-{key}")
        for position in (1, 2):
            factories.MarkingPointFactory(topic=topic, position=position)
        return unit

    return world.once(f"assessments-unit-{key}", make)


def _case(world, who: str) -> dict:
    """A submission in marking with a draft, a released decision, a log with an
    anchored comment, for the centre's learner ("a"/"b") or A's peer."""

    def make():
        key = "a" if who == "peer" else who
        learner = world.peers["a"] if who == "peer" else world.learner(key)
        centre = world.centres[key]
        assessor = world.user(key, Role.ASSESSOR)
        unit = _unit(world, key)
        evidence = factories.EvidenceFactory(learner=learner, unit=unit, centre=centre)
        submission = Submission.objects.create(
            learner=learner,
            unit=unit,
            centre=centre,
            status="in_marking",
            current_version=1,
            submitted_at=timezone.now(),
        )
        version = SubmissionVersion.objects.create(
            submission=submission,
            number=1,
            snapshot={"evidence_ids": [evidence.pk], "evidence": []},
            declared_authentic=True,
        )
        marking = Marking.objects.create(
            submission=submission, submission_version=version, assessor=assessor
        )
        decision = AssessmentDecision.objects.create(
            submission=submission,
            submission_version=version,
            centre=centre,
            unit=unit,
            assessor=assessor,
            outcome="not_yet",
            score=2,
            max_score=4,
            percent=50,
            sampled=True,
            sample_rate=50,
            sample_reasons=["assessor_coverage"],
        )
        FeedbackRelease.objects.create(
            decision=decision,
            status="released",
            released_by=assessor,
            released_at=timezone.now(),
        )
        comment = AnchoredComment.objects.create(
            marking=marking,
            evidence=evidence,
            quote="A customer rang",
            body="Which customer?",
            author=assessor,
        )
        return {
            "submission": submission,
            "decision": decision,
            "comment": comment,
            "assessor": assessor,
            "centre": centre,
        }

    return world.once(f"assessments-case-{who}", make)


SUBMISSION_URLS = {
    "assessments:mark",
    "assessments:start",
    "assessments:save",
    "assessments:anchor",
    "assessments:authorise",
}
DECISION_URLS = {
    "assessments:decision",
    "assessments:correct",
    "assessments:ready",
    "assessments:release",
    "assessments:review",
}


@register("pk", url_names=SUBMISSION_URLS)
def submission(world):
    return KwargIds(
        own=_case(world, "a")["submission"].pk,
        other_centre=_case(world, "b")["submission"].pk,
    )


@register("pk", url_names=DECISION_URLS)
def decision(world):
    return KwargIds(
        own=_case(world, "a")["decision"].pk,
        other_centre=_case(world, "b")["decision"].pk,
    )


@register("submission_pk")
def feedback(world):
    return KwargIds(
        own=_case(world, "a")["submission"].pk,
        other_centre=_case(world, "b")["submission"].pk,
        other_learner=_case(world, "peer")["submission"].pk,
    )


@register("pk", url_names={"assessments:reply"})
def comment(world):
    return KwargIds(
        own=_case(world, "a")["comment"].pk,
        other_centre=_case(world, "b")["comment"].pk,
        other_learner=_case(world, "peer")["comment"].pk,
    )


@register("pk", url_names={"assessments:bank-delete"})
def bank_entry(world):
    def make(key):
        return CommentBankEntry.objects.create(
            centre=world.centres[key], text=f"Shared comment {key}"
        )

    return KwargIds(
        own=world.once("assessments-bank-a", lambda: make("a")).pk,
        other_centre=world.once("assessments-bank-b", lambda: make("b")).pk,
    )


@register("pk", url_names={"assessments:action-close"})
def action_point(world):
    def make(key):
        case = _case(world, key)
        review = IqaReview.objects.create(
            decision=case["decision"],
            iqa=world.user(key, Role.IQA),
            verdict="disagree",
            valid=True,
            authentic=True,
            current=True,
            sufficient=False,
            comment="Thin evidence.",
        )
        return IqaActionPoint.objects.create(
            review=review, assessor=case["assessor"], text="Re-check MP2."
        )

    return KwargIds(
        own=world.once("assessments-action-a", lambda: make("a")).pk,
        other_centre=world.once("assessments-action-b", lambda: make("b")).pk,
    )
