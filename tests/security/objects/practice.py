"""URL kwargs owned by practice/: the practice pages of a unit (by slug) and practice
sessions (by public id), each learner's own."""

from practice import services
from tests.security.objects.revision import _unit
from tests.security.world import KwargIds, register

PRACTICE_URLS = {
    "practice:unit",
    "practice:session-start",
    "practice:progress",
    "practice:goal",
    "practice:catch-up",
}
SESSION_URLS = {"practice:session", "practice:review", "practice:session-end"}


@register("slug", url_names=PRACTICE_URLS)
def practice_unit(world):
    return KwargIds(own=_unit(world, "a").slug, other_centre=_unit(world, "b").slug)


def _session(world, key: str, learner):
    return world.once(
        f"practice-session-{key}-{learner.pk}",
        lambda: services.session_start(learner=learner, unit=_unit(world, key)),
    )


@register("public_id", url_names=SESSION_URLS)
def practice_session(world):
    return KwargIds(
        own=_session(world, "a", world.learner("a")).public_id,
        other_centre=_session(world, "b", world.learner("b")).public_id,
        other_learner=_session(world, "a", world.peers["a"]).public_id,
    )
