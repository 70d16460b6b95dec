"""Risk-based IQA sampling, as pure functions.

The sample is computed, never hand-picked: each finalised decision gets a sampling
rate (the centre's base percentage raised by risk factors) and a deterministic draw
derived from the decision's identity, and coverage rules make sure every assessor
and every unit is sampled at least once in each period. The service stores the
result with its reasons when the decision is finalised and never recomputes it, so
a later change to the rules or the data cannot rewrite who was sampled.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date

# Risk factors and what each adds to the base rate (percentage points).
NEW_ASSESSOR_DECISIONS = 10  # fewer finalised decisions than this: "new"
NEW_ASSESSOR_UPLIFT = 40
DISAGREEMENT_MIN_REVIEWS = 1
DISAGREEMENT_RATE = 0.2  # 1 in 5 reviewed decisions disagreed with, or more
DISAGREEMENT_UPLIFT = 30
DIVERGENCE_MIN_POINTS = 10  # points judged where the learner self-assessed
DIVERGENCE_MARGIN = 0.2  # 20 points above the centre's divergence rate
DIVERGENCE_UPLIFT = 20
FAST_RATIO = 0.5  # marked in under half the centre's median time
FAST_UPLIFT = 20

REASON_BASE = "base"
REASON_NEW = "new_assessor"
REASON_DISAGREEMENT = "iqa_disagreements"
REASON_DIVERGENCE = "self_assessment_divergence"
REASON_FAST = "fast_marking"
REASON_ASSESSOR_COVERAGE = "assessor_coverage"
REASON_UNIT_COVERAGE = "unit_coverage"

REASON_TEXT = {
    REASON_BASE: "the centre's base sampling rate",
    REASON_NEW: "the assessor is new (fewer than 10 decisions)",
    REASON_DISAGREEMENT: "the IQA disagreed with the assessor's recent decisions",
    REASON_DIVERGENCE: "the assessor's judgements diverge from learners' "
    "self-assessments unusually often",
    REASON_FAST: "the submission was marked unusually fast",
    REASON_ASSESSOR_COVERAGE: "first decision by this assessor sampled this period",
    REASON_UNIT_COVERAGE: "first decision on this unit sampled this period",
}


@dataclass(frozen=True)
class AssessorHistory:
    """What is known about the assessor when the decision is finalised."""

    decisions_total: int = 0
    iqa_reviews: int = 0
    iqa_disagreements: int = 0
    self_assessed_points: int = 0
    divergent_points: int = 0


@dataclass(frozen=True)
class SamplingInput:
    base_percent: int
    history: AssessorHistory
    assessor_sampled_this_period: bool
    unit_sampled_this_period: bool
    centre_divergence_rate: float = 0.0
    marking_seconds: float | None = None
    centre_median_marking_seconds: float | None = None
    draw: float = 1.0  # in [0, 1): below rate/100 means "sampled"


@dataclass(frozen=True)
class SamplingOutcome:
    selected: bool
    rate_percent: int
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def explanation(self) -> str:
        return "; ".join(REASON_TEXT[r] for r in self.reasons)


def risk_rate(data: SamplingInput) -> tuple[int, tuple[str, ...]]:
    """The sampling rate in percent (0-100) and the risk factors that raised it."""
    rate = data.base_percent
    reasons: list[str] = []
    history = data.history
    if history.decisions_total < NEW_ASSESSOR_DECISIONS:
        rate += NEW_ASSESSOR_UPLIFT
        reasons.append(REASON_NEW)
    if (
        history.iqa_reviews >= DISAGREEMENT_MIN_REVIEWS
        and history.iqa_disagreements
        and history.iqa_disagreements / history.iqa_reviews >= DISAGREEMENT_RATE
    ):
        rate += DISAGREEMENT_UPLIFT
        reasons.append(REASON_DISAGREEMENT)
    if history.self_assessed_points >= DIVERGENCE_MIN_POINTS:
        divergence = history.divergent_points / history.self_assessed_points
        if divergence >= data.centre_divergence_rate + DIVERGENCE_MARGIN:
            rate += DIVERGENCE_UPLIFT
            reasons.append(REASON_DIVERGENCE)
    if (
        data.marking_seconds is not None
        and data.centre_median_marking_seconds
        and data.marking_seconds < data.centre_median_marking_seconds * FAST_RATIO
    ):
        rate += FAST_UPLIFT
        reasons.append(REASON_FAST)
    return max(0, min(rate, 100)), tuple(reasons)


def decide(data: SamplingInput) -> SamplingOutcome:
    """Whether this decision joins the IQA sample, and why."""
    rate, risks = risk_rate(data)
    coverage: list[str] = []
    if not data.assessor_sampled_this_period:
        coverage.append(REASON_ASSESSOR_COVERAGE)
    if not data.unit_sampled_this_period:
        coverage.append(REASON_UNIT_COVERAGE)
    if coverage:
        return SamplingOutcome(True, rate, tuple(coverage) + risks)
    if data.draw * 100 < rate:
        return SamplingOutcome(True, rate, (REASON_BASE, *risks))
    return SamplingOutcome(False, rate, risks)


def draw_for(key: str) -> float:
    """A reproducible number in [0, 1) from a decision's identity: anyone can
    recompute it to check a sample was not hand-picked."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def period_start(day: date) -> date:
    """The first day of the sampling period (a calendar quarter) holding `day`."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
