"""Signing in, wrong passwords and error pages."""

import pytest
from django.core import mail
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_login_with_wrong_password_says_so_without_leaking(client, learner):
    response = client.post(
        reverse("login"), {"username": "learner", "password": "wrong"}
    )
    unknown = client.post(
        reverse("login"), {"username": "nobody-at-all", "password": "wrong"}
    )

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    # The same message for an unknown user: nothing says whether the account exists.
    assert b"Please enter a correct username and password" in unknown.content
    assert b"does not exist" not in unknown.content
    assert response.context["form"]["username"].value() == "learner"


def test_login_with_right_password_reaches_home(client, learner):
    response = client.post(
        reverse("login"),
        {"username": "learner", "password": factories.PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == learner


def test_unknown_url_gives_styled_404(client_for, learner):
    response = client_for(learner).get("/no/such/page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Criterion" in response.content


def test_password_reset_does_not_reveal_whether_account_exists(client, learner):
    known = client.post(
        reverse("password_reset"), {"email": learner.email}, follow=True
    )
    unknown = client.post(
        reverse("password_reset"), {"email": "stranger@example.org"}, follow=True
    )

    assert known.redirect_chain == unknown.redirect_chain
    assert b"Check your email" in known.content
    assert b"Check your email" in unknown.content
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [learner.email]


def test_server_error_page_is_styled_and_shows_no_traceback():
    from centres import errors
    from config import urls

    response = errors.server_error(None)

    assert urls.handler500 == "centres.errors.server_error"
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"Traceback" not in response.content
