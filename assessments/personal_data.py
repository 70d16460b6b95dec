"""What assessments/ keeps about a person, for subject access and erasure, and the
audit hook that records every export and erasure in the hash-chained audit log.

Registered with centres.personal_data from AssessmentsConfig.ready().
- A learner's export: decisions about their work whose feedback has been released
  to them (outcome, score, feedback, each marking point's judgement and comment),
  anchored comments on their logs and the replies in those threads.
- A staff member's export: what they wrote (decisions and judgements they made,
  anchored comments and replies, their comment bank, IQA reviews, action points,
  resubmission authorisations); other people appear by id only.
- Erasure keeps every decision, judgement, outcome and date (the awarding body
  requires them; they are append-only and never edited), replaces passages quoted
  from the learner's logs and the replies they wrote with a notice, and deletes a
  staff member's private comment bank. Audit entries are never edited: the erasure
  is recorded as a new entry.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from assessments import audit
from assessments.models import (
    AnchoredComment,
    AnchoredReply,
    AssessmentDecision,
    CommentBankEntry,
    IqaActionPoint,
    IqaReview,
    ReleaseStatus,
    ResubmissionAuthorisation,
)
from centres import personal_data
from centres.models import User

NOTICE = personal_data.ERASED_NOTICE


def _decision(d: AssessmentDecision, *, with_learner: bool) -> dict[str, Any]:
    data = {
        "id": d.pk,
        "unit": str(d.unit),
        "submission": d.submission_id,
        "submitted_version": d.submission_version.number,
        "outcome": d.outcome,
        "score": d.score,
        "max_score": d.max_score,
        "percent": d.percent,
        "overall_feedback": d.summative_feedback,
        "next_steps": d.next_steps,
        "corrects_decision": d.supersedes_id,
        "correction_reason": d.correction_reason,
        "decided_at": d.created_at,
        "judgements": [
            {
                "marking_point": j.marking_point.label,
                "judgement": j.value,
                "comment": j.comment,
                "evidence_ids": j.evidence_ids,
            }
            for j in d.judgements.all()
        ],
    }
    if with_learner:
        data["learner_id"] = d.submission.learner_id
    return data


def _comment(c: AnchoredComment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "evidence": c.evidence_id,
        "passage": c.quote,
        "comment": c.body,
        "author_id": c.author_id,
        "created_at": c.created_at,
        "replies": [
            {"author_id": r.author_id, "reply": r.body, "created_at": r.created_at}
            for r in c.replies.all()
        ],
    }


def export(user: User) -> dict[str, Any]:
    decisions = AssessmentDecision.objects.select_related(
        "unit", "submission", "submission_version"
    ).prefetch_related("judgements__marking_point")
    released = decisions.filter(
        submission__learner=user, release__status=ReleaseStatus.RELEASED
    ).order_by("created_at", "pk")
    comments = AnchoredComment.objects.prefetch_related("replies")
    return {
        "decisions_about_me": [_decision(d, with_learner=False) for d in released],
        "comments_on_my_evidence": [
            _comment(c)
            for c in comments.filter(
                evidence__learner=user,
                marking__submission_version__decisions__release__status=(
                    ReleaseStatus.RELEASED
                ),
            ).distinct()
        ],
        "replies_i_wrote": [
            {"comment": r.comment_id, "reply": r.body, "created_at": r.created_at}
            for r in AnchoredReply.objects.filter(author=user)
        ],
        # What a member of staff wrote.
        "decisions_i_made": [
            _decision(d, with_learner=True)
            for d in decisions.filter(assessor=user).order_by("created_at", "pk")
        ],
        "comments_i_wrote": [_comment(c) for c in comments.filter(author=user)],
        "my_comment_bank": list(
            CommentBankEntry.objects.filter(owner=user).values("text", "created_at")
        ),
        "iqa_reviews_i_made": list(
            IqaReview.objects.filter(iqa=user).values(
                "decision_id",
                "verdict",
                "valid",
                "authentic",
                "current",
                "sufficient",
                "comment",
                "created_at",
            )
        ),
        "action_points_for_me": list(
            IqaActionPoint.objects.filter(assessor=user).values(
                "text", "due_date", "closed_at", "closing_note"
            )
        ),
        "resubmissions_i_authorised": list(
            ResubmissionAuthorisation.objects.filter(authorised_by=user).values(
                "submission_id", "reason", "created_at"
            )
        ),
    }


def anonymise(user: User) -> None:
    """Erase the person's words where the awarding body does not need them."""
    AnchoredComment.objects.filter(evidence__learner=user).update(quote=NOTICE)
    AnchoredReply.objects.filter(author=user).update(body=NOTICE)
    CommentBankEntry.objects.filter(owner=user).delete()


def summary(user: User) -> dict[str, list[tuple[Any, int]]]:
    return {
        "removed": [
            (
                _("Passages of their logs quoted in comments, and their replies"),
                AnchoredComment.objects.filter(evidence__learner=user).count()
                + AnchoredReply.objects.filter(author=user).count(),
            ),
        ],
        "kept": [
            (
                _("Assessment decisions, judgements, outcomes and dates"),
                AssessmentDecision.objects.filter(submission__learner=user).count(),
            ),
            (_("Entries in the audit log (never edited)"), 1),
        ],
    }


def audit_hook(
    *, event: str, subject: User, actor: User | None, centre: Any = None
) -> None:
    """Record an export or erasure in the audit log (names the person by id only)."""
    audit.audit_record(
        actor=actor,
        action=event,
        object_type="centres.user",
        object_id=subject.pk,
        centre=centre,
        payload={"subject": subject.pk},
    )


def register() -> None:
    personal_data.register(
        "assessments", export=export, anonymise=anonymise, summary=summary
    )
    personal_data.register_audit_hook(audit_hook)
