"""Isolation on every URL, enumerated from the resolver so no view can be forgotten.

For each URL pattern (admin and static aside) and each actor — signed out, each role
at centre A, a signed-in user with no membership, and centre B's users with centre
A's real ids — the status is what the view's `allowed_roles` says it should be:
  * signed out: 302 to the login page, unless the view is public;
  * a role that may use the page: 200/302 on its own centre's objects;
  * a role that may never use it: 403;
  * a user of another centre, or another learner, with real ids: 404.
Denied requests change nothing (row counts of every model and no write SQL), no GET
writes to the database, and every POST without a CSRF token is refused.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from centres.access import PUBLIC, SIGNED_IN
from centres.models import Role
from tests.security import routes
from tests.security.harness import client_as, no_writes, nothing_changes
from tests.security.world import UnknownKwarg, builder_for, post_data_for

ROUTES = routes.all_routes()
ROUTE_IDS = [route.id for route in ROUTES]
OK_GET = {200, 204, 302, 303}
OK_POST = {200, 201, 204, 302, 303, 400}
METHODS = ("get", "post")


def login_url() -> str:
    return reverse("login")


_payloads: dict[str, dict] = {}


def request(client, method: str, url: str):
    if method == "post":
        return client.post(url, _payloads.get(url, {}))
    return client.get(url)


def allowed_request(client, method: str, url: str):
    """An allowed request, rolled back so later actors see the same world."""
    with transaction.atomic():
        response = request(client, method, url)
        transaction.set_rollback(True)
    return response


def own_values(world, route) -> dict:
    return {k: world.ids_for(k, route.name).own for k in route.kwarg_names}


def url_with_payload(world, route, values: dict) -> str:
    """The URL for `values`, remembering the realistic POST payload registered for
    the route (tests/security/objects/), if any."""
    url = route.url(values)
    _payloads[url] = post_data_for(world, route.name, values)
    return url


def accepted_methods(world, route) -> list[str]:
    """Methods the view accepts, found by asking as an allowed actor (405 = no)."""
    user = None if route.is_public else world.user("a", route.first_allowed_role())
    url = url_with_payload(world, route, own_values(world, route))
    methods = []
    for method in METHODS:
        response = allowed_request(client_as(user), method, url)
        if response.status_code != 405:
            methods.append(method)
    assert methods, f"{route.id} answers 405 to both GET and POST"
    return methods


def assert_allowed(route, response, method, who):
    ok = OK_GET if method == "get" else OK_POST
    assert response.status_code in ok, (
        f"{who} {method.upper()} {route.id}: expected one of {sorted(ok)}, "
        f"got {response.status_code}"
    )
    if response.status_code in {302, 303} and route.id not in routes.SENDS_TO_LOGIN:
        assert not response["Location"].startswith(login_url()), (
            f"{who} {method.upper()} {route.id} was sent to the login page"
        )


def assert_no_other_centre_data(world, response, what: str) -> None:
    """A page shown at centre A names nothing of centre B's (list pages included)."""
    if response.status_code != 200 or "text/html" not in response.get(
        "Content-Type", ""
    ):
        return
    content = response.content.decode()
    markers = [
        world.centres["b"].name,
        world.cohorts["b"].name,
        *(f"{user.username}@" for (key, _), user in world.users.items() if key == "b"),
        *(user.username for (key, _), user in world.users.items() if key == "b"),
        world.peers["b"].username,
    ]
    leaked = [marker for marker in markers if marker in content]
    assert not leaked, f"{what} shows centre B's data: {leaked}"


def guarded(method: str, what: str):
    """GETs must not write; denied POSTs must change nothing."""
    return no_writes(what) if method == "get" else nothing_changes(what)


# --- The permission table ----------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_view_declares_who_may_use_it(route):
    allowed = route.allowed_roles

    assert allowed is not None, (
        f"{route.id} ({route.route}) has no allowed_roles: wrap the view in exactly "
        "one of centres.access.role_required/member_required/signed_in/public"
    )
    assert allowed in {PUBLIC, SIGNED_IN} or (
        isinstance(allowed, frozenset) and allowed and allowed <= set(Role.values)
    ), f"{route.id} has an unexpected allowed_roles: {allowed!r}"
    assert route.name, f"{route.route} has no URL name: name every pattern"


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_url_kwarg_has_a_builder(route):
    for kwarg in route.kwarg_names:
        try:
            builder_for(kwarg, route.name)
        except UnknownKwarg as error:
            pytest.fail(str(error))


def test_the_walk_finds_the_known_urls():
    names = set(ROUTE_IDS)

    assert {"home", "login", "logout", "centres:switch", "health"} <= names
    assert not any(name.startswith("admin:") for name in names)


