"""Revision pages: units, topics, search and the document upload."""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from centres import caching
from centres.access import member_required, role_required
from centres.models import Role
from revision import forms, selectors, services

TOPIC_CACHE_SECONDS = 3600  # the key carries the content version: edits show at once
TOPIC_HEADER_SECONDS = 600  # bounds an edit that bypassed the importer and the admin


def _actor(request) -> dict:
    return {"user": request.user, "centre": request.centre, "roles": request.roles}


@require_GET
@member_required
def unit_list(request):
    units = list(selectors.units_for_actor(**_actor(request)))
    return render(request, "revision/unit_list.html", {"units": units})


@require_GET
@member_required
def unit_detail(request, slug: str):
    unit = selectors.unit_get_for_actor(**_actor(request), slug=slug)
    return render(request, "revision/unit_detail.html", {"unit": unit})


@require_GET
@member_required
def topic_detail(request, unit_slug: str, slug: str):
    # Whether the actor may see the topic, its titles and content version: kept
    # per user until their centre's cohorts or any revision content change.
    topic = caching.cached(
        versions=[caching.cohorts(request.centre.pk), caching.CONTENT],
        parts=("topic-header", *caching.viewer(request), unit_slug, slug),
        build=lambda: selectors.topic_header_for_actor(
            **_actor(request), unit_slug=unit_slug, slug=slug
        ),
        seconds=TOPIC_HEADER_SECONDS,
    )
    # The body is the same for everyone allowed to see the topic, until an import
    # into its unit (or an edit) moves the unit's content version on.
    key = f"revision:topic-body:{get_language()}:{topic.pk}:{topic.content_version}"
    body = cache.get(key)
    if body is None:
        full = selectors.topic_with_content(topic_id=topic.pk)
        body = render_to_string("revision/topic_body.html", {"topic": full})
        cache.set(key, body, TOPIC_CACHE_SECONDS)
    return render(
        request,
        "revision/topic_detail.html",
        # The body is our own template, rendered with autoescaping just above.
        {"topic": topic, "body": mark_safe(body)},  # noqa: S308  # nosec B308 B703
    )


@require_GET
@member_required
def search(request):
    form = forms.SearchForm(request.GET)
    results = None
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        results = selectors.search_for_actor(
            **_actor(request), query=query, page=form.cleaned_data["page"]
        )
    template = "revision/search.html"
    if request.htmx:
        template += "#results"
    context = {
        "form": form,
        "results": results,
        "hits": results.hits if results else [],
        "query": query,
    }
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def document_upload(request):
    qualifications = selectors.qualifications_for_actor(**_actor(request))
    form = forms.DocumentUploadForm(
        request.POST or None, request.FILES or None, qualifications=qualifications
    )
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        try:
            upload = services.document_import_create(
                user=request.user,
                qualification=form.cleaned_data["qualification"],
                unit_title=form.cleaned_data["unit_title"],
                file_name=document.name,
                data=document.read(),
            )
        except ValidationError as exc:
            form.add_error("document", exc)
        else:
            return redirect("revision:import-status", pk=upload.pk)
    return render(request, "revision/document_upload.html", {"form": form})


@require_GET
@role_required(Role.ADMIN)
def import_status(request, pk: int):
    upload = selectors.document_import_get_for_actor(**_actor(request), pk=pk)
    template = "revision/import_status.html"
    if request.htmx:
        template += "#status"
    return render(request, template, {"upload": upload})
