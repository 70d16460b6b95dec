"""Marking queue, marking screen, release, learner feedback, comment bank and IQA."""

import hashlib
import zlib
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import forms, selectors, services
from assessments.models import CommentBankEntry, Marking
from assessments.scale import Judgement
from centres import caching
from centres import selectors as centre_selectors
from centres.access import role_required
from centres.models import Role

MARKERS = (Role.ASSESSOR, Role.ADMIN)
STAFF = (Role.ASSESSOR, Role.IQA, Role.ADMIN)


def _actor(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user, "centre": request.centre, "roles": request.roles}


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _url_around_pk(name: str) -> tuple[str, str]:
    """The parts of a URL before and after its `pk`, so a table reverses the URL
    once rather than once per row."""
    marker = 987654321
    before, after = reverse(name, args=[marker]).split(str(marker))
    return before, after


# --- Queue --------------------------------------------------------------------------
QUEUE_CACHE_SECONDS = 60  # bounds what the clock changes: days waiting, past target


@require_GET
@role_required(*MARKERS)
def queue(request: HttpRequest) -> HttpResponse:
    """Submissions waiting to be marked, oldest first, with filters and counts.

    The page's body is kept per user, filters and day under the centre's marking
    and cohort versions, so it is rebuilt as soon as a submission arrives, is taken
    or decided, or a cohort's staff or target change."""
    centre = request.centre
    asked = hashlib.blake2b(request.GET.urlencode().encode(), digest_size=8)
    body = caching.cached(
        versions=[caching.marking(centre.pk), caching.cohorts(centre.pk)],
        parts=(
            "queue",
            *caching.viewer(request),
            asked.hexdigest(),
            timezone.localdate(),
        ),
        build=lambda: _queue_body(request),
        seconds=QUEUE_CACHE_SECONDS,
    )
    return render(request, "assessments/queue.html", {"body": body})


def _queue_body(request: HttpRequest) -> str:
    admin = Role.ADMIN in request.roles
    assessors = (
        [
            (u.pk, str(u))
            for u in centre_selectors.staff_for_centre(
                centre=request.centre, role=Role.ASSESSOR
            )
        ]
        if admin
        else []
    )
    choices = selectors.queue_choices_for_actor(**_actor(request))
    form = forms.QueueFilterForm(
        request.GET or None,
        cohorts=choices.cohort_choices,
        units=choices.units,
        assessors=assessors,
    )
    filters = form.cleaned_data if form.is_valid() else {}
    result = selectors.queue_for_actor(
        **_actor(request),
        cohort_id=filters.get("cohort"),
        unit_id=filters.get("unit"),
        assessor_id=filters.get("assessor"),
        page=filters.get("page") or 1,
        choices=choices,
    )
    before, after = _url_around_pk("assessments:mark")
    return render_to_string(
        "assessments/queue.html#body",
        {
            "queue": result,
            "form": form,
            "rows": [(row, f"{before}{row.pk}{after}") for row in result.rows],
        },
        request,
    )


# --- Marking screen -----------------------------------------------------------------
def _rows(screen: selectors.MarkingScreen, typed: dict | None) -> list[dict]:
    """Each point with what the form should show: the typed input after a refused
    save, else the saved draft."""
    rows = []
    for row in screen.points:
        given = (typed or {}).get(row.point.pk)
        if given is not None:
            value = str(given.value) if given.value not in (None, "") else ""
            comment, evidence = given.comment, set(given.evidence_ids)
        else:
            value = (
                str(row.judgement.value)
                if row.judgement and row.judgement.value is not None
                else ""
            )
            comment = row.judgement.comment if row.judgement else ""
            evidence = row.evidence_ids
        rows.append(
            {
                "row": row,
                "value": value,
                "comment": comment,
                "evidence": evidence,
            }
        )
    return rows


EVIDENCE_CACHE_SECONDS = 3600  # the key changes with the content; this bounds space


def _markup() -> str:
    """A digest of the marking screen's template, part of its cache keys, so a new
    release shows new markup at once."""
    source = get_template("assessments/mark.html").template.source
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()


