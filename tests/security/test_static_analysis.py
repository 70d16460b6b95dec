"""bandit over the project code, so CI fails on any medium or high finding that is
not fixed or explained inline (`# nosec BXXX - reason`). Config: [tool.bandit]."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = [
    "config",
    "centres",
    "revision",
    "practice",
    "suggestions",
    "portfolio",
    "assessments",
    "reports",
    "demo",
    "outbox",
]


def test_bandit_finds_no_medium_or_high_issues():
    bandit = Path(sys.executable).with_name("bandit")
    if not bandit.exists() and not shutil.which("bandit"):
        pytest.fail("bandit is not installed: pip install -e '.[dev]'")
    packages = [p for p in PROJECT_PACKAGES if (BASE_DIR / p).is_dir()]

    result = subprocess.run(
        [
            str(bandit if bandit.exists() else "bandit"),
            "-c",
            "pyproject.toml",
            "-r",
            *packages,
            "--severity-level",
            "medium",
            "-f",
            "json",
            "-q",
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )

    report = json.loads(result.stdout)
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} "
        f"({r['issue_severity']}): {r['issue_text']}"
        for r in report["results"]
    ]
    assert findings == [], "bandit findings to fix or explain:\n" + "\n".join(findings)
    assert not report["errors"], report["errors"]
