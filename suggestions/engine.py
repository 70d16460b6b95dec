"""Criteria suggestions: rank a unit's marking points against a piece of evidence.

`suggest(text, points)` returns every point ranked best first, each with a score,
whether it would be pre-selected for the learner to confirm, and the character
spans of the sentences that support it. Nothing here is a judgement: the learner
confirms each mapping, and an assessor decides.

Backends: "lexical" (stemmed TF-IDF, always available), "semantic" (wordllama's
bundled static embeddings) and "combined" (both; the default, chosen on the
measured figures in docs/suggestions.md). If the embedding model cannot load, the
lexical backend serves and `SuggestionSet.backend` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from suggestions import lexical, semantic
from suggestions import text as text_utils
from suggestions.profiles import PointProfile, profiles_for_unit

DEFAULT_BACKEND = "combined"
BACKEND_NAMES = ("lexical", "semantic", "combined")

# Weight of the semantic signal next to the lexical one in "combined" (both are
# standardised within the case first, so this is a ratio of equals).
SEMANTIC_WEIGHT = 0.8
# A sentence supports a point when it scores at least this share of that
# point's best sentence; at most MAX_SPANS sentences are highlighted per point.
SPAN_SHARE = 0.8
MAX_SPANS = 3
# At most this many points are pre-selected for one log. A relative threshold
# alone would tick more points on units with many of them (z >= 0.4 passes about
# 4 of 12 points on noise alone); one reflective log rarely shows more than
# three (dev set: 2 of 60 labelled with three, none with more).
MAX_PRESELECTED = 3


@dataclass(frozen=True)
class SelectionRule:
    """When a ranked point is pre-selected (see docs/suggestions.md).

    A point is pre-selected when its score, standardised against the other
    points of the same case, reaches `relative`, or when it is the top point and
    `always_top` is set; and only if the case shows some evidence at all: its best
    raw lexical cosine reaches `lexical_floor` and its best raw semantic cosine
    reaches `semantic_floor` (a floor is ignored by a backend that does not use it).
    """

    relative: float
    always_top: bool = True
    lexical_floor: float = 0.0
    semantic_floor: float = 0.0


# Fitted by repeated two-fold cross-validation on the dev set (docs/suggestions.md);
# the floors sit below every labelled case there: they stop unrelated text, not
# borderline evidence.
RULES = {
    "lexical": SelectionRule(relative=0.3, lexical_floor=0.03),
    "semantic": SelectionRule(relative=0.4, semantic_floor=0.15),
    "combined": SelectionRule(relative=0.4, semantic_floor=0.15),
}


@dataclass(frozen=True)
class Suggestion:
    """One marking point's standing against the evidence, ready to store."""

    key: str
    index: int
    score: float
    preselect: bool
    spans: tuple[tuple[int, int], ...] = ()
    sentences: tuple[str, ...] = ()
    backend: str = ""

    @property
    def preselected(self) -> bool:
        """Alias of `preselect`, the name the portfolio stores it under."""
        return self.preselect

    @property
    def marking_point_id(self) -> int | None:
        """The MarkingPoint pk when the profiles came from `profiles_for_unit`."""
        return int(self.key) if self.key.isdigit() else None


@dataclass(frozen=True)
class SuggestionSet:
    """Every point ranked best first, the backend that served, and any message."""

    backend: str
    suggestions: tuple[Suggestion, ...] = ()
    message: str = ""
    text: str = ""

    def __iter__(self):
        """Iterate over the ranked suggestions."""
        return iter(self.suggestions)

    def __len__(self) -> int:
        """How many points were ranked (0 when the text was unusable)."""
        return len(self.suggestions)

    @property
    def preselected(self) -> tuple[Suggestion, ...]:
        """The suggestions the learner would see ticked, to confirm or remove."""
        return tuple(s for s in self.suggestions if s.preselect)

    @property
    def ranked_keys(self) -> list[str]:
        """Point keys in rank order."""
        return [s.key for s in self.suggestions]


@dataclass(frozen=True)
class Scores:
    """A backend's view of one case before the selection rule."""

    points: np.ndarray  # (n_points,) comparable within the case, higher = better
    sentences: np.ndarray  # (n_sentences, n_points), for highlighting
    lexical_level: float  # best raw lexical cosine of the case (+inf if unused)
    semantic_level: float  # best raw semantic cosine of the case (+inf if unused)


def standardise(values: np.ndarray) -> np.ndarray:
    """Z-scores across the points of one case (zeros when they do not differ)."""
    spread = float(values.std())
    if values.size < 2 or spread < 1e-9:
        return np.zeros_like(values, dtype=float)
    return (values - values.mean()) / spread


def _scaled(matrix: np.ndarray) -> np.ndarray:
    """Sentence scores divided by their largest value (so two backends can mix)."""
    top = float(matrix.max()) if matrix.size else 0.0
    return matrix / top if top > 0 else np.zeros_like(matrix, dtype=float)


