"""Fixtures for portfolio tests: a unit the enrolled learner studies, with two
learning outcomes, four marking points, an exam tip and a misconception, and a
private media folder per test so stored files can be counted."""

import pytest

from revision.models import ExamTip, Misconception
from tests import factories


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def unit(qualification):
    unit = factories.UnitFactory(
        qualification=qualification, title="Customer service", slug="customer-service"
    )
    outcome_1 = factories.LearningOutcomeFactory(
        unit=unit, number=1, text="Understand customer needs"
    )
    outcome_2 = factories.LearningOutcomeFactory(
        unit=unit, number=2, text="Resolve complaints"
    )
    topic = factories.TopicFactory(unit=unit, slug="complaints", title="Complaints")
    for position, (outcome, text) in enumerate(
        [
            (outcome_1, "Identifies what the customer needs by asking questions."),
            (outcome_1, "Explains the organisation's service standards."),
            (outcome_2, "Resolves a complaint within policy."),
            (outcome_2, "Records the outcome and follows up."),
        ],
        start=1,
    ):
        factories.MarkingPointFactory(
            topic=topic, position=position, text=text, outcome=outcome
        )
    ExamTip.objects.create(
        topic=topic, position=1, text="Quote the policy you followed."
    )
    Misconception.objects.create(
        topic=topic, position=1, text="Refunds are always the answer."
    )
    return unit


@pytest.fixture
def points(unit):
    return list(unit.topics.get().marking_points.order_by("position"))


@pytest.fixture
def other_unit(qualification):
    unit = factories.UnitFactory(qualification=qualification, slug="health-safety")
    topic = factories.TopicFactory(unit=unit, slug="risk")
    factories.MarkingPointFactory(topic=topic, position=1, text="Assesses a risk.")
    return unit


@pytest.fixture
def eager_tasks(django_capture_on_commit_callbacks):
    """Run outbox messages in-process after commit, as `make run` does without
    Redis; yields the capture context manager to wrap the writes in."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = previous
