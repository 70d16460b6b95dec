"""The practice app's navigation item and learner home-page panel."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centres import caching
from centres.models import Role
from centres.navigation import HomePanel, NavItem, register_nav, register_panel
from practice import selectors


def due_today(request: HttpRequest) -> dict[str, Any]:
    return {
        "units": selectors.due_by_unit(
            learner=request.user, centre=request.centre, now=timezone.now()
        )
    }


def register() -> None:
    register_nav(
        NavItem(_("Practise"), "practice:index", frozenset({Role.LEARNER}), order=20)
    )
    register_panel(
        HomePanel(
            key="practice.due-today",
            template="practice/panels/due_today.html",
            roles=frozenset({Role.LEARNER}),
            context=due_today,
            order=20,
            versions=caching.learner_view,
        )
    )
