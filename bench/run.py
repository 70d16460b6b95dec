"""`python -m bench.run [--quick]`: start the stack, measure every page, report.

See docs/performance.md for what each figure means. Exit status 1 when a page's
query count rose since the last committed results (the regression gate) or the
soak saw errors or lost writes.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime

from bench import client, pages, report, stack, wrk
from bench.stack import say

MODES = {
    # learners per centre, seconds per throughput run, runs, soak seconds, soak users,
    # capacity run: users held (think time 30-90 s) and seconds held after the ramp
    "quick": {"learners": 100, "seconds": 1, "runs": 3, "soak_seconds": 30, "soak_users": 50, "capacity_users": 500, "capacity_seconds": 45},
    "full": {"learners": 5000, "seconds": 6, "runs": 3, "soak_seconds": 180, "soak_users": 60, "capacity_users": 5000, "capacity_seconds": 180},
}  # fmt: skip
CONNECTIONS = 8  # saturates 2 workers x 4 threads
PASSWORD = "demo"  # seed_demo's --password for every account


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small world, short runs")
    parser.add_argument("--learners", type=int, help="learners per centre")
    parser.add_argument("--seconds", type=float, help="seconds per throughput run")
    parser.add_argument("--runs", type=int, help="throughput runs per page (noise)")
    parser.add_argument("--soak-seconds", type=float, help="soak duration (0: none)")
    parser.add_argument("--soak-users", type=int, help="concurrent soak users")
    parser.add_argument(
        "--capacity-users", type=int, help="capacity run users (0: none)"
    )
    parser.add_argument("--capacity-seconds", type=int, help="capacity run hold time")
    parser.add_argument("--only", action="append", default=[], help="page name(s)")
    parser.add_argument(
        "--record",
        action="store_true",
        help="also write a dated results file to commit",
    )
    parser.add_argument("--profile", metavar="PAGE", help="cProfile one page and stop")
    return parser.parse_args(argv)


class Context:
    """What page finders see: the first demo centre and its users by role."""

    def __init__(self) -> None:
        from centres.models import Centre, Membership, User

        self.user_model = User
        self.centre = Centre.objects.order_by("pk").first()
        self._membership = Membership
        self._users: dict[str, object] = {}

    def user_for(self, role: str):
        if role not in self._users:
            membership = (
                self._membership.objects.filter(centre=self.centre, role=role)
                .select_related("user")
                .order_by("user__username")
                .first()
            )
            if membership is None:
                raise LookupError(f"no {role} at {self.centre}")
            self._users[role] = membership.user
        return self._users[role]


def url_params(url_name: str) -> list[str] | None:
    """The URL's parameter names, or None when the name does not exist."""
    from django.urls import get_resolver

    resolver = get_resolver()
    *namespaces, view = url_name.split(":")
    try:
        for ns in namespaces:
            _prefix, resolver = resolver.namespace_dict[ns]
        possibilities = resolver.reverse_dict.getlist(view)
    except KeyError:
        return None
    if not possibilities:
        return None
    return list(possibilities[0][0][0][1])


def resolve_page(page: pages.Page, ctx: Context) -> tuple[str, object | None]:
    """(path, user) for a page; raises LookupError with a reason to skip."""
    from django.urls import NoReverseMatch, reverse
    from django.utils.http import urlencode

    params = url_params(page.url_name)
    if params is None:
        raise LookupError(f"URL name {page.url_name!r} does not exist yet")
    try:
        kwargs = page.kwargs(ctx, params) if page.kwargs else {}
        user = None
        if page.role is not None:
            user = page.user(ctx, page.role) if page.user else ctx.user_for(page.role)
    except Exception as exc:
        raise LookupError(f"cannot pick what to request: {exc}") from exc
    try:
        path = reverse(page.url_name, kwargs=kwargs or None)
    except NoReverseMatch as exc:
        raise LookupError(f"cannot reverse {page.url_name}: {exc}") from exc
    if page.query:
        path += "?" + urlencode(page.query)
    return path, user


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo").read().splitlines():  # noqa: SIM115
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(open("/proc/meminfo").readline().split()[1])  # noqa: SIM115
    except OSError:
        mem_kb = 0
    import django
    import gunicorn

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
    }


def dataset_rows() -> dict[str, int]:
    from django.apps import apps

    ours = {
        "centres",
        "revision",
        "practice",
        "suggestions",
        "portfolio",
        "assessments",
        "reports",
        "outbox",
    }
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in ours and not model._meta.proxy:
            rows[model._meta.label] = model.objects.count()
    return {k: v for k, v in sorted(rows.items()) if v}


