"""Practice pages: a learner's units, a session one card at a time, progress."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centres.access import role_required
from centres.models import Role
from practice import charts, forms, selectors, services

SESSION_TEMPLATE = "practice/session.html"


@require_GET
@role_required(Role.LEARNER)
def index(request: HttpRequest) -> HttpResponse:
    units = selectors.due_by_unit(
        learner=request.user, centre=request.centre, now=timezone.now()
    )
    return render(request, "practice/index.html", {"units": units})


@require_GET
@role_required(Role.LEARNER)
def unit(request: HttpRequest, slug: str) -> HttpResponse:
    unit = selectors.unit_get_for_learner(
        learner=request.user, centre=request.centre, slug=slug
    )
    now = timezone.now()
    summary = selectors.unit_summary(learner=request.user, unit=unit, now=now)
    plan = selectors.plan_for(
        learner=request.user, unit=unit, now=now, unseen=summary.new
    )
    context = {
        "unit": unit,
        "summary": summary,
        "plan": plan,
        "open_session": selectors.has_open_session(learner=request.user, unit=unit),
        "goal_form": forms.GoalForm(initial={"exam_date": plan.exam_date}),
    }
    return render(request, "practice/unit.html", context)


@require_POST
@role_required(Role.LEARNER)
def session_start(request: HttpRequest, slug: str) -> HttpResponse:
    unit = selectors.unit_get_for_learner(
        learner=request.user, centre=request.centre, slug=slug
    )
    session = services.session_start(learner=request.user, unit=unit)
    return redirect("practice:session", public_id=session.public_id)


def _session_context(request: HttpRequest, session, *, error: str = "") -> dict:
    """The next card of the session, or its summary once nothing is left in it.

    Reads only: the session is closed by the review that finishes it (or by
    session_start), so a GET never writes."""
    if session.ended_at is None and session.reviewed < session.target:
        now = timezone.now()
        plan = selectors.plan_for(learner=request.user, unit=session.unit, now=now)
        shown = selectors.next_card(
            learner=request.user, unit=session.unit, now=now, plan=plan
        )
        if shown is not None:
            return {
                "session": session,
                "shown": shown,
                "token": uuid.uuid4(),
                "error": error,
            }
    return {"session": session, "shown": None}


@require_GET
@role_required(Role.LEARNER)
def session(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.session_get_for_learner(
        learner=request.user, centre=request.centre, public_id=public_id
    )
    return render(request, SESSION_TEMPLATE, _session_context(request, session))


@require_POST
@role_required(Role.LEARNER)
def review(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.session_get_for_learner(
        learner=request.user, centre=request.centre, public_id=public_id
    )
    form = forms.ReviewForm(request.POST)
    template = SESSION_TEMPLATE + ("#practice-card" if request.htmx else "")
    if not form.is_valid():
        if "rating" in form.errors:
            error = form.errors["rating"][0]
        else:
            error = _("This card could not be graded. Please grade the card below.")
        context = _session_context(request, session, error=error)
        return render(request, template, context, status=200 if request.htmx else 400)
    card = selectors.card_get_for_session(session=session, pk=form.cleaned_data["card"])
    if session.ended_at is None:
        outcome = services.review_record(
            learner=request.user,
            card=card,
            rating=form.cleaned_data["rating"],
            token=form.cleaned_data["token"],
            shown_reps=form.cleaned_data["reps"],
            session=session,
        )
        if outcome.recorded:
            session.refresh_from_db(
                fields=["reviewed", "again", "hard", "good", "easy"]
            )
    context = _session_context(request, session)
    if context["shown"] is None:
        services.session_finish(session=session)
    if request.htmx:
        return render(request, template, context)
    return redirect("practice:session", public_id=session.public_id)


@require_POST
@role_required(Role.LEARNER)
def session_end(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.session_get_for_learner(
        learner=request.user, centre=request.centre, public_id=public_id
    )
    services.session_finish(session=session)
    return redirect("practice:session", public_id=session.public_id)


@require_GET
@role_required(Role.LEARNER)
def progress(request: HttpRequest, slug: str) -> HttpResponse:
    unit = selectors.unit_get_for_learner(
        learner=request.user, centre=request.centre, slug=slug
    )
    now = timezone.now()
    data = selectors.unit_progress(learner=request.user, unit=unit, now=now)
    context = {
        "unit": unit,
        "progress": data,
        "plan": selectors.plan_for(
            learner=request.user, unit=unit, now=now, unseen=data.new
        ),
        "history_chart": charts.bars(data.history, label=_("reviews")),
        "forecast_chart": charts.bars(data.forecast, label=_("cards due")),
        "calendar": charts.calendar(data.history),
        "status_chart": charts.stacked(data),
    }
    return render(request, "practice/progress.html", context)


@require_POST
@role_required(Role.LEARNER)
def goal(request: HttpRequest, slug: str) -> HttpResponse:
    unit = selectors.unit_get_for_learner(
        learner=request.user, centre=request.centre, slug=slug
    )
    form = forms.GoalForm(request.POST)
    if form.is_valid():
        services.goal_set(
            learner=request.user, unit=unit, exam_date=form.cleaned_data["exam_date"]
        )
        messages.success(request, _("Your exam date is saved."))
        return redirect("practice:unit", slug=unit.slug)
    for error in form.errors.get("exam_date", []):
        messages.error(request, error)
    return redirect("practice:unit", slug=unit.slug)


@require_POST
@role_required(Role.LEARNER)
def catch_up(request: HttpRequest, slug: str) -> HttpResponse:
    unit = selectors.unit_get_for_learner(
        learner=request.user, centre=request.centre, slug=slug
    )
    prefs = selectors.settings_for(learner=request.user)
    moved = services.backlog_spread(
        learner=request.user, unit=unit, days=prefs.catch_up_days
    )
    messages.success(
        request,
        _("%(count)s overdue cards are spread over the next %(days)s days.")
        % {"count": moved, "days": prefs.catch_up_days},
    )
    return redirect("practice:unit", slug=unit.slug)


@require_http_methods(["GET", "POST"])
@role_required(Role.LEARNER)
def settings_edit(request: HttpRequest) -> HttpResponse:
    instance = selectors.settings_for(learner=request.user)
    form = forms.SettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.settings_update(
            learner=request.user,
            **{
                name: form.cleaned_data[name] for name in forms.SettingsForm.Meta.fields
            },
        )
        messages.success(request, _("Your practice settings are saved."))
        return redirect("practice:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "practice/settings.html", {"form": form}, status=status)
