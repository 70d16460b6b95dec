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
