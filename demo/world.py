"""The demo world that `seed_demo` builds, step by step.

Each app that has something to show adds one step module here (demo/<app>.py with a
`seed(world)` function) and lists it in STEPS. Steps must be idempotent (running
seed_demo twice changes nothing) and use bulk inserts where the world can be large
(`--learners 5000` for the benchmarks).
"""

import importlib
import random
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

# Order matters: later steps use what earlier ones made.
STEPS = [
    "demo.revision",
    "demo.centres",
    "demo.console",
    "demo.practice",
    "demo.assessments",
    # After assessments: adds in-progress portfolios beside the marked ones.
    "demo.portfolio",
    # Moves everything's timestamps back over the last eight weeks.
    "demo.timeline",
    # After the hand-crafted world: portfolios for the learners beyond it
    # (--learners N), bulk inserted with their own dates.
    "demo.bulk",
]


@dataclass
class World:
    password: str
    learners_per_centre: int
    out: TextIO = sys.stderr
    quiet: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(20261123))  # noqa: S311
    accounts: list[dict[str, str]] = field(default_factory=list)
    # Filled in by the steps: anything a later step needs.
    data: dict[str, Any] = field(default_factory=dict)

    def say(self, message: str) -> None:
        if not self.quiet:
            self.out.write(message + "\n")
            self.out.flush()

    def progress(self, label: str, done: int, total: int) -> None:
        """Draw a one-line progress bar on the terminal (not in --json mode)."""
        if self.quiet or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else "\r"
        self.out.write(f"  {label:<24} [{bar}] {done}/{total}{end}")
        self.out.flush()


def build(world: World) -> World:
    for name in STEPS:
        module = importlib.import_module(name)
        module.seed(world)
    return world
