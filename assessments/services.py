"""Every write in marking and quality assurance.

Each decision, correction, release and IQA outcome is recorded in the hash-chained
audit log inside the same transaction as the change it records.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import audit, permissions, sampling, scale, selectors
from assessments.models import (
    AnchoredComment,
    AnchoredReply,
    AssessmentDecision,
    CommentBankEntry,
    DecisionJudgement,
    FeedbackRelease,
    IqaActionPoint,
    IqaReview,
    IqaVerdict,
    Marking,
    MarkingJudgement,
    ReleaseStatus,
    ResubmissionAuthorisation,
)
from centres import caching as versions
from centres import services as centre_services
from centres.models import NotificationKind, Role
from portfolio import services as portfolio_services
from portfolio.models import (
    Evidence,
    EvidenceKind,
    SelfAssessment,
    Submission,
    SubmissionVersion,
)

MAX_COMMENT_CHARS = 5000
MAX_FEEDBACK_CHARS = 20000


@dataclass(frozen=True)
class JudgementInput:
    value: Any = None  # "", None, or 0/1/2 (validated here)
    comment: str = ""
    evidence_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Change:
    label: str
    theirs: str
    yours: str


class MarkingConflict(ValidationError):
    """Someone saved this marking since the copy being saved was loaded."""

    def __init__(self, current: Marking, changes: list[Change]) -> None:
        who = current.updated_by or current.assessor
        super().__init__(
            _(
                "%(who)s saved this marking at %(when)s (version %(version)s) since"
                " you opened it. Nothing of yours was saved: your text is kept below."
                " Check the differences, then save again to keep your version."
            )
            % {
                "who": who,
                "when": timezone.localtime(current.updated_at).strftime("%H:%M"),
                "version": current.version,
            },
            code="conflict",
        )
        self.current = current
        self.changes = changes


# --- Helpers ------------------------------------------------------------------------
def _require_assigned(*, assessor: Any, submission: Submission) -> None:
    if not selectors.submission_is_assigned(user=assessor, submission=submission):
        raise PermissionDenied(
            _("You can only mark submissions from cohorts you are assigned to assess.")
        )


def _clean_text(value: str, *, limit: int, label: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError(
            _("%(label)s is too long: keep it under %(limit)s characters.")
            % {"label": label, "limit": f"{limit:,}"}
        )
    return value


def _clean_judgements(
    *, marking: Marking, judgements: dict[int, JudgementInput]
) -> dict[int, tuple[int | None, str, set[int]]]:
    """Validate every input against the unit and the submitted evidence.

    Raises ValidationError naming the first bad point, value or evidence item.
    """
    points = {
        p.pk: p for p in selectors.unit_marking_points(marking.submission.unit_id)
    }
    evidence_ids = set(marking.submission_version.snapshot.get("evidence_ids", []))
    cleaned: dict[int, tuple[int | None, str, set[int]]] = {}
    for point_id, given in judgements.items():
        if point_id not in points:
            raise ValidationError(
                _(
                    "Marking point %(id)s is not part of this unit, so it cannot be"
                    " judged here."
                )
                % {"id": point_id},
                code="foreign_point",
            )
        label = points[point_id].label
        value = None
        if given.value not in (None, ""):
            try:
                value = scale.validate_judgement(given.value)
            except ValidationError:
                raise ValidationError(
                    _(
                        "%(label)s: “%(value)s” is not on the scale. Choose not yet"
                        " evidenced (0), partially evidenced (1) or fully evidenced"
                        " (2)."
                    )
                    % {"label": label, "value": given.value},
                    code="judgement_scale",
                ) from None
        chosen = set(given.evidence_ids)
        if chosen - evidence_ids:
            raise ValidationError(
                _("%(label)s: you can only link evidence from this submission.")
                % {"label": label},
                code="foreign_evidence",
            )
        comment = _clean_text(
            given.comment, limit=MAX_COMMENT_CHARS, label=_("The comment on %s") % label
        )
        cleaned[point_id] = (value, comment, chosen)
    return cleaned


def _changes(
    *,
    current: Marking,
    cleaned: dict[int, tuple[int | None, str, set[int]]],
    summative: str,
    next_steps: str,
) -> list[Change]:
    """What the saved marking says that differs from what the refused save held."""
    names = dict(scale.Judgement.choices)
    saved = {
        j.marking_point_id: j
        for j in current.judgements.select_related("marking_point")
    }
    changes = []
    for point_id, (value, comment, _ids) in cleaned.items():
        row = saved.get(point_id)
        if row is None:
            continue
        if row.value != value:
            changes.append(
                Change(
                    f"{row.marking_point.label} {_('judgement')}",
                    str(names.get(row.value, _("not judged"))),
                    str(names.get(value, _("not judged"))),
                )
            )
        if row.comment != comment:
            changes.append(
                Change(
                    f"{row.marking_point.label} {_('comment')}", row.comment, comment
                )
            )
    if current.summative_feedback != summative:
        changes.append(
            Change(_("Overall feedback"), current.summative_feedback, summative)
        )
    if current.next_steps != next_steps:
        changes.append(Change(_("What to do next"), current.next_steps, next_steps))
    return changes


# --- Marking ------------------------------------------------------------------------
@transaction.atomic
def marking_start(*, assessor: Any, submission: Submission) -> Marking:
    """Open the current version for marking (idempotent): creates the draft with
    the learner's mapped evidence pre-linked to each point.

    Raises PermissionDenied (not your cohort, or not an assessor) and
    ValidationError (not waiting for marking, or a resubmission outside the rules).
    """
    _require_assigned(assessor=assessor, submission=submission)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status not in selectors.WAITING:
        raise ValidationError(
            _("This submission is %(status)s, so there is nothing to mark.")
            % {"status": submission.get_status_display().lower()},
            code="state",
        )
    version = SubmissionVersion.objects.get(
        submission=submission, number=submission.current_version
    )
    existing = Marking.objects.filter(submission_version=version).first()
    if existing is not None:
        return existing
    allowance = selectors.resubmission_allowance(submission=submission)
    if not allowance.allowed:
        raise ValidationError(
            _(
                "This is resubmission %(used)s, beyond the qualification's limit of"
                " %(limit)s. A %(role)s must authorise another resubmission first."
            )
            % {
                "used": allowance.used,
                "limit": allowance.max_resubmissions + allowance.authorised_extra,
                "role": Role(allowance.authoriser_role).label.lower(),
            },
            code="resubmission_limit",
        )
    marking = Marking.objects.create(
        submission=submission,
        submission_version=version,
        assessor=assessor,
        updated_by=assessor,
    )
    mapped: dict[int, list[int]] = {}
    for item in version.snapshot.get("evidence", []):
        for mapping in item.get("mappings", []):
            mapped.setdefault(mapping["marking_point"], []).append(item["id"])
    rows = MarkingJudgement.objects.bulk_create(
        MarkingJudgement(marking=marking, marking_point=point)
        for point in selectors.unit_marking_points(submission.unit_id)
    )
    through = MarkingJudgement.evidence.through
    through.objects.bulk_create(
        through(markingjudgement_id=row.pk, evidence_id=evidence_id)
        for row in rows
        for evidence_id in mapped.get(row.marking_point_id, [])
    )
    portfolio_services.submission_start_marking(submission=submission)
    versions.changed(versions.submission(submission.pk))
    return marking


@transaction.atomic
def marking_save(
    *,
    assessor: Any,
    marking: Marking,
    expected_version: int,
    judgements: dict[int, JudgementInput],
    summative_feedback: str = "",
    next_steps: str = "",
) -> Marking:
    """Save the draft marks if nobody saved since `expected_version`.

    The version check is part of the UPDATE (`WHERE version = n`), so two saves
    of the same version cannot both succeed. Raises MarkingConflict (with what
    changed), ValidationError (bad input; nothing saved), PermissionDenied.
    """
    _require_assigned(assessor=assessor, submission=marking.submission)
    summative_feedback = _clean_text(
        summative_feedback, limit=MAX_FEEDBACK_CHARS, label=_("Overall feedback")
    )
    next_steps = _clean_text(
        next_steps, limit=MAX_FEEDBACK_CHARS, label=_("What to do next")
    )
    cleaned = _clean_judgements(marking=marking, judgements=judgements)
    if marking.is_finalised:
        raise ValidationError(
            _("This marking is finalised; record a correction instead."),
            code="finalised",
        )
    updated = Marking.objects.filter(
        pk=marking.pk, version=expected_version, finalised_at__isnull=True
    ).update(
        version=F("version") + 1,
        summative_feedback=summative_feedback,
        next_steps=next_steps,
        updated_by=assessor,
        updated_at=timezone.now(),
    )
    if not updated:
        current = Marking.objects.select_related("updated_by", "assessor").get(
            pk=marking.pk
        )
        if current.is_finalised:
            raise ValidationError(
                _("This marking was finalised since you opened it."), code="finalised"
            )
        raise MarkingConflict(
            current,
            _changes(
                current=current,
                cleaned=cleaned,
                summative=summative_feedback,
                next_steps=next_steps,
            ),
        )
    rows = {
        j.marking_point_id: j
        for j in MarkingJudgement.objects.filter(
            marking=marking, marking_point_id__in=cleaned
        )
    }
    for point_id, (value, comment, evidence_ids) in cleaned.items():
        row = rows.get(point_id) or MarkingJudgement(
            marking=marking, marking_point_id=point_id
        )
        row.value, row.comment = value, comment
        row.save()
        row.evidence.set(evidence_ids)
    marking.refresh_from_db()
    versions.changed(versions.submission(marking.submission_id))
    return marking


def _sampling_for(
    *, marking: Marking, submission: Submission, seconds: int | None
) -> sampling.SamplingOutcome:
    """Gather the assessor's history and decide, once, whether to sample."""
    centre = submission.centre
    start = sampling.period_start(timezone.localdate())
    decisions = AssessmentDecision.objects.filter(centre=centre)
    mine = decisions.filter(assessor=marking.assessor)
    reviews = IqaReview.objects.filter(decision__assessor=marking.assessor)
    claimed = DecisionJudgement.objects.filter(
        decision__centre=centre, learner_claimed__isnull=False
    )
    centre_points = claimed.count()
    centre_divergent = (
        claimed.exclude(learner_claimed=True, value=scale.Judgement.FULL)
        .exclude(learner_claimed=False, value__lt=scale.Judgement.FULL)
        .count()
    )
    my_claimed = claimed.filter(decision__assessor=marking.assessor)
    my_divergent = my_claimed.exclude(
        learner_claimed=True, value=scale.Judgement.FULL
    ).exclude(learner_claimed=False, value__lt=scale.Judgement.FULL)
    recent_seconds = [
        float(s)
        for s in decisions.filter(marking_seconds__isnull=False)
        .order_by("-pk")
        .values_list("marking_seconds", flat=True)[:200]
    ]
    data = sampling.SamplingInput(
        base_percent=centre.iqa_base_sample_percent,
        history=sampling.AssessorHistory(
            decisions_total=mine.count(),
            iqa_reviews=reviews.count(),
            iqa_disagreements=reviews.filter(verdict=IqaVerdict.DISAGREE).count(),
            self_assessed_points=my_claimed.count(),
            divergent_points=my_divergent.count(),
        ),
        assessor_sampled_this_period=mine.filter(
            sampled=True, created_at__date__gte=start
        ).exists(),
        unit_sampled_this_period=decisions.filter(
            unit_id=submission.unit_id, sampled=True, created_at__date__gte=start
        ).exists(),
        centre_divergence_rate=(
            centre_divergent / centre_points if centre_points else 0.0
        ),
        marking_seconds=seconds,
        centre_median_marking_seconds=sampling.median(recent_seconds),
        draw=sampling.draw_for(f"{submission.pk}:{marking.submission_version_id}"),
    )
    return sampling.decide(data)