def _evidence_html(screen: selectors.MarkingScreen) -> SafeString:
    """The evidence column: up to hundreds of items, the same for every marker until
    something it shows changes, so rendered once and cached under a digest of
    everything it shows (`selectors.evidence_fingerprint`)."""
    key = (
        f"assessments:mark:evidence:{get_language()}:{_markup()}:{screen.evidence_key}"
    )
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "assessments/mark.html#evidence-items", {"screen": screen}
        )
        cache.set(key, html, EVIDENCE_CACHE_SECONDS)
    # Our own template, rendered with autoescaping just above.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


def _screen_parts(
    request: HttpRequest,
    screen: selectors.MarkingScreen,
    *,
    typed: dict | None = None,
    summative: str | None = None,
    next_steps: str | None = None,
    conflict: services.MarkingConflict | None = None,
    error: str = "",
    csrf_token: str | None = None,
) -> tuple[str, str]:
    """The marking screen's title and body, rendered for this viewer (with
    `csrf_token` in its forms when given, else the request's)."""
    marking = screen.marking
    version = marking.version if marking else 0
    if conflict is not None:
        version = conflict.current.version
    context = {
        "screen": screen,
        "rows": _rows(screen, typed),
        "scale": Judgement.choices,
        "summative": summative
        if summative is not None
        else (marking.summative_feedback if marking else ""),
        "next_steps": next_steps
        if next_steps is not None
        else (marking.next_steps if marking else ""),
        "version": version,
        "conflict": conflict,
        "error": error,
        "evidence_html": _evidence_html(screen),
        # The same options beside every marking point: rendered once.
        "bank_options": render_to_string(
            "assessments/mark.html#bank-options", {"screen": screen}
        )
        if screen.bank and marking
        else "",
    }
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return (
        render_to_string("assessments/mark.html#title", context, request),
        render_to_string("assessments/mark.html#body", context, request),
    )


def _render_screen(
    request: HttpRequest,
    submission: Any,
    *,
    status: int,
    **shown: Any,
) -> HttpResponse:
    """The marking screen as the refused save left it (`shown`: what was typed,
    the conflict or the error), built afresh."""
    screen = selectors.marking_screen(submission=submission, user=request.user)
    title, body = _screen_parts(request, screen, **shown)
    return render(
        request,
        "assessments/mark.html",
        {"title": title, "body": body},
        status=status,
    )


MARK_CACHE_SECONDS = 10 * 60  # bounds what a write outside the services leaves
# Moved on when what is kept changes shape (the template's own digest is in the key).
MARK_CACHE_SHAPE = 2


def _packed(parts: tuple[str, str]) -> tuple[str, bytes]:
    """The title and the compressed body: a hundred items' checkboxes beside a
    dozen points repeat so much that 135 kB keep as 6 kB (and cost ~0.1 ms to
    unpack)."""
    title, body = parts
    return title, zlib.compress(body.encode(), 1)


