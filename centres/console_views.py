"""The centre console: cohorts, staff, bulk enrolment and the admin log.

Every view here is for centre admins and works on request.centre only; objects at
another centre are 404 through the selectors.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centres import enrolment_import, selectors, services
from centres.access import role_required, signed_in
from centres.forms import (
    CohortForm,
    CohortStaffForm,
    EnrolmentUploadForm,
    NotificationPreferencesForm,
)
from centres.models import (
    ESSENTIAL_NOTIFICATION_KINDS,
    ImportStatus,
    NotificationKind,
    Role,
)
from revision.models import Qualification

PREVIEW_ROWS_SHOWN = 500  # per section; the rest are counted, not listed


def _cohort(request: HttpRequest, pk: int):
    return selectors.cohort_get_for_actor(
        user=request.user, centre=request.centre, roles=frozenset({Role.ADMIN}), pk=pk
    )


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errs in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error.messages)


@require_GET
@role_required(Role.ADMIN)
def console(request: HttpRequest) -> HttpResponse:
    cohorts = selectors.cohort_list_for_actor(
        user=request.user, centre=request.centre, roles=request.roles
    )
    events = selectors.admin_events_for_centre(centre=request.centre)[:15]
    return render(
        request,
        "centres/console/console.html",
        {"cohorts": list(cohorts), "events": list(events)},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def cohort_create(request: HttpRequest) -> HttpResponse:
    form = CohortForm(
        request.POST or None, qualifications=Qualification.objects.order_by("title")
    )
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(
                centre=request.centre, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Cohort “%s” created.") % cohort.name)
            return redirect("centres:console-cohort", pk=cohort.pk)
    return render(request, "centres/console/cohort_form.html", {"form": form})


@require_GET
@role_required(Role.ADMIN)
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    return render(
        request,
        "centres/console/cohort_detail.html",
        {
            "cohort": cohort,
            "enrolments": list(selectors.cohort_enrolments(cohort=cohort)),
            "assessors": list(cohort.assessors.all()),
            "iqas": list(cohort.iqas.all()),
            "events": list(
                selectors.admin_events_for_centre(centre=request.centre, cohort=cohort)[
                    :20
                ]
            ),
            "upload_form": EnrolmentUploadForm(),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def cohort_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    initial = {f: getattr(cohort, f) for f in services.COHORT_EDITABLE_FIELDS}
    form = CohortForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_update(
                cohort=cohort, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Cohort saved."))
            return redirect("centres:console-cohort", pk=cohort.pk)
    return render(
        request, "centres/console/cohort_form.html", {"form": form, "cohort": cohort}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def cohort_staff(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = CohortStaffForm(
        request.POST or None,
        initial={"assessors": cohort.assessors.all(), "iqas": cohort.iqas.all()},
        assessors=selectors.staff_for_centre(centre=request.centre, role=Role.ASSESSOR),
        iqas=selectors.staff_for_centre(centre=request.centre, role=Role.IQA),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_staff_set(
                cohort=cohort, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Assessors and IQAs saved."))
            return redirect("centres:console-cohort", pk=cohort.pk)
    return render(
        request, "centres/console/cohort_staff.html", {"form": form, "cohort": cohort}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def cohort_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST archives (or restores)."""
    cohort = _cohort(request, pk)
    if request.method == "POST":
        if request.POST.get("restore"):
            services.cohort_restore(cohort=cohort, actor=request.user)
            messages.success(request, _("Cohort “%s” restored.") % cohort.name)
        else:
            services.cohort_archive(cohort=cohort, actor=request.user)
            messages.success(request, _("Cohort “%s” archived.") % cohort.name)
        return redirect("centres:console-cohort", pk=cohort.pk)
    return render(request, "centres/console/cohort_archive.html", {"cohort": cohort})


