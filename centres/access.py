"""The permission layer every view goes through.

Each view is wrapped in exactly one of these decorators, which also records on the
view which roles may use it (`view.allowed_roles`). tests/security walks every URL
pattern and fails for a view that has no such record, so nothing is left open by
accident. Object-level checks live in each app's selectors (querysets scoped to the
actor) and permissions modules.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from centres.models import ALL_ROLES, Role

View = Callable[..., HttpResponse]

SIGNED_IN = "signed-in"  # any signed-in user, with or without a membership
PUBLIC = "public"  # no sign-in needed


def role_required(*roles: str) -> Callable[[View], View]:
    """Let through users holding one of `roles` at their current centre.

    Signed-out users go to the login page; a user with no membership anywhere sees
    the page explaining that an admin must add them; a member without the role gets
    403. Raises PermissionDenied.
    """
    allowed = frozenset(roles)
    unknown = allowed - ALL_ROLES
    if not allowed or unknown:
        raise ValueError(f"role_required needs known roles, got {sorted(roles)}")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.centre is None:
                return redirect("centres:no-membership")
            if not (request.roles & allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorator


def member_required(view: View) -> View:
    """Any role at the current centre."""
    return role_required(*ALL_ROLES)(view)


def signed_in(view: View) -> View:
    """Any signed-in user, even one without a membership (LoginRequiredMiddleware)."""
    view.allowed_roles = SIGNED_IN  # type: ignore[attr-defined]
    return view


def public(view: View) -> View:
    """No sign-in needed (the login page, health checks)."""
    view = login_not_required(view)
    view.allowed_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def has_any_role(request: HttpRequest, roles: Iterable[str]) -> bool:
    return bool(getattr(request, "roles", frozenset()) & frozenset(roles))


__all__ = [
    "PUBLIC",
    "SIGNED_IN",
    "Role",
    "has_any_role",
    "member_required",
    "public",
    "role_required",
    "signed_in",
]
