"""The capacity run's users, for locust (started by bench/capacity.py, never alone).

Each simulated user takes one signed-in session from the plan file
(`BENCH_CAPACITY_PLAN`, written by bench/capacity.py), waits 30-90 s between
actions (`BENCH_CAPACITY_THINK`, "30,90") and picks a weighted action of its role:
reads (a page that must answer 200) and writes (GET the form, POST it like a
browser would with a unique token in its text, expect the redirect after a save).
Only 127.0.0.1 is ever the host.
"""

import itertools
import json
import os
import random
import re
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import forms

PLAN = json.loads(Path(os.environ["BENCH_CAPACITY_PLAN"]).read_text())
THINK = tuple(
    float(x) for x in os.environ.get("BENCH_CAPACITY_THINK", "30,90").split(",")
)
TOKEN = PLAN["token"]
CSRF_COOKIE = PLAN.get("csrf_cookie", "csrftoken")
_sessions = {
    role: itertools.cycle(cookies) for role, cookies in PLAN["sessions"].items()
}
_lock = threading.Lock()
_counter = itertools.count(1)
WRITES: dict[str, int] = {}
CONFLICTS: dict[str, int] = {}  # 409 answers, saved again on a reloaded form
# Hundreds of simulated assessors share the bench assessor's one submission being
# marked, so a reloaded save can meet another's save too; a person would read the
# message and try again.
SAVE_ATTEMPTS = 3
REREAD_SECONDS = (1.0, 3.0)  # reading the conflict message before saving again


def _encode(data: dict[str, str], file_fields: list[str]) -> tuple[bytes, str]:
    """The body a browser sends: urlencoded, or multipart with a small text file."""
    if not file_fields:
        return urlencode(data).encode(), "application/x-www-form-urlencoded"
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in data.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name in file_fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="capacity.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n".encode()
            + b"Capacity run evidence: notes from a customer call.\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _cookie(set_cookie: str | list[str], name: str) -> str:
    """A cookie's value from a response's Set-Cookie (a list when it set several)."""
    if isinstance(set_cookie, list):
        set_cookie = ", ".join(set_cookie)
    match = re.search(rf"(?:^|[,;\s]){re.escape(name)}=([^;,\s]+)", set_cookie)
    return match.group(1) if match else ""


def _next_session(role: str) -> str:
    with _lock:
        return next(_sessions[role])


class _RoleUser(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.cookie = _next_session(self.role)
        # A new connection per action, as a browser's would be after 30-90 s idle
        # (gunicorn closes idle keep-alive connections after a few seconds).
        self.headers = {"Cookie": self.cookie, "Connection": "close"}
        actions = PLAN["actions"][self.role]
        self.actions = actions
        self.weights = [a["weight"] for a in actions]
        # A person signs in at their own moment, not all within the spawn second:
        # the first action comes after a think time like every other, so starting
        # 50 users a second is not a burst of 50 first visits a second.
        time.sleep(random.uniform(0, THINK[1]))

    @task
    def act(self) -> None:
        action = random.choices(self.actions, weights=self.weights)[0]
        if action["kind"] == "read":
            with self.client.get(
                action["path"],
                headers=self.headers,
                name=action["name"],
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"GET answered {response.status_code}")
            return
        self._write(action)

    def _write(self, action: dict, attempt: int = 1) -> None:
        with self.client.get(
            action["path"],
            headers=self.headers,
            name=f"{action['name']} (form)",
            allow_redirects=False,
            catch_response=True,
        ) as page:
            form = forms.post_form(page.text or "", needs=action.get("form", ""))
            if page.status_code != 200 or form is None:
                page.failure(f"form page answered {page.status_code}")
                return
            # The CSRF cookie the form page set, sent back with the POST as a
            # browser would (the session cookie is the only one the plan gives).
            csrf = _cookie(page.headers.get("Set-Cookie") or "", CSRF_COOKIE)
        token = f"{TOKEN} {next(_counter)}-{os.getpid()}"
        data = dict(form.fields)
        for name in form.text_fields:
            data[name] = f"{token}: spoke to the customer about a late delivery"
        for name, values in form.choices.items():
            data.setdefault(name, values[0])
        target = form.action if form.action.startswith("/") else action["path"]
        body, content_type = _encode(data, form.file_fields)
        with self.client.post(
            target,
            data=body,
            headers={
                **self.headers,
                "Cookie": f"{self.cookie}; {CSRF_COOKIE}={csrf}"
                if csrf
                else self.cookie,
                "Referer": action["path"],
                "Content-Type": content_type,
            },
            name=action["name"],
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 409 and attempt < SAVE_ATTEMPTS:
                # Another user saved first (several sessions mark one submission):
                # the page says so; like an assessor, reload the form and save again.
                response.success()
                with _lock:
                    CONFLICTS[action["name"]] = CONFLICTS.get(action["name"], 0) + 1
                time.sleep(random.uniform(*REREAD_SECONDS))  # gevent-patched
                self._write(action, attempt + 1)
                return
            if response.status_code not in (302, 303):
                response.failure(f"POST answered {response.status_code}")
                return
        with _lock:
            WRITES[action["name"]] = WRITES.get(action["name"], 0) + 1


class Learner(_RoleUser):
    role = "learner"
    weight = PLAN["mix"]["learner"]


class Assessor(_RoleUser):
    role = "assessor"
    weight = PLAN["mix"]["assessor"]


class Admin(_RoleUser):
    role = "admin"
    weight = PLAN["mix"]["admin"]


@events.quitting.add_listener
def _write_counts(environment, **_kwargs) -> None:
    out = os.environ.get("BENCH_CAPACITY_WRITES")
    if out:
        Path(out).write_text(json.dumps({"writes": WRITES, "conflicts": CONFLICTS}))
