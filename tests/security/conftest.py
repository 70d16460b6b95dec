"""One seeded world per test module, rolled back when the module ends.

Each test still runs in its own savepoint (pytest-django's `db`), so a test's writes
vanish, while the world — built once with every registered URL kwarg's objects —
stays. This keeps the per-URL tests at a few milliseconds each.
"""

import pytest
from django.db import transaction

from tests.security import routes
from tests.security.world import UnknownKwarg, build_world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            # Build every object now: objects made inside a test would be rolled
            # back with it while staying in the world's cache.
            for route in routes.all_routes():
                for kwarg in route.kwarg_names:
                    try:
                        with transaction.atomic():
                            world.ids_for(kwarg, route.name)
                    except UnknownKwarg:
                        pass  # reported by the tests themselves
                    except Exception as error:
                        world.cache[f"error:{route.id}:{kwarg}"] = error
            world.frozen = True
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(shared_world, db):
    yield shared_world
    shared_world.overlay.clear()