def _record_decision(
    *,
    actor: Any,
    marking: Marking,
    values: dict[int, tuple[int, str, list[int]]],
    summative: str,
    next_steps: str,
    supersedes: AssessmentDecision | None = None,
    reason: str = "",
) -> AssessmentDecision:
    submission = marking.submission
    ordered = [
        values[p.pk][0] for p in selectors.unit_marking_points(submission.unit_id)
    ]
    rule, min_percent = selectors.marking_rule_for(submission.unit_id)
    outcome = scale.outcome_for(ordered, rule=rule, min_percent=min_percent)
    total = scale.score(ordered)
    seconds = None
    if supersedes is None:
        seconds = int((timezone.now() - marking.started_at).total_seconds())
        chosen = _sampling_for(marking=marking, submission=submission, seconds=seconds)
    else:
        # A correction keeps the original's sampling: it is never recomputed.
        chosen = sampling.SamplingOutcome(
            supersedes.sampled,
            supersedes.sample_rate,
            tuple(supersedes.sample_reasons),
        )
    claims = {
        c.marking_point_id: c.claimed
        for c in SelfAssessment.objects.filter(
            submission_version=marking.submission_version
        )
    }
    decision = AssessmentDecision(
        submission=submission,
        submission_version=marking.submission_version,
        centre=submission.centre,
        unit=submission.unit,
        assessor=actor,
        outcome=outcome,
        score=total.total,
        max_score=total.maximum,
        percent=total.percent,
        summative_feedback=summative,
        next_steps=next_steps,
        supersedes=supersedes,
        correction_reason=reason,
        marking_seconds=seconds,
        sampled=chosen.selected,
        sample_rate=chosen.rate_percent,
        sample_reasons=list(chosen.reasons),
        sample_draw=(
            supersedes.sample_draw
            if supersedes
            else sampling.draw_for(f"{submission.pk}:{marking.submission_version_id}")
        ),
    )
    decision.full_clean()
    decision.save()
    DecisionJudgement.objects.bulk_create(
        DecisionJudgement(
            decision=decision,
            marking_point_id=point_id,
            value=value,
            comment=comment,
            evidence_ids=sorted(evidence_ids),
            learner_claimed=claims.get(point_id),
        )
        for point_id, (value, comment, evidence_ids) in values.items()
    )
    needs_check = submission.centre.release_requires_check
    release = FeedbackRelease.objects.create(
        decision=decision,
        status=ReleaseStatus.MARKED if needs_check else ReleaseStatus.RELEASED,
        released_by=None if needs_check else actor,
        released_at=None if needs_check else timezone.now(),
    )
    audit.audit_record(
        actor=actor,
        action="decision.correct" if supersedes else "decision.finalise",
        obj=decision,
        centre=submission.centre,
        payload={
            "submission": submission.pk,
            "version": marking.submission_version.number,
            "learner": submission.learner_id,
            "unit": submission.unit_id,
            "outcome": outcome,
            "score": total.total,
            "max_score": total.maximum,
            "judgements": {str(k): v[0] for k, v in sorted(values.items())},
            "supersedes": supersedes.pk if supersedes else None,
            "reason": reason,
            "sampled": chosen.selected,
            "sample_rate": chosen.rate_percent,
            "sample_reasons": list(chosen.reasons),
        },
    )
    if release.status == ReleaseStatus.RELEASED:
        _apply_outcome(decision=decision, actor=actor)
    versions.changed(
        versions.learner(submission.learner_id),
        versions.marking(submission.centre_id),
        versions.submission(submission.pk),
    )
    return decision


