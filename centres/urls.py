from django.urls import path

from centres import console_views, personal_data_views, views

app_name = "centres"

urlpatterns = [
    path("no-centre/", views.no_membership, name="no-membership"),
    path("switch/", views.switch_centre, name="switch"),
    path("baseline/", views.baseline, name="baseline"),
    # The centre console (admins).
    path("console/", console_views.console, name="console"),
    path("console/log/", console_views.audit_log, name="console-log"),
    path(
        "console/cohorts/new/", console_views.cohort_create, name="console-cohort-new"
    ),
    path(
        "console/cohorts/<int:pk>/",
        console_views.cohort_detail,
        name="console-cohort",
    ),
    path(
        "console/cohorts/<int:pk>/edit/",
        console_views.cohort_edit,
        name="console-cohort-edit",
    ),
    path(
        "console/cohorts/<int:pk>/staff/",
        console_views.cohort_staff,
        name="console-cohort-staff",
    ),
    path(
        "console/cohorts/<int:pk>/archive/",
        console_views.cohort_archive,
        name="console-cohort-archive",
    ),
    path(
        "console/cohorts/<int:pk>/import/",
        console_views.enrolment_upload,
        name="console-import-upload",
    ),
    path(
        "console/imports/<int:pk>/", console_views.import_preview, name="console-import"
    ),
    path(
        "console/imports/<int:pk>/confirm/",
        console_views.import_confirm,
        name="console-import-confirm",
    ),
    path(
        "console/imports/<int:pk>/cancel/",
        console_views.import_cancel,
        name="console-import-cancel",
    ),
    path(
        "console/enrolments/<int:pk>/withdraw/",
        console_views.enrolment_withdraw,
        name="console-withdraw",
    ),
    path(
        "settings/notifications/",
        console_views.notification_settings,
        name="notification-settings",
    ),
    # Personal data: one's own download; an admin's subject access and erasure.
    path("my-data/", personal_data_views.my_data, name="personal-data"),
    path(
        "console/learners/<int:learner_pk>/personal-data/",
        personal_data_views.learner_data,
        name="personal-data-learner",
    ),
    path(
        "console/learners/<int:learner_pk>/personal-data/erase/",
        personal_data_views.learner_erase,
        name="personal-data-erase",
    ),
]
