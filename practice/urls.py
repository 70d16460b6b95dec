from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("", views.index, name="index"),
    path("settings/", views.settings_edit, name="settings"),
    path("session/<uuid:public_id>/", views.session, name="session"),
    path("session/<uuid:public_id>/review/", views.review, name="review"),
    path("session/<uuid:public_id>/end/", views.session_end, name="session-end"),
    path("unit/<slug:slug>/", views.unit, name="unit"),
    path("unit/<slug:slug>/start/", views.session_start, name="session-start"),
    path("unit/<slug:slug>/progress/", views.progress, name="progress"),
    path("unit/<slug:slug>/goal/", views.goal, name="goal"),
    path("unit/<slug:slug>/catch-up/", views.catch_up, name="catch-up"),
]
