"""Import revision documents into the database, and export them back as JSON.

The service behind `import_revision`, `export_revision` and the browser upload.
One transaction per file: a file either imports completely or changes nothing.

Idempotence: a topic stores the SHA-256 of its parsed content (the export JSON
object with the resolved qualification and unit titles), so importing the same
content again, whether from the original text or from export JSON, writes nothing.

Edited documents update their topic in place. The topic is found by its source
file name, then by its title. Marking points are matched old→new by identical
text, then by similarity, then by same position, and matched rows keep their primary
keys, so portfolio mappings and judgements that point at them survive. Only
points that the new document no longer has are deleted. Every other list is
replaced wholesale: nothing outside revision/ refers to those rows.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError
from django.utils.text import slugify

from revision import models, signals
from revision.parsers import export_json
from revision.parsers.document import (
    FAQ,
    KeyConcept,
    Misconception,
    ParsedDocument,
    ParseError,
    decode_document,
)
from revision.parsers.document import parse_document as parse_text

NOT_STATED = "Not stated"  # awarding body, until a document names it
SIMILAR_ENOUGH = 0.6  # SequenceMatcher ratio above which an edited point is "the same"
OUTCOME_LINK_MIN_SHARED = 2  # shared word stems needed to link a point to an outcome
_STEM = 5  # characters of a word compared when linking (understand ≈ understanding)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "with",
        "your",
        "you",
        "able",
    ]
)


class ImportFailed(Exception):
    """A file could not be imported; the message names the file and says why."""


@dataclass
class ImportResult:
    """What happened to one topic (a document, or one object of export JSON)."""

    source_name: str
    action: str  # "created", "updated" or "unchanged"
    topic: models.Topic
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        """One line for the command's output: file, action, counts."""
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in self.counts.items())
        return (
            f"{self.source_name}: {self.action} topic {self.topic.title!r} in "
            f"{self.topic.unit.title!r} ({counts})"
        )


# --------------------------------------------------------------------------
# Reading files.


def read_documents(*, data: bytes, name: str) -> list[ParsedDocument]:
    """Decode and parse one file (a revision document or export JSON).

    Raises ImportFailed naming the file: empty, binary, not UTF-8, or unreadable.
    """
    try:
        text = decode_document(data)
        if export_json.looks_like_export(text):
            return export_json.parse_export(text)
        return [parse_text(text)]
    except ParseError as exc:
        raise ImportFailed(f"{name}: {exc}") from exc


def content_hash(doc: ParsedDocument) -> str:
    """SHA-256 of the content, independent of the file's format and layout."""
    payload = json.dumps(
        export_json.document_to_export(doc), sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# --------------------------------------------------------------------------
# Writing.


def resolve_titles(
    doc: ParsedDocument,
    *,
    name: str,
    qualification_title: str = "",
    unit_title: str = "",
) -> ParsedDocument:
    """Return the document with the qualification and unit it belongs to filled in.

    An explicit title wins over the document's own. Raises ImportFailed when the
    document names neither and none was given.
    """
    qualification = qualification_title or doc.qualification_title
    unit = unit_title or doc.unit_title
    if not unit:
        raise ImportFailed(
            f"{name}: the document does not say which unit it belongs to; "
            "pass --unit TITLE"
        )
    if not qualification:
        raise ImportFailed(
            f"{name}: the document does not say which qualification it belongs "
            "to; pass --qualification TITLE"
        )
    return replace(doc, qualification_title=qualification, unit_title=unit)


def _unique_slug(model, base: str, **scope) -> str:
    base = slugify(base)[:100] or "item"
    slug, n = base, 2
    while model.objects.filter(slug=slug, **scope).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _qualification(doc: ParsedDocument) -> models.Qualification:
    found = models.Qualification.objects.filter(
        title__iexact=doc.qualification_title
    ).first()
    if found:
        if found.awarding_organisation == NOT_STATED and doc.publisher:
            # A later document names the awarding body an earlier one left out.
            found.awarding_organisation = doc.publisher
            found.save(update_fields=["awarding_organisation"])
        return found
    level = re.search(r"\bLevel\s+(\d)\b", doc.qualification_title)
    qualification = models.Qualification(
        title=doc.qualification_title,
        awarding_organisation=doc.publisher or NOT_STATED,
        level=int(level.group(1)) if level else None,
        slug=_unique_slug(models.Qualification, doc.qualification_title),
    )
    qualification.full_clean()
    qualification.save()
    return qualification


def _unit(qualification: models.Qualification, title: str) -> models.Unit:
    found = models.Unit.objects.filter(
        qualification=qualification, title__iexact=title
    ).first()
    if found:
        return found
    position = (
        models.Unit.objects.filter(qualification=qualification).aggregate(
            m=Max("position")
        )["m"]
        or 0
    )
    unit = models.Unit(
        qualification=qualification,
        title=title,
        slug=_unique_slug(models.Unit, title),
        position=position + 1,
    )
    unit.full_clean()
    unit.save()
    return unit


def _find_topic(
    unit: models.Unit, doc: ParsedDocument, source_name: str, digest: str
) -> models.Topic | None:
    topics = models.Topic.objects.filter(unit=unit).select_for_update()
    return (
        topics.filter(source_hash=digest).first()
        or (topics.filter(source_name=source_name).first() if source_name else None)
        or topics.filter(title__iexact=doc.title).first()
    )


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z]+", text.casefold())
    return {w[:_STEM] for w in words if w not in _STOPWORDS and len(w) > 2}


