"""The qualification specification and the revision content built on it.

The specification (Qualification → Unit → LearningOutcome → AssessmentCriterion) and
the examiner marking points are the backbone: portfolio/ maps evidence to them and
assessments/ marks against them. Revision content is global to every centre (the
awarding body's specification is the same everywhere); who may see it is decided by
the cohorts a user belongs to (revision/selectors.py). No personal data here.
"""

from django.conf import settings
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
    """One imported revision document's worth of content for a unit.

    `source_hash` is the SHA-256 of the parsed content (revision/importer.py), so
    re-importing the same content, from the text or from export JSON, is a no-op.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120)
    synopsis = models.TextField(_("synopsis"), blank=True)
    overview = models.TextField(_("overview"), blank=True)
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
    # Unique within the unit; set by the importer (revision.importer).
    reference = models.CharField(_("reference"), max_length=16, blank=True)

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
        """Short reference shown beside the text: "MP3", or "MP2.3" (topic 2,
        point 3) in a unit with several topics, so labels never repeat in a unit."""
        return f"MP{self.reference or self.position}"


# --- Revision content of a topic (replaced wholesale on re-import; marking points
# above are the exception: they are updated in place so mappings survive).


class TopicItem(models.Model):
    """An ordered item of one of a topic's lists."""

    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        abstract = True
        ordering = ["topic", "position"]


class KeyConcept(TopicItem):
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="key_concepts"
    )
    term = models.CharField(_("term"), max_length=300, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta(TopicItem.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="key_concept_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.term or self.explanation[:60]


class ExamTip(TopicItem):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="exam_tips")
    text = models.TextField(_("text"))

    class Meta(TopicItem.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="exam_tip_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Misconception(TopicItem):
    """A common mistake, and its correction where the document gives one."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="misconceptions"
    )
    text = models.TextField(_("mistake"))
    correction = models.TextField(_("correction"), blank=True)

    class Meta(TopicItem.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="misconception_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class PriorKnowledge(TopicItem):
    """Something the learner should know before starting ("Before you start")."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="prior_knowledge"
    )
    text = models.TextField(_("text"))

    class Meta(TopicItem.Meta):
        verbose_name_plural = _("prior knowledge")
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="prior_knowledge_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class KeyTerm(TopicItem):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="key_terms")
    text = models.TextField(_("text"))

    class Meta(TopicItem.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="key_term_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class FAQ(TopicItem):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="faqs")
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)

    class Meta(TopicItem.Meta):
        verbose_name = _("frequently asked question")
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="faq_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.question[:60]


class TopicOutcome(TopicItem):
    """A learning outcome of the unit that this topic's document lists, in order."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="topic_outcomes"
    )
    outcome = models.ForeignKey(
        LearningOutcome, on_delete=models.CASCADE, related_name="topic_links"
    )

    class Meta(TopicItem.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="topic_outcome_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.outcome}"


class DocumentImport(models.Model):
    """One document uploaded in the browser, and how its import went.

    Personal data: who uploaded it. Kept until the topic is deleted; the uploaded
    text itself is kept so a failed import can be looked at.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="document_imports",
    )
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="document_imports"
    )
    unit_title = models.CharField(_("unit"), max_length=300, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    data = models.BinaryField(_("file contents"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    message = models.TextField(_("message"), blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
