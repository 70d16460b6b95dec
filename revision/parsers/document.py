"""Parse a revision document (plain sections or a scraped web page).

Contract shared by the importer and the suggestions harness: `parse_document`
takes text and returns a `ParsedDocument` of plain values, with no database.

The two formats centres send us are read by one structural pass:

* Lines are tokenised into blank lines, bullets (``-``, ``*``, ``•``, ``▪``,
  ``1.`` …, with any emoji after the marker dropped) and text lines.
* A text line is a *heading* when it is heading-shaped (short, no full stop,
  no ``term: explanation`` colon) and its wording names a section kind
  (``_HEADING_RULES``). Web pages put a one-line sub-caption under each
  heading; a short line directly under a heading is read as that caption.
  A heading-shaped line that names no known section but is followed by
  bullets starts an *unknown* section, whose items are skipped (with a
  warning) rather than leaking into the previous section.
* Stray counters (a bare number followed by a label, such as ``5`` /
  ``Assessment Guidance``) and a trailing page footer ("Ready to learn?") are
  removed before sectioning.
* Sections of the same kind are merged in document order and exact duplicate
  items are dropped, so a page that repeats its navigation block, or lists a
  section twice, yields each item once.
* In a list section that has bullets anywhere in the document, loose text
  lines are captions or page furniture, not items; in a list section with no
  bullets at all, each sentence-like line is an item.

Choices worth knowing:

* ``synopsis`` is the "Topic Synopsis" text; failing that, the untitled
  paragraph under the title; failing that, the first overview paragraph.
  A first line that is a truncated copy of the synopsis is ignored.
  ``overview`` holds the separate "Topic Overview" paragraphs, if any.
* Learning objectives written as one comma-separated line are split at ", "
  followed by a capitalised word that starts an outcome (a verb such as
  "Understand", "Be able to", "Know", or the same first word as the first
  outcome); a comma before any other capitalised word ("…, Data Protection
  Act…") does not split.
* Key terminology items that only repeat the learning outcomes (the scraped
  page does this) are dropped, with a warning; other key terms are kept as
  written.
* ``title`` is the document's own title line (the unit title part of it)
  when it has one, otherwise a short title derived from the synopsis.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


class ParseError(ValueError):
    """The text is not a revision document we can read; the message says why."""


@dataclass(frozen=True)
class KeyConcept:
    term: str
    explanation: str


@dataclass(frozen=True)
class Misconception:
    text: str
    correction: str = ""


@dataclass(frozen=True)
class FAQ:
    question: str
    answer: str = ""


@dataclass
class ParsedDocument:
    """Everything one revision document says about one topic of a unit."""

    title: str = ""
    unit_title: str = ""
    qualification_title: str = ""
    publisher: str = ""
    format: str = ""  # "sections" (format 1) or "web" (format 2)
    synopsis: str = ""
    key_concepts: list[KeyConcept] = field(default_factory=list)
    exam_tips: list[str] = field(default_factory=list)
    misconceptions: list[Misconception] = field(default_factory=list)
    marking_points: list[str] = field(default_factory=list)
    learning_outcomes: list[str] = field(default_factory=list)
    prior_knowledge: list[str] = field(default_factory=list)
    key_terms: list[str] = field(default_factory=list)
    faqs: list[FAQ] = field(default_factory=list)
    # Added by the revision-content work (#3); existing fields are unchanged.
    overview: str = ""  # "Topic Overview" paragraphs, separated by blank lines
    warnings: list[str] = field(default_factory=list)  # what was skipped, and why

    def item_counts(self) -> dict[str, int]:
        """Return the number of items of each kind (for summaries and tests)."""
        return {
            "key_concepts": len(self.key_concepts),
            "exam_tips": len(self.exam_tips),
            "misconceptions": len(self.misconceptions),
            "marking_points": len(self.marking_points),
            "learning_outcomes": len(self.learning_outcomes),
            "prior_knowledge": len(self.prior_knowledge),
            "key_terms": len(self.key_terms),
            "faqs": len(self.faqs),
        }


# --------------------------------------------------------------------------
# Section kinds and how headings name them.

PROSE_KINDS = ("synopsis", "overview")
LIST_KINDS = (
    "key_concepts",
    "exam_tips",
    "misconceptions",
    "marking_points",
    "learning_outcomes",
    "prior_knowledge",
    "key_terms",
    "faqs",
)

# First match wins, so the more specific kinds come first ("Examiner Marking
# Points" is marking, not exam tips; "Key Terminology" is not key concepts).
_HEADING_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("faqs", r"\bfaqs?\b|frequently asked|\bquestions\b"),
        (
            "prior_knowledge",
            r"before you (start|begin)|prior (knowledge|learning)|prerequisite"
            r"|you should already know|what you need first",
        ),
        ("key_terms", r"terminology|\bkey terms\b|glossary|vocabulary|definitions"),
        (
            "learning_outcomes",
            r"learning (objective|outcome|aim|goal)s?|\bobjectives\b|\boutcomes\b"
            r"|what you will learn",
        ),
        (
            "marking_points",
            r"marking|\bcriteria\b|criterion|assessors? (look|want)"
            r"|examiners? (look|want)|mark scheme",
        ),
        ("misconceptions", r"misconception|mistake|pitfall|\berrors\b|\bmyths?\b"),
        (
            "exam_tips",
            r"\btips?\b|revision strateg|guidance|exam technique|how to revise"
            r"|revision advice",
        ),
        ("key_concepts", r"concepts?\b|principles|key ideas|core knowledge"),
        ("synopsis", r"synopsis|\bsummary\b"),
        ("overview", r"overview|introduction|about this (topic|unit)"),
    )
)

_BULLET_RE = re.compile(
    r"^(?:[-*+]\s+|[•·‣▪▫◦●○■□►▸➤✓✔]\s*|[\u2013\u2014]\s+|\(?\d{1,2}[.)]\s+|\(?[a-z][.)]\s+)(.*)$"
)
_MARKDOWN_HEADING_RE = re.compile(r"^#{1,6}\s+")
_COUNTER_RE = re.compile(r"^\d{1,4}$")
_TERMINAL_RE = re.compile(r"[.;,]$")
_SENTENCE_END_RE = re.compile(r"[.!?…)\"”']$")
_WS_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_MISCONCEPTION_RE = re.compile(
    r"^(?:misconception|myth|mistake|error|wrong)\s*:\s*(?P<text>.+?)\s*"
    r"(?:correction|reality|fact|truth|instead|correct)\s*:\s*(?P<correction>.+)$",
    re.IGNORECASE,
)
_ARROW_RE = re.compile(r"\s+(?:→|->|=>)\s+")
_FAQ_QA_RE = re.compile(
    r"^Q(?:uestion)?\s*[:.]\s*(?P<q>.+?)\s+A(?:nswer)?\s*[:.]\s*(?P<a>.+)$"
)
_FAQ_Q_PREFIX_RE = re.compile(r"^Q(?:uestion)?\s*[:.]\s*", re.IGNORECASE)
_FAQ_A_PREFIX_RE = re.compile(r"^A(?:nswer)?\s*[:.]\s*", re.IGNORECASE)
_OUTCOME_NUMBER_RE = re.compile(
    r"^(?:LO\s*)?\d{1,2}(?:\.\d{1,2})?\s*[.:)\-\u2013]?\s+", re.I
)
_OUTCOME_SPLIT_RE = re.compile(r"\s*[,;]\s+(?=(?:LO\s*)?\d{0,2}[.:)]?\s*[A-Z])")
_QUALIFICATION_RE = re.compile(
    r"\b(?:Entry\s+)?Level\s+\d\b.*\b(?:Diploma|Certificate|Award|Qualification|"
    r"Apprenticeship|Extended Certificate|NVQ|VRQ)\b"
    r"|\((?:RQF|QCF|SCQF|NVQ|VRQ)\)",
)
_CAMEL_JOIN_RE = re.compile(r"(?<=[a-z)\]])(?=[A-Z][a-z])")
_SYNOPSIS_LEAD_IN_RE = re.compile(
    r"^this\s+(?:element|subtopic|sub-topic|topic|unit|section|module|lesson|"
    r"chapter|area|part)\s+(?:focuses\s+on|covers|explores|examines|introduces|"
    r"looks\s+at|is\s+about|deals\s+with|sets\s+out|describes|explains)\s+"
    r"(?:the\s+|how\s+)?",
    re.IGNORECASE,
)

# Words an RQF-style learning outcome starts with. Used only to decide where a
# run-together line of outcomes may be split; a comma before any other
# capitalised word stays inside the outcome.
_OUTCOME_START_WORDS = frozenset(
    (
        "understand",
        "know",
        "be",
        "able",
        "apply",
        "demonstrate",
        "explain",
        "identify",
        "describe",
        "develop",
        "evaluate",
        "analyse",
        "analyze",
        "plan",
        "review",
        "manage",
        "use",
        "carry",
        "prepare",
        "maintain",
        "implement",
        "recognise",
        "recognize",
        "assess",
        "compare",
        "define",
        "outline",
        "produce",
        "create",
        "design",
        "deliver",
        "contribute",
        "establish",
        "monitor",
        "communicate",
        "work",
        "support",
        "promote",
        "provide",
        "select",
        "state",
        "summarise",
        "summarize",
        "investigate",
        "interpret",
        "justify",
        "discuss",
        "reflect",
        "organise",
        "organize",
        "lead",
        "handle",
        "resolve",
        "build",
        "determine",
        "improve",
        "follow",
        "ensure",
        "undertake",
        "complete",
        "perform",
        "examine",
        "list",
        "present",
        "research",
        "agree",
        "record",
        "respond",
        "operate",
        "set",
        "participate",
        "negotiate",
        "principles",
    )
)

_TITLE_MAX_CHARS = 80  # a derived title longer than this is cut at a word
_HEADING_MAX_WORDS = 8
_HEADING_MAX_CHARS = 70
_CAPTION_MAX_WORDS = 12
_FOOTER_MAX_WORDS = 8
_FOOTER_MAX_BLOCKS = 3
_WEB_INDENTED_SHARE = 0.5  # a scraped page indents most of its lines
_BINARY_CONTROL_RATIO = 0.02  # >2% control characters: not a text document


# --------------------------------------------------------------------------
# Tokens and sections.


@dataclass
class _Line:
    kind: str  # "blank", "bullet" or "text"
    text: str
    indented: bool = False


@dataclass
class _Entry:
    kind: str  # "bullet" or "text"
    text: str


@dataclass
class _Section:
    kind: str | None  # a section kind, "preamble", or None for unknown
    heading: str = ""
    captions: list[str] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)

    @property
    def has_bullets(self) -> bool:
        return any(e.kind == "bullet" for e in self.entries)


def _clean(text: str) -> str:
    """Collapse whitespace and strip markdown emphasis around a line's text."""
    text = _WS_RE.sub(" ", text).strip()
    text = text.replace("**", "").replace("__", "")
    return text.strip()


