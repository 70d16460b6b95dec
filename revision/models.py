"""The qualification specification and the revision content built on it.

The specification (Qualification → Unit → LearningOutcome → AssessmentCriterion) and
the examiner marking points are the backbone: portfolio/ maps evidence to them and
assessments/ marks against them. Revision content is global to every centre (the
awarding body's specification is the same everywhere); who may see it is decided by
the cohorts a user belongs to (revision/selectors.py). No personal data here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Qualification(models.Model):
    awarding_organisation = models.CharField(_("awarding organisation"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    code = models.CharField(
        _("code"), max_length=64, blank=True, help_text=_("For example an RQF number.")
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Unit(models.Model):
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="units"
    )
    code = models.CharField(_("code"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    overview = models.TextField(_("overview"), blank=True)
    guided_learning_hours = models.PositiveSmallIntegerField(
        _("guided learning hours"), null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["qualification", "position", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "title"], name="unit_unique_title"
            )
        ]

    def __str__(self) -> str:
        return self.title


class LearningOutcome(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="outcomes")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["unit", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "number"], name="outcome_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class AssessmentCriterion(models.Model):
    outcome = models.ForeignKey(
        LearningOutcome, on_delete=models.CASCADE, related_name="criteria"
    )
    number = models.CharField(_("number"), max_length=16, help_text=_('Such as "2.1".'))
    text = models.TextField(_("text"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["outcome", "position", "number"]
        verbose_name_plural = _("assessment criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["outcome", "number"], name="criterion_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.text}"


class Topic(models.Model):
    """One imported revision document's worth of content for a unit."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120)
    synopsis = models.TextField(_("synopsis"), blank=True)
    source_name = models.CharField(_("source file"), max_length=255, blank=True)
    source_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    source_format = models.CharField(_("source format"), max_length=16, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["unit", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "slug"], name="topic_unique_slug")
        ]

    def __str__(self) -> str:
        return self.title


class MarkingPoint(models.Model):
    """What an examiner or assessor looks for. Evidence is mapped to these and each
    is judged in the marking console, so rows stay stable across re-imports."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="marking_points"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("text"))
    outcome = models.ForeignKey(
        LearningOutcome,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="marking_points",
    )

    class Meta:
        ordering = ["topic", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="marking_point_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def label(self) -> str:
        """Short reference shown beside the text, such as "MP3"."""
        return f"MP{self.position}"
