"""Practice cards generated from revision content, and each learner's FSRS memory.

Cards are shared by every learner of a unit (they are derived from the awarding
body's content, no personal data). Each learner's memory of a card (CardState),
every review they made (ReviewLog, append-only), their practice settings and exam
dates are personal data: learning records kept while the learner is enrolled and
for the centre's retention period afterwards, erased with the learner.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CardKind(models.TextChoices):
    CONCEPT = "concept", _("Key concept")
    CONCEPT_REVERSE = "concept_reverse", _("Key concept (reverse)")
    MISCONCEPTION = "misconception", _("Misconception check")
    MARKING_POINT = "marking_point", _("Marking point")
    KEY_TERM = "key_term", _("Key term")
    FAQ = "faq", _("Frequently asked question")


class Card(models.Model):
    """One question and answer derived from one item of a topic's content.

    `source_key` is a hash of the kind and the source text, so regenerating after a
    re-import finds the same card for unchanged content (keeping every learner's
    history) and retires cards whose source has gone (`retired_at`).
    """

    unit = models.ForeignKey(
        "revision.Unit", on_delete=models.CASCADE, related_name="practice_cards"
    )
    topic = models.ForeignKey(
        "revision.Topic", on_delete=models.CASCADE, related_name="practice_cards"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CardKind.choices)
    source_key = models.CharField(_("source key"), max_length=64)
    front = models.TextField(_("question"))
    back = models.TextField(_("answer"))
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unit", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "source_key"], name="practice_card_unique_source"
            )
        ]
        indexes = [models.Index(fields=["unit", "retired_at", "position"])]

    def __str__(self) -> str:
        return self.front[:80]


class CardStateKind(models.IntegerChoices):
    """The FSRS states (fsrs.State values); a card with no row is new."""

    LEARNING = 1, _("Learning")
    REVIEW = 2, _("Review")
    RELEARNING = 3, _("Relearning")


class CardState(models.Model):
    """One learner's FSRS memory of one card: created by the first review."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_states"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="states")
    # Denormalised from the card so "what is due in this unit" is one index scan.
    unit = models.ForeignKey(
        "revision.Unit", on_delete=models.CASCADE, related_name="+"
    )
    state = models.PositiveSmallIntegerField(choices=CardStateKind.choices)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(
        default=0, help_text=_("Reviews recorded; also the version for replays.")
    )
    lapses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "card"], name="practice_state_unique_card"
            )
        ]
        indexes = [models.Index(fields=["learner", "unit", "due"])]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.card_id} · due {self.due:%Y-%m-%d}"


class Rating(models.IntegerChoices):
    AGAIN = 1, _("Again")
    HARD = 2, _("Hard")
    GOOD = 3, _("Good")
    EASY = 4, _("Easy")


class ReviewLog(models.Model):
    """One review, never updated or deleted (the learner's learning record).

    `token` is issued when the card is shown; the unique constraint means a replayed
    or double-submitted form records the review once.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    unit = models.ForeignKey(
        "revision.Unit", on_delete=models.CASCADE, related_name="+"
    )
    session = models.ForeignKey(
        "practice.PracticeSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
    )
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    token = models.UUIDField(unique=True)
    state_before = models.PositiveSmallIntegerField(null=True, blank=True)
    state_after = models.PositiveSmallIntegerField(choices=CardStateKind.choices)
    stability_after = models.FloatField(null=True)
    difficulty_after = models.FloatField(null=True)
    due_after = models.DateTimeField()
    desired_retention = models.FloatField()

    class Meta:
        ordering = ["reviewed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=4),
                name="practice_review_rating_1_to_4",
            )
        ]
        indexes = [models.Index(fields=["learner", "reviewed_at"])]

    def __str__(self) -> str:
        return f"{self.learner_id} rated {self.card_id} {self.rating}"


class PracticeSettings(models.Model):
    """A learner's own practice preferences (one row, made on first use)."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="practice_settings",
    )
    desired_retention = models.FloatField(
        _("desired retention"),
        default=0.9,
        help_text=_("How likely you want to be to remember a card when it comes back."),
    )
    new_cards_per_day = models.PositiveSmallIntegerField(
        _("new cards per day"), default=20
    )
    reviews_per_day = models.PositiveSmallIntegerField(
        _("reviews per day"), default=200
    )
    session_size = models.PositiveSmallIntegerField(_("cards per session"), default=20)
    reminders = models.BooleanField(_("email me when cards are due"), default=False)
    catch_up = models.BooleanField(
        _("spread a backlog over the coming days"), default=True
    )
    catch_up_days = models.PositiveSmallIntegerField(
        _("days to spread a backlog over"), default=7
    )
    last_reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("practice settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(desired_retention__gte=0.7)
                & Q(desired_retention__lte=0.97),
                name="practice_settings_retention_range",
            ),
            models.CheckConstraint(
                condition=Q(session_size__gte=1), name="practice_settings_session_size"
            ),
        ]

    def __str__(self) -> str:
        return f"Practice settings for {self.learner_id}"


class UnitGoal(models.Model):
    """A learner's exam or end-point assessment date for a unit."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_goals"
    )
    unit = models.ForeignKey(
        "revision.Unit", on_delete=models.CASCADE, related_name="+"
    )
    exam_date = models.DateField(_("exam or assessment date"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "unit"], name="practice_goal_unique_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.unit_id} · {self.exam_date}"


class PracticeSession(models.Model):
    """A short run of cards: ends after `target` reviews or when nothing is due."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="practice_sessions",
    )
    unit = models.ForeignKey(
        "revision.Unit", on_delete=models.CASCADE, related_name="+"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    target = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reviewed = models.PositiveSmallIntegerField(default=0)
    again = models.PositiveSmallIntegerField(default=0)
    hard = models.PositiveSmallIntegerField(default=0)
    good = models.PositiveSmallIntegerField(default=0)
    easy = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["learner", "unit", "ended_at"])]

    def __str__(self) -> str:
        return f"Session {self.public_id}"

    @property
    def is_finished(self) -> bool:
        return self.ended_at is not None


class CardSet(models.Model):
    """When a unit's cards were last generated, and from which version of its
    content (topic count and last topic update), so pages regenerate only after a
    re-import."""

    unit = models.OneToOneField(
        "revision.Unit", on_delete=models.CASCADE, related_name="practice_card_set"
    )
    fingerprint = models.CharField(max_length=100)
    generated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Cards for {self.unit_id} ({self.fingerprint})"