def _strip_leading_symbols(text: str) -> str:
    """Drop emoji and other pictographs that web pages put after a bullet."""
    i = 0
    while i < len(text) and (
        unicodedata.category(text[i]) in {"So", "Sk", "Mn", "Cf", "Zs", "Co"}
        or text[i] == " "
    ):
        i += 1
    return text[i:]


def _tokenise(text: str) -> list[_Line]:
    lines: list[_Line] = []
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped:
            lines.append(_Line("blank", ""))
            continue
        indented = raw[:1] in {" ", "\t"}
        match = _BULLET_RE.match(stripped)
        if match:
            body = _clean(_strip_leading_symbols(match.group(1)))
            if body:
                lines.append(_Line("bullet", body, indented))
            continue
        stripped = _MARKDOWN_HEADING_RE.sub("", stripped)
        body = _clean(_strip_leading_symbols(stripped))
        if body:
            lines.append(_Line("text", body, indented))
        else:
            lines.append(_Line("blank", ""))
    return lines


def _drop_counters(lines: list[_Line]) -> tuple[list[_Line], int]:
    """Remove stray counters: a bare number, and the short label right after it."""
    out: list[_Line] = []
    dropped = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.kind == "text" and _COUNTER_RE.match(line.text):
            dropped += 1
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if nxt is not None and nxt.kind == "text" and _is_heading_shaped(nxt.text):
                i += 2
                continue
            i += 1
            continue
        out.append(line)
        i += 1
    return out, dropped