def _apply_outcome(*, decision: AssessmentDecision, actor: Any) -> None:
    """Move the submission on once feedback reaches the learner."""
    submission = Submission.objects.get(pk=decision.submission_id)
    if submission.status not in selectors.WAITING:
        return
    if decision.outcome == scale.Outcome.ACHIEVED:
        portfolio_services.submission_achieve(submission=submission)
    else:
        portfolio_services.submission_return(submission=submission)
    audit.audit_record(
        actor=actor,
        action="feedback.release",
        obj=decision,
        centre=decision.centre,
        payload={"submission": submission.pk, "outcome": decision.outcome},
    )


@transaction.atomic
def marking_finalise(
    *, assessor: Any, marking: Marking, expected_version: int
) -> AssessmentDecision:
    """Turn the draft into an append-only decision, decide IQA sampling, and
    release the feedback now or hold it for a second look (the centre's choice).

    Raises ValidationError (a point unjudged, already finalised, stale version),
    PermissionDenied (not your cohort).
    """
    _require_assigned(assessor=assessor, submission=marking.submission)
    locked = (
        Marking.objects.select_for_update()
        .select_related("submission", "submission__centre", "submission_version")
        .get(pk=marking.pk)
    )
    if locked.is_finalised:
        raise ValidationError(_("This marking is already finalised."), code="finalised")
    if locked.version != expected_version:
        raise ValidationError(
            _(
                "Someone saved this marking since you opened it: review their"
                " changes and save before finalising."
            ),
            code="conflict",
        )
    judgements = list(
        MarkingJudgement.objects.filter(marking=locked)
        .select_related("marking_point")
        .prefetch_related("evidence")
    )
    by_point = {j.marking_point_id: j for j in judgements}
    points = list(selectors.unit_marking_points(locked.submission.unit_id))
    missing = [
        p.label for p in points if getattr(by_point.get(p.pk), "value", None) is None
    ]
    if missing:
        raise ValidationError(
            _("Judge every marking point before finalising: %(points)s still unjudged.")
            % {"points": ", ".join(missing)},
            code="unjudged",
        )
    values = {
        p.pk: (
            by_point[p.pk].value,
            by_point[p.pk].comment,
            [e.pk for e in by_point[p.pk].evidence.all()],
        )
        for p in points
    }
    decision = _record_decision(
        actor=assessor,
        marking=locked,
        values=values,
        summative=locked.summative_feedback,
        next_steps=locked.next_steps,
    )
    locked.finalised_at = timezone.now()
    locked.save(update_fields=["finalised_at"])
    return decision


