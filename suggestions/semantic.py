"""Semantic backend: sentence embeddings from wordllama's bundled static model."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from suggestions.profiles import PointProfile

logger = logging.getLogger(__name__)

MODEL_NAME = "wordllama l2_supercat 256d (bundled in the wordllama wheel)"

_lock = threading.Lock()
_state: dict[str, object] = {"model": None, "error": None}


def load_model():
    """Load wordllama's bundled model once per process, offline; None if it fails."""
    with _lock:
        if _state["model"] is None and _state["error"] is None:
            try:
                import wordllama

                _state["model"] = wordllama.WordLlama.load(
                    cache_dir=Path(wordllama.__file__).parent, disable_download=True
                )
            except Exception as exc:  # any failure means: serve lexical instead
                _state["error"] = f"{type(exc).__name__}: {exc}"
                logger.warning("wordllama could not load: %s", _state["error"])
        return _state["model"]


def load_error() -> str | None:
    """Why the model failed to load, or None."""
    return _state["error"]  # type: ignore[return-value]


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings, one row per text, encoded in one batch."""
    model = load_model()
    if model is None:
        raise RuntimeError(f"semantic model unavailable ({load_error()})")
    if not texts:
        return np.zeros((0, 256), dtype=np.float32)
    vectors = np.asarray(model.embed(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # A text made only of unknown tokens embeds to zero: leave it at zero.
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


class PointEmbeddings:
    """Embeddings of every facet of every point, with the facet -> point map."""

    def __init__(self, points: tuple[PointProfile, ...]) -> None:
        """Embed all facets of all points in one batch."""
        texts: list[str] = []
        owners: list[int] = []
        for index, point in enumerate(points):
            texts.extend(point.facets)
            owners.extend([index] * len(point.facets))
        self.vectors = embed(texts)
        self.owners = np.array(owners, dtype=np.int64)
        self.size = len(points)


@lru_cache(maxsize=64)
def embeddings_for(points: tuple[PointProfile, ...]) -> PointEmbeddings:
    """The facet embeddings for a set of profiles (cached: profiles are immutable)."""
    return PointEmbeddings(points)


class SemanticBackend:
    """Best cosine between any sentence and any facet of each point."""

    name = "semantic"

    def available(self) -> bool:
        """True when the bundled model loads."""
        return load_model() is not None

    def raw_scores(
        self, text: str, sentences: list[str], points: tuple[PointProfile, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(per-point best sentence cosine, per-sentence cosines [sentence, point])."""
        if not sentences:
            return np.zeros(len(points)), np.zeros((0, len(points)))
        point_embeddings = embeddings_for(points)
        facet_scores = embed(sentences) @ point_embeddings.vectors.T
        per_sentence = np.full((len(sentences), len(points)), -1.0)
        for index in range(len(points)):
            columns = facet_scores[:, point_embeddings.owners == index]
            if columns.size:
                per_sentence[:, index] = columns.max(axis=1)
        return per_sentence.max(axis=0), per_sentence
