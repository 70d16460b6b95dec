from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("progress/", views.progress, name="progress"),
    path("heatmap/", views.heatmap, name="heatmap"),
    # The same reports addressed by cohort (bookmarkable; the benchmark uses these).
    path("cohorts/<int:pk>/progress/", views.progress, name="cohort-progress"),
    path("cohorts/<int:pk>/heatmap/", views.heatmap, name="criteria-heatmap"),
    path("workload/", views.workload, name="workload"),
    path("iqa/", views.iqa, name="iqa"),
]
