"""Run wrk (a real HTTP load generator) against one URL on loopback."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("report.lua")


class WrkMissing(RuntimeError):
    pass


def ensure_wrk() -> str:
    """Find wrk, installing Debian's package when we are root and it is missing."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is not installed: running `apt-get install -y wrk` (Debian package)")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)
        path = shutil.which("wrk")
        if not path:
            subprocess.run(["apt-get", "update"], check=False)
            subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)
            path = shutil.which("wrk")
    if not path:
        raise WrkMissing(
            "wrk is needed for the benchmark: install it with `sudo apt-get install wrk` "
            "(Debian/Ubuntu) or `brew install wrk` (macOS)."
        )
    return path


@dataclass
class WrkResult:
    rps: float
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def run(
    url: str,
    *,
    cookie: str,
    seconds: float,
    connections: int,
    wrk: str = "wrk",
    new_connections: bool = False,
) -> WrkResult:
    """`new_connections`: each request on a new connection (`Connection: close`).
    With keep-alive, wrk's few connections are shared between gunicorn's workers
    as they happen to be accepted (8/0 as often as 4/4), which halves throughput in
    some runs and not others; a new connection per request goes to whichever
    worker is free."""
    command = [
        wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "10s", "-s", str(SCRIPT),
    ]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if new_connections:
        command += ["-H", "Connection: close"]
    command.append(url)
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next(
        (s for s in result.stdout.splitlines() if s.startswith("BENCH_JSON ")), None
    )
    if line is None:
        raise RuntimeError(f"wrk failed: {result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return WrkResult(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        requests=data["requests"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
    )
