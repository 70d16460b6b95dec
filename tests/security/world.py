"""A seeded world for the URL harness: two centres, every role, real objects.

Objects behind URL kwargs come from a registry, one module per app under
tests/security/objects/ (imported automatically). A builder maps a kwarg name to a
function returning KwargIds: an id the actor at centre A may use (`own`), the same
kind of object at centre B (`other_centre`, must give 404), and optionally one that
belongs to another learner at centre A (`other_learner`, must give 404 to a learner).

    from tests.security.world import KwargIds, register

    @register("evidence_id")
    def evidence(world):
        mine = world.once("evidence-a", lambda: make_evidence(world.learner("a")))
        theirs = world.once("evidence-b", lambda: make_evidence(world.learner("b")))
        return KwargIds(own=mine.pk, other_centre=theirs.pk)

`register("pk", url_names={"portfolio:evidence-detail"})` scopes an ambiguous name
such as `pk` to the URLs it means.

All builders share one world per test module, so they must coexist: a builder that
changes state others rely on (submitting a unit, archiving a cohort) should use its
own learner or unit.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from centres import services as centre_services
from centres.models import Centre, Cohort, Role, User
from tests import factories

CENTRE_KEYS = ("a", "b")


@dataclass(frozen=True)
class KwargIds:
    own: Any
    # None: the object is not tenant data (e.g. a public token), no 404 check.
    other_centre: Any = None
    # Another learner's object at the same centre: a learner must get 404.
    other_learner: Any = None


Builder = Callable[["World"], KwargIds]


@dataclass
class _Registration:
    builder: Builder
    url_names: frozenset[str] | None  # None: every URL with this kwarg


_registry: dict[str, list[_Registration]] = {}


def register(kwarg: str, *, url_names: set[str] | None = None):
    """Register a builder for URL kwarg `kwarg` (optionally only for some URLs)."""

    def decorator(builder: Builder) -> Builder:
        scope = frozenset(url_names) if url_names else None
        _registry.setdefault(kwarg, []).append(_Registration(builder, scope))
        return builder

    return decorator


PostData = Callable[["World", dict[str, Any]], dict[str, Any]]
_post_data: dict[str, PostData] = {}


def register_post_data(*url_names: str):
    """Register the form a real user would POST to these URLs (given the world and
    the URL's kwargs). Denied POSTs then send a payload that *would* change
    something, so "nothing changed" means the refusal, not an empty form.

        @register_post_data("portfolio:log-new")
        def log(world, kwargs):
            return {"title": "Late delivery", "what_happened": "..."}
    """

    def decorator(build: PostData) -> PostData:
        for name in url_names:
            _post_data[name] = build
        return build

    return decorator


def post_data_for(world: "World", url_name: str | None, kwargs: dict) -> dict:
    _load_object_modules()
    build = _post_data.get(url_name or "")
    return build(world, kwargs) if build else {}


class UnknownKwarg(LookupError):
    pass


def builder_for(kwarg: str, url_name: str | None) -> Builder:
    _load_object_modules()
    registrations = _registry.get(kwarg, [])
    scoped = [r for r in registrations if r.url_names and url_name in r.url_names]
    general = [r for r in registrations if r.url_names is None]
    found = scoped or general
    if not found:
        raise UnknownKwarg(
            f"URL {url_name!r} takes the kwarg {kwarg!r}, which the security harness "
            "does not know how to fill. Register a builder in "
            "tests/security/objects/<your_app>.py:\n\n"
            "    from tests.security.world import KwargIds, register\n\n"
            f"    @register({kwarg!r})  # or, for an ambiguous name such as pk:\n"
            f"    # @register({kwarg!r}, url_names={{{url_name!r}}})\n"
            "    def build(world):\n"
            "        return KwargIds(own=<id centre A's actors may use>,\n"
            "                        other_centre=<same kind of object at centre B>,\n"
            "                        other_learner=<another learner's, or None>)\n"
        )
    return found[0].builder


_loaded = False


def _load_object_modules() -> None:
    global _loaded
    if _loaded:
        return
    from tests.security import objects

    for info in pkgutil.iter_modules(objects.__path__):
        importlib.import_module(f"{objects.__name__}.{info.name}")
    _loaded = True


@dataclass
class World:
    """Centres "a" and "b"; at each an enrolled learner, a second learner in the same
    cohort, an assessor and an IQA assigned to the cohort, and an admin; plus a
    signed-in user with no membership."""

    qualification: Any
    centres: dict[str, Centre]
    cohorts: dict[str, Cohort]
    users: dict[tuple[str, str], User]
    peers: dict[str, User]
    loner: User
    cache: dict[str, Any] = field(default_factory=dict)
    # Once the shared world is built (tests/security/conftest.py), objects made
    # inside a test go here and are forgotten with the test's rollback.
    frozen: bool = False
    overlay: dict[str, Any] = field(default_factory=dict)

    def user(self, centre_key: str, role: str) -> User:
        return self.users[(centre_key, role)]

    def learner(self, centre_key: str) -> User:
        return self.users[(centre_key, Role.LEARNER)]

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """Build an object once per world (builders share objects this way)."""
        if key in self.cache:
            return self.cache[key]
        store = self.overlay if self.frozen else self.cache
        if key not in store:
            store[key] = make()
        return store[key]

    def ids_for(self, kwarg: str, url_name: str | None) -> KwargIds:
        key = f"kwarg:{url_name}:{kwarg}"
        return self.once(key, lambda: builder_for(kwarg, url_name)(self))


def build_world() -> World:
    """Create the world with factories and the centres services."""
    qualification = factories.QualificationFactory(slug="sec-qualification")
    other_qualification = factories.QualificationFactory(slug="sec-qualification-b")
    centres: dict[str, Centre] = {}
    cohorts: dict[str, Cohort] = {}
    users: dict[tuple[str, str], User] = {}
    peers: dict[str, User] = {}
    for key, qual in (("a", qualification), ("b", other_qualification)):
        centre = centre_services.centre_create(
            name=f"Security centre {key.upper()}", slug=f"sec-{key}"
        )
        centres[key] = centre
        for role in (Role.ASSESSOR, Role.IQA, Role.ADMIN):
            users[(key, role)] = factories.member(
                centre, role, username=f"sec-{key}-{role}"
            )
        cohort = centre_services.cohort_create(
            centre=centre,
            name=f"Cohort {key.upper()}",
            qualification=qual,
            assessors=[users[(key, Role.ASSESSOR)]],
            iqas=[users[(key, Role.IQA)]],
        )
        cohorts[key] = cohort
        for username, target in (
            (f"sec-{key}-learner", users),
            (f"sec-{key}-peer", peers),
        ):
            learner = factories.UserFactory(username=username)
            centre_services.enrolment_create(learner=learner, cohort=cohort)
            if target is users:
                users[(key, Role.LEARNER)] = learner
            else:
                peers[key] = learner
    loner = factories.UserFactory(username="sec-loner")
    return World(
        qualification=qualification,
        centres=centres,
        cohorts=cohorts,
        users=users,
        peers=peers,
        loner=loner,
    )
