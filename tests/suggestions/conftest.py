"""A small revision document and labelled logs, written for these tests."""

import json

import pytest

from revision.parsers import parse_document
from suggestions.profiles import profiles_from_document

DOCUMENT = """\
This unit covers food safety in a commercial kitchen.
Topic Synopsis
This unit covers food safety in a commercial kitchen: personal hygiene, temperature control and allergen management, so that food served to customers is safe.
Key Concepts & Core Principles
- Cross-contamination: The transfer of bacteria from raw to ready-to-eat food by hands, surfaces or equipment.
- Danger zone: Between 8°C and 63°C bacteria multiply quickly, so chilled food is kept below 8°C and hot food above 63°C.
- Allergen control: The fourteen regulated allergens must be identified on every dish and communicated to customers who ask.
Exam Tips & Revision Strategies
- Give the temperatures you recorded and what you did when a reading was out of range.
- Describe how you checked an allergen matrix before answering a customer's question.
Common Misconceptions & Mistakes to Avoid
- Thinking gloves replace handwashing; hands must be washed before putting gloves on.
- Assuming a dish is allergen-free because the recipe looks simple.
Examiner Marking Points
- Award credit for evidence of personal hygiene practice, such as handwashing, clean uniform and reporting illness.
- Credit should be given for monitoring and recording temperatures of fridges, freezers and cooked food, with corrective action when readings are unsafe.
- Assessors must look for accurate handling of allergen information, including checking ingredients and telling customers clearly.
"""

CASES = [
    {
        "id": "t1",
        "text": (
            "At the start of my shift I washed my hands at the wash basin for "
            "twenty seconds and changed into a clean uniform. A colleague said "
            "she had been sick overnight, so I told the supervisor and she was "
            "sent home in line with our illness reporting policy."
        ),
        "labels": ["MP1"],
    },
    {
        "id": "t2",
        "text": (
            "I checked the walk-in fridge at 7am and it read 11°C, which is above "
            "the safe limit. I recorded the temperature on the log sheet, moved "
            "the high-risk food to the spare fridge and reported the fault. An "
            "hour later the spare fridge read 4°C and I wrote that down too."
        ),
        "labels": ["MP2"],
    },
    {
        "id": "t3",
        "text": (
            "A customer asked whether the curry contained nuts because her son "
            "has an allergy. I checked the allergen matrix and the ingredients "
            "label on the paste, which listed cashews, and told her clearly "
            "that it was not safe for him. I suggested the grilled chicken."
        ),
        "labels": ["MP3"],
    },
    {
        "id": "t4",
        "text": (
            "It rained all day so the terrace was closed. I folded napkins, "
            "restocked the bar with mixers and polished the glasses before the "
            "evening service started at six."
        ),
        "labels": [],
    },
]


@pytest.fixture
def document_path(tmp_path):
    path = tmp_path / "food_safety.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    return path


@pytest.fixture
def cases_path(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(case) for case in CASES) + "\n")
    return path


@pytest.fixture
def points():
    return profiles_from_document(parse_document(DOCUMENT))