def link_outcome(
    text: str, outcomes: list[models.LearningOutcome]
) -> models.LearningOutcome | None:
    """The outcome a marking point most plainly serves, if one clearly stands out."""
    scored = sorted(
        ((len(_stems(text) & _stems(o.text)), o.number, o) for o in outcomes),
        key=lambda item: (-item[0], item[1]),
    )
    if not scored or scored[0][0] < OUTCOME_LINK_MIN_SHARED:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None  # a tie: better no link than a wrong one
    return scored[0][2]


def _outcomes(unit: models.Unit, texts: list[str]) -> list[models.LearningOutcome]:
    existing = {
        export_key(o.text): o for o in models.LearningOutcome.objects.filter(unit=unit)
    }
    number = max((o.number for o in existing.values()), default=0)
    result = []
    for text in texts:
        outcome = existing.get(export_key(text))
        if outcome is None:
            number += 1
            outcome = models.LearningOutcome(unit=unit, number=number, text=text)
            outcome.full_clean()
            outcome.save()
            existing[export_key(text)] = outcome
        result.append(outcome)
    return result


def export_key(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def match_marking_points(old: list[str], new: list[str]) -> dict[int, int]:
    """Pair old marking points with new ones: {new index: old index}.

    Identical text first, then the most similar pair above SIMILAR_ENOUGH, then a
    point rewritten beyond recognition in its own slot (same position).
    """
    pairs: dict[int, int] = {}
    free_old = set(range(len(old)))
    for j, text in enumerate(new):
        for i in sorted(free_old):
            if export_key(old[i]) == export_key(text):
                pairs[j] = i
                free_old.discard(i)
                break
    candidates = sorted(
        (
            (SequenceMatcher(None, old[i], new[j]).ratio(), j, i)
            for j in range(len(new))
            if j not in pairs
            for i in free_old
        ),
        reverse=True,
    )
    for ratio, j, i in candidates:
        if ratio < SIMILAR_ENOUGH:
            break
        if j not in pairs and i in free_old:
            pairs[j] = i
            free_old.discard(i)
    for j in range(len(new)):
        # Only a point rewritten in its own slot: a removed point's row must not
        # be reused for an unrelated new one, or its mappings would move with it.
        if j not in pairs and j in free_old:
            pairs[j] = j
            free_old.discard(j)
    return pairs


def _write_marking_points(
    topic: models.Topic,
    texts: list[str],
    outcomes: list[models.LearningOutcome],
    source_name: str,
) -> None:
    existing = list(topic.marking_points.order_by("position"))
    pairs = match_marking_points([mp.text for mp in existing], texts)
    kept = set(pairs.values())
    gone = [mp.pk for i, mp in enumerate(existing) if i not in kept]
    if gone:
        try:
            models.MarkingPoint.objects.filter(pk__in=gone).delete()
        except ProtectedError as exc:
            raise ImportFailed(
                f"{source_name}: {len(gone)} marking point(s) the new version drops "
                "are used by portfolio evidence or marking, so they cannot be removed"
            ) from exc
    # Move kept rows out of the way first: (topic, position) is unique.
    moving = [existing[i] for i in sorted(kept)]
    offset = 1000
    for mp in moving:
        mp.position += offset
    models.MarkingPoint.objects.bulk_update(moving, ["position"])
    creating = []
    updating = []
    for j, text in enumerate(texts):
        outcome = link_outcome(text, outcomes)
        if j in pairs:
            mp = existing[pairs[j]]
            mp.position, mp.text, mp.outcome = j + 1, text, outcome
            updating.append(mp)
        else:
            creating.append(
                models.MarkingPoint(
                    topic=topic, position=j + 1, text=text, outcome=outcome
                )
            )
    models.MarkingPoint.objects.bulk_update(updating, ["position", "text", "outcome"])
    models.MarkingPoint.objects.bulk_create(creating)
    _number_marking_points(topic.unit)


def _number_marking_points(unit: models.Unit) -> None:
    """Give every marking point of the unit a reference unique in the unit: "3" when
    the unit has one topic, "2.3" (topic, point) when it has several."""
    topics = list(unit.topics.order_by("position", "pk"))
    points = list(
        models.MarkingPoint.objects.filter(topic__unit=unit).order_by("position")
    )
    number_of = {topic.pk: n for n, topic in enumerate(topics, 1)}
    for point in points:
        point.reference = (
            str(point.position)
            if len(topics) == 1
            else f"{number_of[point.topic_id]}.{point.position}"
        )
    models.MarkingPoint.objects.bulk_update(points, ["reference"])


def _replace_items(topic: models.Topic, doc: ParsedDocument, outcomes) -> None:
    for model in (
        models.KeyConcept,
        models.ExamTip,
        models.Misconception,
        models.PriorKnowledge,
        models.KeyTerm,
        models.FAQ,
        models.TopicOutcome,
    ):
        model.objects.filter(topic=topic).delete()
    models.KeyConcept.objects.bulk_create(
        models.KeyConcept(
            topic=topic, position=n, term=c.term, explanation=c.explanation
        )
        for n, c in enumerate(doc.key_concepts, 1)
    )
    models.ExamTip.objects.bulk_create(
        models.ExamTip(topic=topic, position=n, text=t)
        for n, t in enumerate(doc.exam_tips, 1)
    )
    models.Misconception.objects.bulk_create(
        models.Misconception(
            topic=topic, position=n, text=m.text, correction=m.correction
        )
        for n, m in enumerate(doc.misconceptions, 1)
    )
    models.PriorKnowledge.objects.bulk_create(
        models.PriorKnowledge(topic=topic, position=n, text=t)
        for n, t in enumerate(doc.prior_knowledge, 1)
    )
    models.KeyTerm.objects.bulk_create(
        models.KeyTerm(topic=topic, position=n, text=t)
        for n, t in enumerate(doc.key_terms, 1)
    )
    models.FAQ.objects.bulk_create(
        models.FAQ(topic=topic, position=n, question=f.question, answer=f.answer)
        for n, f in enumerate(doc.faqs, 1)
    )
    models.TopicOutcome.objects.bulk_create(
        models.TopicOutcome(topic=topic, position=n, outcome=o)
        for n, o in enumerate(outcomes, 1)
    )


@transaction.atomic
def topic_import(
    *, doc: ParsedDocument, source_name: str = "", match_source: bool = True
) -> ImportResult:
    """Create or update the topic a parsed document describes (one transaction).

    `doc` must name its qualification and unit (see `resolve_titles`).
    Raises ImportFailed.
    """
    if not doc.title:
        raise ImportFailed(f"{source_name}: the document has no title or synopsis")
    digest = content_hash(doc)
    qualification = _qualification(doc)
    unit = _unit(qualification, doc.unit_title)
    topic = _find_topic(unit, doc, source_name if match_source else "", digest)
    counts = doc.item_counts()
    if topic is not None and topic.source_hash == digest:
        return ImportResult(source_name, "unchanged", topic, counts, doc.warnings)

    action = "updated" if topic else "created"
    if topic is None:
        position = unit.topics.aggregate(m=Max("position"))["m"] or 0
        topic = models.Topic(
            unit=unit,
            slug=_unique_slug(models.Topic, doc.title, unit=unit),
            position=position + 1,
        )
    topic.title = doc.title[:300]
    topic.synopsis = doc.synopsis
    topic.overview = doc.overview
    if match_source or not topic.source_name:
        topic.source_name = source_name[:255]
    topic.source_hash = digest
    topic.source_format = doc.format[:16]
    topic.full_clean()
    try:
        topic.save()
    except IntegrityError as exc:  # pragma: no cover - a concurrent import won
        raise ImportFailed(f"{source_name}: {exc}") from exc
    outcomes = _outcomes(unit, doc.learning_outcomes)
    _write_marking_points(topic, doc.marking_points, outcomes, source_name)
    _replace_items(topic, doc, outcomes)
    signals.topic_content_changed.send(sender=models.Topic, topic=topic, unit=unit)
    return ImportResult(source_name, action, topic, counts, doc.warnings)


def file_import(
    *,
    data: bytes,
    name: str,
    qualification_title: str = "",
    unit_title: str = "",
) -> list[ImportResult]:
    """Import one file (document or export JSON) in one transaction.

    Raises ImportFailed naming the file; then nothing from the file is written.
    """
    docs = read_documents(data=data, name=name)
    with transaction.atomic():
        results = []
        for index, doc in enumerate(docs):
            source = name if len(docs) == 1 else f"{name}#{index + 1}"
            resolved = resolve_titles(
                doc,
                name=name,
                qualification_title=qualification_title,
                unit_title=unit_title,
            )
            results.append(
                topic_import(
                    doc=resolved,
                    source_name=source,
                    # Export JSON topics are matched by title, not by position.
                    match_source=doc.format != "json",
                )
            )
        return results


def path_import(
    *, path: Path, qualification_title: str = "", unit_title: str = ""
) -> list[ImportResult]:
    """Import a file from disk. Raises ImportFailed naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path.name}: cannot be read ({exc.strerror})") from exc
    return file_import(
        data=data,
        name=path.name,
        qualification_title=qualification_title,
        unit_title=unit_title,
    )


# --------------------------------------------------------------------------
# Export.


def topic_to_document(topic: models.Topic) -> ParsedDocument:
    """Rebuild a ParsedDocument from stored rows (use `topics_for_export`)."""
    return ParsedDocument(
        title=topic.title,
        qualification_title=topic.unit.qualification.title,
        unit_title=topic.unit.title,
        synopsis=topic.synopsis,
        overview=topic.overview,
        format=topic.source_format,
        key_concepts=[
            KeyConcept(c.term, c.explanation) for c in topic.key_concepts.all()
        ],
        exam_tips=[t.text for t in topic.exam_tips.all()],
        misconceptions=[
            Misconception(m.text, m.correction) for m in topic.misconceptions.all()
        ],
        marking_points=[mp.text for mp in topic.marking_points.all()],
        learning_outcomes=[link.outcome.text for link in topic.topic_outcomes.all()],
        prior_knowledge=[p.text for p in topic.prior_knowledge.all()],
        key_terms=[k.text for k in topic.key_terms.all()],
        faqs=[FAQ(f.question, f.answer) for f in topic.faqs.all()],
    )


def topics_for_export(*, unit_slug: str = ""):
    """Every topic (or one unit's) with all its content, in a fixed number of queries."""
    topics = (
        models.Topic.objects.select_related("unit__qualification")
        .prefetch_related(
            "key_concepts",
            "exam_tips",
            "misconceptions",
            "marking_points",
            "topic_outcomes__outcome",
            "prior_knowledge",
            "key_terms",
            "faqs",
        )
        .order_by("unit__qualification__title", "unit__position", "position", "pk")
    )
    if unit_slug:
        topics = topics.filter(unit__slug=unit_slug)
    return topics


def export_objects(*, unit_slug: str = "") -> list[dict]:
    """The export JSON objects for every topic (or one unit's topics)."""
    return [
        export_json.document_to_export(topic_to_document(topic))
        for topic in topics_for_export(unit_slug=unit_slug)
    ]
