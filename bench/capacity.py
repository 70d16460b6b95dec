"""The capacity run: thousands of active users with realistic think time.

`make bench` holds 5,000 simulated users (`bench-quick`: 500) against the same
gunicorn as the page measures, with locust (headless, in its own virtualenv
`.venv-locust/`, installed on first use), each user waiting 30-90 s between actions:
mostly revision and practice, then portfolio saves and uploads, marking and reports
(the mix is `ACTIONS` below, one line each). Users are spawned at `SPAWN_RATE` per
second; the statistics are reset when the last user has started (`--reset-stats`),
so the figures are for the held load, not the ramp. Pass: no failed request, p95 of
all requests <= 200 ms, and every save the users made is in the database.

Sessions are created on the server side (Django's session store, as a login would)
rather than through the login form: 5,000 PBKDF2 sign-ins would take the machine
most of an hour before the clock starts. Sign-in itself is measured by the login
page figures and by the soak, which signs in through the form.
"""

import csv
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from bench import pages, soak
from bench.stack import ROOT, say

VENV = ROOT / ".venv-locust"
LOCUST_SPEC = "locust>=2.40,<3"
SPAWN_RATE = 50  # users started per second
THINK = (30, 90)  # seconds between one user's actions
P95_LIMIT_MS = 200
MIX = {"learner": 94, "assessor": 5, "admin": 1}  # share of users per role


@dataclass(frozen=True)
class Action:
    name: str
    role: str
    weight: int
    page: str = ""  # a read: a name from pages.PAGES
    url_name: str = ""  # a write: the URL of the form to post
    form: str = ""  # post the form whose action contains this
    verify: str = ""  # "app.Model.field" holding the typed token


ACTIONS = [
    Action("topic page", "learner", 10, page="topic page"),
    Action("practice unit", "learner", 6, page="practice unit"),
    Action("learner home", "learner", 4, page="learner home"),
    Action("search", "learner", 2, page="search"),
    Action("portfolio page", "learner", 3, page="portfolio page"),
    Action("coverage matrix", "learner", 1, page="coverage matrix"),
    Action("save log", "learner", 2, url_name="portfolio:log-new", verify="portfolio.Evidence.title"),
    Action("upload", "learner", 1, url_name="portfolio:upload", verify="portfolio.Evidence.title"),
    Action("assessor home", "assessor", 1, page="assessor home"),
    Action("marking queue", "assessor", 3, page="marking queue"),
    Action("marking screen", "assessor", 3, page="marking screen"),
    Action("record a mark", "assessor", 2, url_name="assessments:mark", form="/save/", verify="assessments.MarkingJudgement.comment"),
    Action("cohort progress report", "admin", 1, page="cohort progress report"),
    Action("criteria heatmap", "admin", 1, page="criteria heatmap"),
]  # fmt: skip


def ensure_locust() -> Path:
    locust = VENV / "bin" / "locust"
    if not locust.exists():
        say(f"Installing {LOCUST_SPEC} into {VENV.name}/ (first capacity run)")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "-q", LOCUST_SPEC], check=True
        )
    return locust


def _learners(ctx, limit: int) -> list:
    """Learners of the first unit's qualification whose portfolio on it is open
    (a submitted one rightly refuses new evidence)."""
    from centres.models import Membership
    from portfolio.models import Submission
    from revision.models import Unit

    unit = Unit.objects.order_by("pk").first()
    locked = Submission.objects.filter(
        unit=unit, status__in=["submitted", "in_marking", "achieved"]
    ).values("learner_id")
    memberships = (
        Membership.objects.filter(centre=ctx.centre, role="learner")
        .filter(
            user__enrolments__cohort__qualification_id=unit.qualification_id,
            user__enrolments__cohort__centre=ctx.centre,
        )
        .exclude(user__password__startswith="!")
        .exclude(user_id__in=locked)
        .select_related("user")
        .order_by("user__username")
        .distinct()[:limit]
    )
    return [m.user for m in memberships]


