"""The revision-document parser: exact counts and fields for the three seeds,
plus synthetic variants that prove it reads structure rather than wording."""

import json
import time
from pathlib import Path

import pytest

from revision.parsers import document as parser
from revision.parsers import export_json
from revision.parsers.document import (
    FAQ,
    KeyConcept,
    Misconception,
    ParsedDocument,
    ParseError,
    parse_document,
)

FIXTURES = Path(__file__).parent / "fixtures"
SEED_0 = "000_62dfabb6da7b12c3.txt"
SEED_1 = "001_c92eae3347ad0328.txt"
SEED_2 = "002_fb371deb7646f730.txt"
UNIT = "Build and maintain effective customer relations"
SYNOPSIS_0 = (
    "This element focuses on the strategic and practical approaches required to "
    "establish, nurture, and sustain professional customer relationships within a "
    "service environment. It covers identifying the parameters for relationship "
    "development, applying communication and interpersonal skills to foster trust "
    "and loyalty, and systematically evaluating relationship effectiveness to drive "
    "continuous improvement. Mastery of these competencies is essential for "
    "delivering consistent, high-quality customer service that aligns with "
    "organisational goals and customer expectations."
)


def seed(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def counts(doc: ParsedDocument) -> dict[str, int]:
    return doc.item_counts()


# --------------------------------------------------------------------------
# Seed 000 (format 1)


def test_seed_0_counts_and_header():
    doc = parse_document(seed(SEED_0))

    assert doc.format == "sections"
    assert counts(doc) == {
        "key_concepts": 5,
        "exam_tips": 5,
        "misconceptions": 5,
        "marking_points": 5,
        "learning_outcomes": 0,
        "prior_knowledge": 0,
        "key_terms": 0,
        "faqs": 0,
    }
    assert doc.synopsis == SYNOPSIS_0
    assert doc.overview == ""
    assert doc.unit_title == ""
    assert doc.qualification_title == ""
    assert doc.publisher == ""
    assert doc.title == (
        "Strategic and practical approaches required to establish, nurture, and "
        "sustain…"
    )
    assert doc.warnings == []


def test_seed_0_items():
    doc = parse_document(seed(SEED_0))

    assert doc.key_concepts[0] == KeyConcept(
        term="Customer service excellence",
        explanation=(
            "Understanding the principles of delivering service that meets or "
            "exceeds customer expectations, including the service-profit chain and "
            "moments of truth."
        ),
    )
    assert [c.term for c in doc.key_concepts] == [
        "Customer service excellence",
        "Complaint handling and resolution",
        "Performance management",
        "Leadership in customer service",
        "Legal and regulatory compliance",
    ]
    assert doc.exam_tips[4] == (
        "For practical assessments, create a reflective log that evidences your "
        "decision-making process, outcomes, and learning points \u2013 this directly "
        "meets the review criterion."
    )
    assert all(m.correction == "" for m in doc.misconceptions)
    assert doc.misconceptions[1].text.startswith("A frequent error is neglecting")
    assert doc.marking_points[0].startswith(
        "Award credit for demonstrating a clear understanding"
    )
    # The last line has no trailing newline and no full stop problem.
    assert doc.marking_points[4] == (
        "Credit is awarded for evaluating the impact of relationship-building "
        "activities on customer satisfaction and business outcomes, with references "
        "to key performance indicators."
    )


# --------------------------------------------------------------------------
# Seed 001 (format 1)


def test_seed_1_counts_and_fields():
    doc = parse_document(seed(SEED_1))

    assert doc.format == "sections"
    assert counts(doc) == {
        "key_concepts": 5,
        "exam_tips": 4,
        "misconceptions": 4,
        "marking_points": 4,
        "learning_outcomes": 0,
        "prior_knowledge": 0,
        "key_terms": 0,
        "faqs": 0,
    }
    assert doc.synopsis.startswith("This subtopic focuses on the practical techniques")
    assert doc.synopsis.endswith("retail, hospitality, and contact centres.")
    assert doc.title == (
        "Practical techniques and interpersonal skills required to initiate, develop…"
    )
    assert doc.key_concepts[4].term == "Legal and regulatory requirements"
    assert "Equality Act 2010" in doc.key_concepts[4].explanation
    assert doc.exam_tips[3] == (
        "Use the 'LAST' principle (Listen, Apologise, Solve, Thank) as a framework "
        "to structure practical demonstrations."
    )
    assert doc.misconceptions[0] == Misconception(
        "Confusing customer satisfaction with customer loyalty, failing to recognise "
        "that loyalty requires ongoing engagement."
    )
    assert doc.marking_points[3] == (
        "Credit for showing awareness of non-verbal cues (e.g., body language, tone "
        "of voice) and their impact on relationship building."
    )


# --------------------------------------------------------------------------
# Seed 002 (format 2, a scraped web page)


def test_seed_2_counts_and_header():
    doc = parse_document(seed(SEED_2))

    assert doc.format == "web"
    assert counts(doc) == {
        "key_concepts": 5,
        "exam_tips": 8,
        "misconceptions": 8,
        "marking_points": 5,
        "learning_outcomes": 4,
        "prior_knowledge": 3,
        "key_terms": 0,
        "faqs": 0,
    }
    assert doc.unit_title == UNIT
    assert doc.title == UNIT
    assert doc.publisher == "Highfield Qualifications"
    assert doc.qualification_title == (
        "Highfield Level 3 Diploma in Customer Service (RQF)"
    )
    # The full synopsis, not the truncated copy under the title.
    assert doc.synopsis == SYNOPSIS_0
    paragraphs = doc.overview.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("The Highfield Level 3 Diploma in Customer")
    assert paragraphs[2].endswith("highlighting its practical relevance and rigour.")


def test_seed_2_learning_outcomes_are_split():
    doc = parse_document(seed(SEED_2))

    assert doc.learning_outcomes == [
        "Understand how to build effective relationships with customers",
        "Be able to determine the scope for building effective relationships with "
        "customers",
        "Be able to develop effective relationships with customers",
        "Be able to review and improve relationships with customers",
    ]


def test_seed_2_items():
    doc = parse_document(seed(SEED_2))

    # Emoji after the bullet are gone.
    assert doc.exam_tips[0].startswith("Always anchor your responses")
    assert doc.exam_tips[7] == (
        "For performance management questions, always link KPIs to business "
        "outcomes. Show how improving CSAT or FCR impacts customer retention and "
        "profitability."
    )
    assert [m.correction == "" for m in doc.misconceptions] == [True] * 5 + [False] * 3
    assert doc.misconceptions[6] == Misconception(
        text="Complaints are always negative.",
        correction=(
            "Complaints provide valuable feedback for improvement and can strengthen "
            "customer loyalty if handled correctly. They are opportunities to "
            "demonstrate commitment to service excellence."
        ),
    )
    assert doc.prior_knowledge == [
        "Level 2 Customer Service qualification or equivalent experience in a "
        "customer-facing role.",
        "Basic understanding of business operations and communication principles.",
        "Familiarity with common office software for data analysis and reporting.",
    ]
    # Same key concepts and marking points as the plain-sections copy.
    same = parse_document(seed(SEED_0))
    assert doc.key_concepts == same.key_concepts
    assert doc.marking_points == same.marking_points


def test_seed_2_drops_furniture_and_repeated_key_terms():
    doc = parse_document(seed(SEED_2))
    everything = json.dumps(export_json.document_to_export(doc))

    assert doc.key_terms == []
    for junk in (
        "Ready to learn?",
        "AI-powered learning",
        "Core ideas you must understand",
        "Key criteria assessors look for",
        "HIGHFIELD QUALIFICATIONS",
        "vocational",
        "Key Skills",
    ):
        assert junk not in everything
    assert doc.warnings == [
        "Ignored 5 stray counter(s) from the page.",
        "Ignored the page footer: Ready to learn? / AI-powered learning tailored "
        "to this unit",
        "Dropped a key terminology item that repeats the learning outcomes.",
    ]


def test_each_seed_parses_well_under_100_ms():
    for name in (SEED_0, SEED_1, SEED_2):
        text = seed(name)
        started = time.perf_counter()
        parse_document(text)
        assert time.perf_counter() - started < 0.05, name


# --------------------------------------------------------------------------
# Synthetic variants: structure, not wording.

FORMAT_1 = """\
Rapport is the basis of every lasting relationship with a cust
Topic Synopsis
Rapport is the basis of every lasting relationship with a customer. This topic covers how it is built.
Key Concepts & Core Principles
- Rapport: A sense of mutual understanding between two people.
- Empathy: Seeing the situation from the customer's side.
Exam Tips & Revision Strategies
- Quote a real conversation from your workplace.
Common Misconceptions & Mistakes to Avoid
- Thinking rapport is the same as friendship.
Examiner Marking Points
- Award credit for explaining how rapport is built.
- Credit for an example of rapport repaired after a complaint.
"""


def _sections(text: str) -> tuple[str, dict[str, list[str]]]:
    """Split a format-1 text into its first line and {heading: body lines}."""
    first, *lines = text.splitlines()
    sections: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("- ") or line.startswith("Rapport is"):
            sections[list(sections)[-1]].append(line)
        else:
            sections[line] = []
    return first, sections


def test_reordered_sections_give_the_same_content():
    first, sections = _sections(FORMAT_1)
    reordered = "\n".join(
        [first] + [line for h in reversed(sections) for line in [h, *sections[h]]]
    )

    doc = parse_document(reordered)

    assert reordered.splitlines()[1] == "Examiner Marking Points"
    assert doc == parse_document(FORMAT_1)
    assert counts(doc)["marking_points"] == 2


def test_crlf_line_endings_and_bom():
    doc = parse_document("\ufeff" + FORMAT_1.replace("\n", "\r\n"))

    assert doc == parse_document(FORMAT_1)
    assert doc.key_concepts[1] == KeyConcept(
        "Empathy", "Seeing the situation from the customer's side."
    )


def test_old_mac_line_endings():
    assert parse_document(FORMAT_1.replace("\n", "\r")) == parse_document(FORMAT_1)


@pytest.mark.parametrize("marker", ["* ", "• ", "▪ ", "\u2013 ", "1. ", "+ ", "•"])
def test_other_bullet_markers(marker):
    doc = parse_document(FORMAT_1.replace("- ", marker))

    assert counts(doc) == counts(parse_document(FORMAT_1))
    assert doc.marking_points[0] == "Award credit for explaining how rapport is built."


def test_unknown_heading_is_skipped_not_merged():
    text = FORMAT_1.replace(
        "Common Misconceptions",
        "Useful Websites\n- www.example.org has a good guide.\n- Another link.\n"
        "Common Misconceptions",
    )

    doc = parse_document(text)

    assert doc.exam_tips == ["Quote a real conversation from your workplace."]
    assert "Useful Websites" in doc.warnings[0]
    assert counts(doc) == counts(parse_document(FORMAT_1))


def test_different_heading_wording_and_markdown():
    text = """\
# Summary
Good complaint handling keeps customers. It is a skill you can practise.

## Core Principles:
- Ownership: The person who takes the complaint sees it through.

## Revision Tips
- Learn one complaint model well.

## Myths
- Myth: Customers who complain are difficult. Reality: Most want the problem fixed.

## What Assessors Look For
- Evidence of a complaint resolved within policy.
"""
    doc = parse_document(text)

    assert doc.synopsis == (
        "Good complaint handling keeps customers. It is a skill you can practise."
    )
    assert doc.key_concepts == [
        KeyConcept("Ownership", "The person who takes the complaint sees it through.")
    ]
    assert doc.exam_tips == ["Learn one complaint model well."]
    assert doc.misconceptions == [
        Misconception(
            "Customers who complain are difficult.", "Most want the problem fixed."
        )
    ]
    assert doc.marking_points == ["Evidence of a complaint resolved within policy."]


def test_wrapped_bullet_is_joined():
    text = FORMAT_1.replace(
        "- Quote a real conversation from your workplace.",
        "- Quote a real conversation\n  from your workplace.",
    )

    assert parse_document(text).exam_tips == [
        "Quote a real conversation from your workplace."
    ]


def test_duplicate_items_are_kept_once():
    text = FORMAT_1 + "- Award credit for explaining how rapport is built.\n"

    assert len(parse_document(text).marking_points) == 2


WEB_PAGE = """\
Handle complaints wellAcme Awards Online Revision

    Complaints are a chance to keep a customer. This topic shows how to handl

    Handle complaints well

    ACME AWARDS
    vocational

    Complaints are a chance to keep a customer. This topic shows how to handle one from first contact to follow-up.

    3
    Assessment Guidance
    2
    Key Terms

    Acme Level 2 Certificate in Retail Skills (RQF)

    Key Concepts

    Core ideas you must understand for this topic

    • Ownership: Whoever takes the complaint sees it through.
    • Escalation: Passing a complaint on when it is beyond your authority.

    Learning Objectives

    What you need to know and understand

    • Know the stages of the complaints procedure, Understand the Consumer Rights Act, Data Protection Act and Equality Act, Be able to resolve a complaint

    Common Mistakes

    Errors to avoid

    • 💡 Misconception: A refund ends the matter. Correction: Follow up to check the customer is satisfied.
    • Arguing with the customer.

    Frequently Asked Questions

    Common questions students ask about this topic

    • Do I need a real complaint? Yes, or a realistic role-play agreed with your assessor.
    What is escalation?
    Passing the complaint to someone with more authority.

    Key Terminology

    Essential terms to know

    • Know the stages of the complaints procedure, Understand the Consumer Rights Act, Data Protection Act and Equality Act, Be able to resolve a complaint
    • Goodwill gesture: Something given to restore the relationship.

    Ready to learn?

    Start revising now
"""


def test_unseen_web_page():
    doc = parse_document(WEB_PAGE)

    assert doc.format == "web"
    assert doc.unit_title == "Handle complaints well"
    assert doc.publisher == "Acme Awards"
    assert doc.qualification_title == "Acme Level 2 Certificate in Retail Skills (RQF)"
    assert doc.synopsis == (
        "Complaints are a chance to keep a customer. This topic shows how to handle "
        "one from first contact to follow-up."
    )
    assert [c.term for c in doc.key_concepts] == ["Ownership", "Escalation"]
    # The comma before "Data Protection Act" is inside an outcome.
    assert doc.learning_outcomes == [
        "Know the stages of the complaints procedure",
        "Understand the Consumer Rights Act, Data Protection Act and Equality Act",
        "Be able to resolve a complaint",
    ]
    assert doc.misconceptions == [
        Misconception(
            "A refund ends the matter.",
            "Follow up to check the customer is satisfied.",
        ),
        Misconception("Arguing with the customer."),
    ]
    assert doc.faqs == [
        FAQ(
            "Do I need a real complaint?",
            "Yes, or a realistic role-play agreed with your assessor.",
        ),
        FAQ(
            "What is escalation?",
            "Passing the complaint to someone with more authority.",
        ),
    ]
    assert doc.key_terms == [
        "Goodwill gesture: Something given to restore the relationship."
    ]
    assert "Ready to learn?" not in json.dumps(export_json.document_to_export(doc))


def test_web_page_with_empty_sections_only_where_empty():
    text = WEB_PAGE.replace(
        "    Frequently Asked Questions",
        "    Before You Start\n\n    Frequently Asked Questions",
    )
    doc = parse_document(text)

    assert doc.prior_knowledge == []
    assert len(doc.faqs) == 2


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Understand A, Be able to do B well, Know C and its parts",
            ["Understand A", "Be able to do B well", "Know C and its parts"],
        ),
        (
            "1. Understand the role of the team, 2. Be able to plan work",
            ["Understand the role of the team", "Be able to plan work"],
        ),
        (
            "Explain the Equality Act, Consumer Rights Act and GDPR",
            ["Explain the Equality Act, Consumer Rights Act and GDPR"],
        ),
        ("Understand customers", ["Understand customers"]),
    ],
)
def test_split_learning_outcomes(line, expected):
    assert parser.split_learning_outcomes(line) == expected