def _strip_footer(lines: list[_Line]) -> list[str]:
    """Remove trailing page furniture (short unpunctuated lines after a blank)."""
    removed: list[str] = []
    for _ in range(_FOOTER_MAX_BLOCKS):
        end = len(lines)
        while end and lines[end - 1].kind == "blank":
            end -= 1
        start = end
        while start and lines[start - 1].kind != "blank":
            start -= 1
        block = lines[start:end]
        if not block or start == 0:
            break
        if not all(
            line.kind == "text"
            and len(line.text.split()) <= _FOOTER_MAX_WORDS
            and not line.text.endswith(".")
            and _heading_kind(line.text) is None
            for line in block
        ):
            break
        removed[:0] = [line.text for line in block]
        del lines[start:]
    return removed


def _is_heading_shaped(text: str) -> bool:
    text = text.rstrip(":").strip()
    words = text.split()
    return (
        0 < len(words) <= _HEADING_MAX_WORDS
        and len(text) <= _HEADING_MAX_CHARS
        and not _TERMINAL_RE.search(text)
        and ": " not in text
        and (text[0].isupper() or text[0].isdigit())
    )


def _heading_kind(text: str) -> str | None:
    """Return the section kind a heading-shaped line names, or None."""
    if not _is_heading_shaped(text):
        return None
    normalised = text.lower().replace("&", " and ")
    for kind, pattern in _HEADING_RULES:
        if pattern.search(normalised):
            return kind
    return None