def _sessions(users: list) -> list[str]:
    """A signed-in session per user, made as `django.contrib.auth.login` would."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def plan(ctx, *, users: int, token: str) -> tuple[dict, dict]:
    from django.conf import settings
    from django.urls import reverse

    from bench.run import resolve_page, url_params
    from revision.models import Unit

    by_name = {p.name: p for p in pages.PAGES}
    unit = Unit.objects.order_by("pk").first()
    actions: dict[str, list] = {role: [] for role in MIX}
    left_out = {}
    for action in ACTIONS:
        try:
            if action.page:
                path, _user = resolve_page(by_name[action.page], ctx)
            elif action.url_name == "assessments:mark":
                # The submission the bench assessor is marking (as the soak's).
                write = next(
                    w
                    for w in soak.ACTIONS["assessor"]
                    if getattr(w, "name", "") == action.name
                )
                kwargs = write.kwargs(ctx, url_params(action.url_name))
                path = reverse(action.url_name, kwargs=kwargs)
            else:
                if url_params(action.url_name) is None:
                    raise LookupError(f"URL name {action.url_name!r} does not exist")
                path = reverse(action.url_name, kwargs={"unit_slug": unit.slug})
        except LookupError as exc:
            left_out[action.name] = str(exc)
            continue
        actions[action.role].append(
            {
                "name": action.name,
                "kind": "read" if action.page else "write",
                "path": path,
                "weight": action.weight,
                "form": action.form,
            }
        )
    learner_count = max(1, users * MIX["learner"] // 100)
    learners = _learners(ctx, learner_count)
    if not learners:
        raise LookupError("no learner with an open portfolio on the first unit")
    # Several sessions of the bench assessor and the centre admin: the marking pages
    # are that assessor's cohort's (bench/dataset.py).
    staff = {
        "assessor": [ctx.user_for("assessor")] * max(1, users * MIX["assessor"] // 100),
        "admin": [ctx.user_for("admin")] * max(1, users * MIX["admin"] // 100),
    }
    sessions = {"learner": _sessions(learners)}
    sessions.update({role: _sessions(people) for role, people in staff.items()})
    return (
        {
            "token": token,
            "mix": MIX,
            "actions": actions,
            "sessions": sessions,
            "csrf_cookie": settings.CSRF_COOKIE_NAME,
        },
        left_out,
    )


def _number(value: str | None) -> float:
    """A locust CSV cell: a number, or "N/A" (no request of that kind was timed)."""
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _stats(csv_path: Path) -> tuple[dict, dict]:
    per_action, total = {}, {}
    with csv_path.open() as handle:
        for row in csv.DictReader(handle):
            figures = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "max_ms": _number(row["Max Response Time"]),
                "rps": round(_number(row["Requests/s"]), 1),
            }
            if row["Name"] == "Aggregated":
                total = figures
            else:
                per_action[f"{row['Type']} {row['Name']}"] = figures
    return per_action, total


def _verify(token: str, writes: dict[str, int]) -> dict[str, str]:
    """Every save the users saw succeed is in the database."""
    from django.apps import apps

    missing = {}
    fields: dict[str, list[str]] = {}
    for action in ACTIONS:
        if action.verify and writes.get(action.name):
            fields.setdefault(action.verify, []).append(action.name)
    for target, names in fields.items():
        label, field_name = target.rsplit(".", 1)
        model = apps.get_model(label)
        stored = model.objects.filter(**{f"{field_name}__contains": token}).count()
        made = sum(writes[name] for name in names)
        if label == "assessments.MarkingJudgement":
            # Each save replaces the draft: at least the last one is stored.
            made = min(made, 1)
        if stored < made:
            missing[", ".join(names)] = f"{made} saved by users, {stored} found"
    return missing


def run(server, ctx, *, users: int, hold_seconds: int, work_dir: Path) -> dict:
    locust = ensure_locust()
    token = f"capacity-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    plan_data, left_out = plan(ctx, users=users, token=token)
    made_sessions = sum(len(v) for v in plan_data["sessions"].values())
    say(
        f"Capacity: {users} users, think {THINK[0]}-{THINK[1]} s, spawn {SPAWN_RATE}/s, "
        f"then {hold_seconds}s held ({made_sessions} sessions made in "
        f"{time.monotonic() - started:.0f}s)"
    )
    work_dir.mkdir(parents=True, exist_ok=True)
    plan_file = work_dir / "capacity-plan.json"
    plan_file.write_text(json.dumps(plan_data))
    writes_file = work_dir / "capacity-writes.json"
    writes_file.unlink(missing_ok=True)
    prefix = work_dir / "capacity"
    ramp = -(-users // SPAWN_RATE)
    env = {
        **os.environ,
        "BENCH_CAPACITY_PLAN": str(plan_file),
        "BENCH_CAPACITY_WRITES": str(writes_file),
        "BENCH_CAPACITY_THINK": f"{THINK[0]},{THINK[1]}",
    }
    if not server.base_url.startswith(("http://127.0.0.1:", "http://[::1]:")):
        raise RuntimeError("the capacity run only targets loopback")
    result = subprocess.run(
        [
            str(locust),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--host",
            server.base_url,
            "--users",
            str(users),
            "--spawn-rate",
            str(SPAWN_RATE),
            "--run-time",
            f"{ramp + hold_seconds}s",
            "--reset-stats",
            "--stop-timeout",
            "10",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=ramp + hold_seconds + 300,
        check=False,
    )
    (work_dir / "capacity-locust.log").write_text(result.stdout + result.stderr)
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        return {
            "ok": False,
            "error": f"locust wrote no statistics (exit {result.returncode}): "
            + (result.stderr.strip().splitlines() or ["?"])[-1],
        }
    per_action, total = _stats(stats_file)
    counts = json.loads(writes_file.read_text()) if writes_file.exists() else {}
    writes, conflicts = counts.get("writes", {}), counts.get("conflicts", {})
    missing = _verify(token, writes)
    failures = []
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with failures_file.open() as handle:
            failures = [
                f"{r['Method']} {r['Name']}: {r['Error']} x{r['Occurrences']}"
                for r in csv.DictReader(handle)
            ][:10]
    ok = (
        bool(total)
        and total["requests"] > 0
        and total["failures"] == 0
        and total["p95_ms"] <= P95_LIMIT_MS
        and not missing
    )
    return {
        "tool": "locust (FastHttpUser)",
        "users": users,
        "spawn_rate": SPAWN_RATE,
        "ramp_seconds": ramp,
        "hold_seconds": hold_seconds,
        "think_s": list(THINK),
        "mix": MIX,
        "requests": total.get("requests", 0),
        "failures": total.get("failures", 0),
        "rps": total.get("rps", 0),
        "p50_ms": total.get("p50_ms"),
        "p95_ms": total.get("p95_ms"),
        "max_ms": total.get("max_ms"),
        "p95_limit_ms": P95_LIMIT_MS,
        "actions": per_action,
        "writes": writes,
        "writes_missing": missing,
        "conflicts_retried": conflicts,
        "failure_samples": failures,
        "left_out": left_out,
        "ok": ok,
    }