class Sessions:
    """One signed-in session per user, made through the real login form."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._by_user: dict[str, object] = {}

    def for_user(self, user):
        if user is None:
            return None
        if user.username not in self._by_user:
            self._by_user[user.username] = client.login(
                self.base_url, user.username, PASSWORD
            )
        return self._by_user[user.username]


def measure_pages(server, ctx, opts, only) -> tuple[dict, dict]:
    """Throughput runs interleaved across pages, each paired with a run of its
    role's baseline just before it, then one single-connection run per page for
    latency."""
    wrk_path = wrk.ensure_wrk()
    sessions = Sessions(server.base_url)
    skipped: dict[str, str] = {}
    targets = []  # (name, page, url, session, baseline-key)
    wanted = [p for p in pages.PAGES if not only or p.name in only]
    roles = []
    for page in wanted:
        try:
            path, user = resolve_page(page, ctx)
        except LookupError as exc:
            skipped[page.name] = str(exc)
            continue
        targets.append((page.name, page, path, user))
        baseline_role = page.role or "learner"
        if baseline_role not in roles:
            roles.append(baseline_role)
    base_targets = []
    for role in roles:
        user = ctx.user_for(role)
        base_targets.append(
            (
                f"baseline ({role})",
                pages.Page(f"baseline ({role})", pages.BASELINE, role),
                "/centres/baseline/",
                user,
            )
        )
    rows = []
    for name, page, path, user in base_targets + targets:
        session = sessions.for_user(user)
        url = server.base_url + path
        first = client.probe(session, url)
        second = client.probe(session, url)
        if second.status != 200:
            where = f" to {second.location}" if second.location else ""
            skipped[name] = f"answered {second.status}{where} for {user or 'a visitor'}"
            continue
        if first.queries != second.queries:
            say(
                f"  note: {name} ran {first.queries} queries cold, {second.queries} warm"
            )
        rows.append({
            "name": name, "page": page, "url": url, "user": getattr(user, "username", None),
            "cookie": client.cookie_header(session), "queries": second.queries,
            "bytes": second.bytes, "runs": [], "paired": [],
        })  # fmt: skip
    seconds, runs = opts["seconds"], opts["runs"]
    say(
        f"Measuring {len(rows)} pages: {runs} x {seconds:g}s at {CONNECTIONS} connections, then {seconds:g}s at 1"
    )
    for row in rows:  # warm both workers' caches and connection pools
        wrk.run(
            row["url"],
            cookie=row["cookie"],
            seconds=1,
            connections=CONNECTIONS,
            wrk=wrk_path,
            new_connections=True,
        )
    baselines = {r["page"].role: r for r in rows if r["name"].startswith("baseline (")}

    def saturate(row: dict) -> wrk.WrkResult:
        return wrk.run(
            row["url"],
            cookie=row["cookie"],
            seconds=seconds,
            connections=CONNECTIONS,
            wrk=wrk_path,
            new_connections=True,  # both workers kept busy in every run
        )

    # Each page's run is paired with a run of its role's baseline just before it,
    # so a page's ratio compares two runs seconds apart: on a shared machine whose
    # speed drifts from minute to minute, that is the only fair comparison.
    for run in range(runs):
        for row in rows:
            if row["name"].startswith("baseline ("):
                continue
            base = baselines.get(row["page"].role or "learner")
            if base is not None:
                base["runs"].append(saturate(base))
                row["paired"].append(base["runs"][-1])
            row["runs"].append(saturate(row))
        say(f"  run {run + 1}/{runs} done")
    for row in rows:
        row["latency"] = wrk.run(
            row["url"],
            cookie=row["cookie"],
            seconds=seconds,
            connections=1,
            wrk=wrk_path,
        )
    results = {}
    for row in rows:
        rps = [r.rps for r in row["runs"]]
        if row["name"].startswith("baseline ("):
            ratios = [1.0]
        else:
            # A run whose baseline stalled (0 rps: the box was busy) gives no ratio.
            ratios = [
                r.rps / b.rps
                for r, b in zip(row["runs"], row["paired"], strict=True)
                if b.rps > 0
            ] or [0.0]
        results[row["name"]] = {
            "url_name": row["page"].url_name,
            "role": row["page"].role,
            "user": row["user"],
            "rps": round(statistics.median(rps), 1),
            "rps_min": round(min(rps), 1),
            "rps_max": round(max(rps), 1),
            "ratio": round(statistics.median(ratios), 3),
            "ratio_min": round(min(ratios), 3),
            "ratio_max": round(max(ratios), 3),
            "p50_ms": round(row["latency"].p50_ms, 2),
            "p95_ms": round(row["latency"].p95_ms, 2),
            "saturated_p95_ms": round(
                statistics.median(r.p95_ms for r in row["runs"]), 2
            ),
            "queries": row["queries"],
            "bytes": row["bytes"],
            "errors": sum(r.errors for r in row["runs"]) + row["latency"].errors,
            "note": row["page"].note,
        }
    return results, skipped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    mode = "quick" if args.quick else "full"
    opts = dict(MODES[mode])
    for key in ("learners", "seconds", "runs", "soak_seconds", "soak_users", "capacity_users", "capacity_seconds"):  # fmt: skip
        if getattr(args, key) is not None:
            opts[key] = getattr(args, key)
    started = time.monotonic()
    database = stack.choose_database(os.environ.get("DATABASE_URL", ""))
    redis_url = os.environ.get("REDIS_URL", "")
    say(
        f"Criterion benchmark ({mode}): {database.label}, {opts['learners']} learners per centre"
    )
    stack.fresh_database(database)
    cache = stack.flush_redis(redis_url) if redis_url else "local memory (per worker)"
    env = stack.bench_environment(database, redis_url)
    os.environ.clear()
    os.environ.update(env)
    stack.manage(env, "migrate", "--noinput", "-v0")
    seed_started = time.monotonic()
    stack.manage(
        env, "seed_demo", "--learners", str(opts["learners"]), "--password", PASSWORD
    )
    seed_seconds = time.monotonic() - seed_started

    import django

    django.setup()
    from bench import capacity, dataset, measures, soak

    ctx = Context()
    data_started = time.monotonic()
    bench_data = dataset.build(ctx, mode=mode, password=PASSWORD, say=say)
    bench_data["seconds"] = round(time.monotonic() - data_started, 1)
    if database.engine == "postgresql":
        # Planner statistics for the freshly bulk-loaded tables, as autovacuum would
        # gather them within minutes on a live server; without them PostgreSQL
        # guesses plans for tables it thinks are empty.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if args.profile:
        return measures.profile_page(args.profile, ctx, resolve_page)
    server = stack.Gunicorn(env)
    server.start()
    say(
        f"gunicorn: {stack.WORKERS} workers x {stack.THREADS} threads on {server.base_url}"
    )
    try:
        db_info = measures.database_info(database)
        page_results, skipped = measure_pages(server, ctx, opts, set(args.only))
        extra = measures.run_all(server, ctx, database, env, opts)
        try:
            soak_result = (
                soak.run(
                    server,
                    ctx,
                    users=opts["soak_users"],
                    seconds=opts["soak_seconds"],
                    password=PASSWORD,
                )
                if opts["soak_seconds"] and not args.only
                else {"skipped": "not asked for"}
            )
        except Exception as exc:  # keep the page figures: report the soak as failed
            soak_result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        try:
            capacity_result = (
                capacity.run(
                    server,
                    ctx,
                    users=opts["capacity_users"],
                    hold_seconds=opts["capacity_seconds"],
                    work_dir=stack.WORK,
                )
                if opts["capacity_users"] and not args.only
                else {"skipped": "not asked for"}
            )
        except Exception as exc:  # keep the page figures: report the run as failed
            capacity_result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        try:
            db_info.update(measures.pool_check(database, server))
        except Exception as exc:  # keep the rest of the run
            db_info["pool_check_error"] = f"{type(exc).__name__}: {exc}"
    finally:
        server.stop()
    results = {
        "schema": 1,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "git_commit": report._git("rev-parse", "--short", "HEAD").strip(),
        "machine": machine(),
        "database": db_info,
        "cache": cache,
        "server": {"workers": stack.WORKERS, "worker_class": "gthread", "threads": stack.THREADS, "debug": False},
        "load": {"tool": "wrk", "connections": CONNECTIONS, "seconds": opts["seconds"], "runs": opts["runs"], "latency_connections": 1},
        "dataset": {"learners_per_centre": opts["learners"], "seed_seconds": round(seed_seconds, 1), "bench_objects": bench_data, "rows": dataset_rows()},
        "pages": page_results,
        "skipped": skipped,
        "measures": extra,
        "soak": soak_result,
        "capacity": capacity_result,
    }  # fmt: skip
    results["gate"] = report.gate(results)
    written = report.write(results, record=args.record)
    say("")
    say(report.table(results))
    say("")
    say(report.measures_table({"measures": {**extra, "soak": soak_result}}))
    say(report.capacity_table(capacity_result))
    say("")
    gate = results["gate"]
    say(f"Compared with: {gate['against'] or gate.get('note')}")
    for line in gate["failures"]:
        say(f"  FAIL {line}")
    for line in gate["flags"]:
        say(f"  FLAG {line}")
    say(
        f"Wrote {', '.join(str(p.relative_to(stack.ROOT)) for p in written)} in {time.monotonic() - started:.0f}s"
    )
    if capacity_result.get("ok") is False:
        say("  FAIL capacity run: failed requests, p95 over the limit or lost writes")
    failed = (
        bool(gate["failures"])
        or soak_result.get("ok") is False
        or capacity_result.get("ok") is False
    )
    errors = [n for n, p in page_results.items() if p["errors"]]
    if errors:
        say(f"  FAIL pages with HTTP errors under load: {', '.join(errors)}")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