# --------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\n\t\n", "empty"),
        ("abc\x00def\x00" * 20, "binary"),
        ("".join(chr(i % 32) for i in range(400)), "binary"),
        ("Just a note\nabout nothing in particular.\n", "no recognisable section"),
        ("Key Concepts\nExam Tips\n", "no content"),
    ],
)
def test_bad_text_raises_a_clear_parse_error(text, message):
    with pytest.raises(ParseError, match=message):
        parse_document(text)


def test_decode_rejects_wrong_encoding_with_position():
    data = "Topic Synopsis\nCustomers\u2019 needs".encode("cp1252")

    with pytest.raises(
        ParseError, match=r"not UTF-8 text \(byte 0x92 at position 24\)"
    ):
        parser.decode_document(data)


def test_decode_accepts_utf8_bom_and_utf16():
    assert parser.decode_document("\ufeffKey Concepts".encode()) == "Key Concepts"
    assert parser.decode_document("Key Concepts".encode("utf-16")) == "Key Concepts"


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"  \n", "empty"), (b"%PDF-1.7\x00\x01\x02", "binary")],
)
def test_decode_rejects_empty_and_binary(data, message):
    with pytest.raises(ParseError, match=message):
        parser.decode_document(data)


# --------------------------------------------------------------------------
# JSON round trip


