"""The reports' navigation item and the admin home-page panel."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from centres.models import Role
from centres.navigation import HomePanel, NavItem, register_nav, register_panel


def reports_panel(request: HttpRequest) -> dict[str, Any]:
    """Links only: no queries, so the home page stays fast."""
    return {}


def register() -> None:
    register_nav(
        NavItem(
            _("Reports"), "reports:index", frozenset({Role.ADMIN, Role.IQA}), order=85
        )
    )
    register_panel(
        HomePanel(
            key="reports.admin",
            template="reports/panels/reports.html",
            roles=frozenset({Role.ADMIN}),
            context=reports_panel,
            order=25,
        )
    )