@require_GET
@role_required(*MARKERS)
def mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Evidence beside the unit's marking points, with the draft marks and the
    criteria suggestions as a reading aid.

    Kept per viewer under the versions of everything it shows: the submission's
    marking (draft marks, comments, authorisations, decisions), the learner's work
    (evidence, mappings, suggestions, status), the centre's marking and comment
    bank and the content (marking points). Only the scope check runs on every
    request, so a marker unassigned from the cohort loses the page at once."""
    centre = request.centre
    submission = selectors.submission_light_for_marker(**_actor(request), pk=pk)
    title, packed = caching.cached(
        versions=[
            caching.submission(pk),
            caching.learner(submission.learner_id),
            caching.marking(centre.pk),
            caching.comment_bank(centre.pk),
            caching.CONTENT,
        ],
        parts=("mark", MARK_CACHE_SHAPE, _markup(), *caching.viewer(request), pk),
        build=lambda: _packed(
            _screen_parts(
                request,
                selectors.marking_screen(submission=submission, user=request.user),
                csrf_token=caching.csrf_placeholder(),
            )
        ),
        seconds=MARK_CACHE_SECONDS,
    )
    body = zlib.decompress(packed).decode()
    return render(
        request,
        "assessments/mark.html",
        {
            # Our own rendered template, escaped when it was rendered.
            "title": mark_safe(title),  # noqa: S308  # nosec B308 B703
            "body": caching.with_csrf(body, request),
        },
    )


@require_POST
@role_required(Role.ASSESSOR)
def start(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get_for_marker(**_actor(request), pk=pk)
    try:
        services.marking_start(assessor=request.user, submission=submission)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("assessments:mark", pk=submission.pk)


@require_POST
@role_required(Role.ASSESSOR)
def save(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave (htmx), save, save and open next, or finalise."""
    submission = selectors.submission_get_for_marker(**_actor(request), pk=pk)
    marking = get_object_or_404(
        Marking.objects.select_related("submission", "submission_version"),
        submission=submission,
        submission_version__number=submission.current_version,
    )
    points = [p.pk for p in selectors.unit_marking_points(submission.unit_id)]
    typed = forms.parse_judgements(request.POST, points)
    summative = request.POST.get("summative_feedback", "")
    next_steps = request.POST.get("next_steps", "")
    action = request.POST.get("action", "save")
    version = forms.posted_version(request.POST)
    partial = "assessments/mark.html#autosave-status"
    if version is None:
        return HttpResponseBadRequest(_("The marking form was incomplete: reload it."))
    try:
        marking = services.marking_save(
            assessor=request.user,
            marking=marking,
            expected_version=version,
            judgements=typed,
            summative_feedback=summative,
            next_steps=next_steps,
        )
        if action == "finalise":
            decision = services.marking_finalise(
                assessor=request.user, marking=marking, expected_version=marking.version
            )
            messages.success(
                request,
                _("Decision recorded: %(outcome)s.")
                % {"outcome": decision.get_outcome_display()},
            )
            return redirect("assessments:decision", pk=decision.pk)
    except services.MarkingConflict as conflict:
        if request.htmx:
            return render(request, partial, {"conflict": conflict, "version": version})
        return _render_screen(
            request,
            submission,
            typed=typed,
            summative=summative,
            next_steps=next_steps,
            conflict=conflict,
            status=409,
        )
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(getattr(error, "messages", [str(error)]))
        if request.htmx:
            return render(request, partial, {"error": text, "version": version})
        screen = _render_screen(
            request,
            submission,
            typed=typed,
            summative=summative,
            next_steps=next_steps,
            error=text,
            status=400,
        )
        return screen
    if request.htmx:
        return render(request, partial, {"saved": marking, "version": marking.version})
    if action == "next":
        following = selectors.next_in_queue(**_actor(request), after=submission)
        messages.success(request, _("Marks saved."))
        if following is None:
            messages.info(request, _("That was the last submission in your queue."))
            return redirect("assessments:queue")
        return redirect("assessments:mark", pk=following.pk)
    messages.success(request, _("Marks saved."))
    return redirect("assessments:mark", pk=submission.pk)