def _next_content(lines: list[_Line], index: int) -> _Line | None:
    for line in lines[index + 1 :]:
        if line.kind != "blank":
            return line
    return None


def _sectionise(lines: list[_Line], warnings: list[str]) -> list[_Section]:
    sections = [_Section("preamble")]
    previous: _Line | None = None  # the previous non-blank line
    heading_is_previous = False
    for index, line in enumerate(lines):
        if line.kind == "blank":
            continue
        current = sections[-1]
        if line.kind == "bullet":
            current.entries.append(_Entry("bullet", line.text))
        else:
            kind = _heading_kind(line.text)
            fresh = heading_is_previous and not current.entries
            if kind is not None:
                if fresh and kind == current.kind and not current.captions:
                    current.captions.append(line.text)
                else:
                    sections.append(_Section(kind, heading=line.text))
                    previous, heading_is_previous = line, True
                    continue
            elif (
                fresh
                and not current.captions
                and current.kind != "preamble"
                and len(line.text.split()) <= _CAPTION_MAX_WORDS
                and not line.text.endswith(".")
            ):
                current.captions.append(line.text)
            elif _is_heading_shaped(line.text) and _starts_unknown_section(
                lines, index, current
            ):
                sections.append(_Section(None, heading=line.text))
                warnings.append(
                    f"Skipped the section {line.text!r}: it is not a section "
                    "this importer knows."
                )
                previous, heading_is_previous = line, True
                continue
            elif (
                previous is not None
                and previous.kind == "bullet"
                and lines[index - 1].kind == "bullet"
                and line.text[:1].islower()
                and current.entries
            ):
                # A bullet wrapped onto a second line without a marker.
                last = current.entries[-1]
                current.entries[-1] = _Entry(last.kind, f"{last.text} {line.text}")
            else:
                current.entries.append(_Entry("text", line.text))
        previous, heading_is_previous = line, False
    return sections


def _starts_unknown_section(lines: list[_Line], index: int, current: _Section) -> bool:
    """A heading-shaped line naming no known section, followed by a list."""
    nxt = _next_content(lines, index)
    if nxt is None:
        return False
    if current.kind == "preamble":
        return False
    if nxt.kind == "bullet":
        return current.kind is None or bool(current.entries)
    return False


