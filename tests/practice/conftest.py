"""Revision content for practice tests: a unit on the learner's qualification."""

import pytest

from revision.models import KeyConcept, KeyTerm, Misconception
from tests import factories

CONCEPTS = [
    ("Customer journey", "Every step a customer takes with the organisation."),
    ("Service recovery", "Putting things right after a service failure."),
]
MISCONCEPTIONS = [
    ("Complaints are always bad news.", "Complaints show where service can improve."),
    ("Only front-line staff affect customer relations.", ""),
]
MARKING_POINTS = [
    "Explains how rapport is built with a customer.",
    "Describes how feedback is gathered and acted on.",
]
KEY_TERMS = ["Net Promoter Score: how likely customers are to recommend you"]
CARD_COUNT = 2 * len(CONCEPTS) + len(MISCONCEPTIONS) + len(MARKING_POINTS) + 1


def add_content(topic):
    KeyConcept.objects.bulk_create(
        KeyConcept(topic=topic, position=n, term=t, explanation=e)
        for n, (t, e) in enumerate(CONCEPTS, 1)
    )
    Misconception.objects.bulk_create(
        Misconception(topic=topic, position=n, text=t, correction=c)
        for n, (t, c) in enumerate(MISCONCEPTIONS, 1)
    )
    for n, text in enumerate(MARKING_POINTS, 1):
        factories.MarkingPointFactory(topic=topic, position=n, text=text)
    KeyTerm.objects.bulk_create(
        KeyTerm(topic=topic, position=n, text=t) for n, t in enumerate(KEY_TERMS, 1)
    )
    return topic


@pytest.fixture
def unit(qualification):
    return factories.UnitFactory(
        qualification=qualification,
        title="Customer relations",
        slug="customer-relations",
    )


@pytest.fixture
def topic(unit):
    return add_content(
        factories.TopicFactory(
            unit=unit, title="Building relationships", slug="building"
        )
    )


@pytest.fixture
def cards(topic):
    from practice import services
    from practice.models import Card

    services.cards_generate_for_unit(unit=topic.unit)
    return list(Card.objects.filter(unit=topic.unit).order_by("position"))