@require_POST
@role_required(Role.ASSESSOR)
def anchor(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a comment to a passage of a log."""
    submission = selectors.submission_get_for_marker(**_actor(request), pk=pk)
    marking = get_object_or_404(
        Marking,
        submission=submission,
        submission_version__number=submission.current_version,
    )
    form = forms.AnchorForm(request.POST)
    if form.is_valid():
        try:
            services.anchored_comment_add(
                assessor=request.user,
                marking=marking,
                evidence_id=form.cleaned_data["evidence"],
                quote=form.cleaned_data["quote"],
                body=form.cleaned_data["body"],
                marking_point_id=form.cleaned_data["marking_point"],
            )
            messages.success(request, _("Comment added to the passage."))
        except ValidationError as error:
            messages.error(request, _error_text(error))
    else:
        messages.error(request, _("Select a passage and write a comment."))
    return redirect("assessments:mark", pk=submission.pk)


# --- Decisions, corrections, release --------------------------------------------------
@require_GET
@role_required(*STAFF)
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.decision_get_for_marker(**_actor(request), pk=pk)
    return render(
        request,
        "assessments/decision.html",
        {"decision": item, "reason_form": forms.ReasonForm()},
    )


def _correction_row(point, saved, typed, request) -> dict[str, Any]:
    """What the correction form shows: what was typed after a refusal, else the
    decision's own judgement."""
    if request.method == "POST" and typed is not None:
        value = "" if typed.value in (None, "") else str(typed.value)
        return {
            "point": point,
            "value": value,
            "comment": typed.comment,
            "evidence": typed.evidence_ids,
        }
    return {
        "point": point,
        "value": "" if saved is None else str(saved.value),
        "comment": saved.comment if saved else "",
        "evidence": saved.evidence_ids if saved else [],
    }


@require_http_methods(["GET", "POST"])
@role_required(Role.ASSESSOR)
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a correction as a new decision that supersedes this one."""
    item = selectors.decision_get_for_marker(**_actor(request), pk=pk)
    judgements = {j.marking_point_id: j for j in item.judgements.all()}
    points = list(selectors.unit_marking_points(item.unit_id))
    error, form = "", forms.ReasonForm(request.POST or None)
    typed = forms.parse_judgements(request.POST, [p.pk for p in points])
    if request.method == "POST":
        try:
            new = services.decision_correct(
                actor=request.user,
                decision=item,
                judgements=typed,
                summative_feedback=request.POST.get("summative_feedback", ""),
                next_steps=request.POST.get("next_steps", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Correction recorded."))
            return redirect("assessments:decision", pk=new.pk)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
    return render(
        request,
        "assessments/correct.html",
        {
            "decision": item,
            "rows": [
                _correction_row(p, judgements.get(p.pk), typed.get(p.pk), request)
                for p in points
            ],
            "scale": Judgement.choices,
            "form": form,
            "error": error,
            "post": request.POST,
        },
    )


@require_POST
@role_required(Role.ASSESSOR)
def ready(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.decision_get_for_marker(**_actor(request), pk=pk)
    try:
        services.feedback_mark_ready(actor=request.user, decision=item)
        messages.success(request, _("Marked ready for release."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("assessments:decision", pk=item.pk)


@require_POST
@role_required(*STAFF)
def release(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.decision_get_for_marker(**_actor(request), pk=pk)
    try:
        services.feedback_release(
            actor=request.user, roles=request.roles, decision=item
        )
        messages.success(request, _("Feedback released to the learner."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("assessments:decision", pk=item.pk)


@require_GET
@role_required(*STAFF)
def releases(request: HttpRequest) -> HttpResponse:
    items = selectors.releases_awaiting(**_actor(request))
    return render(request, "assessments/releases.html", {"decisions": items})


@require_POST
@role_required(Role.ADMIN, Role.IQA)
def authorise(request: HttpRequest, pk: int) -> HttpResponse:
    """Allow one more resubmission beyond the qualification's rules."""
    submission = selectors.submission_get_for_marker(
        user=request.user,
        centre=request.centre,
        roles=request.roles | {Role.ADMIN},
        pk=pk,
    )
    try:
        services.resubmission_authorise(
            actor=request.user,
            roles=request.roles,
            submission=submission,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Another resubmission authorised."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("assessments:mark", pk=submission.pk)


# --- Learner feedback ----------------------------------------------------------------
@require_GET
@role_required(Role.LEARNER)
def feedback_list(request: HttpRequest) -> HttpResponse:
    items = selectors.feedback_list_for_learner(
        learner=request.user, centre=request.centre
    )
    return render(request, "assessments/feedback_list.html", {"decisions": items})


@require_GET
@role_required(Role.LEARNER)
def feedback(request: HttpRequest, submission_pk: int) -> HttpResponse:
    """Per-point judgements and comments, overall feedback, next steps, and the
    comments anchored to passages of the learner's logs."""
    data = selectors.feedback_for_learner(
        learner=request.user, centre=request.centre, submission_pk=submission_pk
    )
    return render(
        request,
        "assessments/feedback.html",
        {
            "fb": data,
            "passages": selectors.passages(data.evidence, data.anchored),
            "reply_form": forms.ReplyForm(),
        },
    )


@require_POST
@role_required(Role.LEARNER)
def acknowledge(request: HttpRequest, submission_pk: int) -> HttpResponse:
    data = selectors.feedback_for_learner(
        learner=request.user, centre=request.centre, submission_pk=submission_pk
    )
    services.feedback_acknowledge(learner=request.user, decision=data.decision)
    messages.success(request, _("Thank you: your assessor can see you have read it."))
    return redirect("assessments:feedback", submission_pk=submission_pk)


@require_POST
@role_required(Role.LEARNER, Role.ASSESSOR, Role.ADMIN)
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.anchored_comment_get_for_actor(**_actor(request), pk=pk)
    form = forms.ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.anchored_reply_add(
                actor=request.user, comment=comment, body=form.cleaned_data["body"]
            )
            messages.success(request, _("Reply added."))
        except ValidationError as error:
            messages.error(request, _error_text(error))
    else:
        messages.error(request, _("Write a reply."))
    if comment.marking.submission.learner_id == request.user.pk:
        return redirect(
            "assessments:feedback", submission_pk=comment.marking.submission_id
        )
    return redirect("assessments:mark", pk=comment.marking.submission_id)


# --- Comment bank --------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(*MARKERS)
def bank(request: HttpRequest) -> HttpResponse:
    form = forms.BankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_bank_add(
                actor=request.user,
                centre=request.centre,
                roles=request.roles,
                text=form.cleaned_data["text"],
                shared=form.cleaned_data["shared"],
            )
            messages.success(request, _("Comment saved to the bank."))
            return redirect("assessments:bank")
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
    entries = selectors.comment_bank_for(user=request.user, centre=request.centre)
    return render(request, "assessments/bank.html", {"form": form, "entries": entries})


@require_POST
@role_required(*MARKERS)
def bank_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(CommentBankEntry, pk=pk, centre=request.centre)
    try:
        services.comment_bank_delete(
            actor=request.user, roles=request.roles, entry=entry
        )
        messages.success(request, _("Comment removed from the bank."))
    except PermissionDenied:
        messages.error(request, _("You can only remove your own comments."))
    return redirect("assessments:bank")


# --- IQA ----------------------------------------------------------------------------
@require_GET
@role_required(Role.IQA, Role.ADMIN)
def iqa(request: HttpRequest) -> HttpResponse:
    """Samples awaiting review and the coverage of the sampling plan."""
    start_date, by_assessor, by_unit = selectors.iqa_coverage(centre=request.centre)
    return render(
        request,
        "assessments/iqa.html",
        {
            "samples": selectors.iqa_samples(**_actor(request)),
            "reviewed": selectors.iqa_samples(**_actor(request), reviewed=True)[:20],
            "period_start": start_date,
            "by_assessor": by_assessor,
            "by_unit": by_unit,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.IQA)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.decision_get_for_marker(**_actor(request), pk=pk)
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.iqa_review_record(
                iqa=request.user,
                roles=request.roles,
                decision=item,
                verdict=data["verdict"],
                valid=data["valid"],
                authentic=data["authentic"],
                current=data["current"],
                sufficient=data["sufficient"],
                comment=data["comment"],
                action_points=data["action_points"].splitlines(),
            )
            messages.success(request, _("IQA review recorded."))
            return redirect("assessments:iqa")
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
    return render(request, "assessments/review.html", {"decision": item, "form": form})


@require_GET
@role_required(*STAFF)
def actions(request: HttpRequest) -> HttpResponse:
    items = selectors.action_points_for(**_actor(request))
    return render(
        request,
        "assessments/actions.html",
        {"actions": items, "form": forms.CloseActionForm()},
    )


@require_POST
@role_required(Role.ASSESSOR)
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.action_point_get_for_assessor(
        user=request.user, centre=request.centre, pk=pk
    )
    try:
        services.action_point_close(
            assessor=request.user, action_point=item, note=request.POST.get("note", "")
        )
        messages.success(request, _("Action point closed."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("assessments:actions")
