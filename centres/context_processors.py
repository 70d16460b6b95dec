"""Template context shared by every page: the navigation the user's roles allow."""

from typing import Any

from django.http import HttpRequest

from centres import navigation as nav_registry
from centres.models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    roles = getattr(request, "roles", frozenset())
    return {
        "nav_items": nav_registry.nav_for(roles),
        "current_centre": getattr(request, "centre", None),
        "current_roles": roles,
        "role_labels": [Role(r).label for r in sorted(roles)],
        "user_memberships": getattr(request, "memberships", []),
    }