@transaction.atomic
def decision_correct(
    *,
    actor: Any,
    decision: AssessmentDecision,
    judgements: dict[int, JudgementInput],
    summative_feedback: str,
    next_steps: str,
    reason: str,
) -> AssessmentDecision:
    """Record a correction: a new decision superseding `decision` (never an edit).

    Raises ValidationError (no reason, already superseded, a point unjudged, an
    outcome change after the learner has the result) and PermissionDenied.
    """
    _require_assigned(assessor=actor, submission=decision.submission)
    current = AssessmentDecision.objects.select_for_update().get(pk=decision.pk)
    if AssessmentDecision.objects.filter(supersedes=current).exists():
        raise ValidationError(
            _("This decision has already been corrected; correct the latest one."),
            code="superseded",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the decision is being corrected.")}, code="reason"
        )
    marking = Marking.objects.select_related("submission", "submission__centre").get(
        submission_version=current.submission_version
    )
    cleaned = _clean_judgements(marking=marking, judgements=judgements)
    points = list(selectors.unit_marking_points(marking.submission.unit_id))
    missing = [p.label for p in points if cleaned.get(p.pk, (None,))[0] is None]
    if missing:
        raise ValidationError(
            _("Judge every marking point in the correction: %(points)s missing.")
            % {"points": ", ".join(missing)},
            code="unjudged",
        )
    values = {pk: (v, c, sorted(ids)) for pk, (v, c, ids) in cleaned.items()}
    submission = Submission.objects.get(pk=current.submission_id)
    ordered = [values[p.pk][0] for p in points]
    rule, min_percent = selectors.marking_rule_for(submission.unit_id)
    new_outcome = scale.outcome_for(ordered, rule=rule, min_percent=min_percent)
    if submission.status not in selectors.WAITING and new_outcome != current.outcome:
        # TODO(#6): needs a portfolio service to reopen a returned/achieved unit.
        raise ValidationError(
            _(
                "The learner already has this result, so a correction cannot change"
                " the outcome. Ask the centre admin to reopen the submission."
            ),
            code="outcome_released",
        )
    return _record_decision(
        actor=actor,
        marking=marking,
        values=values,
        summative=_clean_text(
            summative_feedback, limit=MAX_FEEDBACK_CHARS, label=_("Overall feedback")
        ),
        next_steps=_clean_text(
            next_steps, limit=MAX_FEEDBACK_CHARS, label=_("What to do next")
        ),
        supersedes=current,
        reason=reason,
    )


