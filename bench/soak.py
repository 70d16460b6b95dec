"""The soak: many simulated users at once (threads, each with its own signed-in
session), learners revising and saving work, assessors marking. It reports requests,
errors (must be 0) and p95 per action, then checks that every write is in the
database.

Actions are one line each. A read names a page from bench/pages.py; a write names a
URL whose first POST form is filled like a browser would (hidden fields kept, first
choice of each select, a unique token in each text field) and says how to find the
row afterwards: ("app.Model", "text field holding the token") or ("app.Model", None)
to count rows instead. Actions whose URL does not exist yet are left out, with the
reason in the report.
"""

import contextlib
import random
import statistics
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from bench import client, forms, pages

TOKEN = "soak-token"


@dataclass(frozen=True)
class Read:
    page: str  # a name from pages.PAGES
    weight: int = 1


@dataclass(frozen=True)
class Write:
    name: str
    url_name: str
    verify: tuple[str, str | None]
    kwargs: object = None
    weight: int = 1
    form: str = ""  # post the form whose action contains this
    then_post: bool = False  # after the redirect, post the next page's form too
    replaces: bool = False  # each save overwrites the last (draft marks)


ACTIONS = {
    "learner": [
        Read("learner home", 2),
        Read("topic page", 4),
        Read("practice unit", 2),
        Read("portfolio page", 2),
        Read("search", 1),
        Write("practice review", "practice:unit", ("practice.ReviewLog", None), kwargs=pages.obj("revision.Unit"), form="/start/", then_post=True, weight=3),
        Write("save log", "portfolio:log-new", ("portfolio.Evidence", "title"), kwargs=pages.obj("revision.Unit"), weight=2),
    ],
    "assessor": [
        Read("assessor home", 1),
        Read("marking queue", 3),
        Read("marking screen", 3),
        Write("record a mark", "assessments:mark", ("assessments.MarkingJudgement", "comment"), form="/save/", replaces=True,
              kwargs=pages.obj("portfolio.Submission", where=lambda ctx: {"centre": ctx.centre, "status": "in_marking", "markings__assessor": ctx.user_for("assessor")}), weight=2),
    ],
}  # fmt: skip
LEARNER_SHARE = 0.8
# A save that met another's (409) is saved again after re-reading the page, up to
# this many saves in all: the soak's assessor sessions all mark one submission.
SAVE_ATTEMPTS = 3
REREAD_SECONDS = (1.0, 3.0)


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.tokens: dict[str, list[str]] = defaultdict(list)  # write -> tokens
        self.writes: dict[str, int] = defaultdict(int)
        self.conflicts: dict[str, int] = defaultdict(int)  # 409s, saved on retry

    def record(self, name: str, ms: float, error: str = "") -> None:
        with self.lock:
            self.latency[name].append(ms)
            if error:
                self.errors[name].append(error)


def plan(ctx, resolve_page, url_params) -> tuple[dict, dict]:
    from django.urls import NoReverseMatch, reverse

    by_name = {p.name: p for p in pages.PAGES}
    available: dict[str, list] = {}
    left_out: dict[str, str] = {}
    for role, actions in ACTIONS.items():
        available[role] = []
        for action in actions:
            try:
                if isinstance(action, Read):
                    path, _user = resolve_page(by_name[action.page], ctx)
                    available[role].append(
                        (action.page, "read", path, None, action.weight)
                    )
                else:
                    params = url_params(action.url_name)
                    if params is None:
                        raise LookupError(
                            f"URL name {action.url_name!r} does not exist yet"
                        )
                    kwargs = action.kwargs(ctx, params) if action.kwargs else {}
                    try:
                        path = reverse(action.url_name, kwargs=kwargs or None)
                    except NoReverseMatch as exc:
                        raise LookupError(
                            f"cannot reverse {action.url_name}: {exc}"
                        ) from exc
                    available[role].append(
                        (action.name, "write", path, action, action.weight)
                    )
            except LookupError as exc:
                left_out[getattr(action, "page", None) or action.name] = str(exc)
    return available, left_out


