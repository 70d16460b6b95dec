"""Audit the locked dependencies (requirements.lock) for known vulnerabilities.

    python scripts/audit_dependencies.py [--lock requirements.lock] [--json OUT]

1. pip-audit on the lock file (`-r requirements.lock --no-deps --disable-pip`), which
   asks PyPI's per-release JSON API (advisories from the OSV database).
2. This machine reaches PyPI only through a partial mirror: the per-release endpoint
   (`/pypi/<name>/<version>/json`) answers 404, so pip-audit reports "could not be
   audited" for every package. For those, ask the per-project endpoint
   (`/pypi/<name>/json`), whose `vulnerabilities` list is PyPI's advisories for the
   latest release: when the locked version *is* the latest release, that is the
   audit of the locked version. A package locked below the latest release that
   pip-audit could not check is listed as not audited (a warning: upgrade it in the
   lock, or audit it elsewhere).

Exit status: 1 when any locked package has a known vulnerability; 0 otherwise
(with a loud warning when some packages, or all when PyPI is unreachable, could not
be audited).
"""

import argparse
import concurrent.futures
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
PYPI = "https://pypi.org/pypi"


def canonical(name: str) -> str:
    """PEP 503 normalised name: `typing_extensions` and `Typing.Extensions` alike."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonical(name.strip())] = version.split(";")[0].strip()
    return pins


def pip_audit(lock: Path) -> tuple[dict[str, list], set[str]]:
    """(vulnerabilities by package, packages pip-audit could not audit)."""
    pip_audit_bin = Path(sys.executable).with_name("pip-audit")
    result = subprocess.run(
        [
            str(pip_audit_bin),
            "-r",
            str(lock),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stderr.strip()[-2000:], file=sys.stderr)
        return {}, set()
    found: dict[str, list] = {}
    skipped: set[str] = set()
    for dep in report.get("dependencies", []):
        name = canonical(dep["name"])
        if dep.get("skip_reason"):
            skipped.add(name)
        elif dep.get("vulns"):
            found[name] = [v["id"] for v in dep["vulns"]]
    return found, skipped


def latest_release_advisories(name: str) -> tuple[str | None, list[str] | None]:
    """(latest version, advisory ids for it), or (None, None) when unreachable."""
    try:
        with urllib.request.urlopen(f"{PYPI}/{name}/json", timeout=20) as response:  # noqa: S310 - fixed https URL
            data = json.load(response)
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError):
        return None, None
    advisories = [
        v.get("id") or ",".join(v.get("aliases", []))
        for v in data.get("vulnerabilities") or []
        if not v.get("withdrawn")
    ]
    return data["info"]["version"], advisories


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", default=str(BASE_DIR / "requirements.lock"))
    parser.add_argument("--json", help="write the findings here")
    opts = parser.parse_args(argv)
    lock = Path(opts.lock)
    pins = locked_pins(lock)
    print(f"Auditing {len(pins)} locked packages from {lock.name}")

    vulnerable, skipped = pip_audit(lock)
    via_pip_audit = len(pins) - len(skipped)
    audited_latest, not_audited = [], []
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        names = sorted(skipped)
        answers = dict(
            zip(names, pool.map(latest_release_advisories, names), strict=True)
        )
    for name, (latest, advisories) in answers.items():
        if latest is None:
            not_audited.append((name, pins.get(name, "?"), "PyPI unreachable"))
        elif latest != pins.get(name):
            not_audited.append((name, pins.get(name, "?"), f"latest is {latest}"))
        else:
            audited_latest.append(name)
            if advisories:
                vulnerable[name] = advisories

    print(f"  audited by pip-audit (per-release advisories): {via_pip_audit}")
    print(f"  audited through PyPI's latest-release advisories: {len(audited_latest)}")
    for name, version, why in not_audited:
        print(f"  NOT AUDITED {name}=={version} ({why})")
    for name, ids in sorted(vulnerable.items()):
        print(f"  VULNERABLE {name}=={pins.get(name, '?')}: {', '.join(ids)}")
    if opts.json:
        Path(opts.json).write_text(
            json.dumps(
                {
                    "packages": len(pins),
                    "audited_pip_audit": via_pip_audit,
                    "audited_latest_release": len(audited_latest),
                    "not_audited": not_audited,
                    "vulnerable": vulnerable,
                },
                indent=2,
            )
        )
    if vulnerable:
        print(f"{len(vulnerable)} locked package(s) with known vulnerabilities")
        return 1
    if not_audited:
        print(
            f"WARNING: {len(not_audited)} of {len(pins)} locked package(s) could not "
            "be audited from this machine"
        )
    print("No known vulnerabilities in the audited packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
