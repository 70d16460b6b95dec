import io

from demo import practice as demo_practice
from demo import world as demo_world
from practice.models import CardState, ReviewLog, UnitGoal
from tests import factories
from tests.practice.conftest import add_content


def test_demo_gives_some_learners_weeks_of_practice_and_is_idempotent(db):
    # given the demo world's people and a unit with content
    world = demo_world.World(password="demo", learners_per_centre=5, out=io.StringIO())
    for step in ("demo.revision", "demo.centres"):
        __import__(step, fromlist=["seed"]).seed(world)
    unit = factories.UnitFactory(qualification=world.data["qualification"])
    add_content(factories.TopicFactory(unit=unit))
    # when
    demo_practice.seed(world)
    reviews = ReviewLog.objects.count()
    demo_practice.seed(world)
    # then
    assert ReviewLog.objects.count() == reviews > 50
    learners = {r.learner_id for r in ReviewLog.objects.all()}
    assert len(learners) == 6  # three profiles at each of two centres
    spans = [
        (max(d) - min(d)).days
        for d in (
            list(
                ReviewLog.objects.filter(learner_id=pk).values_list(
                    "reviewed_at", flat=True
                )
            )
            for pk in learners
        )
    ]
    assert max(spans) >= 28  # weeks of reviews
    assert CardState.objects.filter(learner_id__in=learners).count() > 0
    assert UnitGoal.objects.count() == 2
