from django.urls import path

from revision import views

app_name = "revision"

urlpatterns = [
    path("", views.unit_list, name="unit-list"),
    path("search/", views.search, name="search"),
    path("upload/", views.document_upload, name="upload"),
    path("upload/<int:pk>/", views.import_status, name="import-status"),
    path("<slug:slug>/", views.unit_detail, name="unit-detail"),
    path("<slug:unit_slug>/<slug:slug>/", views.topic_detail, name="topic-detail"),
]
