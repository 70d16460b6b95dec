"""Evaluation harness: run labelled cases against a revision document's points."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from revision.parsers import parse_document
from suggestions import engine
from suggestions.metrics import Totals
from suggestions.profiles import PointProfile, profiles_from_document


@dataclass(frozen=True)
class Case:
    """One labelled log: its text and the marking points (MP1..) it evidences."""

    id: str
    text: str
    labels: frozenset[str]


def load_document_points(path: Path) -> list[PointProfile]:
    """Parse a revision document file into MP1..MPn profiles (no database).

    Raises:
        ValueError: the file has no examiner marking points.
    """
    document = parse_document(path.read_text(encoding="utf-8"))
    points = profiles_from_document(document)
    if not points:
        raise ValueError(f"{path} has no examiner marking points.")
    return points


def load_cases(path: Path) -> list[Case]:
    """Read a JSONL file of {"id", "text", "labels"} objects.

    Raises:
        ValueError: a line is not valid JSON or lacks text/labels (line number given).
    """
    cases = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                labels = row.get("labels") or []
                if not isinstance(row["text"], str) or not isinstance(labels, list):
                    raise TypeError("text must be a string and labels a list")
                case_id = str(row.get("id", number))
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}, line {number}: {exc}") from exc
            cases.append(Case(case_id, row["text"], frozenset(map(str, labels))))
    return cases


def evaluate(
    points: list[PointProfile], cases: list[Case], backend: str | None = None
) -> dict[str, float | str | int]:
    """Metrics for every case, plus cases per second and the backend that served."""
    name = engine.active_backend_name(backend)
    # Build the per-unit indexes (and load the model) before the clock starts:
    # a running service does this once per process, not once per log.
    engine.analyse("Warm-up sentence for the matching indexes.", points, name)
    totals = Totals()
    started = time.perf_counter()
    for case in cases:
        result = engine.analyse(case.text, points, name)
        totals.add(
            result.ranked_keys, {s.key for s in result.preselected}, set(case.labels)
        )
    elapsed = time.perf_counter() - started
    summary: dict[str, float | str | int] = dict(totals.summary())
    summary["cases_per_second"] = len(cases) / elapsed if elapsed > 0 else 0.0
    summary["backend"] = name
    summary["cases"] = len(cases)
    return summary
