from django.urls import path

from portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("", views.index, name="index"),
    path("learners/", views.learner_list, name="learners"),
    path("ai-use/", views.policies, name="policies"),
    path("learners/<int:learner_id>/", views.learner_units, name="learner-units"),
    path(
        "learners/<int:learner_id>/<slug:unit_slug>/",
        views.learner_unit,
        name="learner-unit",
    ),
    path(
        "learners/<int:learner_id>/<slug:unit_slug>/coverage/",
        views.learner_coverage,
        name="learner-coverage",
    ),
    path(
        "learners/<int:learner_id>/<slug:unit_slug>/versions/<int:number>/",
        views.version_detail,
        name="version-detail",
    ),
    path(
        "learners/<int:learner_id>/<slug:unit_slug>/export/",
        views.export_request,
        name="export-request",
    ),
    path("exports/<int:export_id>/", views.export_status, name="export-status"),
    path(
        "exports/<int:export_id>/download/",
        views.export_download,
        name="export-download",
    ),
    path("evidence/<int:evidence_id>/", views.evidence_detail, name="evidence-detail"),
    path("evidence/<int:evidence_id>/file/", views.evidence_file, name="evidence-file"),
    path("evidence/<int:evidence_id>/map/", views.evidence_map, name="evidence-map"),
    path(
        "evidence/<int:evidence_id>/suggestions/",
        views.evidence_suggestions,
        name="evidence-suggestions",
    ),
    path(
        "evidence/<int:evidence_id>/delete/",
        views.evidence_delete,
        name="evidence-delete",
    ),
    path(
        "suggestions/<int:suggestion_id>/decide/",
        views.suggestion_decide,
        name="suggestion-decide",
    ),
    path("units/<slug:unit_slug>/", views.unit, name="unit"),
    path("units/<slug:unit_slug>/coverage/", views.coverage, name="coverage"),
    path("units/<slug:unit_slug>/logs/new/", views.log_edit, name="log-new"),
    path(
        "units/<slug:unit_slug>/witness/new/",
        views.log_edit,
        {"kind": "witness"},
        name="witness-new",
    ),
    path(
        "units/<slug:unit_slug>/logs/<int:evidence_id>/",
        views.log_edit,
        name="log-edit",
    ),
    path("units/<slug:unit_slug>/autosave/", views.log_autosave, name="log-autosave"),
    path("units/<slug:unit_slug>/upload/", views.upload, name="upload"),
    path("units/<slug:unit_slug>/submit/", views.submit, name="submit"),
]