def _post(session, base_url, path, form, token):
    data = dict(form.fields)
    for name in form.text_fields:
        data[name] = f"{TOKEN} {token}: spoke to the customer about a late delivery"
    for name, values in form.choices.items():
        data.setdefault(name, values[0])
    target = form.action if form.action.startswith("/") else path
    return session.post(
        base_url + target,
        data=data,
        files=dict.fromkeys(
            form.file_fields, ("soak.txt", b"soak evidence", "text/plain")
        )
        or None,
        headers={"Referer": base_url + path},
        allow_redirects=False,
        timeout=30,
    )


def _write(session, base_url, path, action, token, recorder) -> str:
    page = session.get(base_url + path, timeout=30)
    if page.status_code != 200:
        return f"form page answered {page.status_code}"
    form = forms.post_form(page.text, needs=action.form)
    if form is None:
        return "no POST form on the page"
    if action.then_post:
        started = _post(session, base_url, path, form, token)
        location = started.headers.get("Location", "")
        if started.status_code not in (302, 303) or not location.startswith("/"):
            return f"first POST answered {started.status_code}"
        page = session.get(base_url + location, timeout=30)
        path = location
        form = forms.post_form(page.text)
        if page.status_code != 200 or form is None:
            return f"next page answered {page.status_code} without a form"
    response = _post(session, base_url, path, form, token)
    for _attempt in range(1, SAVE_ATTEMPTS):
        if response.status_code != 409:
            break
        # Another user saved first (several sessions mark one submission): the page
        # says so and keeps what was typed; like an assessor, read it, reload and
        # save again.
        with recorder.lock:
            recorder.conflicts[action.name] += 1
        time.sleep(random.uniform(*REREAD_SECONDS))
        page = session.get(base_url + path, timeout=30)
        form = forms.post_form(page.text, needs=action.form)
        if page.status_code != 200 or form is None:
            return f"form page answered {page.status_code} after a conflict"
        response = _post(session, base_url, path, form, token)
    if response.status_code not in (200, 201, 204, 302, 303):
        return f"POST answered {response.status_code}"
    if response.status_code == 200 and (
        "is-invalid" in response.text or 'id="form-errors"' in response.text
    ):
        return "POST answered with form errors"
    with recorder.lock:
        recorder.writes[action.name] += 1
        recorder.tokens[action.name].append(token)
    return ""


def _user_loop(n, session, username, base_url, actions, stop_at, think, recorder, rng):
    weights = [a[4] for a in actions]
    count = 0
    while time.monotonic() < stop_at:
        name, kind, path, spec, _w = rng.choices(actions, weights=weights)[0]
        started = time.perf_counter()
        error = ""
        try:
            if kind == "read":
                response = session.get(
                    base_url + path, allow_redirects=False, timeout=30
                )
                if response.status_code != 200:
                    error = f"GET answered {response.status_code}"
            else:
                count += 1
                error = _write(
                    session, base_url, path, spec, f"{username}-{n}-{count}", recorder
                )
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        recorder.record(name, (time.perf_counter() - started) * 1000, error)
        time.sleep(rng.uniform(*think))


def _verify(recorder, counts_before) -> dict:
    from django.apps import apps

    missing = {}
    for role_actions in ACTIONS.values():
        for action in role_actions:
            if not isinstance(action, Write) or not recorder.writes.get(action.name):
                continue
            label, field_name = action.verify
            model = apps.get_model(label)
            made = recorder.writes[action.name]
            if field_name and action.replaces:
                # Each save replaces the draft marks: the last one must be stored.
                last = recorder.tokens[action.name][-1]
                found = model.objects.filter(**{f"{field_name}__contains": last})
                if not found.exists():
                    missing[action.name] = f"the last of {made} saves is not stored"
                continue
            if field_name:
                stored = model.objects.filter(
                    **{f"{field_name}__contains": TOKEN}
                ).count()
            else:
                stored = model.objects.count() - counts_before.get(label, 0)
            if stored < made:
                missing[action.name] = f"{made} saved by users, {stored} found"
    return missing