# --- Release and acknowledgement -----------------------------------------------------
@transaction.atomic
def feedback_mark_ready(*, actor: Any, decision: AssessmentDecision) -> FeedbackRelease:
    """The marker says the feedback is ready for its second look."""
    release = FeedbackRelease.objects.select_for_update().get(decision=decision)
    if release.status != ReleaseStatus.MARKED:
        raise ValidationError(
            _("This feedback is already %(status)s.")
            % {"status": release.get_status_display().lower()}
        )
    if actor.pk != decision.assessor_id:
        raise PermissionDenied(_("Only the assessor who marked it can do this."))
    release.status, release.ready_by, release.ready_at = (
        ReleaseStatus.READY,
        actor,
        timezone.now(),
    )
    release.save(update_fields=["status", "ready_by", "ready_at"])
    audit.audit_record(
        actor=actor, action="feedback.ready", obj=decision, centre=decision.centre
    )
    return release


@transaction.atomic
def feedback_release(
    *, actor: Any, roles: frozenset[str], decision: AssessmentDecision
) -> FeedbackRelease:
    """Release feedback to the learner after the second look.

    Raises PermissionDenied for the marking assessor (the look must be someone
    else's) and ValidationError unless the feedback is ready for release.
    """
    release = FeedbackRelease.objects.select_for_update().get(decision=decision)
    if not permissions.can_release(
        user_id=actor.pk, roles=roles, assessor_id=decision.assessor_id
    ):
        raise PermissionDenied(
            _("Someone other than the assessor who marked it must release it.")
        )
    if release.status != ReleaseStatus.READY:
        raise ValidationError(
            _(
                "Only feedback marked ready for release can be released (this is"
                " “%(status)s”)."
            )
            % {"status": release.get_status_display()}
        )
    release.status, release.released_by, release.released_at = (
        ReleaseStatus.RELEASED,
        actor,
        timezone.now(),
    )
    release.save(update_fields=["status", "released_by", "released_at"])
    _apply_outcome(decision=decision, actor=actor)
    versions.changed(
        versions.learner(decision.submission.learner_id),
        versions.marking(decision.centre_id),
    )
    return release


