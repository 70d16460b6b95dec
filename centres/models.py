"""People, centres, cohorts and who holds which role where."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in.

    Personal data: name, email, username, time zone. Kept while the person holds any
    membership and for the awarding body's retention period afterwards; erasure
    anonymises these fields and keeps assessment decisions (see docs/security.md).
    """

    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London")

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    ASSESSOR = "assessor", _("Assessor")
    IQA = "iqa", _("Internal quality assurer")
    ADMIN = "admin", _("Centre admin")


ALL_ROLES = frozenset(Role.values)
STAFF_ROLES = frozenset({Role.ASSESSOR, Role.IQA, Role.ADMIN})


class BankHolidays(models.TextChoices):
    """Whose bank holidays a centre keeps (codes as assessments.workdays.REGIONS)."""

    ENGLAND = "ENG", _("England")
    WALES = "WLS", _("Wales")
    SCOTLAND = "SCT", _("Scotland")
    NORTHERN_IRELAND = "NIR", _("Northern Ireland")
    NONE = "", _("None: weekdays only")


class Centre(models.Model):
    """A training provider or college. Nobody sees another centre's people or work."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), unique=True)
    marking_target_days = models.PositiveSmallIntegerField(
        _("marking target (working days)"),
        default=settings.DEFAULT_MARKING_TARGET_DAYS,
    )
    iqa_base_sample_percent = models.PositiveSmallIntegerField(
        _("IQA base sample (%)"), default=10
    )
    release_requires_check = models.BooleanField(
        _("feedback needs a second look before release"), default=False
    )
    bank_holidays = models.CharField(
        _("bank holidays"),
        max_length=3,
        choices=BankHolidays.choices,
        default=BankHolidays.ENGLAND,
        blank=True,
        help_text=_("Not counted as working days towards the marking target."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(iqa_base_sample_percent__lte=100),
                name="centre_sample_percent_lte_100",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One role a user holds at one centre (a user may hold several)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["centre__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "centre", "role"], name="membership_unique_role"
            )
        ]
        indexes = [models.Index(fields=["centre", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.centre}"


class Cohort(models.Model):
    """A group of learners at one centre studying one qualification together."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(_("name"), max_length=200)
    # A lazy reference: the specification lives in revision/, which sits above us.
    qualification = models.ForeignKey(
        "revision.Qualification",
        on_delete=models.PROTECT,
        related_name="cohorts",
        verbose_name=_("qualification"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    marking_target_days = models.PositiveSmallIntegerField(
        _("marking target (working days)"),
        null=True,
        blank=True,
        help_text=_("Leave blank to use the centre's target."),
    )
    assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="assessed_cohorts", blank=True
    )
    iqas = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="quality_assured_cohorts", blank=True
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["centre__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "name"], name="cohort_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="cohort_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_marking_target_days(self) -> int:
        return self.marking_target_days or self.centre.marking_target_days


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Enrolment(models.Model):
    """A learner on a cohort. Personal data: the learner reference; kept as the user."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ACTIVE,
    )
    learner_reference = models.CharField(
        _("learner reference"), max_length=64, blank=True
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cohort", "learner"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "cohort"], name="enrolment_unique_learner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.cohort}"


class NotificationKind(models.TextChoices):
    """Kinds of email Criterion sends. Essential ones cannot be switched off."""

    INVITATION = "invitation", _("Invitation to set a password")
    ACCOUNT = "account", _("Account and security")
    SUBMISSION_RECEIVED = "submission_received", _("Submission received")
    SUBMISSION_MARKED = "submission_marked", _("Submission marked")
    IQA_OUTCOME = "iqa_outcome", _("IQA sampling outcome")
    REMINDER = "reminder", _("Reminders and deadlines")


ESSENTIAL_NOTIFICATION_KINDS = frozenset(
    {NotificationKind.INVITATION, NotificationKind.ACCOUNT}
)


class NotificationPreference(models.Model):
    """Which non-essential emails a user has switched off.

    Personal data: none beyond the link to the user; deleted with the user.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    muted_kinds = models.JSONField(_("switched-off emails"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Email preferences for {self.user}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One email to one user, recorded before it is sent so delivery is idempotent.

    Personal data: the recipient's address and the message text. Kept for 12 months
    as a record of what each person was told, then deleted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    # For invitations: where the set-password link points (the token is made at
    # send time, so no usable token is ever stored).
    link_base = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.user}"


class AdminAction(models.TextChoices):
    COHORT_CREATED = "cohort_created", _("Created cohort")
    COHORT_UPDATED = "cohort_updated", _("Changed cohort")
    COHORT_ARCHIVED = "cohort_archived", _("Archived cohort")
    COHORT_RESTORED = "cohort_restored", _("Restored cohort")
    LEARNER_ENROLLED = "learner_enrolled", _("Enrolled learner")
    LEARNER_REENROLLED = "learner_reenrolled", _("Re-enrolled learner")
    LEARNER_WITHDRAWN = "learner_withdrawn", _("Withdrew learner")
    LEARNERS_IMPORTED = "learners_imported", _("Imported learners")
    ASSESSOR_ASSIGNED = "assessor_assigned", _("Assigned assessor")
    ASSESSOR_UNASSIGNED = "assessor_unassigned", _("Removed assessor")
    IQA_ASSIGNED = "iqa_assigned", _("Assigned IQA")
    IQA_UNASSIGNED = "iqa_unassigned", _("Removed IQA")


class AdminEvent(models.Model):
    """An append-only record of what a centre admin did (who, to whom, when).

    Rows are only ever inserted (services never update or delete them). Personal
    data: links to the actor and the subject; kept for the awarding body's
    retention period (six years after certification).
    """

    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="admin_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="admin_actions",
    )
    action = models.CharField(_("action"), max_length=32, choices=AdminAction.choices)
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="admin_events",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="admin_events_about",
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["centre", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} {self.subject or ''}".strip()


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Imported")
    CANCELLED = "cancelled", _("Cancelled")


class EnrolmentImport(models.Model):
    """An uploaded learner spreadsheet, parsed and kept server-side between the
    preview and the confirmation, so what is confirmed is exactly what was shown.

    Personal data: names, emails and learner references in `rows`. Cleared (rows
    emptied) once confirmed or cancelled; the counts stay as a record.
    """

    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="enrolment_imports"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="enrolment_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True
    )
    filename = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ImportStatus.choices,
        default=ImportStatus.PREVIEWED,
    )
    rows = models.JSONField(default=list, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} → {self.cohort}"