# --- Status for every actor ----------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_url_access(route, world):
    if route.allowed_roles is None:
        pytest.fail(f"{route.id} has no allowed_roles (see the declaration test)")
    try:
        values = own_values(world, route)
    except UnknownKwarg as error:
        pytest.fail(str(error))
    _payloads.clear()
    url = url_with_payload(world, route, values)
    methods = accepted_methods(world, route)

    # Signed out: the login page, unless public.
    for method in methods:
        what = f"signed-out {method.upper()} {route.id}"
        if route.is_public:
            response = allowed_request(client_as(), method, url)
            assert_allowed(route, response, method, "signed-out")
        else:
            client = client_as()
            with nothing_changes(what):
                response = request(client, method, url)
            assert response.status_code == 302, what
            assert response["Location"].startswith(login_url()), what

    # Each role at centre A on its own centre's objects.
    for role in routes.ROLE_ORDER:
        user = world.user("a", role)
        for method in methods:
            what = f"{role} {method.upper()} {route.id}"
            override = routes.EXPECTED_OVERRIDES.get((route.id, role))
            if role in route.roles_allowed():
                client = client_as(user)
                with no_writes(what) if method == "get" else _noop():
                    response = allowed_request(client, method, url)
                if override:
                    assert response.status_code == override[0], what
                else:
                    assert_allowed(route, response, method, role)
                if method == "get":
                    assert_no_other_centre_data(world, response, what)
            else:
                client = client_as(user)
                with nothing_changes(what):
                    response = request(client, method, url)
                assert response.status_code == 403, (
                    f"{what}: a role that may never use the page must get 403, "
                    f"got {response.status_code}"
                )

    # A signed-in user with no membership anywhere.
    for method in methods:
        what = f"member-less {method.upper()} {route.id}"
        if route.needs_role:
            client = client_as(world.loner)
            with nothing_changes(what):
                response = request(client, method, url)
            assert response.status_code == 302, what
            assert response["Location"] == reverse("centres:no-membership"), what
        else:
            client = client_as(world.loner)
            with no_writes(what) if method == "get" else _noop():
                response = allowed_request(client, method, url)
            assert response.status_code in (OK_GET if method == "get" else OK_POST)

    tenant_kwargs = [
        k for k in route.kwarg_names if world.ids_for(k, route.name).other_centre
    ]
    if not tenant_kwargs:
        return

    # Centre B's users with centre A's real ids, for every role allowed the page.
    for role in sorted(route.roles_allowed()):
        user = world.user("b", role)
        for method in methods:
            what = f"centre B {role} {method.upper()} {route.id} with centre A's ids"
            client = client_as(user)
            with guarded(method, what):
                response = request(client, method, url)
            assert response.status_code == 404, (
                f"{what}: expected 404 (ids must not be probed), "
                f"got {response.status_code}"
            )

    # Centre A's users with one kwarg swapped to centre B's object at a time.
    for kwarg in tenant_kwargs:
        swapped = {**values, kwarg: world.ids_for(kwarg, route.name).other_centre}
        swapped_url = url_with_payload(world, route, swapped)
        for role in sorted(route.roles_allowed()):
            user = world.user("a", role)
            for method in methods:
                what = f"{role} {method.upper()} {route.id} with centre B's {kwarg}"
                client = client_as(user)
                with guarded(method, what):
                    response = request(client, method, swapped_url)
                assert response.status_code == 404, (
                    f"{what}: expected 404, got {response.status_code}"
                )

    # A learner with another learner's object at the same centre.
    if Role.LEARNER in route.roles_allowed():
        user = world.learner("a")
        for kwarg in route.kwarg_names:
            other = world.ids_for(kwarg, route.name).other_learner
            if other is None:
                continue
            peer_url = url_with_payload(world, route, {**values, kwarg: other})
            for method in methods:
                what = f"learner {method.upper()} {route.id} with a peer's {kwarg}"
                client = client_as(user)
                with guarded(method, what):
                    response = request(client, method, peer_url)
                assert response.status_code == 404, (
                    f"{what}: expected 404, got {response.status_code}"
                )


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --- CSRF ----------------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_post_without_csrf_token_is_refused(route, world):
    if route.allowed_roles is None:
        pytest.fail(f"{route.id} has no allowed_roles (see the declaration test)")
    try:
        url = route.url(own_values(world, route))
    except UnknownKwarg as error:
        pytest.fail(str(error))
    user = None if route.is_public else world.user("a", route.first_allowed_role())
    client = client_as(user, enforce_csrf_checks=True)

    payload = post_data_for(world, route.name, own_values(world, route))

    with nothing_changes(f"POST {route.id} without a CSRF token"):
        response = client.post(url, payload)

    assert response.status_code == 403
    assert b"CSRF" in response.content
