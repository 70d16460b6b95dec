"""Marking, decisions, feedback, IQA sampling and the tamper-evident audit log.

Decisions are append-only events: a finalised AssessmentDecision is never updated;
a correction is a new decision that supersedes it. The audit log chains each entry
to the previous one by hash, so an edit made directly in the database shows up in
`manage.py verify_audit_log`.
"""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.scale import AchievementRule, Judgement, Outcome


class AppendOnlyModel(models.Model):
    """A row that is written once. Saving an existing row or deleting one raises,
    so no code path can rewrite history through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError(
                _("%(model)s rows are append-only and cannot be changed.")
                % {"model": self._meta.verbose_name}
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(
            _("%(model)s rows are append-only and cannot be deleted.")
            % {"model": self._meta.verbose_name}
        )


# --- Audit log ----------------------------------------------------------------------
GENESIS_HASH = "0" * 64


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no whitespace: the same data always hashes alike,
    whichever database stored it (PostgreSQL's jsonb reorders keys)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class AuditEntry(AppendOnlyModel):
    """One event in the hash-chained audit log.

    Personal data: the actor's id and the payload (which names learners by id, and
    may quote feedback text). Kept for the awarding body's retention period; never
    edited or deleted by the application (erasure anonymises the user row instead).
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("recorded at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    centre = models.ForeignKey(
        "centres.Centre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def hashed_fields(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "centre": self.centre_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": str(self.object_id),
            "payload": self.payload,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.hashed_fields()).encode()).hexdigest()


