from django.urls import path

from centres import views

app_name = "centres"

urlpatterns = [
    path("no-centre/", views.no_membership, name="no-membership"),
    path("switch/", views.switch_centre, name="switch"),
    path("baseline/", views.baseline, name="baseline"),
]
