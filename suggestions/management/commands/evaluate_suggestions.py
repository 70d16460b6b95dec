"""Measure criteria suggestions on labelled logs: no database needed."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from revision.parsers import ParseError
from suggestions import engine, evaluation


class Command(BaseCommand):
    help = (
        "Rank a revision document's marking points (MP1..MPn) against labelled "
        "logs (JSONL) and print precision@1, recall@3, MAP, micro P/R/F1 of the "
        "pre-selected set and cases per second."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--document", required=True, type=Path)
        parser.add_argument("--cases", required=True, type=Path)
        parser.add_argument(
            "--backend", choices=engine.BACKEND_NAMES, default=engine.DEFAULT_BACKEND
        )
        parser.add_argument("--json", action="store_true", help="one JSON object")

    def handle(self, *args, **options):
        try:
            points = evaluation.load_document_points(options["document"])
            cases = evaluation.load_cases(options["cases"])
        except (OSError, ParseError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if options["backend"] != engine.active_backend_name(options["backend"]):
            self.stderr.write(
                f"The {options['backend']} backend cannot load its model here; "
                "the lexical backend is measured instead."
            )
        result = evaluation.evaluate(points, cases, options["backend"])
        if options["json"]:
            keys = (
                "precision_at_1",
                "recall_at_3",
                "map",
                "precision",
                "recall",
                "f1",
                "cases_per_second",
                "backend",
            )
            self.stdout.write(json.dumps({key: result[key] for key in keys}))
            return
        self.stdout.write(
            f"backend {result['backend']}: {result['cases']} cases against "
            f"{len(points)} marking points (MP1-MP{len(points)})"
        )
        for label, key in (
            ("precision@1", "precision_at_1"),
            ("recall@3", "recall_at_3"),
            ("MAP", "map"),
            ("precision (pre-selected)", "precision"),
            ("recall (pre-selected)", "recall"),
            ("F1 (pre-selected)", "f1"),
        ):
            self.stdout.write(f"{label:<26}{result[key]:.3f}")
        self.stdout.write(f"{'cases per second':<26}{result['cases_per_second']:.1f}")
