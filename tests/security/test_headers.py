"""Security headers on every page, CSP nonces on every script, and production mode.

Every GET route is rendered as an actor allowed to see it; each HTML page must carry
X-Frame-Options DENY, a Referrer-Policy, nosniff and a nonce-based CSP, and every
<script> in it must carry that response's nonce (no inline event handlers at all).
"""

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.security import routes
from tests.security.harness import client_as
from tests.security.world import UnknownKwarg

BASE_DIR = Path(__file__).resolve().parents[2]
GET_ROUTES = routes.all_routes()


class ScriptAudit(HTMLParser):
    """Collect <script> tags without the expected nonce and on*= attributes."""

    def __init__(self, nonce: str):
        super().__init__()
        self.nonce = nonce
        self.bad_scripts: list[str] = []
        self.handlers: list[str] = []
        self.javascript_urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            src = values.get("src") or ""
            same_origin = src.startswith("/") and not src.startswith("//")
            nonced = self.nonce is not None and values.get("nonce") == self.nonce
            # Inline scripts need this response's nonce; external ones our origin.
            if not (nonced or same_origin):
                self.bad_scripts.append(f"<script {values}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.javascript_urls.append(f"<{tag} {name}={value}>")


def csp_nonce(header: str) -> str | None:
    """The script nonce, present only when the page used one (Django adds it lazily)."""
    match = re.search(r"script-src [^;]*'nonce-([^']+)'", header)
    return match[1] if match else None


@pytest.mark.parametrize("route", GET_ROUTES, ids=[r.id for r in GET_ROUTES])
def test_every_page_has_security_headers_and_only_nonced_scripts(route, world):
    try:
        url = route.url(
            {k: world.ids_for(k, route.name).own for k in route.kwarg_names}
        )
    except UnknownKwarg as error:
        pytest.fail(str(error))
    if route.allowed_roles is None:
        pytest.fail(f"{route.id} has no allowed_roles")
    user = None if route.is_public else world.user("a", route.first_allowed_role())

    response = client_as(user).get(url)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    if response.status_code != 200 or "text/html" not in response.get(
        "Content-Type", ""
    ):
        return
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    audit = ScriptAudit(csp_nonce(csp))
    audit.feed(response.content.decode())
    assert audit.bad_scripts == [], f"{route.id}: scripts without the nonce"
    assert audit.handlers == [], f"{route.id}: inline event handlers"
    assert audit.javascript_urls == [], f"{route.id}: javascript: URLs"


def test_csp_allows_scripts_only_from_self_or_with_a_nonce(settings):
    from django.utils.csp import CSP

    assert settings.SECURE_CSP["script-src"] == [CSP.SELF, CSP.NONCE]
    assert CSP.UNSAFE_INLINE not in settings.SECURE_CSP["script-src"]
    assert "SECURE_CSP_REPORT_ONLY" not in dir(settings) or not getattr(
        settings, "SECURE_CSP_REPORT_ONLY", None
    )


# --- Production mode ----------------------------------------------------------------
def production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "CRITERION_TESTING",
            "DJANGO_DEBUG",
            "PYTEST_CURRENT_TEST",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by tests/conftest.py for Playwright
        }
    }
    env.update(DJANGO_ENV="production", **extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    env = production_env(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="criterion.example.org",
    )

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ({}, "DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_SECRET_KEY": "x" * 60}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_ALLOWED_HOSTS": "criterion.example.org"}, "DJANGO_SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_key_and_hosts(present, missing):
    env = production_env(**present)
    for name in {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"} - set(present):
        env.pop(name, None)

    result = manage("check", env=env)

    assert result.returncode != 0
    assert f"Production mode needs these environment variables: {missing}" in (
        result.stderr
    )


def test_production_cookies_are_secure_and_http_only_with_hsts():
    env = production_env(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="criterion.example.org",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.DEBUG]))"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.strip() == "[true, true, true, 31536000, true, false]"
