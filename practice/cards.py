"""Turn a topic's revision content into card specifications (no writes).

One card type per content kind. Each card's `source_key` is a SHA-256 of its kind
and its source text (whitespace and case folded), not of the wording we wrap round
it, so re-importing unchanged content finds the same cards and rewording a question
template here keeps every learner's history.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from practice.models import CardKind

# "Term: definition" or "Term - definition" (hyphen, en or em dash) in a key term.
_DASHES = "\u2013\u2014"
_DEFINITION = re.compile(
    rf"^(?P<term>[^:{_DASHES}]{{2,80}}?)\s*(?::|\s[{_DASHES}-]\s)\s*(?P<text>.+)$"
)


@dataclass(frozen=True)
class CardSpec:
    kind: str
    source_key: str
    front: str
    back: str


def source_key(kind: str, *parts: str) -> str:
    normalised = "\x1f".join(" ".join(p.split()).casefold() for p in parts)
    return hashlib.sha256(f"{kind}\x1e{normalised}".encode()).hexdigest()


def _concept_cards(topic) -> Iterable[CardSpec]:
    for concept in topic.key_concepts.all():
        term, explanation = concept.term.strip(), concept.explanation.strip()
        if not (term and explanation):
            continue
        yield CardSpec(
            CardKind.CONCEPT,
            source_key(CardKind.CONCEPT, term, explanation),
            _("Explain the key concept: %(term)s") % {"term": term},
            explanation,
        )
        yield CardSpec(
            CardKind.CONCEPT_REVERSE,
            source_key(CardKind.CONCEPT_REVERSE, term, explanation),
            _("Which key concept is this? %(explanation)s")
            % {"explanation": explanation},
            term,
        )


def _misconception_cards(topic) -> Iterable[CardSpec]:
    for item in topic.misconceptions.all():
        text = item.text.strip()
        if not text:
            continue
        correction = item.correction.strip()
        back = (
            _("False. %(correction)s") % {"correction": correction}
            if correction
            else _("False: this is a common mistake to avoid.")
        )
        yield CardSpec(
            CardKind.MISCONCEPTION,
            source_key(CardKind.MISCONCEPTION, text, correction),
            _("True or false: %(text)s") % {"text": text},
            back,
        )


def _marking_point_cards(topic) -> Iterable[CardSpec]:
    points = list(topic.marking_points.all())
    for point in points:
        text = point.text.strip()
        if not text:
            continue
        yield CardSpec(
            CardKind.MARKING_POINT,
            source_key(CardKind.MARKING_POINT, text),
            _(
                "What does an assessor look for on “%(topic)s”? "
                "(marking point %(n)s of %(total)s)"
            )
            % {"topic": topic.title, "n": point.position, "total": len(points)},
            text,
        )


def _key_term_cards(topic) -> Iterable[CardSpec]:
    explanations = {
        " ".join(c.term.split()).casefold(): c.explanation.strip()
        for c in topic.key_concepts.all()
        if c.term and c.explanation
    }
    for item in topic.key_terms.all():
        text = " ".join(item.text.split())
        if not text:
            continue
        match = _DEFINITION.match(text)
        if match:
            term, back = match["term"].strip(), match["text"].strip()
        else:
            term = text
            back = explanations.get(text.casefold()) or _(
                "Check your explanation against the topic “%(topic)s”."
            ) % {"topic": topic.title}
        yield CardSpec(
            CardKind.KEY_TERM,
            source_key(CardKind.KEY_TERM, text),
            _("What does this key term mean? %(term)s") % {"term": term},
            back,
        )


def _faq_cards(topic) -> Iterable[CardSpec]:
    for item in topic.faqs.all():
        question, answer = item.question.strip(), item.answer.strip()
        if question and answer:
            yield CardSpec(
                CardKind.FAQ,
                source_key(CardKind.FAQ, question, answer),
                question,
                answer,
            )


def specs_for_topic(topic) -> list[CardSpec]:
    """Every card the topic's content gives, in reading order, without duplicates.

    Expects the topic with key_concepts, misconceptions, marking_points, key_terms
    and faqs prefetched (revision content is read, never written, here).
    """
    seen: set[str] = set()
    specs = []
    for generator in (
        _concept_cards,
        _misconception_cards,
        _marking_point_cards,
        _key_term_cards,
        _faq_cards,
    ):
        for spec in generator(topic):
            if spec.source_key not in seen:
                seen.add(spec.source_key)
                specs.append(spec)
    return specs
