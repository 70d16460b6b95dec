"""The terminal table, bench/results/latest.json and the regression gate."""

import json
import subprocess
from pathlib import Path

from bench.stack import ROOT

RESULTS = ROOT / "bench" / "results"


def table(results: dict) -> str:
    head = f"{'page':<26} {'role':<9} {'rps':>8} {'min-max':>13} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7}"
    lines = [head, "-" * len(head)]
    for name, page in results["pages"].items():
        spread = f"{page['rps_min']:.0f}-{page['rps_max']:.0f}"
        lines.append(
            f"{name:<26} {page['role'] or '-':<9} {page['rps']:>8.0f} {spread:>13} "
            f"{page['ratio']:>6.2f} {page['p50_ms']:>7.1f} {page['p95_ms']:>7.1f} "
            f"{page['queries'] if page['queries'] is not None else '?':>7}"
        )
    for name, reason in results["skipped"].items():
        lines.append(f"{name:<26} skipped: {reason}")
    return "\n".join(lines)


def measures_table(results: dict) -> str:
    lines = []
    for name, value in results["measures"].items():
        if "skipped" in value:
            lines.append(f"{name:<26} skipped: {value['skipped']}")
        else:
            shown = ", ".join(
                f"{k}={v}" for k, v in value.items() if not isinstance(v, dict | list)
            )
            lines.append(f"{name:<26} {shown}")
    return "\n".join(lines)


def capacity_table(capacity: dict) -> str:
    """The capacity run: one summary line, then requests, failures and latency per
    action (of the held load, after the ramp)."""
    if "skipped" in capacity:
        return f"{'capacity':<26} skipped: {capacity['skipped']}"
    if "error" in capacity:
        return f"{'capacity':<26} FAILED: {capacity['error']}"
    lines = [
        f"capacity                   users={capacity['users']}, think={capacity['think_s']} s, "
        f"held {capacity['hold_seconds']}s: requests={capacity['requests']}, "
        f"rps={capacity['rps']}, failures={capacity['failures']}, "
        f"p50={capacity['p50_ms']} ms, p95={capacity['p95_ms']} ms "
        f"(limit {capacity['p95_limit_ms']}), writes={capacity['writes']}, "
        f"missing={capacity['writes_missing'] or 'none'}, ok={capacity['ok']}"
    ]
    for name, figures in capacity["actions"].items():
        lines.append(
            f"  {name:<36} {figures['requests']:>6} req {figures['failures']:>4} failed "
            f"p50 {figures['p50_ms']:>6.0f} ms  p95 {figures['p95_ms']:>6.0f} ms"
        )
    lines.extend(f"  failure: {line}" for line in capacity.get("failure_samples", []))
    return "\n".join(lines)


def write(results: dict, *, record: bool) -> list[Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, sort_keys=False) + "\n"
    written = [RESULTS / "latest.json"]
    if record:
        stamp = results["generated_at"][:16].replace(":", "").replace("T", "-")
        written.append(
            RESULTS / f"{stamp}-{results['database']['engine']}-{results['mode']}.json"
        )
    for path in written:
        path.write_text(text)
    return written


def _git(*args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else ""


def last_committed(engine: str, mode: str) -> tuple[str, dict] | None:
    """The newest committed results file for the same database and mode (falling
    back to the same database, any mode), as (commit:path, data)."""
    log = _git("log", "--format=@%H", "--name-only", "--", "bench/results/")
    fallback = None
    commit = ""
    for line in log.splitlines():
        if line.startswith("@"):
            commit = line[1:]
            continue
        if not line.endswith(".json"):
            continue
        text = _git("show", f"{commit}:{line}")
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if data.get("database", {}).get("engine") != engine:
            continue
        if data.get("mode") == mode:
            return f"{commit[:10]}:{line}", data
        fallback = fallback or (f"{commit[:10]}:{line}", data)
    return fallback


def gate(results: dict) -> dict:
    """Compare with the last committed results: a page whose query count rose fails;
    a page whose throughput ratio fell below the previous run's range (min-max of
    its runs) is flagged."""
    found = last_committed(results["database"]["engine"], results["mode"])
    if found is None:
        return {
            "against": None,
            "failures": [],
            "flags": [],
            "note": "no committed results to compare with",
        }
    source, previous = found
    failures, flags = [], []
    for name, page in results["pages"].items():
        before = previous.get("pages", {}).get(name)
        if not before:
            continue
        if (
            page["queries"] is not None
            and before.get("queries") is not None
            and page["queries"] > before["queries"]
        ):
            failures.append(
                f"{name}: queries rose from {before['queries']} to {page['queries']}"
            )
        same_mode = previous.get("mode") == results["mode"]
        if (
            same_mode
            and "ratio_min" in before
            and page["ratio_max"] < before["ratio_min"]
        ):
            flags.append(
                f"{name}: throughput ratio {page['ratio_min']:.2f}-{page['ratio_max']:.2f} "
                f"is below the previous {before['ratio_min']:.2f}-{before['ratio_max']:.2f}"
            )
    return {"against": source, "failures": failures, "flags": flags}
