"""Root URLs. Each app owns its own urls.py with an app_name."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from centres import views as centre_views
from centres.access import public, signed_in

# Django's own auth views, opened to signed-out users where they must be.
auth_patterns = [
    path("login/", public(auth_views.LoginView.as_view()), name="login"),
    path("logout/", signed_in(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "password_change/",
        signed_in(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password_change/done/",
        signed_in(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        public(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        public(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        public(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", centre_views.home, name="home"),
    path("health/", centre_views.health, name="health"),
    path("accounts/", include(auth_patterns)),
    path("centres/", include("centres.urls")),
    path("revision/", include("revision.urls")),
    path("practice/", include("practice.urls")),
    path("portfolio/", include("portfolio.urls")),
    path("marking/", include("assessments.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "centres.errors.page_not_found"
handler500 = "centres.errors.server_error"
