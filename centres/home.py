"""The centres app's own home-page panels and navigation items."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from centres import caching, selectors
from centres.models import Role
from centres.navigation import HomePanel, NavItem, register_nav, register_panel


def _centre_cohorts(request: HttpRequest) -> list[str]:
    return [caching.cohorts(request.centre.pk)]


def learner_cohorts(request: HttpRequest) -> dict[str, Any]:
    return {
        "enrolments": list(
            selectors.enrolments_for_learner(
                learner=request.user, centre=request.centre
            )
        )
    }


def staff_cohorts(request: HttpRequest) -> dict[str, Any]:
    cohorts = selectors.cohort_list_for_actor(
        user=request.user,
        centre=request.centre,
        roles=request.roles - {Role.LEARNER},
    )
    return {"cohorts": list(cohorts[:50])}


def admin_console(request: HttpRequest) -> dict[str, Any]:
    """The admin's console panel: the latest admin actions (one query)."""
    return {
        "events": list(selectors.admin_events_for_centre(centre=request.centre)[:5])
    }


def register() -> None:
    register_nav(NavItem(_("Home"), "home", frozenset(Role.values), order=0))
    register_nav(
        NavItem(_("Centre"), "centres:console", frozenset({Role.ADMIN}), order=80)
    )
    register_panel(
        HomePanel(
            key="centres.admin-console",
            template="centres/panels/admin_console.html",
            roles=frozenset({Role.ADMIN}),
            context=admin_console,
            order=20,
        )
    )
    register_panel(
        HomePanel(
            key="centres.learner-cohorts",
            template="centres/panels/learner_cohorts.html",
            roles=frozenset({Role.LEARNER}),
            context=learner_cohorts,
            order=10,
            versions=_centre_cohorts,
        )
    )
    register_panel(
        HomePanel(
            key="centres.staff-cohorts",
            template="centres/panels/staff_cohorts.html",
            roles=frozenset({Role.ASSESSOR, Role.IQA, Role.ADMIN}),
            context=staff_cohorts,
            order=90,
            versions=_centre_cohorts,
        )
    )