@transaction.atomic
def feedback_acknowledge(*, learner: Any, decision: AssessmentDecision) -> None:
    """The learner confirms they have read the feedback (idempotent)."""
    if decision.submission.learner_id != learner.pk:
        raise PermissionDenied
    FeedbackRelease.objects.filter(
        decision=decision,
        status=ReleaseStatus.RELEASED,
        acknowledged_at__isnull=True,
    ).update(acknowledged_at=timezone.now())
    versions.changed(versions.learner(learner.pk))


# --- Anchored comments -------------------------------------------------------------
@transaction.atomic
def anchored_comment_add(
    *,
    assessor: Any,
    marking: Marking,
    evidence_id: int,
    quote: str,
    body: str,
    marking_point_id: int | None = None,
) -> AnchoredComment:
    """Attach a comment to a passage of a log in this submission.

    Raises ValidationError when the passage is not in the log, the evidence is not
    a log in this submission, or the point is from another unit.
    """
    _require_assigned(assessor=assessor, submission=marking.submission)
    if evidence_id not in marking.submission_version.snapshot.get("evidence_ids", []):
        raise ValidationError(_("Choose a log from this submission."))
    evidence = Evidence.objects.get(pk=evidence_id)
    quote = " ".join((quote or "").split())
    if evidence.kind == EvidenceKind.FILE:
        raise ValidationError(_("Comments can be anchored to logs and testimonies."))
    if not quote or quote not in " ".join(evidence.plain_text.split()):
        raise ValidationError(
            {"quote": _("Select a passage of the log to comment on.")}
        )
    if (
        marking_point_id
        and not selectors.unit_marking_points(marking.submission.unit_id)
        .filter(pk=marking_point_id)
        .exists()
    ):
        raise ValidationError(_("That marking point is not part of this unit."))
    body = _clean_text(body, limit=4000, label=_("The comment"))
    if not body:
        raise ValidationError({"body": _("Write the comment.")})
    comment = AnchoredComment(
        marking=marking,
        evidence=evidence,
        marking_point_id=marking_point_id or None,
        quote=quote[:2000],
        body=body,
        author=assessor,
    )
    comment.full_clean()
    comment.save()
    versions.changed(versions.submission(marking.submission_id))
    return comment


