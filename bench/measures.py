"""The measures that are not page throughput: document import, criteria
suggestions, a 50 MB upload's worker memory, PDF export, enrolment import, the
database connection pool. Each is skipped, with the reason, until its feature exists.
"""

import cProfile
import io
import json
import os
import pstats
import statistics
import time
from pathlib import Path

from bench import client, forms, stack, wrk
from bench.stack import ROOT, say

# One line per measure that posts a page's form; edit the URL name when it lands.
UPLOAD_URL = "portfolio:upload"  # the learner's file upload form (per unit)
UPLOAD_BYTES = 50 * 1024 * 1024
ENROL_ROWS = 5000
# The shared evaluation set of issue #7 (a sibling of the repository).
SEEDS = ROOT.parent / "shared/seeds"
SEEDS_UNIT = "Build and maintain effective customer relations"  # their README says
SUGGESTIONS_DOCUMENT = ROOT.parent / "shared/seeds/000_62dfabb6da7b12c3.txt"
SUGGESTIONS_CASES = ROOT.parent / "shared/eval/dev_000.jsonl"
QUALITY_KEYS = {"precision_at_1", "recall_at_3", "map", "f1", "cases"}


def database_info(database: stack.Database) -> dict:
    from django.conf import settings
    from django.db import connection

    info = {"engine": database.engine, "label": database.label}
    with connection.cursor() as cursor:
        if database.engine == "postgresql":
            cursor.execute("SHOW server_version")
            info["version"] = "PostgreSQL " + cursor.fetchone()[0]
        else:
            cursor.execute("select sqlite_version()")
            info["version"] = "SQLite " + cursor.fetchone()[0]
    options = settings.DATABASES["default"].get("OPTIONS", {})
    info["pool_configured"] = bool(options.get("pool"))
    info["conn_max_age"] = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    return info


def _skip(reason: str) -> dict:
    return {"skipped": reason}


def _url_exists(name: str) -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name)
    except NoReverseMatch as exc:
        # Exists but needs arguments: still exists.
        return "is not a valid view function or pattern name" not in str(
            exc
        ) and "not a registered namespace" not in str(exc)
    return True


def run_all(server, ctx, database, env, opts) -> dict:
    results = {}
    for name, func in (
        ("revision import", revision_import),
        ("criteria suggestions", suggestions),
        ("50 MB upload", upload_memory),
        ("PDF export", pdf_export),
        ("enrolment import", enrolment_import),
    ):
        say(f"Measuring {name}")
        try:
            results[name] = func(server=server, ctx=ctx, env=env)
        except Exception as exc:
            results[name] = _skip(f"failed: {type(exc).__name__}: {exc}")
    return results


def revision_import(**_) -> dict:
    """Import revision documents in-process through `revision.importer.file_import`:
    the shared seed documents (../shared/seeds, else the demo's own content) into a
    qualification of their own, so the demo's units are untouched. `first_ms`: each
    document's first import (a new topic, median over the documents); `reimport_ms`:
    importing the same file again (matched by content hash: nothing changes)."""
    try:
        from revision import importer
    except ImportError:
        return _skip("revision.importer does not exist yet")
    seeds = sorted(SEEDS.glob("0*.txt")) if SEEDS.is_dir() else []
    candidates = seeds or sorted(
        p
        for p in (ROOT / "revision/demo_content").glob("*")
        if p.is_file() and p.suffix.lower() in (".md", ".txt")
    )
    if not candidates:
        return _skip("no revision document in ../shared/seeds or revision/demo_content")
    first, again = [], []
    for path in candidates:
        data = path.read_bytes()
        for timings in (first, again, again):
            started = time.perf_counter()
            importer.file_import(
                data=data,
                name=path.name,
                qualification_title="Benchmark import qualification",
                unit_title=SEEDS_UNIT if path.parent == SEEDS else "",
            )
            timings.append((time.perf_counter() - started) * 1000)
    return {
        "documents": len(candidates),
        "source": str(candidates[0].parent),
        "bytes": sum(p.stat().st_size for p in candidates),
        "first_ms": round(statistics.median(first), 1),
        "first_max_ms": round(max(first), 1),
        "reimport_ms": round(statistics.median(again), 1),
    }


