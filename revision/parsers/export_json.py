"""ParsedDocument <-> the export JSON object (issue #3), with no database.

`export_revision` prints `document_to_export(...)` objects and `import_revision`
reads them back through `parse_export`, so a topic survives the round trip
unchanged. Keys, in order: title, qualification, unit, synopsis, overview,
key_concepts [{term, explanation}], exam_tips, misconceptions [{text, correction}],
marking_points, learning_outcomes, prior_knowledge, key_terms,
faqs [{question, answer}]. ``overview`` is an addition to the issue's list: the
web format's "Topic Overview" would otherwise be lost on the way round.
"""

from __future__ import annotations

import json
from typing import Any

from revision.parsers.document import (
    FAQ,
    KeyConcept,
    Misconception,
    ParsedDocument,
    ParseError,
)

STRING_LISTS = (
    "exam_tips",
    "marking_points",
    "learning_outcomes",
    "prior_knowledge",
    "key_terms",
)
OBJECT_LISTS: dict[str, tuple[type, tuple[str, ...]]] = {
    "key_concepts": (KeyConcept, ("term", "explanation")),
    "misconceptions": (Misconception, ("text", "correction")),
    "faqs": (FAQ, ("question", "answer")),
}


def document_to_export(doc: ParsedDocument) -> dict[str, Any]:
    """Return the export JSON object for one parsed (or stored) topic."""
    return {
        "title": doc.title,
        "qualification": doc.qualification_title,
        "unit": doc.unit_title,
        "synopsis": doc.synopsis,
        "overview": doc.overview,
        "key_concepts": [
            {"term": c.term, "explanation": c.explanation} for c in doc.key_concepts
        ],
        "exam_tips": list(doc.exam_tips),
        "misconceptions": [
            {"text": m.text, "correction": m.correction} for m in doc.misconceptions
        ],
        "marking_points": list(doc.marking_points),
        "learning_outcomes": list(doc.learning_outcomes),
        "prior_knowledge": list(doc.prior_knowledge),
        "key_terms": list(doc.key_terms),
        "faqs": [{"question": f.question, "answer": f.answer} for f in doc.faqs],
    }


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ParseError(f"{key} must be text, not {type(value).__name__}")
    return value


def document_from_export(data: Any) -> ParsedDocument:
    """Build a ParsedDocument from one export object. Raises ParseError."""
    if not isinstance(data, dict):
        raise ParseError("each topic must be a JSON object")
    doc = ParsedDocument(
        title=_string(data, "title"),
        qualification_title=_string(data, "qualification"),
        unit_title=_string(data, "unit"),
        synopsis=_string(data, "synopsis"),
        overview=_string(data, "overview"),
        format="json",
    )
    for key in STRING_LISTS:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParseError(f"{key} must be a list of text")
        setattr(doc, key, list(value))
    for key, (cls, fields) in OBJECT_LISTS.items():
        value = data.get(key) or []
        if not isinstance(value, list):
            raise ParseError(f"{key} must be a list of objects")
        items = []
        for item in value:
            if not isinstance(item, dict) or not all(
                isinstance(item.get(f, ""), str) for f in fields
            ):
                raise ParseError(
                    f"{key} items must be objects with text fields {', '.join(fields)}"
                )
            items.append(cls(*(item.get(f, "") for f in fields)))
        setattr(doc, key, items)
    if not doc.synopsis and not any(doc.item_counts().values()):
        raise ParseError(f"the topic {doc.title!r} has no content")
    if not doc.title:
        raise ParseError("a topic has no title")
    return doc


def looks_like_export(text: str) -> bool:
    """True when the text is (meant to be) export JSON rather than a document."""
    return text.lstrip("\ufeff \t\r\n")[:1] in {"{", "["}


def parse_export(text: str) -> list[ParsedDocument]:
    """Read export JSON (one object or a list of them). Raises ParseError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ParseError("export JSON must be an object or a list of objects")
    if not data:
        raise ParseError("the JSON holds no topics")
    return [document_from_export(item) for item in data]
