"""Every URL pattern in the project, read from the resolver, and who may reach it.

The permission table is the `allowed_roles` record each view carries (set by the
decorators in centres/access.py), so a new view cannot be forgotten: a view without
it fails tests/security/test_url_access.py. Exceptions to "an allowed role gets
200/302 on its own objects" live in EXPECTED_OVERRIDES below, each with a reason.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from centres.access import PUBLIC, SIGNED_IN
from centres.models import Role

# Namespaces or modules we do not walk: Django's admin has its own staff-only
# permission system (is_staff), and static files are not views of ours.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_MODULE_PREFIXES = ("django.contrib.admin", "django.views.static")

TOKEN = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")

# Canonical order in which roles are tried; the first allowed one is "the" actor
# used to discover which methods a view accepts.
ROLE_ORDER = (Role.LEARNER, Role.ASSESSOR, Role.IQA, Role.ADMIN)

# (url name, role) -> (status, reason): where an allowed role legitimately does not
# get 200/302 on the seeded world's own objects. Keep this short and explained.
EXPECTED_OVERRIDES: dict[tuple[str, str], tuple[int, str]] = {}

# Views whose job is to send a signed-in user to the login page.
SENDS_TO_LOGIN = {"logout"}  # LOGOUT_REDIRECT_URL = "login"


@dataclass(frozen=True)
class Route:
    name: str | None  # "centres:switch", or None for an unnamed pattern
    route: str  # "centres/switch/" (concatenated through includes)
    callback: Callable

    @property
    def id(self) -> str:
        return self.name or self.route

    @property
    def kwarg_names(self) -> tuple[str, ...]:
        return tuple(m["name"] for m in TOKEN.finditer(self.route))

    @property
    def allowed_roles(self):
        """frozenset of roles, or PUBLIC / SIGNED_IN, or None when undeclared."""
        return getattr(self.callback, "allowed_roles", None)

    @property
    def is_public(self) -> bool:
        return self.allowed_roles == PUBLIC

    @property
    def needs_role(self) -> bool:
        return isinstance(self.allowed_roles, frozenset)

    def roles_allowed(self) -> frozenset[str]:
        """Roles that may use the page at all (every role for signed-in/public)."""
        if self.needs_role:
            return self.allowed_roles
        return frozenset(ROLE_ORDER)

    def first_allowed_role(self) -> str:
        return next(r for r in ROLE_ORDER if r in self.roles_allowed())

    def url(self, values: dict[str, object]) -> str:
        def substitute(match: re.Match) -> str:
            return str(values[match["name"]])

        return "/" + TOKEN.sub(substitute, self.route)


def _walk(patterns, prefix: str, namespaces: tuple[str, ...]) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            continue
        assert isinstance(pattern, URLPattern)
        module = getattr(pattern.callback, "__module__", "") or ""
        if module.startswith(SKIPPED_MODULE_PREFIXES):
            continue
        route = prefix + str(pattern.pattern)
        if route.startswith("^") or "(?P<" in route:
            raise AssertionError(
                f"URL pattern {route!r} uses re_path(); use path() with converters so "
                "tests/security can build its URLs"
            )
        name = ":".join((*namespaces, pattern.name)) if pattern.name else None
        yield Route(name=name, route=route, callback=pattern.callback)


def all_routes() -> list[Route]:
    """Every project URL pattern, through includes, minus admin and static."""
    return list(_walk(get_resolver().url_patterns, "", ()))


__all__ = [
    "EXPECTED_OVERRIDES",
    "PUBLIC",
    "ROLE_ORDER",
    "SIGNED_IN",
    "Route",
    "all_routes",
]
