"""The measures that are not page throughput: document import, criteria
suggestions, a 50 MB upload's worker memory, PDF export, enrolment import, the
database connection pool. Each is skipped, with the reason, until its feature exists.
"""

import cProfile
import io
import json
import pstats
import statistics
import time
from pathlib import Path

from bench import client, forms, stack, wrk
from bench.stack import ROOT, say

# One line per measure that posts a page's form; edit the URL name when it lands.
UPLOAD_URL = "portfolio:upload"  # the learner's file upload form (per unit)
PDF_URL = "portfolio:export-request"  # a learner's portfolio as PDF
ENROL_URL = "centres:console-import-upload"  # an admin's CSV of learners
UPLOAD_BYTES = 50 * 1024 * 1024
ENROL_ROWS = 5000


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
    """Import one revision document in-process: the first import, then re-imports."""
    try:
        from revision import importer
    except ImportError:
        return _skip("revision.importer does not exist yet")
    if not hasattr(importer, "file_import"):
        return _skip("revision.importer.file_import does not exist yet")
    candidates = sorted(
        p
        for folder in (
            "revision/demo_content",
            "revision/sample_content",
            "tests/revision/documents",
        )
        for p in (ROOT / folder).glob("*")
        if p.is_file() and p.suffix.lower() in (".md", ".txt", ".docx", ".html")
    )
    if not candidates:
        return _skip("no sample revision document in revision/demo_content/")
    from revision.models import Qualification, Unit

    qualification_title = (
        Qualification.objects.order_by("pk").values_list("title", flat=True).first()
        or ""
    )
    path = candidates[0]
    data = path.read_bytes()
    unit_title = (
        Unit.objects.order_by("pk").values_list("title", flat=True).first() or ""
    )
    timings = []
    for _ in range(6):
        started = time.perf_counter()
        importer.file_import(
            data=data,
            name=path.name,
            qualification_title=qualification_title,
            unit_title=unit_title,
        )
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "document": str(path.relative_to(ROOT)),
        "bytes": len(data),
        "first_ms": round(timings[0], 1),
        "reimport_ms": round(statistics.median(timings[1:]), 1),
    }


def suggestions(*, env, **_) -> dict:
    """`manage.py evaluate_suggestions --json` once per backend: cases per second."""
    import os

    from django.core.management import get_commands

    if "evaluate_suggestions" not in get_commands():
        return _skip("manage.py evaluate_suggestions does not exist yet")
    document = os.environ.get("BENCH_SUGGESTIONS_DOCUMENT", "")
    cases = os.environ.get("BENCH_SUGGESTIONS_CASES", "")
    if not (document and cases):
        return _skip(
            "evaluate_suggestions needs --document and --cases: set "
            "BENCH_SUGGESTIONS_DOCUMENT and BENCH_SUGGESTIONS_CASES"
        )
    try:
        from suggestions import engine

        backends = list(engine.BACKEND_NAMES)
    except (ImportError, AttributeError):
        backends = [""]
    result = {}
    for backend in backends:
        args = [
            "evaluate_suggestions",
            "--json",
            "--document",
            document,
            "--cases",
            cases,
        ]
        if backend:
            args += ["--backend", backend]
        started = time.perf_counter()
        data = json.loads(stack.manage(env, *args, capture=True))
        elapsed = time.perf_counter() - started
        figures = {k: v for k, v in data.items() if "per_s" in k or "second" in k}
        result[f"{backend or 'default'} seconds"] = round(elapsed, 2)
        for key, value in figures.items():
            result[f"{backend or 'default'} {key}"] = value
        result.setdefault("raw", {})[backend or "default"] = data
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
    user = ctx.user_for("learner")
    session = client.login(server.base_url, user.username, "demo")
    from revision.models import Unit

    unit = Unit.objects.order_by("pk").first()
    url = server.base_url + reverse(UPLOAD_URL, kwargs={"unit_slug": unit.slug})
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
    return {
        "status": response.status_code,
        "seconds": round(elapsed, 2),
        "worker_peak_rise_mb": round(rise / 1024, 1),
        "file_mb": UPLOAD_BYTES // (1024 * 1024),
    }


def pdf_export(**_) -> dict:
    if not _url_exists(PDF_URL):
        return _skip(f"URL name {PDF_URL!r} does not exist yet")
    # TODO(#8): request the export, run the task, time it until export-status is done.
    return _skip(
        "the PDF export is asynchronous (a Celery task behind portfolio:export-request); "
        "timing it needs a worker in the bench stack: not written yet"
    )


def enrolment_import(*, server, ctx, **_) -> dict:
    from django.urls import reverse

    if not _url_exists(ENROL_URL):
        return _skip(f"URL name {ENROL_URL!r} does not exist yet")
    admin = ctx.user_for("admin")
    session = client.login(server.base_url, admin.username, "demo")
    from centres.models import Cohort

    cohort = Cohort.objects.filter(centre=ctx.centre).order_by("pk").first()
    url = server.base_url + reverse(ENROL_URL, kwargs={"pk": cohort.pk})
    form = forms.post_form(session.get(url, timeout=30).text)
    if form is None or not form.file_fields:
        return _skip(f"{ENROL_URL} has no form with a file field")
    rows = ["first_name,last_name,email,learner_reference"] + [
        f"Bench,Learner{n},bench{n}@example.org,B{n:06d}" for n in range(ENROL_ROWS)
    ]
    data = dict(form.fields)
    for name, values in form.choices.items():
        data.setdefault(name, values[0])
    started = time.perf_counter()
    response = session.post(
        url,
        data=data,
        files={
            form.file_fields[0]: ("learners.csv", "\n".join(rows).encode(), "text/csv")
        },
        headers={"Referer": url},
        allow_redirects=False,
        timeout=300,
    )
    return {
        "status": response.status_code,
        "seconds": round(time.perf_counter() - started, 2),
        "rows": ENROL_ROWS,
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
        .order_by("user__username")
        .first()
        .user
    )
    cookie = client.cookie_header(client.login(server.base_url, user.username, "demo"))
    url = server.base_url + "/centres/baseline/"
    wrk.run(url, cookie=cookie, seconds=1, connections=8)
    before = _backends(database)
    with_pool = wrk.run(url, cookie=cookie, seconds=3, connections=8)
    after = _backends(database)
    env = dict(server.env, BENCH_DB_POOL="off")
    plain = stack.Gunicorn(env)
    plain.start()
    try:
        cookie2 = client.cookie_header(
            client.login(plain.base_url, user.username, "demo")
        )
        url2 = plain.base_url + "/centres/baseline/"
        wrk.run(url2, cookie=cookie2, seconds=1, connections=8)
        without = wrk.run(url2, cookie=cookie2, seconds=3, connections=8)
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
    """cProfile one page in-process through Django's test client (200 requests)."""
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
