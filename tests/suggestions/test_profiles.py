"""Profiles built from a parsed document and from a unit's stored content."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revision import importer
from revision.parsers import parse_document
from suggestions import engine
from suggestions.profiles import (
    PointProfile,
    attach_related,
    facets,
    profiles_for_unit,
    profiles_from_document,
)
from tests.suggestions.conftest import CASES, DOCUMENT


def test_points_are_numbered_in_document_order_and_enriched(points):
    assert [p.key for p in points] == ["MP1", "MP2", "MP3"]
    assert points[1].text.startswith("Credit should be given for monitoring")
    # the tip about recorded temperatures belongs with the temperature point
    assert any("temperatures you recorded" in item for item in points[1].related)
    assert not any("temperatures you recorded" in item for item in points[2].related)


def test_facets_are_the_items_a_point_lists():
    text = "Award credit for rapport, such as trust, empathy and reliability."
    assert facets(text) == (text, "trust", "empathy", "reliability")
    assert facets("Credit for evaluating impact.") == ("Credit for evaluating impact.",)


def test_an_item_sharing_nothing_with_any_point_is_attached_to_none():
    related = attach_related(
        ["Check fridge temperatures."], ["Parking is at the back."]
    )
    assert related == [[]]


def test_profiles_are_hashable_so_indexes_are_cached():
    point = PointProfile("MP1", "Wash hands.", ("Gloves are not enough.",))
    assert hash(point) == hash(
        PointProfile("MP1", "Wash hands.", ("Gloves are not enough.",))
    )


def _import(text, name="food.txt"):
    return importer.file_import(
        data=text.encode(),
        name=name,
        qualification_title="Level 2 Food Safety",
        unit_title="Food safety",
    )[0].topic


@pytest.mark.django_db
def test_unit_profiles_match_the_document_profiles_keyed_by_marking_point():
    topic = _import(DOCUMENT)

    profiles = profiles_for_unit(topic.unit)

    from_document = profiles_from_document(parse_document(DOCUMENT))
    assert [p.key for p in profiles] == [
        str(mp.pk) for mp in topic.marking_points.all()
    ]
    assert [(p.text, p.related) for p in profiles] == [
        (p.text, p.related) for p in from_document
    ]
    result = engine.suggest_for_unit(CASES[1]["text"], profiles)
    assert [s.key for s in result.preselected] == [
        str(topic.marking_points.get(position=2).pk)
    ]


@pytest.mark.django_db
def test_unit_profiles_take_the_same_queries_for_one_topic_or_two():
    topic = _import(DOCUMENT)
    with CaptureQueriesContext(connection) as one_topic:
        assert len(profiles_for_unit(topic.unit)) == 3

    second = DOCUMENT.replace("food safety in a commercial kitchen", "kitchen hygiene")
    _import(second, name="hygiene.txt")
    with CaptureQueriesContext(connection) as two_topics:
        assert len(profiles_for_unit(topic.unit)) == 6

    assert len(one_topic) == len(two_topics) <= 8


@pytest.mark.django_db
def test_suggest_for_unit_builds_profiles_and_gives_storable_results():
    topic = _import(DOCUMENT)
    temperature_point = topic.marking_points.get(position=2)

    results = engine.suggest_for_unit(unit=topic.unit, text=CASES[1]["text"])

    assert len(results) == 3
    top = next(iter(results))
    assert top.marking_point_id == temperature_point.pk
    assert top.preselected is True
    assert top.backend == "combined"
    assert top.sentences
    assert all(sentence in CASES[1]["text"] for sentence in top.sentences)
    assert [r.marking_point_id for r in results if r.preselected] == [
        temperature_point.pk
    ]


@pytest.mark.django_db
def test_suggest_for_unit_with_unusable_text_gives_nothing_to_store():
    topic = _import(DOCUMENT)

    results = engine.suggest_for_unit(unit=topic.unit, text="")

    assert len(results) == 0
    assert results.message == "There is not enough text to suggest anything."