@transaction.atomic
def anchored_reply_add(
    *, actor: Any, comment: AnchoredComment, body: str
) -> AnchoredReply:
    """Add to the thread under an anchored comment. Raises ValidationError."""
    body = _clean_text(body, limit=2000, label=_("The reply"))
    if not body:
        raise ValidationError({"body": _("Write a reply.")})
    reply = AnchoredReply(comment=comment, author=actor, body=body)
    reply.full_clean()
    reply.save()
    versions.changed(versions.submission(comment.marking.submission_id))
    return reply


# --- Comment bank ------------------------------------------------------------------
@transaction.atomic
def comment_bank_add(
    *, actor: Any, centre: Any, roles: frozenset[str], text: str, shared: bool
) -> CommentBankEntry:
    """Save a reusable comment: the actor's own, or (admins) the centre's."""
    text = _clean_text(text, limit=2000, label=_("The comment"))
    if not text:
        raise ValidationError({"text": _("Write the comment to save.")})
    if shared and Role.ADMIN not in roles:
        raise PermissionDenied(_("Only a centre admin can share comments centre-wide."))
    entry = CommentBankEntry(
        centre=centre, owner=None if shared else actor, text=text, created_by=actor
    )
    entry.full_clean()
    entry.save()
    versions.changed(versions.comment_bank(entry.centre_id))
    return entry


@transaction.atomic
def comment_bank_delete(
    *, actor: Any, roles: frozenset[str], entry: CommentBankEntry
) -> None:
    if entry.owner_id != actor.pk and not (
        entry.owner_id is None and Role.ADMIN in roles
    ):
        raise PermissionDenied
    CommentBankEntry.objects.filter(pk=entry.pk).delete()
    versions.changed(versions.comment_bank(entry.centre_id))


