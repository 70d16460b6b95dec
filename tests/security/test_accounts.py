"""Accounts: brute-force lockout (django-axes), unlock, password rules, sessions.

Password reset not revealing accounts is tested in tests/centres/test_auth.py.
"""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LOCKED = b"Too many failed sign-in attempts"


WRONG = "wrong-password"


def attempt(client: Client, username: str, password: str = WRONG):
    return client.post(reverse("login"), {"username": username, "password": password})


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def test_axes_settings_lock_after_five_failures_by_username_and_by_address():
    assert "axes" in settings.INSTALLED_APPS
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_five_failures_lock_the_username_even_from_other_addresses(learner):
    for n in range(5):
        # given: five wrong passwords, each from a different address
        response = attempt(from_address(f"192.0.2.{n + 1}"), "learner")
        assert response.status_code in {200, 429}

    # when: the right password, from yet another address
    response = attempt(from_address("192.0.2.99"), "learner", factories.PASSWORD)

    # then: still locked, with the explanation page, and not signed in
    assert response.status_code == 429
    assert LOCKED in response.content
    assert "_auth_user_id" not in response.wsgi_request.session


def test_four_failures_then_the_right_password_signs_in(learner):
    client = from_address("192.0.2.10")
    for _ in range(4):
        attempt(client, "learner")

    response = attempt(client, "learner", factories.PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_five_failures_from_one_address_lock_that_address(learner):
    attacker = from_address("198.51.100.7")
    for n in range(5):
        attempt(attacker, f"guess-{n}")

    locked = attempt(attacker, "learner", factories.PASSWORD)
    elsewhere = attempt(from_address("198.51.100.8"), "learner", factories.PASSWORD)

    assert locked.status_code == 429
    assert LOCKED in locked.content
    # The account itself is not locked: the learner signs in from their own address.
    assert elsewhere.status_code == 302


def test_admin_unlocks_a_username_with_axes_reset_username(learner):
    for n in range(5):
        attempt(from_address(f"203.0.113.{n + 1}"), "learner")
    assert attempt(from_address("203.0.113.50"), "learner").status_code == 429

    call_command("axes_reset_username", "learner")
    response = attempt(from_address("203.0.113.50"), "learner", factories.PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_admin_unlocks_an_address_with_axes_reset_ip(learner):
    attacker = from_address("198.51.100.9")
    for n in range(5):
        attempt(attacker, f"guess-{n}")

    call_command("axes_reset_ip", "198.51.100.9")
    response = attempt(attacker, "learner", factories.PASSWORD)

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "This password is too short"),
        ("password123", "This password is too common"),
        ("83920174652", "This password is entirely numeric"),
        ("learner-name", "too similar to the username"),
    ],
)
def test_weak_passwords_are_refused(learner, password, message):
    learner.username = "learner-name"

    with pytest.raises(ValidationError) as error:
        validate_password(password, user=learner)

    assert any(message in m for m in error.value.messages)


def test_password_change_signs_out_other_sessions_but_keeps_this_one(learner):
    here, elsewhere = Client(), Client()
    here.force_login(learner)
    elsewhere.force_login(learner)

    response = here.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert here.get(reverse("home")).status_code == 200
    signed_out = elsewhere.get(reverse("home"))
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("login"))


def test_session_cookie_is_http_only_and_csrf_cookie_too():
    # Secure (HTTPS-only) cookies in production: tests/security/test_headers.py.
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.CSRF_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
