"""Sign in through the real login form and look at single responses."""

import re
from dataclasses import dataclass

import requests

from bench.middleware import HEADER

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class LoginError(RuntimeError):
    pass


def login(base_url: str, username: str, password: str) -> requests.Session:
    """POST the login form like a browser: GET it for the CSRF token, then POST."""
    session = requests.Session()
    form = session.get(f"{base_url}/accounts/login/", timeout=10)
    match = CSRF_FIELD.search(form.text)
    if form.status_code != 200 or match is None:
        raise LoginError(f"login page answered {form.status_code} without a form")
    response = session.post(
        f"{base_url}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": match.group(1),
            "next": "",
        },
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise LoginError(f"signing in as {username} failed ({response.status_code})")
    return session


def cookie_header(session: requests.Session | None) -> str:
    if session is None:
        return ""
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


@dataclass
class Probe:
    status: int
    queries: int | None
    bytes: int
    location: str


def probe(session: requests.Session | None, url: str) -> Probe:
    """One GET (no redirects followed), reading the query-count header."""
    response = (session or requests).get(url, allow_redirects=False, timeout=30)
    header = response.headers.get(HEADER)
    return Probe(
        status=response.status_code,
        queries=int(header) if header is not None else None,
        bytes=len(response.content),
        location=response.headers.get("Location", ""),
    )
