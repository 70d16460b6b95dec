"""The judgement scale, outcome rule, working days and sampling rules (pure)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from assessments import sampling, scale, workdays


@pytest.mark.parametrize("value", [0, 1, 2, "0", "2"])
def test_scale_accepts_its_values(value):
    assert scale.validate_judgement(value) == int(value)


@pytest.mark.parametrize("value", [3, -1, "7", "1.0", 1.5, "partial", None, ""])
def test_scale_refuses_anything_else(value):
    with pytest.raises(ValidationError, match="not on the scale"):
        scale.validate_judgement(value)


def test_score_and_percent():
    result = scale.score([2, 1, 2])
    assert (result.total, result.maximum, result.percent) == (5, 6, 83)


def test_achieved_only_when_every_point_is_fully_evidenced():
    assert scale.outcome_for([2, 2, 2]) == scale.Outcome.ACHIEVED
    assert scale.outcome_for([2, 1, 2]) == scale.Outcome.NOT_YET


def test_unit_rule_can_use_a_pass_mark():
    assert (
        scale.outcome_for([2, 1, 2], rule="min_percent", min_percent=80)
        == scale.Outcome.ACHIEVED
    )


def test_unjudged_point_refused():
    with pytest.raises(ValidationError, match="Judge every marking point"):
        scale.outcome_for([2, None, 2])


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 20), date(2026, 11, 23), 1),  # Friday -> Monday
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2026, 11, 2), date(2026, 11, 16), 10),  # two weeks
        (date(2026, 11, 21), date(2026, 11, 22), 0),  # Saturday -> Sunday
    ],
)
def test_working_days(start, end, expected):
    assert workdays.working_days_between(start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "region", "expected"),
    [
        (date(2026, 5, 22), date(2026, 5, 26), "ENG", 1),  # over Spring Bank Holiday
        (date(2026, 5, 22), date(2026, 5, 26), "", 2),  # weekdays only
        (date(2026, 12, 24), date(2026, 12, 29), "ENG", 1),  # Christmas, Boxing Day
        (date(2026, 12, 24), date(2026, 12, 29), "", 3),  # observed on Monday 28th
        (date(2026, 11, 27), date(2026, 12, 1), "SCT", 1),  # St Andrew's Day
        (date(2026, 11, 27), date(2026, 12, 1), "ENG", 2),  # not in England
        (date(2026, 7, 10), date(2026, 7, 14), "NIR", 1),  # Battle of the Boyne
        (date(2026, 8, 28), date(2026, 9, 1), "SCT", 2),  # England's August holiday
        (date(2026, 8, 28), date(2026, 9, 1), "WLS", 1),
    ],
)
def test_working_days_leave_out_the_centres_bank_holidays(start, end, region, expected):
    holidays = workdays.bank_holidays(region, end)
    assert workdays.working_days_between(start, end, holidays) == expected


@pytest.mark.parametrize("target", [0, 1, 3, 5, 10])
def test_latest_start_beyond_agrees_with_working_days_over_holidays(target):
    holidays = workdays.bank_holidays("ENG", date(2026, 12, 1))
    for today in (date(2026, 12, 20) + timedelta(days=n) for n in range(20)):
        latest = workdays.latest_start_beyond(target, today, holidays)
        for back in range(40):
            start = today - timedelta(days=back)
            overdue = workdays.working_days_between(start, today, holidays) > target
            assert overdue == (start <= latest), (today, start, target)


def seasoned(**overrides):
    history = sampling.AssessorHistory(
        decisions_total=50, iqa_reviews=10, iqa_disagreements=0
    )
    data = {
        "base_percent": 10,
        "history": history,
        "assessor_sampled_this_period": True,
        "unit_sampled_this_period": True,
        "draw": 0.5,
    }
    data.update(overrides)
    return sampling.SamplingInput(**data)


def test_experienced_assessor_gets_the_base_rate():
    outcome = sampling.decide(seasoned())
    assert (outcome.selected, outcome.rate_percent, outcome.reasons) == (
        False,
        10,
        (),
    )


def test_draw_under_the_rate_is_sampled():
    outcome = sampling.decide(seasoned(draw=0.05))
    assert outcome.selected
    assert outcome.reasons == ("base",)


@pytest.mark.parametrize(
    ("overrides", "rate", "reason"),
    [
        ({"history": sampling.AssessorHistory(decisions_total=3)}, 50, "new_assessor"),
        (
            {
                "history": sampling.AssessorHistory(
                    decisions_total=50, iqa_reviews=5, iqa_disagreements=2
                )
            },
            40,
            "iqa_disagreements",
        ),
        (
            {
                "history": sampling.AssessorHistory(
                    decisions_total=50, self_assessed_points=20, divergent_points=12
                ),
                "centre_divergence_rate": 0.2,
            },
            30,
            "self_assessment_divergence",
        ),
        (
            {"marking_seconds": 100, "centre_median_marking_seconds": 1200},
            30,
            "fast_marking",
        ),
    ],
)
def test_risk_factors_raise_the_rate(overrides, rate, reason):
    outcome = sampling.decide(seasoned(**overrides))
    assert outcome.rate_percent == rate
    assert reason in outcome.reasons


def test_every_assessor_and_unit_is_sampled_once_per_period():
    outcome = sampling.decide(
        seasoned(assessor_sampled_this_period=False, unit_sampled_this_period=False)
    )
    assert outcome.selected
    assert outcome.reasons[:2] == ("assessor_coverage", "unit_coverage")


def test_draw_is_reproducible():
    assert sampling.draw_for("12:34") == sampling.draw_for("12:34")
    assert 0 <= sampling.draw_for("12:34") < 1


def test_period_is_the_calendar_quarter():
    assert sampling.period_start(date(2026, 11, 23)) == date(2026, 10, 1)
