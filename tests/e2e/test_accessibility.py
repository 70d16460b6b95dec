"""axe-core on every main page, as the role that uses it: no serious or critical
violations. Pages whose URL name does not exist yet are skipped, saying so."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.security.routes import all_routes
from tests.security.world import UnknownKwarg, build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# (url name, role or None for signed out). Kwargs come from the security world's
# builders (tests/security/objects/), so a page with ids needs no extra setup here.
MAIN_PAGES = [
    ("login", None),
    ("password_reset", None),
    ("home", "learner"),
    ("home", "assessor"),
    ("home", "iqa"),
    ("home", "admin"),
    ("revision:unit-list", "learner"),
    ("revision:unit-detail", "learner"),
    ("revision:topic-detail", "learner"),
    ("revision:search", "learner"),
    ("practice:index", "learner"),
    ("practice:unit", "learner"),
    ("portfolio:index", "learner"),
    ("portfolio:unit", "learner"),
    ("portfolio:coverage", "learner"),
    ("portfolio:log-new", "learner"),
    ("portfolio:learners", "assessor"),
    ("assessments:queue", "assessor"),
    ("assessments:mark", "assessor"),
    ("assessments:feedback-list", "learner"),
    ("assessments:iqa", "iqa"),
    ("reports:index", "admin"),
    ("reports:progress", "admin"),
    ("reports:heatmap", "admin"),
    ("centres:console", "admin"),
    ("password_change", "learner"),
]
ROUTES = {route.id: route for route in all_routes()}


def _url(world, name: str) -> str:
    route = ROUTES.get(name)
    if route is None:
        try:
            return reverse(name)
        except NoReverseMatch:
            pytest.skip(f"{name} does not exist yet")
    try:
        values = {k: world.ids_for(k, route.name).own for k in route.kwarg_names}
    except UnknownKwarg:
        pytest.skip(f"{name}: no object builder registered for its URL kwargs yet")
    return route.url(values)


@pytest.mark.parametrize(
    ("name", "role"),
    MAIN_PAGES,
    ids=[f"{n}-{r or 'signed-out'}" for n, r in MAIN_PAGES],
)
def test_main_page_has_no_serious_accessibility_violations(
    page, live_server, axe, name, role
):
    if name not in ROUTES:
        pytest.skip(f"{name} does not exist yet")
    world = build_world()
    url = _url(world, name)
    if role is not None:
        client = Client()
        client.force_login(world.user("a", role))
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )

    response = page.goto(f"{live_server.url}{url}")

    assert response.status == 200, f"{name} as {role}: {response.status}"
    assert axe(page) == []
