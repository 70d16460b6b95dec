"""The marking-point judgement scale and the outcome rule, as pure functions."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Judgement(models.IntegerChoices):
    """How well the evidence shows one marking point (the score is the value)."""

    NOT_YET = 0, _("Not yet evidenced")
    PARTIAL = 1, _("Partially evidenced")
    FULL = 2, _("Fully evidenced")


MAX_POINT_SCORE = Judgement.FULL.value


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", _("Achieved")
    NOT_YET = "not_yet", _("Not yet achieved, resubmit")


class AchievementRule(models.TextChoices):
    ALL_FULL = "all_full", _("Every marking point fully evidenced")
    MIN_PERCENT = "min_percent", _("Overall score at or above a percentage")


@dataclass(frozen=True)
class Score:
    total: int
    maximum: int

    @property
    def percent(self) -> int:
        """Whole-number percentage, rounded half up (0 when there is nothing)."""
        if not self.maximum:
            return 0
        return (self.total * 200 + self.maximum) // (self.maximum * 2)


def validate_judgement(value: object) -> int:
    """Return `value` as a scale value. Raises ValidationError outside 0/1/2."""
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = None
    if (
        number is None
        or number not in Judgement.values
        or str(value).strip() != str(number)
    ):
        raise ValidationError(
            _("%(value)s is not on the scale: choose 0, 1 or 2."),
            code="judgement_scale",
            params={"value": value},
        )
    return number


def score(values: Sequence[int | None]) -> Score:
    """Sum the judged values; an unjudged point counts 0 but still counts towards
    the maximum."""
    return Score(
        total=sum(v or 0 for v in values), maximum=MAX_POINT_SCORE * len(values)
    )


def outcome_for(
    values: Sequence[int | None],
    *,
    rule: str = AchievementRule.ALL_FULL,
    min_percent: int = 100,
) -> Outcome:
    """The outcome the rule gives for these judgements.

    Raises ValidationError if any point is unjudged (a decision needs them all).
    """
    if not values:
        raise ValidationError(_("This unit has no marking points to judge."))
    if any(v is None for v in values):
        raise ValidationError(
            _("Judge every marking point before finalising."), code="unjudged"
        )
    if rule == AchievementRule.MIN_PERCENT:
        achieved = score(values).percent >= min_percent
    else:
        achieved = all(v == Judgement.FULL for v in values)
    return Outcome.ACHIEVED if achieved else Outcome.NOT_YET
