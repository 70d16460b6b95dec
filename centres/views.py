"""Home page, centre switching and the no-membership page."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from centres import caching, navigation
from centres.access import member_required, public, signed_in
from centres.forms import CentreSwitchForm
from centres.middleware import SESSION_KEY


@require_GET
@signed_in
def home(request: HttpRequest) -> HttpResponse:
    """Role-aware home: one panel for each role the user holds at this centre."""
    if request.centre is None:
        return redirect("centres:no-membership")
    panels = navigation.panels_for(request.roles)
    kept = _kept_panels(request, [p for p in panels if p.versions is not None])
    html = [kept[p.key] if p.key in kept else _panel_html(request, p) for p in panels]
    return render(request, "centres/home.html", {"panels": html})


def _kept_panels(
    request: HttpRequest, panels: list[navigation.HomePanel]
) -> dict[str, str]:
    """The panels that name their versions, built and kept together under all of
    them (one cache read for the lot), by key."""
    if not panels:
        return {}
    built = caching.cached(
        versions=sorted({name for p in panels for name in p.versions(request)}),
        parts=("home", *caching.viewer(request)),
        build=lambda: [_panel_html(request, p) for p in panels],
        seconds=min(p.seconds for p in panels),
    )
    return dict(zip([p.key for p in panels], built, strict=True))


def _panel_html(request: HttpRequest, panel: navigation.HomePanel) -> str:
    return render_to_string(panel.template, {"panel": panel.context(request)}, request)


@require_GET
@signed_in
def no_membership(request: HttpRequest) -> HttpResponse:
    if request.centre is not None:
        return redirect("home")
    return render(request, "centres/no_membership.html")


@require_POST
@member_required
def switch_centre(request: HttpRequest) -> HttpResponse:
    allowed = {m.centre_id for m in request.memberships}
    form = CentreSwitchForm(request.POST, allowed_ids=allowed)
    if form.is_valid():
        request.session[SESSION_KEY] = form.cleaned_data["centre"]
        messages.success(request, _("Switched centre."))
    else:
        messages.error(request, _("You are not a member of that centre."))
    return redirect("home")


@require_GET
@public
def health(request: HttpRequest) -> HttpResponse:
    """Liveness check for load balancers: no database, no session."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@member_required
def baseline(request: HttpRequest) -> HttpResponse:
    """The benchmark's reference page: base.html with a one-line body, no queries of
    its own beyond what the middleware does (bench/ compares every page to this)."""
    return render(request, "centres/baseline.html")