def suggestions(*, env, **_) -> dict:
    """`manage.py evaluate_suggestions --json` once per backend on the shared
    evaluation set (issue #7's): cases per second, and the quality figures."""
    from django.core.management import get_commands

    if "evaluate_suggestions" not in get_commands():
        return _skip("manage.py evaluate_suggestions does not exist yet")
    document = Path(
        os.environ.get("BENCH_SUGGESTIONS_DOCUMENT") or SUGGESTIONS_DOCUMENT
    )
    cases = Path(os.environ.get("BENCH_SUGGESTIONS_CASES") or SUGGESTIONS_CASES)
    missing = [str(p) for p in (document, cases) if not p.is_file()]
    if missing:
        return _skip(
            f"evaluation files not found: {', '.join(missing)} (the shared evaluation "
            "set; point BENCH_SUGGESTIONS_DOCUMENT/BENCH_SUGGESTIONS_CASES elsewhere)"
        )
    from suggestions import engine

    result: dict = {
        "document": document.name,
        "cases_file": cases.name,
        "cases": sum(1 for line in cases.read_text().splitlines() if line.strip()),
    }
    for backend in engine.BACKEND_NAMES:
        args = ["evaluate_suggestions", "--json", "--document", str(document)]
        args += ["--cases", str(cases), "--backend", backend]
        started = time.perf_counter()
        try:
            data = json.loads(stack.manage(env, *args, capture=True))
        except (stack.StackError, ValueError) as exc:
            result[f"{backend} skipped"] = f"{type(exc).__name__}: {exc}"
            continue
        elapsed = time.perf_counter() - started
        result[f"{backend} command_seconds"] = round(elapsed, 2)
        for key, value in data.items():
            if isinstance(value, int | float) and (
                "per_s" in key or "second" in key or key in QUALITY_KEYS
            ):
                result[f"{backend} {key}"] = value
        result.setdefault("raw", {})[backend] = data
    return result


def _worker_rss_peaks(pids: list[int]) -> dict[int, int]:
    peaks = {}
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = int(line.split()[1])
    return peaks


def _reset_peaks(pids: list[int]) -> None:
    for pid in pids:
        # "5" resets the peak resident set size (VmHWM) to the current one.
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def upload_memory(*, server, ctx, **_) -> dict:
    """POST a 50 MB file through the real evidence form; report how much each
    worker's peak resident memory rose (streamed uploads keep it small)."""
    from django.urls import reverse

    if not _url_exists(UPLOAD_URL):
        return _skip(f"URL name {UPLOAD_URL!r} does not exist yet")
    # The bench portfolio learner (bench/dataset.py): a draft portfolio, so the
    # upload is stored, not refused because the unit is with the assessor.
    from bench import dataset
    from portfolio.models import Evidence

    mine = (
        Evidence.objects.filter(learner__username=dataset.PORTFOLIO_LEARNER)
        .select_related("unit")
        .first()
    )
    if mine is None:
        return _skip("no bench portfolio learner (bench/dataset.py did not run)")
    session = client.login(server.base_url, dataset.PORTFOLIO_LEARNER, "demo")
    url = server.base_url + reverse(UPLOAD_URL, kwargs={"unit_slug": mine.unit.slug})
    page = session.get(url, timeout=30)
    form = forms.post_form(page.text)
    if form is None or not form.file_fields:
        return _skip(f"{UPLOAD_URL} has no form with a file field")
    data = dict(form.fields)
    for name in form.text_fields:
        data[name] = data[name] or "Benchmark upload: a recorded customer call"
    for name, values in form.choices.items():
        data.setdefault(name, values[0])
    pids = server.worker_pids()
    _reset_peaks(pids)
    before = _worker_rss_peaks(pids)
    payload = io.BytesIO(b"%PDF-1.4\n" + b"0" * (UPLOAD_BYTES - 9))
    started = time.perf_counter()
    response = session.post(
        server.base_url + form.action if form.action.startswith("/") else url,
        data=data,
        files={form.file_fields[0]: ("bench-50mb.pdf", payload, "application/pdf")},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=120,
    )
    elapsed = time.perf_counter() - started
    after = _worker_rss_peaks(pids)
    rise = max(after[p] - before[p] for p in pids)
    stored = Evidence.objects.filter(
        learner__username=dataset.PORTFOLIO_LEARNER, size=UPLOAD_BYTES
    ).exists()
    return {
        "status": response.status_code,
        "stored": stored,
        "seconds": round(elapsed, 2),
        "worker_peak_rise_mb": round(rise / 1024, 1),
        "file_mb": UPLOAD_BYTES // (1024 * 1024),
    }


def pdf_export(**_) -> dict:
    """Export the 100-item submission (bench/dataset.py) to PDF in-process: the
    service that queues it, then the task's function (idempotent: a no-op when the
    eager outbox already built it). A worker would do the same work."""
    from bench import dataset
    from portfolio import export
    from portfolio import services as portfolio_services
    from portfolio.models import ExportStatus, Submission

    submission = (
        Submission.objects.select_related("learner", "unit", "centre")
        .filter(learner__username=dataset.MARKING_LEARNER)
        .first()
    )
    if submission is None:
        return _skip("no 100-item submission (bench/dataset.py did not run)")
    items = len((submission.versions.last().snapshot or {}).get("evidence_ids", []))
    timings = []
    size = 0
    for _ in range(2):
        started = time.perf_counter()
        requested = portfolio_services.export_request(
            submission=submission, requested_by=submission.learner
        )
        built = export.export_build(export_id=requested.pk)
        timings.append(time.perf_counter() - started)
        if built is None or built.status != ExportStatus.DONE:
            return _skip(f"export ended {getattr(built, 'status', None)}")
        size = built.file.size
    return {
        "evidence_items": items,
        "seconds": round(min(timings), 2),
        "first_seconds": round(timings[0], 2),
        "pdf_kb": round(size / 1024),
    }