# --- Resubmission -------------------------------------------------------------------
@transaction.atomic
def resubmission_authorise(
    *, actor: Any, roles: frozenset[str], submission: Submission, reason: str
) -> ResubmissionAuthorisation:
    """Allow one more resubmission beyond the qualification's limit or window.

    Raises PermissionDenied unless the actor holds the role the policy names.
    """
    policy = selectors.policy_for(submission.unit.qualification_id)
    if not permissions.can_authorise_resubmission(
        roles=roles, authoriser_role=policy["authoriser_role"]
    ):
        raise PermissionDenied(
            _("Only a %(role)s can authorise a resubmission beyond the limit.")
            % {"role": Role(policy["authoriser_role"]).label.lower()}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why another resubmission is fair.")})
    row = ResubmissionAuthorisation.objects.create(
        submission=submission, authorised_by=actor, reason=reason[:2000]
    )
    audit.audit_record(
        actor=actor,
        action="resubmission.authorise",
        obj=row,
        centre=submission.centre,
        payload={"submission": submission.pk, "reason": reason},
    )
    versions.changed(versions.submission(submission.pk))
    return row


# --- IQA ----------------------------------------------------------------------------
@transaction.atomic
def iqa_review_record(
    *,
    iqa: Any,
    roles: frozenset[str],
    decision: AssessmentDecision,
    verdict: str,
    valid: bool,
    authentic: bool,
    current: bool,
    sufficient: bool,
    comment: str = "",
    action_points: list[str] | None = None,
) -> IqaReview:
    """Record an IQA's verdict on a sampled decision, once, with action points.

    Raises ValidationError (not sampled, already reviewed, disagreeing without a
    comment or action) and PermissionDenied (not an IQA, or the IQA marked it).
    """
    if not permissions.can_review(roles) or iqa.pk == decision.assessor_id:
        raise PermissionDenied(
            _("An IQA other than the assessor must review this decision.")
        )
    locked = AssessmentDecision.objects.select_for_update().get(pk=decision.pk)
    if not locked.sampled:
        raise ValidationError(_("This decision is not in the IQA sample."))
    if IqaReview.objects.filter(decision=locked).exists():
        raise ValidationError(_("This decision has already been reviewed."))
    if verdict not in IqaVerdict.values:
        raise ValidationError({"verdict": _("Choose agree or disagree.")})
    points = [p.strip() for p in (action_points or []) if p.strip()]
    comment = _clean_text(comment, limit=MAX_COMMENT_CHARS, label=_("The comment"))
    if verdict == IqaVerdict.DISAGREE and not (comment or points):
        raise ValidationError(
            {"comment": _("Say why you disagree, or set an action point.")}
        )
    review = IqaReview(
        decision=locked,
        iqa=iqa,
        verdict=verdict,
        valid=valid,
        authentic=authentic,
        current=current,
        sufficient=sufficient,
        comment=comment,
    )
    review.full_clean()
    review.save()
    IqaActionPoint.objects.bulk_create(
        IqaActionPoint(review=review, assessor_id=locked.assessor_id, text=text[:2000])
        for text in points
    )
    audit.audit_record(
        actor=iqa,
        action="iqa.review",
        obj=review,
        centre=locked.centre,
        payload={
            "decision": locked.pk,
            "verdict": verdict,
            "vacs": {
                "valid": valid,
                "authentic": authentic,
                "current": current,
                "sufficient": sufficient,
            },
            "action_points": points,
        },
    )
    _iqa_outcome_notify(review=review, decision=locked, points=points)
    return review


def _iqa_outcome_notify(
    *, review: IqaReview, decision: AssessmentDecision, points: list[str]
) -> None:
    """Tell the assessor what the IQA decided (respects their email preferences)."""
    assessor = decision.assessor
    verdict = review.get_verdict_display().lower()
    lines = [
        _("%(iqa)s reviewed your decision on %(learner)s's %(unit)s: %(verdict)s.")
        % {
            "iqa": review.iqa.get_full_name() or review.iqa.get_username(),
            "learner": decision.submission.learner.get_full_name(),
            "unit": decision.unit.title,
            "verdict": verdict,
        }
    ]
    if review.comment:
        lines += ["", review.comment]
    if points:
        lines += ["", _("Action points for you to close:")]
        lines += [f"- {text}" for text in points]
    centre_services.notification_send(
        user=assessor,
        kind=NotificationKind.IQA_OUTCOME,
        subject=_("IQA review: %(verdict)s") % {"verdict": verdict},
        body="\n".join(lines),
    )


@transaction.atomic
def action_point_close(
    *, assessor: Any, action_point: IqaActionPoint, note: str
) -> IqaActionPoint:
    """The assessor closes an IQA action point, saying what they did."""
    if action_point.assessor_id != assessor.pk:
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what you did about this action.")})
    updated = IqaActionPoint.objects.filter(
        pk=action_point.pk, closed_at__isnull=True
    ).update(closed_at=timezone.now(), closing_note=note[:2000])
    if not updated:
        raise ValidationError(_("This action point is already closed."))
    action_point.refresh_from_db()
    audit.audit_record(
        actor=assessor,
        action="iqa.action_closed",
        obj=action_point,
        centre=action_point.review.decision.centre,
        payload={"note": note},
    )
    return action_point