class AuditChainHead(models.Model):
    """The single row writers lock to append to the chain in order (pk is 1)."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


# --- Configuration ------------------------------------------------------------------
class AuthoriserRole(models.TextChoices):
    ADMIN = "admin", _("Centre admin")
    IQA = "iqa", _("Internal quality assurer")


class ResubmissionPolicy(models.Model):
    """How often and for how long a learner may resubmit a unit of a qualification."""

    qualification = models.OneToOneField(
        "revision.Qualification",
        on_delete=models.CASCADE,
        related_name="resubmission_policy",
    )
    max_resubmissions = models.PositiveSmallIntegerField(
        _("maximum resubmissions"), default=2
    )
    window_days = models.PositiveSmallIntegerField(
        _("days to resubmit"),
        default=28,
        help_text=_("Calendar days after feedback is released."),
    )
    authoriser_role = models.CharField(
        _("who may authorise more"),
        max_length=16,
        choices=AuthoriserRole.choices,
        default=AuthoriserRole.ADMIN,
    )

    class Meta:
        verbose_name_plural = _("resubmission policies")

    def __str__(self) -> str:
        return f"{self.qualification}: {self.max_resubmissions} resubmissions"


DEFAULT_POLICY = {"max_resubmissions": 2, "window_days": 28, "authoriser_role": "admin"}


class UnitMarkingRule(models.Model):
    """When a unit counts as achieved, if not "every marking point fully evidenced"."""

    unit = models.OneToOneField(
        "revision.Unit", on_delete=models.CASCADE, related_name="marking_rule"
    )
    rule = models.CharField(
        _("rule"),
        max_length=16,
        choices=AchievementRule.choices,
        default=AchievementRule.ALL_FULL,
    )
    min_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=100)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_percent__lte=100), name="marking_rule_percent_lte_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_rule_display()}"


class CommentBankEntry(models.Model):
    """A comment an assessor reuses: their own (owner set) or the centre's (no owner).

    Personal data: the author; kept while the centre uses it.
    """

    centre = models.ForeignKey(
        "centres.Centre", on_delete=models.CASCADE, related_name="comment_bank"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comment_bank",
        help_text=_("Leave blank to share with every assessor at the centre."),
    )
    text = models.TextField(_("comment"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner_id", "text"]
        verbose_name_plural = _("comment bank entries")

    def __str__(self) -> str:
        return self.text[:60]


# --- Marking (the working draft) --------------------------------------------------
class Marking(models.Model):
    """An assessor's working marks for one submitted version, saved as they type.

    `version` is the optimistic lock: every save names the version it edited and is
    refused if someone saved since. Personal data: the assessor's comments about the
    learner's work; kept with the decision it becomes.
    """

    submission = models.ForeignKey(
        "portfolio.Submission", on_delete=models.CASCADE, related_name="markings"
    )
    submission_version = models.OneToOneField(
        "portfolio.SubmissionVersion",
        on_delete=models.CASCADE,
        related_name="marking",
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="markings"
    )
    summative_feedback = models.TextField(_("overall feedback"), blank=True)
    next_steps = models.TextField(_("what to do next"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Marking of {self.submission_version}"

    @property
    def is_finalised(self) -> bool:
        return self.finalised_at is not None


class MarkingJudgement(models.Model):
    """The draft judgement of one marking point, with the evidence that shows it."""

    marking = models.ForeignKey(
        Marking, on_delete=models.CASCADE, related_name="judgements"
    )
    marking_point = models.ForeignKey(
        "revision.MarkingPoint", on_delete=models.PROTECT, related_name="+"
    )
    value = models.PositiveSmallIntegerField(
        _("judgement"), choices=Judgement.choices, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.ManyToManyField(
        "portfolio.Evidence", blank=True, related_name="+"
    )

    class Meta:
        ordering = ["marking_point__topic__position", "marking_point__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["marking", "marking_point"], name="marking_judgement_unique"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__lte=2),
                name="marking_judgement_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.marking_point.label}: {self.value}"


# --- Decisions (append-only) ------------------------------------------------------
class AssessmentDecision(AppendOnlyModel):
    """A finalised assessment of one submitted version. Never updated: a correction
    is a new decision that supersedes this one, with a reason.

    The IQA sampling choice is made when the decision is recorded and stored here
    with its reasons, never recomputed. Personal data: the assessor's feedback on
    the learner's work; kept for the awarding body's retention period.
    """

    submission = models.ForeignKey(
        "portfolio.Submission", on_delete=models.PROTECT, related_name="decisions"
    )
    submission_version = models.ForeignKey(
        "portfolio.SubmissionVersion",
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    centre = models.ForeignKey(
        "centres.Centre", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "revision.Unit", on_delete=models.PROTECT, related_name="+"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    score = models.PositiveIntegerField(_("score"))
    max_score = models.PositiveIntegerField(_("out of"))
    percent = models.PositiveSmallIntegerField(_("percentage"))
    summative_feedback = models.TextField(_("overall feedback"), blank=True)
    next_steps = models.TextField(_("what to do next"), blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    marking_seconds = models.PositiveIntegerField(null=True, blank=True)
    sampled = models.BooleanField(_("in the IQA sample"), default=False)
    sample_rate = models.PositiveSmallIntegerField(_("sampling rate (%)"), default=0)
    sample_reasons = models.JSONField(default=list)
    sample_draw = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["centre", "sampled", "created_at"]),
            models.Index(fields=["assessor", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(correction_reason=""),
                name="decision_correction_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(score__lte=models.F("max_score")),
                name="decision_score_lte_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} — {self.submission_version}"

    @property
    def is_correction(self) -> bool:
        return self.supersedes_id is not None


class DecisionJudgement(AppendOnlyModel):
    """A finalised judgement of one marking point, frozen with its decision."""

    decision = models.ForeignKey(
        AssessmentDecision, on_delete=models.PROTECT, related_name="judgements"
    )
    marking_point = models.ForeignKey(
        "revision.MarkingPoint", on_delete=models.PROTECT, related_name="+"
    )
    value = models.PositiveSmallIntegerField(_("judgement"), choices=Judgement.choices)
    comment = models.TextField(_("comment"), blank=True)
    evidence_ids = models.JSONField(default=list)
    learner_claimed = models.BooleanField(null=True)

    class Meta:
        ordering = ["marking_point__topic__position", "marking_point__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "marking_point"], name="decision_judgement_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.marking_point.label}: {self.value}"


class ReleaseStatus(models.TextChoices):
    MARKED = "marked", _("Marked, awaiting a second look")
    READY = "ready", _("Ready for release")
    RELEASED = "released", _("Released to the learner")


class FeedbackRelease(models.Model):
    """Whether a decision's feedback has reached the learner, who released it, and
    when the learner acknowledged it."""

    decision = models.OneToOneField(
        AssessmentDecision, on_delete=models.PROTECT, related_name="release"
    )
    status = models.CharField(_("status"), max_length=16, choices=ReleaseStatus.choices)
    ready_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ready_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    released_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.decision}: {self.get_status_display()}"


# --- Anchored comments --------------------------------------------------------------
class AnchoredComment(models.Model):
    """An assessor's comment on a passage of a reflective log, optionally tied to a
    marking point; the learner sees it in place once feedback is released.

    Personal data: the quoted passage and the comment. Kept with the decision.
    """

    marking = models.ForeignKey(
        Marking, on_delete=models.CASCADE, related_name="anchored_comments"
    )
    evidence = models.ForeignKey(
        "portfolio.Evidence", on_delete=models.CASCADE, related_name="+"
    )
    marking_point = models.ForeignKey(
        "revision.MarkingPoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    quote = models.TextField(_("passage"), max_length=2000)
    body = models.TextField(_("comment"), max_length=4000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"“{self.quote[:40]}”: {self.body[:40]}"


class AnchoredReply(models.Model):
    """One message in the short thread under an anchored comment."""

    comment = models.ForeignKey(
        AnchoredComment, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("reply"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


# --- Resubmission authorisations ----------------------------------------------------
class ResubmissionAuthorisation(models.Model):
    """Permission for one more resubmission beyond the qualification's limit or
    window. Personal data: who authorised and why; kept with the submission."""

    submission = models.ForeignKey(
        "portfolio.Submission",
        on_delete=models.CASCADE,
        related_name="resubmission_authorisations",
    )
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Extra resubmission for {self.submission}"


# --- IQA ----------------------------------------------------------------------------
class IqaVerdict(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")


class IqaReview(AppendOnlyModel):
    """An IQA's review of one sampled decision against the VACS checks. Written
    once. Personal data: the IQA's comments on the assessor's work."""

    decision = models.OneToOneField(
        AssessmentDecision, on_delete=models.PROTECT, related_name="iqa_review"
    )
    iqa = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="iqa_reviews"
    )
    verdict = models.CharField(_("verdict"), max_length=16, choices=IqaVerdict.choices)
    valid = models.BooleanField(_("valid"))
    authentic = models.BooleanField(_("authentic"))
    current = models.BooleanField(_("current"))
    sufficient = models.BooleanField(_("sufficient"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()}: {self.decision}"


class IqaActionPoint(models.Model):
    """Something the IQA asks the assessor to do; open until the assessor closes it."""

    review = models.ForeignKey(
        IqaReview, on_delete=models.PROTECT, related_name="action_points"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_points"
    )
    text = models.TextField(_("action"), max_length=2000)
    due_date = models.DateField(_("due by"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["closed_at", "due_date", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
