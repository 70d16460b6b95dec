"""Lexical backend: TF-IDF over stems of each marking point and its related content."""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

import numpy as np

from suggestions import text as text_utils
from suggestions.profiles import PointProfile

# How much a point's related unit content counts next to its own wording: the
# related items' mean vector is added at this weight before normalising.
RELATED_WEIGHT = 0.6


class LexicalIndex:
    """TF-IDF weights of a fixed list of profiles, built once and reused."""

    def __init__(self, points: tuple[PointProfile, ...]) -> None:
        """Build IDF over the points and all the unit content, then point vectors."""
        own = [Counter(text_utils.content_stems(p.text)) for p in points]
        related = [
            [Counter(text_utils.content_stems(item)) for item in p.related]
            for p in points
        ]
        docs = own + [bag for bags in related for bag in bags]
        df = Counter(term for bag in docs for term in bag)
        n = len(docs)
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        vectors = []
        for bag, bags in zip(own, related, strict=True):
            vector = self._vector(bag)
            if bags:
                extra = Counter()
                for item in bags:
                    for term, weight in self._vector(item).items():
                        extra[term] += weight / len(bags)
                for term, weight in extra.items():
                    vector[term] = vector.get(term, 0.0) + RELATED_WEIGHT * weight
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            vectors.append({t: v / norm for t, v in vector.items()})
        # term -> weight of that term in each point (one array per term).
        self.term_weights: dict[str, np.ndarray] = {}
        for column, vector in enumerate(vectors):
            for term, weight in vector.items():
                row = self.term_weights.setdefault(term, np.zeros(len(points)))
                row[column] = weight
        self.size = len(points)

    def _vector(self, bag: Counter) -> dict[str, float]:
        """Unit-length sublinear TF-IDF vector of a bag of known stems."""
        vector = {
            t: (1 + math.log(c)) * self.idf[t] for t, c in bag.items() if t in self.idf
        }
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {t: v / norm for t, v in vector.items()}

    def cosines(self, bag: Counter) -> np.ndarray:
        """Cosine of one bag of stems against every point (zeros if none shared)."""
        scores = np.zeros(self.size)
        for term, weight in self._vector(bag).items():
            scores += weight * self.term_weights[term]
        return scores


@lru_cache(maxsize=64)
def index_for(points: tuple[PointProfile, ...]) -> LexicalIndex:
    """The index for a set of profiles (cached: profiles are immutable)."""
    return LexicalIndex(points)


class LexicalBackend:
    """Stemmed TF-IDF cosine between the log (and each sentence) and each point."""

    name = "lexical"

    def available(self) -> bool:
        """Always: no model to load."""
        return True

    def raw_scores(
        self, text: str, sentences: list[str], points: tuple[PointProfile, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(per-point cosine of the whole log, per-sentence cosines [sentence, point])."""
        index = index_for(points)
        if not sentences:
            return np.zeros(len(points)), np.zeros((0, len(points)))
        bags = [Counter(text_utils.content_stems(s)) for s in sentences]
        everything: Counter = Counter()
        for bag in bags:
            everything.update(bag)
        whole = index.cosines(everything)
        per_sentence = np.stack([index.cosines(bag) for bag in bags])
        return whole, per_sentence
