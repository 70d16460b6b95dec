"""The portfolio's navigation items and home-page panel."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from centres import caching
from centres.models import Role
from centres.navigation import HomePanel, NavItem, register_nav, register_panel
from portfolio import selectors


def learner_units(request: HttpRequest) -> dict[str, Any]:
    return {
        "rows": selectors.unit_rows_for_learner(
            learner=request.user, centre=request.centre
        )
    }


def register() -> None:
    register_nav(
        NavItem(_("Portfolio"), "portfolio:index", frozenset({Role.LEARNER}), order=20)
    )
    register_nav(
        NavItem(
            _("Portfolios"),
            "portfolio:learners",
            frozenset({Role.ASSESSOR, Role.IQA, Role.ADMIN}),
            order=30,
        )
    )
    register_nav(
        NavItem(_("AI use"), "portfolio:policies", frozenset({Role.ADMIN}), order=80)
    )
    register_panel(
        HomePanel(
            key="portfolio.learner-units",
            template="portfolio/panels/learner_units.html",
            roles=frozenset({Role.LEARNER}),
            context=learner_units,
            order=20,
            versions=caching.learner_view,
        )
    )
