"""A learner's portfolio: evidence mapped to marking points, and submissions of it.

Personal data: evidence written or uploaded by a learner (reflective logs, files,
witness names and contact details), their declarations and self-assessments. Kept
for the awarding body's retention period after the learner's last submission;
erasure deletes files from storage and blanks log text and witness contacts while
keeping the submission history for audit (see docs/security.md).
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    """Store under a random path; the learner's name for the file is kept apart."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    today = timezone.now()
    return f"evidence/{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


def export_upload_to(instance: "PortfolioExport", filename: str) -> str:
    return f"exports/{uuid.uuid4().hex}.pdf"


class AiUseLevel(models.TextChoices):
    NONE = "none", _("No AI use")
    ASSISTIVE = "assistive", _("Assistive use only (spelling, grammar, research)")
    DISCLOSED = "permitted-with-disclosure", _("Permitted with disclosure")


class UnitPolicy(models.Model):
    """What AI use a centre allows for one unit. No personal data."""

    centre = models.ForeignKey(
        "centres.Centre", on_delete=models.CASCADE, related_name="unit_policies"
    )
    unit = models.ForeignKey(
        "revision.Unit", on_delete=models.CASCADE, related_name="centre_policies"
    )
    ai_use_level = models.CharField(
        _("AI use allowed"),
        max_length=32,
        choices=AiUseLevel.choices,
        default=AiUseLevel.ASSISTIVE,
    )

    class Meta:
        verbose_name_plural = _("unit policies")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "unit"], name="unit_policy_unique_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} at {self.centre}: {self.get_ai_use_level_display()}"


class EvidenceKind(models.TextChoices):
    LOG = "log", _("Reflective log")
    FILE = "file", _("File")
    WITNESS = "witness", _("Witness testimony")


class ExtractionStatus(models.TextChoices):
    NOT_APPLICABLE = "n/a", _("Not applicable")
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Text extracted")
    EMPTY = "empty", _("No text found")
    FAILED = "failed", _("Could not read the text")


