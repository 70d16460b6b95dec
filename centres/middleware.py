"""Attach the signed-in user's current centre and roles to each request."""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from centres import selectors

SESSION_KEY = "centre_id"


class CentreMiddleware:
    """Set request.centre, request.roles and request.memberships (one query).

    The centre comes from the user's own memberships on the server, never from a
    form field: the session only remembers which of them the user picked.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.centre = None
        request.roles = frozenset()
        request.memberships = []
        if request.user.is_authenticated:
            memberships = selectors.memberships_for_user(user=request.user)
            request.memberships = memberships
            if memberships:
                wanted = request.session.get(SESSION_KEY)
                centres = {m.centre_id: m.centre for m in memberships}
                centre_id = wanted if wanted in centres else memberships[0].centre_id
                request.centre = centres[centre_id]
                request.roles = frozenset(
                    m.role for m in memberships if m.centre_id == centre_id
                )
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Show dates in the user's own time zone (Europe/London by default)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz_name = "Europe/London"
        if request.user.is_authenticated:
            tz_name = request.user.time_zone or tz_name
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo("Europe/London"))
        return self.get_response(request)
