"""Registries that let higher apps add to the navigation bar and the home page.

centres/ sits at the bottom of the dependency order, so it cannot import the apps
that own the queue, the portfolio or the reports. Instead each app registers its
navigation items and home-page panels from its AppConfig.ready().
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 50


@dataclass(frozen=True)
class HomePanel:
    """A block on the home page for users holding one of `roles`.

    `context` is called with the request and returns the template's context; it runs
    its own scoped selectors and must keep its query count constant.

    `versions`, when given, names what the panel shows (`centres.caching`: the
    learner's work, the centre's cohorts or marking, the revision content): the
    rendered panel is then kept per user, centre and language under those
    versions, for at most `seconds` (which bounds what the clock changes: due
    today, past target).
    """

    key: str
    template: str
    roles: frozenset[str]
    context: Callable[[HttpRequest], dict[str, Any]]
    order: int = 50
    versions: Callable[[HttpRequest], Sequence[str]] | None = None
    seconds: int = 60


_nav: dict[str, NavItem] = {}
_panels: dict[str, HomePanel] = {}


def register_nav(item: NavItem) -> None:
    _nav[item.url_name] = item


def register_panel(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def nav_for(roles: frozenset[str]) -> list[NavItem]:
    return sorted(
        (item for item in _nav.values() if item.roles & roles),
        key=lambda item: (item.order, item.label),
    )


def panels_for(roles: frozenset[str]) -> list[HomePanel]:
    return sorted(
        (panel for panel in _panels.values() if panel.roles & roles),
        key=lambda panel: (panel.order, panel.key),
    )