# --------------------------------------------------------------------------
# Items of each kind.


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = _norm(item)
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _norm(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.casefold()).strip()


def _is_sentence_like(text: str) -> bool:
    return len(text.split()) >= 4 and not _is_heading_shaped(text)


def _key_concept(text: str) -> KeyConcept:
    for separator in (": ", " \u2013 ", " \u2014 ", " - "):
        term, found, explanation = text.partition(separator)
        term = term.strip().strip("'\"\u2018\u2019\u201c\u201d")
        if found and term and len(term.split()) <= _HEADING_MAX_WORDS:
            return KeyConcept(term=term, explanation=explanation.strip())
    return KeyConcept(term="", explanation=text)


def _misconception(text: str) -> Misconception:
    match = _MISCONCEPTION_RE.match(text)
    if match:
        return Misconception(match["text"].strip(), match["correction"].strip())
    parts = _ARROW_RE.split(text, maxsplit=1)
    if len(parts) == 2 and all(p.strip() for p in parts):
        return Misconception(parts[0].strip(), parts[1].strip())
    return Misconception(text)


def split_learning_outcomes(text: str) -> list[str]:
    """Split one line of run-together learning outcomes into separate outcomes."""
    pieces = [p for p in _OUTCOME_SPLIT_RE.split(text.strip().rstrip(".;,")) if p]
    pieces = [_OUTCOME_NUMBER_RE.sub("", p).strip() for p in pieces]
    pieces = [p for p in pieces if p]
    if not pieces:
        return []
    first_word = pieces[0].split()[0].casefold()
    outcomes: list[str] = []
    for piece in pieces:
        word = piece.split()[0].casefold().strip("'\"")
        starts_outcome = word in _OUTCOME_START_WORDS or word == first_word
        if outcomes and (not starts_outcome or len(piece.split()) < 3):
            outcomes[-1] = f"{outcomes[-1]}, {piece}"
        else:
            outcomes.append(piece)
    return outcomes


def _faqs(entries: list[_Entry]) -> list[FAQ]:
    faqs: list[FAQ] = []
    question = ""
    answer: list[str] = []

    def flush() -> None:
        if question:
            faqs.append(FAQ(question=question, answer=" ".join(answer).strip()))

    for entry in entries:
        text = entry.text
        qa = _FAQ_QA_RE.match(text)
        if qa:
            flush()
            faqs.append(FAQ(qa["q"].strip(), qa["a"].strip()))
            question, answer = "", []
            continue
        if _FAQ_A_PREFIX_RE.match(text) and question:
            answer.append(_FAQ_A_PREFIX_RE.sub("", text))
            continue
        stripped = _FAQ_Q_PREFIX_RE.sub("", text)
        head, mark, tail = stripped.partition("? ")
        if stripped.endswith("?"):
            flush()
            question, answer = stripped, []
        elif mark and tail[:1].isupper():
            flush()
            faqs.append(FAQ(head + "?", tail.strip()))
            question, answer = "", []
        elif question:
            answer.append(text)
        else:
            faqs.append(FAQ(question=text))
    flush()
    return faqs


def _list_items(sections: list[_Section], kind: str, loose: list[str]) -> list[str]:
    mine = [s for s in sections if s.kind == kind]
    bulleted = any(s.has_bullets for s in mine)
    items: list[str] = []
    for section in mine:
        for entry in section.entries:
            if entry.kind == "bullet" or (
                not bulleted and (kind == "faqs" or _is_sentence_like(entry.text))
            ):
                items.append(entry.text)
            else:
                loose.append(entry.text)
    return items


def _prose(sections: list[_Section], kind: str) -> list[str]:
    paragraphs: list[str] = []
    for section in sections:
        if section.kind == kind:
            paragraphs.extend(entry.text for entry in section.entries)
    return _dedupe(paragraphs)


# --------------------------------------------------------------------------
# Title, unit, publisher, qualification.


