"""Durability drills against the real PostgreSQL.

* scripts/backup.sh then scripts/restore.sh round-trip a seeded world into a fresh
  database: equal row counts in every table, equal media checksums; the time taken
  is printed (and recorded in the backup's `seconds` file).
* The crash drill (marker `crash_drill`, run by `make security` with
  CRITERION_CRASH_DRILL=1, never by `make test`): a committed row survives kill -9
  of the PostgreSQL postmaster and a restart (WAL replay). It is kept out of
  `make test` because the CI machine's PostgreSQL server is shared by every other
  test database and helper: killing it mid-run would fail unrelated work.
"""

import hashlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.security.harness import row_counts
from tests.security.world import build_world

BASE_DIR = Path(__file__).resolve().parents[2]
needs_postgres = pytest.mark.skipif(
    not settings.USING_POSTGRES,
    reason="DATABASE_URL is not PostgreSQL: the backup drill uses pg_dump/pg_restore",
)


def _dsn(name: str) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{name}"


def _checksums(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _table_counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "ORDER BY tablename"
            )
        ]
        return {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
        }


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_a_seeded_world(tmp_path):
    # given: a seeded world, committed, with media files
    build_world()
    media = tmp_path / "media"
    (media / "evidence" / "2026").mkdir(parents=True)
    (media / "evidence" / "2026" / "photo.png").write_bytes(os.urandom(4096))
    (media / "exports").mkdir()
    (media / "exports" / "portfolio.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(2048))
    source = _dsn(settings.DATABASES["default"]["NAME"])
    counts_before = _table_counts(source)
    assert counts_before["centres_user"] >= 9
    scratch = f"restore_{uuid.uuid4().hex[:10]}"
    admin = _dsn("postgres")
    backup_dir = tmp_path / "backup"
    env = {**os.environ, "DATABASE_URL": source, "MEDIA_ROOT": str(media)}

    # when: back up, then restore into a fresh database and an empty media folder
    subprocess.run(
        ["bash", "scripts/backup.sh", str(backup_dir)],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        restored_media = tmp_path / "restored-media"
        restored = subprocess.run(
            ["bash", "scripts/restore.sh", str(backup_dir)],
            cwd=BASE_DIR,
            env={
                **env,
                "DATABASE_URL": _dsn(scratch),
                "MEDIA_ROOT": str(restored_media),
            },
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        counts_after = _table_counts(_dsn(scratch))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')

    # then: every table and every file came back
    assert counts_after == counts_before
    assert _checksums(restored_media) == _checksums(media)
    seconds = float((backup_dir / "seconds").read_text())
    # The drill's timing, shown with `pytest -s` (and kept in the backup folder).
    print(f"backup took {seconds:.2f} s; {restored.stdout.strip()}")  # noqa: T201


def _postmaster_pid() -> int:
    """The postmaster's pid, from the data directory pg_lsclusters names for our
    port (SHOW data_directory needs a superuser, which the app role is not)."""
    port = str(settings.DATABASES["default"].get("PORT") or 5432)
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[2] == port:
            data_dir = Path(fields[5])
            return int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    raise RuntimeError(f"no PostgreSQL cluster listens on port {port}")


def _restart_postgres(seconds: float = 90) -> None:
    """Start the cluster again, retrying while the killed postmaster's backends
    still hold its lock file (they exit within a few seconds of losing it)."""
    deadline = time.monotonic() + seconds
    command = [
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        os.environ.get("PG_CLUSTER_VERSION", "15"),
        "main",
        "start",
    ]
    while True:
        time.sleep(2)
        subprocess.run(command, check=False, capture_output=True, timeout=120)
        ready = subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1"], check=False, timeout=10
        )
        if ready.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError("PostgreSQL did not come back after kill -9")


def _wait_until_accepting(dsn: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@needs_postgres
@pytest.mark.crash_drill
@pytest.mark.skipif(
    os.environ.get("CRITERION_CRASH_DRILL") != "1",
    reason="the crash drill kills the shared PostgreSQL server: run it with "
    "CRITERION_CRASH_DRILL=1 (make security), never inside make test",
)
@pytest.mark.django_db(transaction=True)
def test_committed_row_survives_postgres_kill_9():
    from centres.models import Centre

    # given: a committed row
    Centre.objects.create(name="Survivor", slug="crash-survivor")
    dsn = _dsn(settings.DATABASES["default"]["NAME"])
    pid = _postmaster_pid()
    connection.close()

    # when: the postmaster dies without warning and is started again
    os.kill(pid, signal.SIGKILL)
    _restart_postgres()
    _wait_until_accepting(dsn)

    # then: the row is there (WAL replay)
    with psycopg.connect(dsn) as conn:
        found = conn.execute(
            "SELECT name FROM centres_centre WHERE slug = 'crash-survivor'"
        ).fetchone()
    assert found == ("Survivor",)
    # The pool's connections died with the server: drop them, and Django reconnects.
    if hasattr(connection, "close_pool"):
        connection.close_pool()
    connection.close()
    assert row_counts()