def backend_available(name: str) -> bool:
    """True when `name` can serve now (the embedding ones need the model)."""
    if name == "lexical":
        return True
    return semantic.load_model() is not None


def active_backend_name(requested: str | None = None) -> str:
    """The backend that will actually serve `requested` (default: the default)."""
    name = requested or DEFAULT_BACKEND
    if name not in BACKEND_NAMES:
        raise ValueError(f"Unknown backend {name!r}; choose from {BACKEND_NAMES}.")
    return name if backend_available(name) else "lexical"


def score_case(
    name: str, text: str, sentences: list[str], points: tuple[PointProfile, ...]
) -> Scores:
    """Raw scores from the backend(s) that `name` uses, standardised per case."""
    lexical_level = semantic_level = float("inf")
    parts = []
    sentence_parts = []
    if name in ("lexical", "combined"):
        whole, per_sentence = lexical.LexicalBackend().raw_scores(
            text, sentences, points
        )
        lexical_level = float(whole.max())
        parts.append(standardise(whole))
        sentence_parts.append(_scaled(per_sentence))
    if name in ("semantic", "combined"):
        best, per_sentence = semantic.SemanticBackend().raw_scores(
            text, sentences, points
        )
        semantic_level = float(best.max())
        weight = SEMANTIC_WEIGHT if name == "combined" else 1.0
        parts.append(weight * standardise(best))
        sentence_parts.append(weight * _scaled(per_sentence))
    norm = float(np.sqrt(1 + SEMANTIC_WEIGHT**2)) if name == "combined" else 1.0
    return Scores(
        points=sum(parts) / norm,
        sentences=sum(sentence_parts),
        lexical_level=lexical_level,
        semantic_level=semantic_level,
    )


def select(scores: Scores, rule: SelectionRule) -> np.ndarray:
    """Boolean mask of the points to pre-select under `rule`."""
    chosen = scores.points >= rule.relative
    if rule.always_top and scores.points.size:
        chosen[int(np.argmax(scores.points))] = True
    if chosen.sum() > MAX_PRESELECTED:
        ranked = np.argsort(-scores.points, kind="stable")
        chosen[ranked[MAX_PRESELECTED:]] = False
    has_evidence = (
        scores.lexical_level >= rule.lexical_floor
        and scores.semantic_level >= rule.semantic_floor
    )
    return chosen & has_evidence


def supporting_spans(
    column: np.ndarray, spans: Sequence[tuple[int, int]]
) -> tuple[tuple[int, int], ...]:
    """Spans of the sentences that carry a point's score, in text order."""
    if column.size == 0 or float(column.max()) <= 0:
        return ()
    threshold = SPAN_SHARE * float(column.max())
    best = np.argsort(-column, kind="stable")[:MAX_SPANS]
    return tuple(sorted(spans[i] for i in best if column[i] >= threshold))


def analyse(
    text: str | None, points: Sequence[PointProfile], backend: str | None = None
) -> SuggestionSet:
    """Rank `points` against `text`; empty with a message when text is unusable."""
    name = active_backend_name(backend)
    prepared = text_utils.prepare(text)
    points = tuple(points)
    if prepared.problem or not points:
        message = prepared.problem or "This unit has no marking points to match."
        return SuggestionSet(backend=name, message=message, text=prepared.text)
    scores = score_case(name, prepared.text, prepared.sentences, points)
    chosen = select(scores, RULES[name])
    order = np.argsort(-scores.points, kind="stable")
    suggestions = []
    for i in order:
        spans = supporting_spans(scores.sentences[:, i], prepared.spans)
        suggestions.append(
            Suggestion(
                key=points[i].key,
                index=int(i),
                score=round(float(scores.points[i]), 4),
                preselect=bool(chosen[i]),
                spans=spans,
                sentences=tuple(prepared.text[a:b] for a, b in spans),
                backend=name,
            )
        )
    return SuggestionSet(
        backend=name, suggestions=tuple(suggestions), text=prepared.text
    )


def suggest(
    text: str | None, points: Sequence[PointProfile], backend: str | None = None
) -> list[Suggestion]:
    """Ranked suggestions for `text` (empty for empty, huge-and-junk or non-English)."""
    return list(analyse(text, points, backend).suggestions)


def suggest_for_unit(
    text: str | None,
    profiles: Sequence[PointProfile] | None = None,
    *,
    unit=None,
    backend: str | None = None,
) -> SuggestionSet:
    """Entry point for portfolio/assessments: rank a unit's marking points.

    Pass `profiles` from `profiles.profiles_for_unit(unit)` (reuse them across
    logs of the same unit), or `unit=` to build them here. Each suggestion's
    `marking_point_id` is then the MarkingPoint pk.
    """
    if profiles is None:
        if unit is None:
            raise TypeError("suggest_for_unit needs profiles or unit=")
        profiles = profiles_for_unit(unit)
    return analyse(text, profiles, backend)