def _title_parts(preamble: _Section, all_text: list[str]) -> tuple[str, str, list[str]]:
    """Return (unit title, the rest of the title line, preamble paragraphs)."""
    texts = [e.text for e in preamble.entries if e.kind == "text"]
    if not texts:
        return "", "", []
    first, paragraphs = texts[0], texts[1:]
    longer = [t for t in all_text if t != first and t.startswith(first)]
    if longer or (_SENTENCE_END_RE.search(first) and len(first.split()) > 12):
        return "", "", texts  # a (possibly truncated) copy of the synopsis
    repeats = sorted(
        (
            t
            for t in all_text
            if t != first
            and first.startswith(t)
            and len(t.split()) >= 2
            and first[len(t) : len(t) + 1].isupper()
        ),
        key=len,
        reverse=True,
    )
    if repeats:
        return repeats[0], first[len(repeats[0]) :].strip(), paragraphs
    joined = _CAMEL_JOIN_RE.search(first)
    if joined and len(first.split()) <= 25:
        return first[: joined.start()].strip(), first[joined.start() :], paragraphs
    if len(first.split()) <= 15 and not first.endswith("."):
        return first, "", paragraphs
    return "", "", texts


def _publisher(rest: str, all_text: list[str]) -> str:
    if not rest:
        return ""
    folded = rest.casefold()
    for text in all_text:
        letters = [c for c in text if c.isalpha()]
        if (
            len(letters) >= 2
            and text.isupper()
            and folded.startswith(text.casefold())
            and (len(text) == len(rest) or not rest[len(text)].isalnum())
        ):
            return rest[: len(text)].strip()
    words = rest.split()
    org_suffixes = {
        "qualifications",
        "awards",
        "education",
        "learning",
        "training",
        "group",
        "ltd",
        "limited",
        "board",
        "institute",
        "college",
    }
    for i, word in enumerate(words[:6]):
        if word.casefold().strip(".,") in org_suffixes:
            return " ".join(words[: i + 1])
    return ""


def _qualification(candidates: list[str]) -> str:
    for text in candidates:
        if (
            len(text.split()) <= 15
            and not text.endswith(".")
            and _QUALIFICATION_RE.search(text)
        ):
            return text
    return ""


def derive_title(synopsis: str) -> str:
    """Make a short topic title from a synopsis's first sentence."""
    sentence = re.split(r"(?<=[.!?])\s+", synopsis.strip(), maxsplit=1)[0]
    sentence = _SYNOPSIS_LEAD_IN_RE.sub("", sentence).strip().rstrip(".!?")
    if not sentence:
        return ""
    sentence = sentence[0].upper() + sentence[1:]
    if len(sentence) <= _TITLE_MAX_CHARS:
        return sentence
    cut = sentence[: _TITLE_MAX_CHARS + 1].rsplit(" ", 1)[0]
    cut = re.sub(
        r"(?:[\s,;:]+(?:and|or|of|to|the|a|an|in|for|with))*[\s,;:]*$", "", cut
    )
    return f"{cut}…"


# --------------------------------------------------------------------------
# Entry points.


def check_text(text: str) -> None:
    """Raise ParseError if the text is empty or looks like binary data."""
    if not text or not text.strip():
        raise ParseError("the document is empty")
    if "\x00" in text:
        raise ParseError("the file looks binary (it contains NUL bytes), not text")
    controls = sum(
        1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f\v"
    )
    replaced = text.count("\ufffd")
    if (controls + replaced) / len(text) > _BINARY_CONTROL_RATIO:
        raise ParseError("the file looks binary (many control characters), not text")


def decode_document(data: bytes) -> str:
    """Decode a file's bytes as UTF-8 (a BOM is allowed). Raises ParseError."""
    if not data.strip():
        raise ParseError("the file is empty")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError("the file looks binary (it contains NUL bytes), not text")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError("the file claims to be UTF-16 but is not") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = data[exc.start : exc.start + 1].hex()
        raise ParseError(
            f"the file is not UTF-8 text (byte 0x{byte} at position {exc.start}); "
            "save it as UTF-8 and try again"
        ) from exc