@pytest.mark.parametrize("name", [SEED_0, SEED_1, SEED_2])
def test_json_round_trip_is_unchanged(name):
    doc = parse_document(seed(name))

    exported = export_json.document_to_export(doc)
    again = export_json.document_to_export(export_json.document_from_export(exported))

    assert again == exported
    assert list(exported) == [
        "title",
        "qualification",
        "unit",
        "synopsis",
        "overview",
        "key_concepts",
        "exam_tips",
        "misconceptions",
        "marking_points",
        "learning_outcomes",
        "prior_knowledge",
        "key_terms",
        "faqs",
    ]
    assert json.loads(json.dumps(exported)) == exported


def test_export_shape_for_seed_2():
    exported = export_json.document_to_export(parse_document(seed(SEED_2)))

    assert exported["unit"] == UNIT
    assert exported["qualification"] == (
        "Highfield Level 3 Diploma in Customer Service (RQF)"
    )
    assert exported["key_concepts"][0] == {
        "term": "Customer service excellence",
        "explanation": (
            "Understanding the principles of delivering service that meets or "
            "exceeds customer expectations, including the service-profit chain and "
            "moments of truth."
        ),
    }
    assert exported["misconceptions"][5] == {
        "text": "Customer service is just about being polite.",
        "correction": (
            "While politeness is important, effective customer service requires "
            "strategic problem-solving, product knowledge, and the ability to "
            "manage expectations to achieve positive outcomes."
        ),
    }


def test_parse_export_accepts_one_object_or_a_list():
    exported = export_json.document_to_export(parse_document(seed(SEED_1)))

    one = export_json.parse_export(json.dumps(exported))
    many = export_json.parse_export(json.dumps([exported, exported]))

    assert len(one) == 1
    assert len(many) == 2
    assert export_json.document_to_export(one[0]) == exported


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "no topics"),
        ('"a string"', "object or a list"),
        ('{"title": "x"}', "no content"),
        ('{"title": "x", "exam_tips": "one"}', "exam_tips must be a list"),
        ('{"title": "x", "key_concepts": [{"term": 1}]}', "key_concepts"),
    ],
)
def test_parse_export_rejects_bad_json(text, message):
    with pytest.raises(ParseError, match=message):
        export_json.parse_export(text)


def test_looks_like_export():
    assert export_json.looks_like_export('  [{"title": "x"}]')
    assert export_json.looks_like_export('{"title": "x"}')
    assert not export_json.looks_like_export(seed(SEED_0))
