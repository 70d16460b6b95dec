"""Pure parsers from revision documents to plain dataclasses (no database).

`parse_document(text)` reads either format the centres send us and returns a
`ParsedDocument`; the importer (revision/importer.py) turns it into rows, and
the criteria-suggestion harness reads it without any database at all.
"""

from revision.parsers.document import (
    FAQ,
    KeyConcept,
    Misconception,
    ParsedDocument,
    ParseError,
    parse_document,
)

__all__ = [
    "FAQ",
    "KeyConcept",
    "Misconception",
    "ParseError",
    "ParsedDocument",
    "parse_document",
]
