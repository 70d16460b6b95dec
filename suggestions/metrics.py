"""Ranking and set metrics for labelled suggestion cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def precision_at_1(ranked: Sequence[str], relevant: set[str]) -> float | None:
    """1.0 if the top-ranked key is relevant, else 0.0; None when nothing is."""
    if not relevant:
        return None
    return 1.0 if ranked and ranked[0] in relevant else 0.0


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    """Share of the relevant keys found in the top k; None when nothing is relevant."""
    if not relevant:
        return None
    return len(set(ranked[:k]) & relevant) / len(relevant)


def average_precision(ranked: Sequence[str], relevant: set[str]) -> float | None:
    """Mean of precision at each relevant key's rank; None when nothing is relevant."""
    if not relevant:
        return None
    hits = 0
    total = 0.0
    for rank, key in enumerate(ranked, start=1):
        if key in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant)


@dataclass
class Totals:
    """Running sums over cases; ranking metrics skip cases with no labels."""

    p1: float = 0.0
    r3: float = 0.0
    ap: float = 0.0
    ranked_cases: int = 0
    true_positives: int = 0
    selected: int = 0
    relevant: int = 0
    cases: int = 0

    def add(
        self, ranked: Sequence[str], selected: set[str], relevant: set[str]
    ) -> None:
        """Count one case: its ranking and the set that would be pre-selected."""
        self.cases += 1
        if relevant:
            self.ranked_cases += 1
            self.p1 += precision_at_1(ranked, relevant) or 0.0
            self.r3 += recall_at_k(ranked, relevant, 3) or 0.0
            self.ap += average_precision(ranked, relevant) or 0.0
        self.true_positives += len(selected & relevant)
        self.selected += len(selected)
        self.relevant += len(relevant)

    def summary(self) -> dict[str, float]:
        """precision@1, recall@3, MAP and micro precision/recall/F1 of the sets."""
        n = self.ranked_cases or 1
        precision = self.true_positives / self.selected if self.selected else 0.0
        recall = self.true_positives / self.relevant if self.relevant else 0.0
        f1 = (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )
        return {
            "precision_at_1": self.p1 / n,
            "recall_at_3": self.r3 / n,
            "map": self.ap / n,
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