def parse_document(text: str) -> ParsedDocument:
    """Parse one document's text. Raises ParseError when nothing is recognisable."""
    check_text(text)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    warnings: list[str] = []
    lines = _tokenise(text)
    content = [line for line in lines if line.kind != "blank"]
    indented_share = sum(line.indented for line in content[1:]) / max(
        len(content) - 1, 1
    )
    lines, counters = _drop_counters(lines)
    if counters:
        warnings.append(f"Ignored {counters} stray counter(s) from the page.")
    footer = _strip_footer(lines)
    if footer:
        warnings.append("Ignored the page footer: " + " / ".join(footer))
    sections = _sectionise(lines, warnings)
    known = [s for s in sections if s.kind not in (None, "preamble")]
    if not known:
        raise ParseError(
            "no recognisable section (expected headings such as 'Topic Synopsis', "
            "'Key Concepts', 'Examiner Marking Points' or 'Common Mistakes')"
        )

    all_text = [e.text for s in sections for e in s.entries if e.kind == "text"] + [
        c for s in sections for c in s.captions
    ]
    unit_title, rest, preamble_paragraphs = _title_parts(sections[0], all_text)
    loose: list[str] = []
    doc = ParsedDocument(
        unit_title=unit_title,
        publisher=_publisher(rest, all_text),
        format="web"
        if unit_title
        or counters
        or indented_share > _WEB_INDENTED_SHARE
        or any(s.captions for s in known)
        else "sections",
        warnings=warnings,
    )
    doc.key_concepts = [
        _key_concept(t) for t in _dedupe(_list_items(sections, "key_concepts", loose))
    ]
    doc.exam_tips = _dedupe(_list_items(sections, "exam_tips", loose))
    doc.misconceptions = [
        _misconception(t)
        for t in _dedupe(_list_items(sections, "misconceptions", loose))
    ]
    doc.marking_points = _dedupe(_list_items(sections, "marking_points", loose))
    doc.learning_outcomes = _dedupe(
        [
            outcome
            for line in _list_items(sections, "learning_outcomes", loose)
            for outcome in split_learning_outcomes(line)
        ]
    )
    doc.prior_knowledge = _dedupe(_list_items(sections, "prior_knowledge", loose))
    doc.key_terms = _key_terms(
        _dedupe(_list_items(sections, "key_terms", loose)), doc, warnings
    )
    faq_entries = [e for s in sections if s.kind == "faqs" for e in s.entries]
    doc.faqs = _faqs(faq_entries)

    synopsis = _prose(sections, "synopsis")
    overview = _prose(sections, "overview")
    paragraphs = [
        p
        for p in _dedupe(preamble_paragraphs + loose)
        if len(p.split()) > _CAPTION_MAX_WORDS
    ]
    complete = [
        p for p in paragraphs if not any(o != p and o.startswith(p) for o in all_text)
    ]
    if synopsis:
        doc.synopsis = "\n\n".join(synopsis)
    elif complete:
        doc.synopsis = complete[0]
    elif paragraphs:
        doc.synopsis = paragraphs[0]
        warnings.append("The synopsis looks truncated: no full copy was found.")
    elif overview:
        doc.synopsis = overview[0]
    doc.overview = "\n\n".join(overview)

    doc.qualification_title = _qualification(
        [c for s in sections for c in s.captions] + all_text
    )
    doc.title = unit_title or derive_title(doc.synopsis)

    if not doc.synopsis and not any(doc.item_counts().values()):
        raise ParseError("the section headings were found but they have no content")
    return doc


def _key_terms(items: list[str], doc: ParsedDocument, warnings: list[str]) -> list[str]:
    outcomes = {_norm(o) for o in doc.learning_outcomes}
    kept: list[str] = []
    for item in items:
        pieces = split_learning_outcomes(item)
        if outcomes and pieces and all(_norm(p) in outcomes for p in pieces):
            warnings.append(
                "Dropped a key terminology item that repeats the learning outcomes."
            )
            continue
        kept.append(item)
    return kept