@require_POST
@role_required(Role.ADMIN)
def enrolment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = EnrolmentUploadForm(request.POST, request.FILES)
    error = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            stored = services.enrolment_import_preview(
                cohort=cohort,
                actor=request.user,
                filename=upload.name,
                data=upload.read(enrolment_import.MAX_FILE_BYTES + 1),
            )
        except enrolment_import.ImportFileError as problem:
            error = str(problem)
        else:
            return redirect("centres:console-import", pk=stored.pk)
    return render(
        request,
        "centres/console/import_error.html",
        {"cohort": cohort, "form": form, "error": error},
        status=400,
    )


@require_GET
@role_required(Role.ADMIN)
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    upload = selectors.enrolment_import_get_for_admin(centre=request.centre, pk=pk)
    sections = {"create": [], "update": [], "reject": []}
    for row in upload.rows:
        sections[row["action"]].append(row)
    return render(
        request,
        "centres/console/import_preview.html",
        {
            "upload": upload,
            "cohort": upload.cohort,
            "rejected": sections["reject"][:PREVIEW_ROWS_SHOWN],
            "created": sections["create"][:PREVIEW_ROWS_SHOWN],
            "updated": sections["update"][:PREVIEW_ROWS_SHOWN],
            "shown": PREVIEW_ROWS_SHOWN,
            "is_open": upload.status == ImportStatus.PREVIEWED,
        },
    )


@require_POST
@role_required(Role.ADMIN)
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = selectors.enrolment_import_get_for_admin(centre=request.centre, pk=pk)
    try:
        done = services.enrolment_import_confirm(
            upload=upload,
            actor=request.user,
            link_base=request.build_absolute_uri("/"),
        )
    except services.ImportChanged:
        messages.warning(
            request,
            _(
                "Enrolments changed since this preview. Check the updated preview "
                "and confirm again; nothing was imported."
            ),
        )
        return redirect("centres:console-import", pk=upload.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("centres:console-import", pk=upload.pk)
    messages.success(
        request,
        _(
            "Imported: %(new)s new learners invited, %(existing)s existing learners "
            "enrolled, %(rejected)s rows skipped."
        )
        % {
            "new": done.created_count,
            "existing": done.updated_count,
            "rejected": done.rejected_count,
        },
    )
    return redirect("centres:console-cohort", pk=done.cohort_id)


@require_POST
@role_required(Role.ADMIN)
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    upload = selectors.enrolment_import_get_for_admin(centre=request.centre, pk=pk)
    services.enrolment_import_cancel(upload=upload)
    messages.info(request, _("Import cancelled; nothing was imported."))
    return redirect("centres:console-cohort", pk=upload.cohort_id)


@require_POST
@role_required(Role.ADMIN)
def enrolment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_get_for_admin(centre=request.centre, pk=pk)
    services.enrolment_withdraw(enrolment=enrolment, actor=request.user)
    messages.success(request, _("%s withdrawn from the cohort.") % enrolment.learner)
    return redirect("centres:console-cohort", pk=enrolment.cohort_id)


@require_GET
@role_required(Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    events = selectors.admin_events_for_centre(centre=request.centre)
    query = request.GET.get("q", "").strip()
    if query:
        events = events.filter(
            Q(subject__email__icontains=query)
            | Q(subject__last_name__icontains=query)
            | Q(actor__username__icontains=query)
            | Q(cohort__name__icontains=query)
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "centres/console/audit_log.html", {"page": page, "q": query})


@require_http_methods(["GET", "POST"])
@signed_in
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Every user: switch optional emails on or off (essential ones always go)."""
    optional = [
        (k.value, k.label)
        for k in NotificationKind
        if k not in ESSENTIAL_NOTIFICATION_KINDS
    ]
    enabled = selectors.notification_kinds_enabled_for(user=request.user)
    form = NotificationPreferencesForm(
        request.POST or None, initial={"enabled": enabled}, choices=optional
    )
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["enabled"])
        services.notification_preferences_update(
            user=request.user, muted_kinds=[k for k, _l in optional if k not in wanted]
        )
        messages.success(request, _("Email preferences saved."))
        return redirect(reverse("centres:notification-settings"))
    essential = [
        NotificationKind(k).label for k in sorted(ESSENTIAL_NOTIFICATION_KINDS)
    ]
    return render(
        request,
        "centres/notification_settings.html",
        {"form": form, "essential": essential},
    )