def run(
    server, ctx, *, users: int, seconds: float, password: str, think=(3.0, 8.0)
) -> dict:
    from django.apps import apps

    from bench.run import resolve_page, url_params

    available, left_out = plan(ctx, resolve_page, url_params)
    if not any(a[1] == "write" for acts in available.values() for a in acts):
        left_out["(writes)"] = "no write action exists yet: the soak only reads"
    counts_before = {}
    for acts in ACTIONS.values():
        for a in acts:
            if isinstance(a, Write):
                with contextlib.suppress(LookupError):
                    counts_before[a.verify[0]] = apps.get_model(
                        a.verify[0]
                    ).objects.count()
    from centres.models import Membership

    accounts = {
        role: list(
            Membership.objects.filter(centre=ctx.centre, role=role)
            # Not invited-but-unregistered learners (the enrolment import's).
            .exclude(user__password__startswith="!")
            .order_by("user__username")
            .values_list("user__username", flat=True)[:users]
        )
        for role in ACTIONS
    }
    # Learners write logs on the first unit: leave out those whose portfolio for it
    # is with the assessor (the demo marks some), whose saves are rightly refused.
    from portfolio.models import Submission
    from revision.models import Unit

    locked = Submission.objects.filter(
        unit=Unit.objects.order_by("pk").first(),
        status__in=["submitted", "in_marking", "achieved"],
    ).values_list("learner__username", flat=True)
    accounts["learner"] = list(
        Membership.objects.filter(centre=ctx.centre, role="learner")
        .exclude(user__password__startswith="!")
        .exclude(user__username__in=locked)
        .order_by("user__username")
        .values_list("user__username", flat=True)[:users]
    )
    # The marking pages are for the bench assessor's cohort (bench/dataset.py):
    # every assessor session signs in as that assessor, so none is refused a 404.
    accounts["assessor"] = [ctx.user_for("assessor").username]
    learners = max(1, round(users * LEARNER_SHARE)) if available["assessor"] else users
    recorder = Recorder()
    rng = random.Random(20261123)
    print(f"Soak: {users} users ({learners} learners) for {seconds:g}s", flush=True)
    # Sign everyone in first (the real form, real password hashing: ~0.5 s each),
    # so the soak's clock measures revising and marking, not PBKDF2.
    plan_users = []
    for n in range(users):
        role = "learner" if n < learners else "assessor"
        pool = accounts[role]
        plan_users.append((n, role, pool[n % len(pool)]))
    with ThreadPoolExecutor(max_workers=4) as executor:
        sessions = list(
            executor.map(
                lambda u: client.login(server.base_url, u[2], password), plan_users
            )
        )
    stop_at = time.monotonic() + seconds
    threads = []
    for (n, role, username), session in zip(plan_users, sessions, strict=True):
        thread = threading.Thread(
            target=_user_loop,
            args=(n, session, username, server.base_url, available[role],
                  stop_at, think, recorder, random.Random(rng.random())),
            daemon=True,
        )  # fmt: skip
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    missing = _verify(recorder, counts_before)
    per_action = {}
    for name, values in sorted(recorder.latency.items()):
        ordered = sorted(values)
        per_action[name] = {
            "requests": len(values),
            "errors": len(recorder.errors.get(name, [])),
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(
                ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1
            ),
        }
    total = sum(a["requests"] for a in per_action.values())
    errors = sum(a["errors"] for a in per_action.values())
    return {
        "users": users,
        "seconds": seconds,
        "think_s": list(think),
        "requests": total,
        "rps": round(total / seconds, 1),
        "errors": errors,
        "error_samples": {k: v[:3] for k, v in recorder.errors.items()},
        "writes": dict(recorder.writes),
        "conflicts_retried": dict(recorder.conflicts),
        "writes_missing": missing,
        "actions": per_action,
        "left_out": left_out,
        "ok": errors == 0 and not missing and total > 0,
    }
