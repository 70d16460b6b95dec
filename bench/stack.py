"""Start the stack the benchmark measures: a fresh database with the demo world at a
stated size, and gunicorn (2 workers, fixed) bound to 127.0.0.1 on a free port."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "results" / "run-work"  # ignored by git (/bench/results/run-*)
PYTHON = sys.executable
WORKERS = 2
THREADS = 4  # gthread: keep-alive connections, and a slow query does not block a worker


class StackError(RuntimeError):
    pass


@dataclass
class Database:
    engine: str  # "sqlite" or "postgresql"
    label: str  # what the report shows (no password)
    url: str  # DATABASE_URL for the stack, or "" for SQLite


def say(message: str) -> None:
    print(message, flush=True)


def bench_environment(database: Database, redis_url: str) -> dict[str, str]:
    """The environment every process of the stack runs with."""
    env = dict(os.environ)
    for name in ("CRITERION_TESTING", "DJANGO_ENV", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        CRITERION_BENCH="1",  # the query-count header (bench/middleware.py)
        DJANGO_DEBUG="0",
        MEDIA_ROOT=str(WORK / "media"),
        PYTHONDONTWRITEBYTECODE="1",
        # Invitations and notifications are rendered and "sent" but not printed:
        # 5,000 invitation emails on the console would swamp the report.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    if database.url:
        env["DATABASE_URL"] = database.url
    else:
        env["SQLITE_NAME"] = str(WORK / "bench.sqlite3")
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def choose_database(database_url: str) -> Database:
    """PostgreSQL when DATABASE_URL is set (a dedicated `<name>_bench` database),
    else a SQLite file under bench/results/run-work/."""
    if not database_url:
        return Database("sqlite", f"SQLite {sqlite_version()} (file, WAL)", "")
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise StackError(f"DATABASE_URL must be postgres:// (got {parts.scheme}://)")
    name = parts.path.lstrip("/") or "app"
    if not name.endswith("_bench"):
        name += "_bench"
    url = urlunsplit(parts._replace(path="/" + name))
    host = parts.hostname or "localhost"
    return Database("postgresql", f"PostgreSQL {name}@{host}", url)


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def fresh_database(database: Database) -> None:
    """Drop and recreate the benchmark database. Only ever one whose name ends in
    _bench, so a mistyped DATABASE_URL cannot wipe real data."""
    WORK.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(WORK / "media", ignore_errors=True)
    if database.engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(database.url)
    name = parts.path.lstrip("/")
    assert name.endswith("_bench"), name
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    say(f"Created a fresh database {name}")


def flush_redis(redis_url: str) -> str:
    """Empty the benchmark's Redis database (never db 0, which others may share)."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    version = client.info("server").get("redis_version", "?")
    if db == 0:
        say("Redis db 0 is shared: not flushing it (use e.g. redis://127.0.0.1:6379/9)")
    else:
        client.flushdb()
    return f"Redis {version} db {db}"


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(f"manage.py {' '.join(args)} failed ({result.returncode})")
    return result.stdout or ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn config.wsgi with 2 gthread workers on 127.0.0.1:<free port>."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = WORK / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "gthread",
                "--threads",
                str(THREADS),
                "--keep-alive",
                "15",  # longer than the soak's 8 s think time
                "--timeout",
                "60",
                "--access-logfile",
                "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
                "--error-logfile",
                "-",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"gunicorn exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base_url + "/health/", timeout=2) as r:  # noqa: S310 (loopback)
                    if r.status == 200 and len(self.worker_pids()) == WORKERS:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise StackError(f"gunicorn did not answer within 30 s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
