"""Personal data pages: a person's own data download, and an admin's subject access
export and erasure request for a learner of their centre.

Downloads are built into a temporary file and streamed from it (FileResponse reads it
in chunks), so a large portfolio never sits in memory whole.
"""

import tempfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from centres import personal_data, selectors
from centres.access import role_required, signed_in
from centres.console_views import _errors_to_form
from centres.forms import ErasureConfirmForm
from centres.models import Role, User

SPOOL_BYTES = 8 * 1024 * 1024  # exports under 8 MB stay in memory, bigger go to disk


def _zip_response(*, person: User, actor: User, centre) -> FileResponse:
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    personal_data.export_write(user=person, target=target, actor=actor, centre=centre)
    target.seek(0)
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        target,
        as_attachment=True,
        filename=f"criterion-personal-data-{person.username}-{stamp}.zip",
        content_type="application/zip",
    )


def _learner(request: HttpRequest, learner_pk: int) -> User:
    """A learner of the admin's centre (404 for anyone else's)."""
    return selectors.learner_get_for_actor(
        user=request.user,
        centre=request.centre,
        roles=frozenset({Role.ADMIN}),
        pk=learner_pk,
    )


@require_http_methods(["GET", "POST"])
@signed_in
def my_data(request: HttpRequest) -> HttpResponse:
    """Anyone: download everything Criterion holds about them (POST gives the ZIP)."""
    if request.method == "POST":
        return _zip_response(
            person=request.user, actor=request.user, centre=request.centre
        )
    return render(request, "centres/personal_data/my_data.html")


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def learner_data(request: HttpRequest, learner_pk: int) -> HttpResponse:
    """Admin: a subject access export for a learner of this centre."""
    learner = _learner(request, learner_pk)
    blocked = personal_data.other_centre_memberships(
        user=learner, centre=request.centre
    )
    if request.method == "POST" and not blocked:
        return _zip_response(person=learner, actor=request.user, centre=request.centre)
    return render(
        request,
        "centres/personal_data/learner_data.html",
        {
            "learner": learner,
            "blocked": blocked,
            "erased": personal_data.is_erased(learner),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def learner_erase(request: HttpRequest, learner_pk: int) -> HttpResponse:
    """Admin: erase a learner of this centre after typing their username."""
    learner = _learner(request, learner_pk)
    form = ErasureConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            personal_data.person_erase(
                actor=request.user,
                centre=request.centre,
                person=learner,
                confirmation=form.cleaned_data["confirmation"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("The learner's personal data has been erased (now “%s”).")
                % learner.username,
            )
            return redirect("centres:personal-data-learner", learner_pk=learner.pk)
    return render(
        request,
        "centres/personal_data/learner_erase.html",
        {
            "learner": learner,
            "form": form,
            "summary": personal_data.erasure_summary(user=learner),
            "blocked": personal_data.other_centre_memberships(
                user=learner, centre=request.centre
            ),
            "erased": personal_data.is_erased(learner),
        },
    )