class Evidence(models.Model):
    """One item of evidence: a reflective log, an uploaded file or a witness
    testimony. Personal data: everything the learner wrote or uploaded, and the
    witness's name, role and contact."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evidence"
    )
    unit = models.ForeignKey(
        "revision.Unit", on_delete=models.PROTECT, related_name="evidence"
    )
    centre = models.ForeignKey(
        "centres.Centre", on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EvidenceKind.choices)
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_locked = models.BooleanField(
        _("read-only"),
        default=False,
        help_text=_("Set when the unit is submitted; unlocked when it is returned."),
    )
    # Optimistic locking for autosave: a save must name the version it edited.
    version = models.PositiveIntegerField(default=1)

    # Reflective log (and the statement of a witness testimony).
    what_happened = models.TextField(_("what happened"), blank=True)
    what_i_did = models.TextField(_("what I did and why"), blank=True)
    outcome = models.TextField(
        _("the outcome for the customer and the organisation"), blank=True
    )
    learned = models.TextField(
        _("what I learned and what I will do differently"), blank=True
    )
    free_text = models.TextField(_("free text"), blank=True)
    body_html = models.TextField(blank=True, editable=False)
    is_draft = models.BooleanField(_("draft"), default=True)

    # File.
    file = models.FileField(
        _("file"), upload_to=evidence_upload_to, max_length=255, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    extracted_text = models.TextField(blank=True, editable=False)
    extraction_status = models.CharField(
        max_length=16,
        choices=ExtractionStatus.choices,
        default=ExtractionStatus.NOT_APPLICABLE,
    )

    # Criteria suggestions (issue 7): which text they were computed for, by which
    # backend, and any message to show (such as "text not in English").
    suggestions_hash = models.CharField(max_length=64, blank=True, editable=False)
    suggestions_backend = models.CharField(max_length=32, blank=True, editable=False)
    suggestions_message = models.CharField(max_length=300, blank=True, editable=False)

    # Witness testimony.
    witness_name = models.CharField(_("witness's name"), max_length=200, blank=True)
    witness_role = models.CharField(_("witness's role"), max_length=200, blank=True)
    witness_contact = models.CharField(
        _("witness's email or phone"), max_length=200, blank=True
    )

    # The upload form's one-time token: a repeated POST (a double-click) finds
    # the evidence the first one made instead of storing a copy.
    submit_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("evidence")
        indexes = [models.Index(fields=["learner", "unit"])]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "submit_token"],
                condition=Q(submit_token__isnull=False),
                name="evidence_unique_submit_token",
            ),
            models.CheckConstraint(
                condition=~Q(kind="file") | ~Q(file=""),
                name="evidence_file_has_file",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def structured_parts(self) -> dict[str, str]:
        return {
            "what_happened": self.what_happened,
            "what_i_did": self.what_i_did,
            "outcome": self.outcome,
            "learned": self.learned,
        }

    @property
    def plain_text(self) -> str:
        """All the words in the evidence, for search and suggestions."""
        if self.kind == EvidenceKind.FILE:
            return self.extracted_text
        parts = [*self.structured_parts.values(), self.free_text]
        return "\n\n".join(p for p in parts if p.strip())


class EvidenceRevision(models.Model):
    """Every saved version of a log or testimony, so changes between submissions
    can be seen. Personal data: as Evidence."""

    evidence = models.ForeignKey(
        Evidence, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    content = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evidence", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "number"], name="evidence_revision_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.evidence} v{self.number}"


class EvidenceMapping(models.Model):
    """A learner's claim that an item of evidence shows a marking point."""

    evidence = models.ForeignKey(
        Evidence, on_delete=models.CASCADE, related_name="mappings"
    )
    marking_point = models.ForeignKey(
        "revision.MarkingPoint", on_delete=models.CASCADE, related_name="mappings"
    )
    note = models.CharField(_("where in this evidence"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["marking_point__topic", "marking_point__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "marking_point"], name="mapping_unique_point"
            )
        ]

    def __str__(self) -> str:
        return f"{self.evidence} → {self.marking_point.label}"


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_MARKING = "in_marking", _("In marking")
    RETURNED = "returned", _("Returned for more evidence")
    ACHIEVED = "achieved", _("Achieved")


class Submission(models.Model):
    """A learner's portfolio for one unit moving through the submission cycle.
    Personal data: the learner reference; kept as Evidence."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    unit = models.ForeignKey(
        "revision.Unit", on_delete=models.PROTECT, related_name="submissions"
    )
    centre = models.ForeignKey(
        "centres.Centre", on_delete=models.CASCADE, related_name="submissions"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.DRAFT,
    )
    current_version = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # "<status>:<version>" of the last marking email, so a resent task never
    # emails the learner twice about the same decision.
    notified_for = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "unit"], name="submission_unique_unit"
            )
        ]
        indexes = [models.Index(fields=["centre", "status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.learner} — {self.unit} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        """Whether the learner may change evidence for this unit now."""
        return self.status in {SubmissionStatus.DRAFT, SubmissionStatus.RETURNED}


class SubmissionVersion(models.Model):
    """What was submitted each time, frozen: evidence ids with revision numbers and
    mappings, the declaration and the self-assessment. Never updated."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    snapshot = models.JSONField(default=dict)
    declared_authentic = models.BooleanField(_("this work is my own"), default=False)
    ai_use = models.TextField(_("AI tools used and how"), blank=True)
    ai_level = models.CharField(
        _("AI use allowed for this unit"),
        max_length=32,
        choices=AiUseLevel.choices,
        default=AiUseLevel.ASSISTIVE,
    )
    self_assessment = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "number"], name="submission_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission} v{self.number}"


class SelfAssessment(models.Model):
    """The learner's claim per marking point. Rows with submission_version null
    are the working draft; submitting copies them onto the new version."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="self_assessments"
    )
    submission_version = models.ForeignKey(
        SubmissionVersion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="self_assessments",
    )
    marking_point = models.ForeignKey(
        "revision.MarkingPoint", on_delete=models.CASCADE, related_name="+"
    )
    claimed = models.BooleanField(_("I have evidenced this"), default=False)
    note = models.CharField(_("where"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "marking_point"],
                condition=Q(submission_version__isnull=True),
                name="self_assessment_unique_draft_point",
            ),
            models.UniqueConstraint(
                fields=["submission_version", "marking_point"],
                name="self_assessment_unique_version_point",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.marking_point.label}: {self.claimed}"


class SuggestionStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


class SuggestedMapping(models.Model):
    """A machine suggestion that evidence shows a marking point; never a mapping
    until the learner accepts it. Personal data: quoted sentences of evidence."""

    evidence = models.ForeignKey(
        Evidence, on_delete=models.CASCADE, related_name="suggestions"
    )
    marking_point = models.ForeignKey(
        "revision.MarkingPoint", on_delete=models.CASCADE, related_name="+"
    )
    backend = models.CharField(max_length=32)
    score = models.FloatField()
    preselected = models.BooleanField(default=False)
    sentences = models.JSONField(default=list)
    status = models.CharField(
        max_length=16,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.SUGGESTED,
    )
    computed_for_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evidence", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "marking_point"], name="suggestion_unique_point"
            )
        ]

    def __str__(self) -> str:
        return f"{self.evidence} ~ {self.marking_point.label} ({self.score:.2f})"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Building")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class PortfolioExport(models.Model):
    """A PDF of one learner's unit portfolio. Personal data: the PDF; deleted with
    the evidence."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=export_upload_to, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.submission}"
