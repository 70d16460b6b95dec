"""Marking, decisions, corrections, release, resubmission and IQA services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.models import (
    AssessmentDecision,
    AuditEntry,
    FeedbackRelease,
    IqaActionPoint,
    IqaReview,
    Marking,
    MarkingJudgement,
    ResubmissionPolicy,
    UnitMarkingRule,
)
from assessments.services import JudgementInput
from portfolio import services as portfolio_services
from portfolio.models import Evidence, Submission
from tests import factories


def judge(points, values, comment="Clear example."):
    return {
        p.pk: JudgementInput(value=v, comment=f"{comment} {p.label}")
        for p, v in zip(points, values, strict=True)
    }


def mark(assessor, submission, points, values, **extra):
    marking = services.marking_start(assessor=assessor, submission=submission)
    marking = services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements=judge(points, values),
        summative_feedback=extra.get("summative", "A well-organised portfolio."),
        next_steps=extra.get("next_steps", ""),
    )
    return services.marking_finalise(
        assessor=assessor, marking=marking, expected_version=marking.version
    )


def test_start_prefills_the_learners_mapped_evidence(assessor, submission, points):
    marking = services.marking_start(assessor=assessor, submission=submission)
    evidence = Evidence.objects.get(learner=submission.learner)
    rows = MarkingJudgement.objects.filter(marking=marking).order_by(
        "marking_point__position"
    )
    assert [r.value for r in rows] == [None, None, None]
    assert [list(r.evidence.values_list("pk", flat=True)) for r in rows] == [
        [evidence.pk]
    ] * 3
    submission.refresh_from_db()
    assert submission.status == "in_marking"
    # Idempotent: a second start opens the same marking.
    assert services.marking_start(assessor=assessor, submission=submission) == marking


def test_marking_achieves_when_every_point_is_fully_evidenced(
    assessor, submission, points
):
    decision = mark(assessor, submission, points, [2, 2, 2])
    assert (decision.outcome, decision.score, decision.max_score, decision.percent) == (
        "achieved",
        6,
        6,
        100,
    )
    submission.refresh_from_db()
    assert submission.status == "achieved"
    assert decision.release.status == "released"
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "decision.finalise",
        "feedback.release",
    ]


def test_one_partial_point_returns_for_resubmission(assessor, submission, points):
    decision = mark(assessor, submission, points, [2, 1, 2])
    assert (decision.outcome, decision.score, decision.percent) == ("not_yet", 5, 83)
    submission.refresh_from_db()
    assert submission.status == "returned"


def test_unit_rule_can_allow_achievement_below_full_marks(
    assessor, submission, points, unit
):
    UnitMarkingRule.objects.create(unit=unit, rule="min_percent", min_percent=80)
    assert mark(assessor, submission, points, [2, 1, 2]).outcome == "achieved"


@pytest.mark.parametrize("bad", [3, "7", "fully", -1])
def test_judgement_off_the_scale_saves_nothing(assessor, submission, points, bad):
    marking = services.marking_start(assessor=assessor, submission=submission)
    with pytest.raises(ValidationError, match=r"MP2: .* is not on the scale"):
        services.marking_save(
            assessor=assessor,
            marking=marking,
            expected_version=1,
            judgements={
                points[0].pk: JudgementInput(value=2, comment="Good"),
                points[1].pk: JudgementInput(value=bad),
            },
            summative_feedback="Typed feedback",
        )
    marking.refresh_from_db()
    assert (marking.version, marking.summative_feedback) == (1, "")
    assert not MarkingJudgement.objects.filter(value__isnull=False).exists()


def test_marking_point_from_another_unit_refused(
    assessor, submission, points, qualification
):
    other_unit = factories.marking_unit(qualification, points=1)
    foreign = other_unit.topics.get().marking_points.get()
    marking = services.marking_start(assessor=assessor, submission=submission)
    with pytest.raises(ValidationError, match="not part of this unit"):
        services.marking_save(
            assessor=assessor,
            marking=marking,
            expected_version=1,
            judgements={
                points[0].pk: JudgementInput(value=2),
                foreign.pk: JudgementInput(value=2),
            },
        )
    assert not MarkingJudgement.objects.filter(value__isnull=False).exists()


def test_finalising_with_an_unjudged_point_refused(assessor, submission, points):
    marking = services.marking_start(assessor=assessor, submission=submission)
    marking = services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=1,
        judgements=judge(points[:2], [2, 2]),
    )
    with pytest.raises(ValidationError, match="MP3 still unjudged"):
        services.marking_finalise(
            assessor=assessor, marking=marking, expected_version=marking.version
        )
    assert not AssessmentDecision.objects.exists()
    assert not AuditEntry.objects.exists()
    marking.refresh_from_db()
    assert marking.finalised_at is None


def test_assessor_of_another_cohort_cannot_mark(submission, centre, qualification):
    outsider = factories.member(centre, "assessor", username="outsider")
    factories.CohortFactory(centre=centre, qualification=qualification).assessors.add(
        outsider
    )
    with pytest.raises(PermissionDenied, match="cohorts you are assigned"):
        services.marking_start(assessor=outsider, submission=submission)
    submission.refresh_from_db()
    assert submission.status == "submitted"
    assert not Marking.objects.exists()


def test_learner_cannot_mark(enrolled_learner, submission):
    with pytest.raises(PermissionDenied):
        services.marking_start(assessor=enrolled_learner, submission=submission)
    assert not Marking.objects.exists()


def test_concurrent_saves_with_the_same_version_second_refused_nothing_lost(
    assessor, submission, points
):
    # given two tabs opened at version 1
    marking = services.marking_start(assessor=assessor, submission=submission)
    tab_a = Marking.objects.get(pk=marking.pk)
    tab_b = Marking.objects.get(pk=marking.pk)
    # when both save
    services.marking_save(
        assessor=assessor,
        marking=tab_a,
        expected_version=1,
        judgements={points[0].pk: JudgementInput(value=2, comment="Tab A comment")},
        summative_feedback="Feedback from tab A",
    )
    with pytest.raises(services.MarkingConflict) as refused:
        services.marking_save(
            assessor=assessor,
            marking=tab_b,
            expected_version=1,
            judgements={points[0].pk: JudgementInput(value=1, comment="Tab B text")},
            summative_feedback="Feedback from tab B",
        )
    # then the first save stands, the second is refused, and the refusal says
    # what changed (both sides), so the typed text can be kept on the page
    saved = Marking.objects.get(pk=marking.pk)
    assert (saved.version, saved.summative_feedback) == (2, "Feedback from tab A")
    row = saved.judgements.get(marking_point=points[0])
    assert (row.value, row.comment) == (2, "Tab A comment")
    changes = {c.label: (c.theirs, c.yours) for c in refused.value.changes}
    assert changes["MP1 judgement"] == ("Fully evidenced", "Partially evidenced")
    assert changes["MP1 comment"] == ("Tab A comment", "Tab B text")
    assert changes["Overall feedback"] == ("Feedback from tab A", "Feedback from tab B")
    assert "version 2" in refused.value.messages[0]


def test_decisions_are_append_only_and_corrections_supersede(
    assessor, submission, points, centre
):
    centre.release_requires_check = True
    centre.save()
    original = mark(assessor, submission, points, [2, 1, 2])
    # An ORM edit of a finalised decision is refused.
    original.outcome = "achieved"
    with pytest.raises(ValidationError, match="append-only"):
        original.save()
    with pytest.raises(ValidationError, match="Say why"):
        services.decision_correct(
            actor=assessor,
            decision=original,
            judgements=judge(points, [2, 2, 2]),
            summative_feedback="",
            next_steps="",
            reason="  ",
        )
    correction = services.decision_correct(
        actor=assessor,
        decision=original,
        judgements=judge(points, [2, 2, 2]),
        summative_feedback="Re-read the witness statement: MP2 is covered.",
        next_steps="",
        reason="Missed the witness testimony covering MP2.",
    )
    original.refresh_from_db()
    assert (original.outcome, original.score) == ("not_yet", 5)
    assert correction.supersedes == original
    assert (correction.outcome, correction.score) == ("achieved", 6)
    assert correction.sampled == original.sampled  # never recomputed
    with pytest.raises(ValidationError, match="already been corrected"):
        services.decision_correct(
            actor=assessor,
            decision=original,
            judgements=judge(points, [2, 2, 2]),
            summative_feedback="",
            next_steps="",
            reason="Again",
        )
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "decision.finalise",
        "decision.correct",
    ]
    assert AuditEntry.objects.last().payload["supersedes"] == original.pk


def test_release_needs_a_second_person_when_the_centre_asks(
    assessor, submission, points, centre, centre_admin
):
    centre.release_requires_check = True
    centre.save()
    decision = mark(assessor, submission, points, [2, 2, 2])
    assert decision.release.status == "marked"
    submission.refresh_from_db()
    assert submission.status == "in_marking"  # the learner sees nothing yet
    with pytest.raises(ValidationError, match="marked ready"):
        services.feedback_release(
            actor=centre_admin, roles=frozenset({"admin"}), decision=decision
        )
    services.feedback_mark_ready(actor=assessor, decision=decision)
    with pytest.raises(PermissionDenied, match="other than the assessor"):
        services.feedback_release(
            actor=assessor, roles=frozenset({"assessor"}), decision=decision
        )
    services.feedback_release(
        actor=centre_admin, roles=frozenset({"admin"}), decision=decision
    )
    release = FeedbackRelease.objects.get(decision=decision)
    assert (release.status, release.released_by) == ("released", centre_admin)
    submission.refresh_from_db()
    assert submission.status == "achieved"
    services.feedback_acknowledge(learner=submission.learner, decision=decision)
    release.refresh_from_db()
    assert release.acknowledged_at is not None


def test_resubmission_limit_enforced_and_authorisable(
    assessor, submission, points, qualification, centre_admin, enrolled_learner, unit
):
    ResubmissionPolicy.objects.create(qualification=qualification, max_resubmissions=0)
    mark(assessor, submission, points, [2, 1, 2])
    # The learner cannot resubmit beyond the limit (portfolio asks assessments).
    with pytest.raises(ValidationError, match="used all 0 resubmissions"):
        portfolio_services.submission_submit(
            learner=enrolled_learner,
            centre=submission.centre,
            unit=unit,
            declared_authentic=True,
        )
    with pytest.raises(PermissionDenied):
        services.resubmission_authorise(
            actor=assessor,
            roles=frozenset({"assessor"}),
            submission=submission,
            reason="Illness",
        )
    services.resubmission_authorise(
        actor=centre_admin,
        roles=frozenset({"admin"}),
        submission=submission,
        reason="Learner was ill during the window.",
    )
    submission = portfolio_services.submission_submit(
        learner=enrolled_learner,
        centre=submission.centre,
        unit=unit,
        declared_authentic=True,
    )
    assert submission.current_version == 2
    assert services.marking_start(assessor=assessor, submission=submission)


def test_iqa_review_records_vacs_and_action_points(assessor, submission, points, iqa):
    decision = mark(assessor, submission, points, [2, 2, 2])
    # A new assessor's first decision is always sampled (coverage + new).
    assert decision.sampled
    assert "assessor_coverage" in decision.sample_reasons
    with pytest.raises(ValidationError, match="Say why you disagree"):
        services.iqa_review_record(
            iqa=iqa,
            roles=frozenset({"iqa"}),
            decision=decision,
            verdict="disagree",
            valid=True,
            authentic=True,
            current=True,
            sufficient=False,
        )
    review = services.iqa_review_record(
        iqa=iqa,
        roles=frozenset({"iqa"}),
        decision=decision,
        verdict="disagree",
        valid=True,
        authentic=True,
        current=True,
        sufficient=False,
        comment="MP3 evidence is thin.",
        action_points=["Re-check sufficiency of MP3 with the learner."],
    )
    assert (review.verdict, review.sufficient) == ("disagree", False)
    action = IqaActionPoint.objects.get()
    assert action.assessor == assessor
    with pytest.raises(ValidationError, match="already been reviewed"):
        services.iqa_review_record(
            iqa=iqa,
            roles=frozenset({"iqa"}),
            decision=decision,
            verdict="agree",
            valid=True,
            authentic=True,
            current=True,
            sufficient=True,
        )
    services.action_point_close(
        assessor=assessor, action_point=action, note="Discussed; added evidence."
    )
    action.refresh_from_db()
    assert action.closed_at is not None
    assert IqaReview.objects.count() == 1
    assert list(AuditEntry.objects.values_list("action", flat=True))[-2:] == [
        "iqa.review",
        "iqa.action_closed",
    ]


def test_resubmission_marking_shows_previous_marks_and_diff(
    assessor, submission, points, enrolled_learner, unit
):
    from assessments import selectors

    mark(assessor, submission, points, [2, 1, 2])
    log = Evidence.objects.get(learner=enrolled_learner)
    portfolio_services.log_update(
        evidence=log,
        expected_version=log.version,
        title=log.title,
        is_draft=False,
        what_happened=log.what_happened,
        what_i_did=log.what_i_did + " I also followed up by email the next day.",
        outcome=log.outcome,
        learned=log.learned,
    )
    resubmitted = portfolio_services.submission_submit(
        learner=enrolled_learner,
        centre=submission.centre,
        unit=unit,
        declared_authentic=True,
    )
    services.marking_start(assessor=assessor, submission=resubmitted)
    screen = selectors.marking_screen(
        submission=Submission.objects.get(pk=resubmitted.pk), user=assessor
    )
    assert [p.previous.value for p in screen.points] == [2, 1, 2]
    (diff,) = screen.diffs
    assert diff.status == "changed"
    assert any(
        "followed up by email" in line for line in diff.lines if line.startswith("+")
    )
