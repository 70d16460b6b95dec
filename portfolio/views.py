"""Portfolio pages: units, evidence, mapping, coverage, submission, export."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centres import selectors as centre_selectors
from centres.access import member_required, role_required
from centres.models import Role
from portfolio import (
    caching,
    extensions,
    forms,
    permissions,
    selectors,
    services,
    uploads,
)
from portfolio.models import AiUseLevel, EvidenceKind, ExportStatus, SuggestedMapping

STAFF = (Role.ASSESSOR, Role.IQA, Role.ADMIN)


def _actor(request) -> dict:
    return {"user": request.user, "centre": request.centre, "roles": request.roles}


def _add_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError at the fields it names (else on top)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- units ----------------------------------------------------------------------------
@require_GET
@role_required(Role.LEARNER)
def index(request):
    rows = selectors.unit_rows_for_learner(learner=request.user, centre=request.centre)
    return render(request, "portfolio/index.html", {"rows": rows})


@require_GET
@role_required(*STAFF)
def learner_list(request):
    learners = centre_selectors.learners_visible_to(
        user=request.user, centre=request.centre, roles=request.roles
    ).order_by("last_name", "first_name", "username")
    page = Paginator(learners, 50).get_page(request.GET.get("page"))
    return render(request, "portfolio/learner_list.html", {"page": page})


@require_GET
@role_required(*STAFF)
def learner_units(request, learner_id: int):
    learner = selectors.learner_for_actor(**_actor(request), learner_id=learner_id)
    rows = selectors.unit_rows_for_learner(learner=learner, centre=request.centre)
    return render(request, "portfolio/index.html", {"rows": rows, "subject": learner})


def _page_number(request) -> int:
    """The `page` asked for, 1 when absent or not a number (selectors clamp it)."""
    raw = request.GET.get("page", "")
    return int(raw) if raw.isdigit() else 1


def _evidence_section(request, learner, unit, submission, page: int) -> dict:
    """Coverage figures, submission history and the rendered evidence table
    (one page of it): built on a cache miss (three queries), else from the cache."""
    centre = request.centre

    def build() -> dict:
        summary = selectors.coverage_summary(learner=learner, centre=centre, unit=unit)
        pager = selectors.Pager.at(
            page, per_page=selectors.EVIDENCE_PER_PAGE, total=summary.evidence_count
        )
        rows = selectors.evidence_page(
            learner=learner, centre=centre, unit=unit, pager=pager
        )
        return {
            "page": pager.number,
            "summary": summary,
            "history": selectors.submission_history(submission=submission),
            "evidence_html": render_to_string(
                "portfolio/unit.html#evidence", {"evidence": rows, "pager": pager}
            ),
        }

    return caching.fragment(
        learner_id=learner.pk,
        unit_id=unit.pk,
        parts=("unit", centre.pk, page, get_language(), get_current_timezone_name()),
        build=build,
        keep=lambda section: section["page"] == page,
    )


def _unit_page(request, learner, unit_slug: str, *, staff: bool):
    unit = selectors.unit_get_for_learner(
        learner=learner, centre=request.centre, slug=unit_slug
    )
    submission = selectors.submission_for(
        learner=learner, centre=request.centre, unit=unit
    )
    section = _evidence_section(
        request, learner, unit, submission, _page_number(request)
    )
    context = {
        "unit": unit,
        "subject": learner,
        "staff": staff,
        "submission": submission,
        "editable": not staff and (submission is None or submission.is_editable),
        "coverage": section["summary"],
        "versions": section["history"],
        # Our own template, rendered with autoescaping in _evidence_section.
        "evidence_html": mark_safe(section["evidence_html"]),  # noqa: S308  # nosec B308 B703
        "can_export": permissions.can_export(request.roles, learner, request.user),
        "links": (
            extensions.submission_links(request.roles, submission) if submission else []
        ),
    }
    return render(request, "portfolio/unit.html", context)


@require_GET
@role_required(Role.LEARNER)
def unit(request, unit_slug: str):
    return _unit_page(request, request.user, unit_slug, staff=False)


@require_GET
@role_required(*STAFF)
def learner_unit(request, learner_id: int, unit_slug: str):
    learner = selectors.learner_for_actor(**_actor(request), learner_id=learner_id)
    return _unit_page(request, learner, unit_slug, staff=True)


def _coverage_page(request, learner, unit_slug: str, *, staff: bool):
    unit = selectors.unit_get_for_learner(
        learner=learner, centre=request.centre, slug=unit_slug
    )
    page = _page_number(request)

    def build() -> tuple[int, str]:
        matrix = selectors.coverage_matrix(
            learner=learner, centre=request.centre, unit=unit, page=page
        )
        context = {"unit": unit, "coverage": matrix}
        return matrix.pager.number, render_to_string(
            "portfolio/coverage.html#matrix", context
        )

    _number, html = caching.fragment(
        learner_id=learner.pk,
        unit_id=unit.pk,
        parts=("matrix", request.centre.pk, page, get_language()),
        build=build,
        keep=lambda built: built[0] == page,
    )
    # Our own template, rendered with autoescaping in build().
    matrix_html = mark_safe(html)  # noqa: S308  # nosec B308 B703
    if request.htmx:
        return HttpResponse(matrix_html)
    return render(
        request,
        "portfolio/coverage.html",
        {"unit": unit, "matrix_html": matrix_html, "subject": learner, "staff": staff},
    )


@require_GET
@role_required(Role.LEARNER)
def coverage(request, unit_slug: str):
    return _coverage_page(request, request.user, unit_slug, staff=False)


@require_GET
@role_required(*STAFF)
def learner_coverage(request, learner_id: int, unit_slug: str):
    learner = selectors.learner_for_actor(**_actor(request), learner_id=learner_id)
    return _coverage_page(request, learner, unit_slug, staff=True)


# --- logs and testimonies ---------------------------------------------------------------
def _text_fields(form, kind: str) -> dict:
    names = (
        services.LOG_FIELDS
        if kind == EvidenceKind.LOG
        else (
            "free_text",
            *services.WITNESS_FIELDS,
        )
    )
    return {name: form.cleaned_data.get(name) or "" for name in names}


@require_http_methods(["GET", "POST"])
@role_required(Role.LEARNER)
def log_edit(
    request, unit_slug: str, evidence_id: int | None = None, kind: str = "log"
):
    unit = selectors.unit_get_for_learner(
        learner=request.user, centre=request.centre, slug=unit_slug
    )
    evidence = None
    raw_id = request.POST.get("evidence_id", "")
    if evidence_id is None and raw_id.isdigit():
        # The draft autosave already created (new-log page).
        evidence_id = int(raw_id)
    if evidence_id is not None:
        evidence = selectors.evidence_get_for_learner(
            learner=request.user, centre=request.centre, pk=evidence_id
        )
        if evidence.unit_id != unit.pk or evidence.kind == EvidenceKind.FILE:
            raise Http404("No such log")
        kind = evidence.kind
    form_class = forms.LogForm if kind == EvidenceKind.LOG else forms.WitnessForm
    form = form_class(request.POST or None, instance=evidence)
    if evidence is not None and request.method == "GET":
        form.initial["version"] = evidence.version
    if request.method == "POST" and form.is_valid():
        finish = request.POST.get("action") != "draft"
        try:
            evidence = _save_log(request, unit, evidence, form, kind, finish=finish)
        except services.EditConflict as error:
            form.add_error(None, error)
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            if not finish:
                messages.success(request, _("Draft saved."))
                return redirect("portfolio:log-edit", unit.slug, evidence.pk)
            messages.success(
                request, _("Log saved. Now map it to the marking points it shows.")
            )
            return redirect("portfolio:evidence-map", evidence.pk)
    return render(
        request,
        "portfolio/log_form.html",
        {"form": form, "unit": unit, "evidence": evidence, "kind": kind},
    )


def _save_log(request, unit, evidence, form, kind, *, finish: bool):
    text = _text_fields(form, kind)
    title = form.cleaned_data.get("title") or _("Untitled log")
    if evidence is None:
        return services.log_create(
            learner=request.user,
            centre=request.centre,
            unit=unit,
            title=title,
            kind=kind,
            is_draft=not finish,
            **text,
        )
    return services.log_update(
        evidence=evidence,
        expected_version=form.cleaned_data.get("version") or 0,
        title=title,
        is_draft=not finish,
        **text,
    )


@require_POST
@role_required(Role.LEARNER)
def log_autosave(request, unit_slug: str):
    """htmx autosave of a draft: creates it on the first save, then updates it
    only if nobody saved in between (version check)."""
    unit = selectors.unit_get_for_learner(
        learner=request.user, centre=request.centre, slug=unit_slug
    )
    evidence = None
    raw_id = request.POST.get("evidence_id", "")
    if raw_id.isdigit():
        evidence = selectors.evidence_get_for_learner(
            learner=request.user, centre=request.centre, pk=int(raw_id)
        )
        if evidence.unit_id != unit.pk or evidence.kind != EvidenceKind.LOG:
            raise Http404("No such log")
    form = forms.LogForm(request.POST, instance=evidence)
    context = {"unit": unit, "evidence": evidence, "error": "", "form": form}
    text_typed = any((request.POST.get(n) or "").strip() for n in services.LOG_FIELDS)
    if not form.is_valid():
        context["error"] = _("Not saved: check the highlighted fields.")
    elif evidence is None and not text_typed:
        context["error"] = ""
    else:
        try:
            finish = evidence is not None and not evidence.is_draft
            context["evidence"] = _save_log(
                request, unit, evidence, form, EvidenceKind.LOG, finish=finish
            )
            context["saved"] = True
        except services.EditConflict as error:
            context["error"] = error.messages[0]
            context["conflict"] = True
        except (ValidationError, PermissionDenied) as error:
            context["error"] = " ".join(getattr(error, "messages", [str(error)]))
    return render(request, "portfolio/log_form.html#autosave", context)


@require_GET
@member_required
def evidence_detail(request, evidence_id: int):
    evidence = selectors.evidence_get_for_actor(**_actor(request), pk=evidence_id)
    mine = evidence.learner_id == request.user.pk
    submission = selectors.submission_for(
        learner=evidence.learner, centre=request.centre, unit=evidence.unit
    )
    return render(
        request,
        "portfolio/evidence_detail.html",
        {
            "evidence": evidence,
            "mine": mine,
            "editable": mine
            and not evidence.is_locked
            and (submission is None or submission.is_editable),
            "mappings": list(evidence.mappings.select_related("marking_point")),
            "revisions": selectors.evidence_revisions(evidence=evidence),
            "inline_ok": evidence.content_type in uploads.INLINE_SAFE,
        },
    )


@require_POST
@role_required(Role.LEARNER)
def evidence_delete(request, evidence_id: int):
    evidence = selectors.evidence_get_for_learner(
        learner=request.user, centre=request.centre, pk=evidence_id
    )
    try:
        services.evidence_delete(evidence=evidence)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("portfolio:evidence-detail", evidence.pk)
    messages.success(request, _("“%(title)s” was deleted.") % {"title": evidence.title})
    return redirect("portfolio:unit", evidence.unit.slug)


# --- files ----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(Role.LEARNER)
@csrf_exempt  # only so the upload handler can be added; _upload checks CSRF
def upload(request, unit_slug: str):
    limit = settings.EVIDENCE_MAX_FILE_BYTES
    request.upload_handlers.insert(0, uploads.SizeLimitUploadHandler(request, limit))
    return _upload(request, unit_slug)


def _posted_mappings(request) -> dict[int, str]:
    """{marking point id: note} from the ticked `points` and their `note-<id>`."""
    chosen = {}
    for raw in request.POST.getlist("points"):
        if raw.isdigit():
            chosen[int(raw)] = (request.POST.get(f"note-{raw}") or "").strip()
    return chosen


@csrf_protect
def _upload(request, unit_slug: str):
    unit = selectors.unit_get_for_learner(
        learner=request.user, centre=request.centre, slug=unit_slug
    )
    form = forms.UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"submit_token": uuid.uuid4()},
    )
    chosen = _posted_mappings(request) if request.method == "POST" else {}
    mapping_error = ""
    if getattr(request, "evidence_upload_too_big", False):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("This file is larger than the %(limit)s allowed.")
            % {"limit": f"{settings.EVIDENCE_MAX_FILE_BYTES / (1024 * 1024):.1f} MB"},
        )
    elif request.method == "POST" and form.is_valid():
        try:
            evidence = services.file_upload(
                learner=request.user,
                centre=request.centre,
                unit=unit,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                mappings=chosen,
                submit_token=form.cleaned_data["submit_token"],
            )
        except ValidationError as error:
            if getattr(error, "error_dict", {}).get("marking_points"):
                mapping_error = " ".join(error.messages)
            else:
                form.add_error("file", error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("File uploaded and mapped.")
                if chosen
                else _("File uploaded. Now map it to the marking points it shows."),
            )
            url = reverse("portfolio:evidence-map", args=[evidence.pk])
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    if form.is_bound and not form.data.get("submit_token"):
        # Keep the posted token (or issue one) so a corrected resubmission is
        # still protected against a double-click.
        form.data = form.data.copy()
        form.data["submit_token"] = str(uuid.uuid4())
    points = selectors.unit_points(unit=unit)
    template = "portfolio/upload.html"
    if request.htmx:
        template += "#upload-form"
    return render(
        request,
        template,
        {
            "form": form,
            "unit": unit,
            "rows": [(p, p.pk in chosen, chosen.get(p.pk, "")) for p in points],
            "mapping_error": mapping_error,
        },
    )


@require_GET
@member_required
def evidence_file(request, evidence_id: int):
    """Serve a stored file to someone allowed to see it, never as something a
    browser would run: attachment unless a safe image/PDF is asked for inline,
    nosniff, a sandboxing CSP and private caching."""
    evidence = selectors.evidence_get_for_actor(**_actor(request), pk=evidence_id)
    if evidence.kind != EvidenceKind.FILE or not evidence.file:
        raise Http404("No file")
    inline = (
        request.GET.get("inline") == "1"
        and evidence.content_type in uploads.INLINE_SAFE
    )
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=not inline,
        filename=evidence.original_name or "evidence",
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- mapping and suggestions ---------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(Role.LEARNER)
def evidence_map(request, evidence_id: int):
    evidence = selectors.evidence_get_for_learner(
        learner=request.user, centre=request.centre, pk=evidence_id
    )
    points = selectors.unit_points(unit=evidence.unit)
    current = dict(evidence.mappings.values_list("marking_point_id", "note"))
    error = ""
    if request.method == "POST":
        chosen = _posted_mappings(request)
        try:
            services.mappings_set(evidence=evidence, points=chosen)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            current = chosen
        except PermissionDenied as exc:
            error = str(exc)
        else:
            messages.success(request, _("Mapping saved."))
            return redirect("portfolio:unit", evidence.unit.slug)
    return render(
        request,
        "portfolio/evidence_map.html",
        {
            "evidence": evidence,
            "rows": [(p, p.pk in current, current.get(p.pk, "")) for p in points],
            "error": error,
            "suggestions": selectors.suggestions_for_evidence(evidence=evidence),
            "pending": selectors.suggestions_pending(evidence=evidence),
        },
    )


@require_GET
@role_required(Role.LEARNER)
def evidence_suggestions(request, evidence_id: int):
    evidence = selectors.evidence_get_for_learner(
        learner=request.user, centre=request.centre, pk=evidence_id
    )
    return render(
        request,
        "portfolio/evidence_map.html#suggestions",
        {
            "evidence": evidence,
            "suggestions": selectors.suggestions_for_evidence(evidence=evidence),
            "pending": selectors.suggestions_pending(evidence=evidence),
        },
    )


@require_POST
@role_required(Role.LEARNER)
def suggestion_decide(request, suggestion_id: int):
    suggestion = (
        SuggestedMapping.objects.select_related("evidence__unit", "evidence__learner")
        .filter(
            pk=suggestion_id,
            evidence__learner=request.user,
            evidence__centre=request.centre,
        )
        .first()
    )
    if suggestion is None:
        raise Http404("No such suggestion")
    try:
        services.suggestion_decide(
            suggestion=suggestion, accept=request.POST.get("accept") == "1"
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("portfolio:evidence-map", suggestion.evidence_id)


# --- submission -----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(Role.LEARNER)
def submit(request, unit_slug: str):
    unit = selectors.unit_get_for_learner(
        learner=request.user, centre=request.centre, slug=unit_slug
    )
    submission = selectors.submission_for(
        learner=request.user, centre=request.centre, unit=unit
    )
    points = selectors.unit_points(unit=unit)
    claims = selectors.draft_self_assessment(submission=submission)
    form = forms.DeclarationForm(request.POST or None)
    level = services.ai_level_for(centre=request.centre, unit=unit)
    if request.method == "POST" and form.is_valid():
        posted = {
            p.pk: (
                request.POST.get(f"claim-{p.pk}") == "on",
                (request.POST.get(f"where-{p.pk}") or "").strip(),
            )
            for p in points
        }
        try:
            services.self_assessment_save(
                learner=request.user, centre=request.centre, unit=unit, claims=posted
            )
            if request.POST.get("action") == "save":
                messages.success(request, _("Self-assessment saved."))
                return redirect("portfolio:submit", unit.slug)
            services.submission_submit(
                learner=request.user,
                centre=request.centre,
                unit=unit,
                declared_authentic=form.cleaned_data["declared_authentic"],
                ai_use=form.cleaned_data["ai_use"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Submitted. Your assessor will mark it."))
            return redirect("portfolio:unit", unit.slug)
        claims = {pk: _Claim(*value) for pk, value in posted.items()}
    return render(
        request,
        "portfolio/submit.html",
        {
            "unit": unit,
            "submission": submission,
            "rows": [(p, claims.get(p.pk)) for p in points],
            "form": form,
            "level": level,
            "level_label": services.AiUseLevel(level).label,
        },
    )


class _Claim:
    def __init__(self, claimed: bool, note: str) -> None:
        self.claimed = claimed
        self.note = note


@require_GET
@member_required
def version_detail(request, learner_id: int, unit_slug: str, number: int):
    learner = selectors.learner_for_actor(**_actor(request), learner_id=learner_id)
    unit = selectors.unit_get_for_learner(
        learner=learner, centre=request.centre, slug=unit_slug
    )
    submission = selectors.submission_for(
        learner=learner, centre=request.centre, unit=unit
    )
    if submission is None:
        raise Http404("No submission")
    version = selectors.submission_version_get(submission=submission, number=number)
    changes = (
        selectors.version_changes(submission=submission, old=number - 1, new=number)
        if number > 1
        else []
    )
    return render(
        request,
        "portfolio/version_detail.html",
        {
            "unit": unit,
            "subject": learner,
            "submission": submission,
            "version": version,
            "changes": changes,
        },
    )


# --- export ---------------------------------------------------------------------------------
@require_POST
@role_required(Role.LEARNER, Role.ADMIN)
def export_request(request, learner_id: int, unit_slug: str):
    learner = selectors.learner_for_actor(**_actor(request), learner_id=learner_id)
    if not permissions.can_export(request.roles, learner, request.user):
        raise Http404("No export")
    unit = selectors.unit_get_for_learner(
        learner=learner, centre=request.centre, slug=unit_slug
    )
    submission = services.submission_ensure(
        learner=learner, centre=request.centre, unit=unit
    )
    export = services.export_request(submission=submission, requested_by=request.user)
    return redirect("portfolio:export-status", export.pk)


@require_GET
@role_required(Role.LEARNER, Role.ADMIN)
def export_status(request, export_id: int):
    export = selectors.export_get_for_actor(**_actor(request), pk=export_id)
    template = "portfolio/export_status.html"
    if request.htmx:
        template += "#status"
    return render(
        request,
        template,
        {
            "export": export,
            "done": export.status in {ExportStatus.DONE, ExportStatus.FAILED},
        },
    )


@require_GET
@role_required(Role.LEARNER, Role.ADMIN)
def export_download(request, export_id: int):
    export = selectors.export_get_for_actor(**_actor(request), pk=export_id)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404("Not ready")
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"portfolio-{export.submission.unit.slug}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- centre settings -----------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def policies(request):
    """The AI-use level the centre allows for each unit its cohorts study."""
    units = selectors.units_for_centre(user=request.user, centre=request.centre)
    levels = selectors.policy_levels(centre=request.centre)
    error = ""
    if request.method == "POST":
        chosen = {u.pk: request.POST.get(f"level-{u.pk}", "") for u in units}
        if any(v not in AiUseLevel.values for v in chosen.values()):
            error = _("Choose one of the listed levels for every unit.")
        else:
            for unit in units:
                if levels.get(unit.pk) != chosen[unit.pk]:
                    services.unit_policy_set(
                        centre=request.centre, unit=unit, ai_use_level=chosen[unit.pk]
                    )
            messages.success(request, _("AI-use levels saved."))
            return redirect("portfolio:policies")
    return render(
        request,
        "portfolio/policies.html",
        {
            "rows": [(u, levels.get(u.pk, AiUseLevel.ASSISTIVE)) for u in units],
            "choices": AiUseLevel.choices,
            "error": error,
        },
    )
