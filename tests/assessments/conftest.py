import pytest

from tests import factories


@pytest.fixture
def unit(qualification):
    return factories.marking_unit(qualification, points=3)


@pytest.fixture
def points(unit):
    from revision.models import MarkingPoint

    return list(MarkingPoint.objects.filter(topic__unit=unit).order_by("position"))


@pytest.fixture
def submission(enrolled_learner, centre, unit):
    return factories.submitted_portfolio(
        learner=enrolled_learner, centre=centre, unit=unit
    )