def enrolment_import(*, ctx, **_) -> dict:
    """5,000 CSV rows through the centre console's import service, in-process:
    preview (parse + classify) then confirm (bulk create users, memberships,
    enrolments, audit rows, invitations), into a cohort made for the purpose."""
    from datetime import date

    from centres import services as centre_services
    from centres.models import Cohort

    admin = ctx.user_for("admin")
    template = Cohort.objects.filter(centre=ctx.centre).order_by("pk").first()
    cohort = centre_services.cohort_create(
        centre=ctx.centre,
        name="Benchmark import cohort",
        qualification=template.qualification,
        start_date=date(2027, 9, 1),
        end_date=date(2028, 7, 31),
    )
    rows = ["First name,Last name,Email,Learner reference"] + [
        f"Bench,Learner{n},bench.import{n}@example.org,B{n:06d}"
        for n in range(ENROL_ROWS)
    ]
    data = ("\n".join(rows) + "\n").encode()
    started = time.perf_counter()
    upload = centre_services.enrolment_import_preview(
        cohort=cohort, actor=admin, filename="learners.csv", data=data
    )
    previewed = time.perf_counter()
    done = centre_services.enrolment_import_confirm(
        upload=upload, actor=admin, link_base="http://127.0.0.1"
    )
    finished = time.perf_counter()
    from django.conf import settings

    return {
        "rows": ENROL_ROWS,
        "created": done.created_count,
        "rejected": done.rejected_count,
        "preview_seconds": round(previewed - started, 2),
        "confirm_seconds": round(finished - previewed, 2),
        "seconds": round(finished - started, 2),
        "invitations": "rendered and sent inline (eager tasks, no broker)"
        if settings.CELERY_TASK_ALWAYS_EAGER
        else "queued to the broker (20 batches of 250), not delivered in the timing",
        "bytes": len(data),
    }


def _backends(database) -> list[int]:
    from django.db import connection

    name = stack.urlsplit(database.url).path.lstrip("/")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        return sorted(row[0] for row in cursor.fetchall())


def pool_check(database, server) -> dict:
    """On PostgreSQL: are the workers' connections kept (same server processes
    before and after a burst of requests), and what is that worth (the baseline page
    with the pool switched off, on a second gunicorn)."""
    if database.engine != "postgresql":
        return {
            "pool_verified": None,
            "pool_note": "SQLite: a connection per thread, opened in microseconds",
        }
    user = (
        __import__("centres.models", fromlist=["User"])
        .Membership.objects.filter(role="learner")
        .exclude(user__password__startswith="!")  # invited by the enrolment import
        .order_by("user__username")
        .first()
        .user
    )
    cookie = client.cookie_header(client.login(server.base_url, user.username, "demo"))
    url = server.base_url + "/centres/baseline/"
    wrk.run(url, cookie=cookie, seconds=1, connections=8, new_connections=True)
    before = _backends(database)
    with_pool = wrk.run(
        url, cookie=cookie, seconds=3, connections=8, new_connections=True
    )
    after = _backends(database)
    env = dict(server.env, BENCH_DB_POOL="off")
    plain = stack.Gunicorn(env)
    plain.start()
    try:
        cookie2 = client.cookie_header(
            client.login(plain.base_url, user.username, "demo")
        )
        url2 = plain.base_url + "/centres/baseline/"
        wrk.run(url2, cookie=cookie2, seconds=1, connections=8, new_connections=True)
        without = wrk.run(
            url2, cookie=cookie2, seconds=3, connections=8, new_connections=True
        )
    finally:
        plain.stop()
    return {
        "pool_verified": bool(before) and before == after,
        "pool_backends": len(after),
        "baseline_rps_with_pool": round(with_pool.rps, 1),
        "baseline_rps_without_pool": round(without.rps, 1),
        "baseline_p50_ms_with_pool": round(with_pool.p50_ms, 2),
        "baseline_p50_ms_without_pool": round(without.p50_ms, 2),
    }


def profile_page(name: str, ctx, resolve_page) -> int:
    """Time, then cProfile, one page in-process through Django's test client."""
    from django.test import Client

    from bench import pages

    wanted = [p for p in pages.PAGES if p.name == name]
    if name.startswith("baseline"):
        wanted = [pages.Page("baseline", pages.BASELINE, "learner")]
    if not wanted:
        say(f"No page named {name!r}")
        return 2
    path, user = resolve_page(wanted[0], ctx)
    browser = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        browser.force_login(user)
    for _ in range(20):
        status = browser.get(path).status_code
    if status != 200:
        say(f"{name} answered {status}")
        return 1
    # Unprofiled first: the best of three passes of 200 requests, per request.
    passes = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(200):
            browser.get(path)
        passes.append((time.perf_counter() - started) / 200 * 1000)
    say(f"{name}: {min(passes):.2f} ms a request in-process (best of 3 x 200)")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        browser.get(path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    say(out.getvalue())
    return 0
