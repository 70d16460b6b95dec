"""Marking-point profiles: each point's text plus the unit content related to it."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from suggestions import text as text_utils

# A content item is attached to every marking point whose lexical similarity is
# at least this share of the item's best match (ties and near-ties share it).
RELATED_SHARE = 0.75


# A list inside a marking point starts after one of these ("such as trust,
# communication and empathy"); each listed item becomes a facet of the point.
_LIST_INTRO = re.compile(
    r",?\s\b(?:such as|including|includes|like|e\.g\.,?|for example|"
    r"for instance|namely)\s",
    re.IGNORECASE,
)
_LIST_SEPARATOR = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
# Listed items longer than this many content words are clauses, not items.
_MAX_FACET_WORDS = 6


@dataclass(frozen=True)
class PointProfile:
    """One marking point as the engine sees it: a key, its text, related content."""

    key: str
    text: str
    related: tuple[str, ...] = ()

    @property
    def facets(self) -> tuple[str, ...]:
        """The whole point followed by the items it lists, if it lists any."""
        return facets(self.text)


def facets(text: str) -> tuple[str, ...]:
    """Split 'credit for X, such as A, B and C' into (whole text, A, B, C)."""
    parts = [text]
    body = re.sub(r"\s*\([^)]*\)", "", text)
    pieces = _LIST_INTRO.split(body, maxsplit=1)
    if len(pieces) == 2:
        for item in _LIST_SEPARATOR.split(pieces[1]):
            if 1 <= len(text_utils.content_stems(item)) <= _MAX_FACET_WORDS:
                parts.append(item.strip(" ."))
    return tuple(dict.fromkeys(parts))


def content_items(document) -> list[str]:
    """The unit content of a parsed document that can enrich marking points."""
    items = [f"{c.term}: {c.explanation}" for c in document.key_concepts]
    items += list(document.exam_tips)
    items += [f"{m.text} {m.correction}".strip() for m in document.misconceptions]
    items += list(document.key_terms)
    items += list(document.learning_outcomes)
    return [item for item in items if item.strip()]


def profiles_from_document(document) -> list[PointProfile]:
    """Profiles MP1..MPn, in document order, for a `ParsedDocument`."""
    texts = list(document.marking_points)
    keys = [f"MP{i}" for i in range(1, len(texts) + 1)]
    return build_profiles(keys, texts, content_items(document))


def build_profiles(
    keys: list[str], texts: list[str], items: list[str]
) -> list[PointProfile]:
    """Attach each content item to the marking point(s) it most resembles."""
    related = attach_related(texts, items)
    return [
        PointProfile(key=key, text=text, related=tuple(rel))
        for key, text, rel in zip(keys, texts, related, strict=True)
    ]


def attach_related(points: list[str], items: list[str]) -> list[list[str]]:
    """For each point, the items whose best lexical match it is (or nearly is)."""
    related: list[list[str]] = [[] for _ in points]
    if not points or not items:
        return related
    bags = [Counter(text_utils.content_stems(t)) for t in points + items]
    df = Counter(term for bag in bags for term in bag)
    n = len(bags)
    idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}
    vectors = [_unit_vector(bag, idf) for bag in bags]
    point_vectors, item_vectors = vectors[: len(points)], vectors[len(points) :]
    for item, item_vector in zip(items, item_vectors, strict=True):
        sims = [_dot(item_vector, pv) for pv in point_vectors]
        best = max(sims)
        if best <= 0:
            continue
        for index, sim in enumerate(sims):
            if sim >= RELATED_SHARE * best:
                related[index].append(item)
    return related


def _unit_vector(bag: Counter, idf: dict[str, float]) -> dict[str, float]:
    """A length-normalised TF-IDF vector as a dict."""
    vector = {t: (1 + math.log(c)) * idf[t] for t, c in bag.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / norm for t, v in vector.items()}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Dot product of two sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def profiles_for_unit(unit) -> list[PointProfile]:
    """Profiles for every marking point of a unit, keyed by the point's pk.

    Each point is enriched with the content of its own topic (key concepts, exam
    tips, misconceptions, key terms, linked learning outcomes). Topics and points
    come in their display order. Six queries, whatever the unit's size.
    """
    from revision.models import Topic

    topics = Topic.objects.filter(unit=unit).prefetch_related(
        "marking_points",
        "key_concepts",
        "exam_tips",
        "misconceptions",
        "key_terms",
        "topic_outcomes__outcome",
    )
    profiles: list[PointProfile] = []
    for topic in topics:
        points = list(topic.marking_points.all())
        if not points:
            continue
        profiles.extend(
            build_profiles(
                [str(point.pk) for point in points],
                [point.text for point in points],
                topic_content_items(topic),
            )
        )
    return profiles


def topic_content_items(topic) -> list[str]:
    """A topic's stored content, in the same order as `content_items` uses."""
    items = [f"{c.term}: {c.explanation}" for c in topic.key_concepts.all()]
    items += [tip.text for tip in topic.exam_tips.all()]
    items += [f"{m.text} {m.correction}".strip() for m in topic.misconceptions.all()]
    items += [term.text for term in topic.key_terms.all()]
    items += [link.outcome.text for link in topic.topic_outcomes.all()]
    return [item for item in items if item.strip()]
