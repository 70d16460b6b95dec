"""Read queries for revision pages, scoped to the units the actor may see.

A user sees the units of the qualifications their cohorts study at their current
centre (all the centre's cohorts for admins and IQAs, assigned cohorts for
assessors, enrolled cohorts for learners).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, IntegerField, Prefetch, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from centres import selectors as centre_selectors
from revision import models

SEARCH_LIMIT = 50  # results shown; enough for a page, cheap to rank
SNIPPET_CHARS = 160  # context either side of a match on SQLite


def qualifications_for_actor(*, user, centre, roles) -> QuerySet[models.Qualification]:
    """Qualifications studied by the cohorts the actor may see."""
    cohorts = centre_selectors.cohorts_for_actor(user=user, centre=centre, roles=roles)
    return models.Qualification.objects.filter(
        pk__in=cohorts.values("qualification_id")
    )


def units_for_actor(*, user, centre, roles) -> QuerySet[models.Unit]:
    """Units the actor may revise, with their qualification (one query)."""
    return (
        models.Unit.objects.filter(
            qualification__in=qualifications_for_actor(
                user=user, centre=centre, roles=roles
            )
        )
        .select_related("qualification")
        .order_by("qualification__title", "position", "title")
    )


def unit_get_for_actor(*, user, centre, roles, slug: str) -> models.Unit:
    """A unit with its outcomes, criteria and topics. Raises Http404 (missing or
    not yours alike)."""
    unit = (
        units_for_actor(user=user, centre=centre, roles=roles)
        .prefetch_related("outcomes__criteria", "topics")
        .filter(slug=slug)
        .first()
    )
    if unit is None:
        raise Http404("No such unit")
    return unit


def topic_get_for_actor(*, user, centre, roles, unit_slug: str, slug: str):
    """A topic (with unit and qualification, one query). Raises Http404."""
    topic = (
        models.Topic.objects.filter(
            unit__in=units_for_actor(user=user, centre=centre, roles=roles),
            unit__slug=unit_slug,
            slug=slug,
        )
        .select_related("unit__qualification")
        .first()
    )
    if topic is None:
        raise Http404("No such topic")
    return topic


def topic_with_content(*, topic_id: int) -> models.Topic:
    """The topic and every list on it, in a fixed number of queries (ten)."""
    return (
        models.Topic.objects.select_related("unit__qualification")
        .prefetch_related(
            "key_concepts",
            "exam_tips",
            "misconceptions",
            Prefetch(
                "marking_points",
                queryset=models.MarkingPoint.objects.select_related("outcome"),
            ),
            "topic_outcomes__outcome",
            "prior_knowledge",
            "key_terms",
            "faqs",
        )
        .get(pk=topic_id)
    )


def document_import_get_for_actor(*, user, centre, roles, pk: int):
    """An upload the actor may follow: one of their centre's qualifications."""
    found = (
        models.DocumentImport.objects.filter(
            pk=pk,
            qualification__in=qualifications_for_actor(
                user=user, centre=centre, roles=roles
            ),
        )
        .select_related("topic__unit", "qualification")
        .first()
    )
    if found is None:
        raise Http404("No such import")
    return found


# --------------------------------------------------------------------------
# Search.


@dataclass(frozen=True)
class SearchSource:
    """One kind of searchable row: the model, its text fields, where it shows."""

    model: type
    fields: tuple[str, ...]
    section: str  # the section's anchor on the topic page
    label: str
    topic_path: str = "topic"  # from the row to its topic


SOURCES = (
    SearchSource(
        models.Topic, ("title", "synopsis", "overview"), "synopsis", _("Synopsis"), ""
    ),
    SearchSource(
        models.KeyConcept, ("term", "explanation"), "key-concepts", _("Key concepts")
    ),
    SearchSource(models.ExamTip, ("text",), "exam-tips", _("Exam tips")),
    SearchSource(
        models.Misconception,
        ("text", "correction"),
        "misconceptions",
        _("Common mistakes"),
    ),
    SearchSource(
        models.MarkingPoint, ("text",), "marking-points", _("What assessors look for")
    ),
    SearchSource(
        models.PriorKnowledge, ("text",), "prior-knowledge", _("Before you start")
    ),
    SearchSource(models.KeyTerm, ("text",), "key-terms", _("Key terms")),
    SearchSource(models.FAQ, ("question", "answer"), "faqs", _("Questions")),
)


@dataclass(frozen=True)
class SearchHit:
    topic: models.Topic
    section: str
    label: str
    anchor: str
    snippet: SafeString
    rank: float


def _using_postgres() -> bool:
    return getattr(settings, "USING_POSTGRES", False)


def search_for_actor(*, user, centre, roles, query: str) -> list[SearchHit]:
    """Search every revision text the actor may see; best matches first.

    PostgreSQL: full-text search (English stemming) with SearchRank and a
    highlighted SearchHeadline. SQLite: every word must appear (icontains), ranked
    by how many times the words occur. Two queries whatever the amount of content:
    one UNION ALL over every kind of content (at most SEARCH_LIMIT rows of each,
    as before, when each kind was its own query),
    then the topics the hits belong to.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return []
    units = units_for_actor(user=user, centre=centre, roles=roles)
    part = _part_postgres if _using_postgres() else _part_simple
    parts = []
    for kind, source in enumerate(SOURCES):
        topic_prefix = f"{source.topic_path}__" if source.topic_path else ""
        rows = source.model.objects.filter(**{f"{topic_prefix}unit__in": units})
        parts.append(part(kind, source, rows, query))
    found = list(parts[0].union(*parts[1:], all=True).order_by())
    topics = models.Topic.objects.select_related("unit").in_bulk(
        {row[1] for row in found}
    )
    score = _hit_postgres if _using_postgres() else _hit_simple
    hits = [score(row, topics[row[1]], query) for row in found]
    hits.sort(key=lambda hit: (-hit.rank, hit.topic.title, hit.anchor))
    return hits[:SEARCH_LIMIT]


def _columns(kind: int, source: SearchSource) -> dict:
    """The columns every part of the union shares: kind, topic id, position."""
    return {
        "s_kind": Value(kind, output_field=IntegerField()),
        "s_topic": F(f"{source.topic_path}_id" if source.topic_path else "pk"),
        "s_position": (
            Value(0, output_field=IntegerField())
            if source.model is models.Topic
            else F("position")
        ),
    }


_START, _STOP = "\x02", "\x03"  # markers that cannot occur in imported text


def _highlighted(text: str) -> SafeString:
    """Escape the text, then turn the markers into <mark> tags."""
    html = escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    # Escaped just above; only our own <mark> tags are added.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


def _part_postgres(kind: int, source: SearchSource, rows, query: str):
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVector,
    )
    from django.db.models.functions import Concat

    search_query = SearchQuery(query, search_type="websearch", config="english")
    vector = SearchVector(*source.fields, config="english")
    pieces = []
    for name in source.fields:
        pieces.extend([name, Value(" — ")])
    text = (
        Concat(*pieces[:-1], output_field=TextField())
        if len(pieces) > 2
        else F(pieces[0])
    )
    return (
        rows.annotate(search=vector)
        .filter(search=search_query)
        .annotate(
            **_columns(kind, source),
            s_rank=SearchRank(vector, search_query),
            s_snippet=SearchHeadline(
                text,
                search_query,
                config="english",
                start_sel=_START,
                stop_sel=_STOP,
                max_words=35,
                min_words=15,
            ),
        )
        .order_by("-s_rank")
        .values_list("s_kind", "s_topic", "s_position", "s_rank", "s_snippet")[
            :SEARCH_LIMIT
        ]
    )


def _hit_postgres(row, topic, query: str) -> SearchHit:
    kind, _topic, position, rank, snippet = row
    return _hit(SOURCES[kind], topic, position, snippet, float(rank))


_TEXT_COLUMNS = ("s_text1", "s_text2", "s_text3")  # the most fields a source has


def _part_simple(kind: int, source: SearchSource, rows, query: str):
    condition = Q()
    for word in query.split():
        either = Q()
        for name in source.fields:
            either |= Q(**{f"{name}__icontains": word})
        condition &= either
    texts = {
        column: (
            Cast(source.fields[n], TextField())
            if n < len(source.fields)
            else Value("", output_field=TextField())
        )
        for n, column in enumerate(_TEXT_COLUMNS)
    }
    # SQLite cannot LIMIT a part of a compound statement: limit in a subquery.
    matched = rows.filter(condition).order_by().values("pk")[:SEARCH_LIMIT]
    return (
        rows.filter(pk__in=matched)
        .annotate(**_columns(kind, source), **texts)
        .order_by()
        .values_list("s_kind", "s_topic", "s_position", *_TEXT_COLUMNS)
    )


def _hit_simple(row, topic, query: str) -> SearchHit:
    kind, _topic, position, *texts = row
    words = query.split()
    text = " — ".join(t for t in texts if t)
    folded = text.casefold()
    rank = sum(folded.count(w.casefold()) for w in words)
    return _hit(
        SOURCES[kind], topic, position, _simple_snippet(text, words), float(rank)
    )


def _simple_snippet(text: str, words: list[str]) -> str:
    folded = text.casefold()
    first = min(
        (i for i in (folded.find(w.casefold()) for w in words) if i >= 0), default=0
    )
    start = max(0, first - SNIPPET_CHARS // 2)
    excerpt = text[start : start + SNIPPET_CHARS * 2]
    for word in sorted(set(words), key=len, reverse=True):
        lowered = excerpt.casefold()
        out, i = [], 0
        target = word.casefold()
        while (j := lowered.find(target, i)) >= 0:
            out.append(excerpt[i:j] + _START + excerpt[j : j + len(word)] + _STOP)
            i = j + len(word)
        out.append(excerpt[i:])
        excerpt = "".join(out)
    prefix = "…" if start else ""
    suffix = "…" if start + SNIPPET_CHARS * 2 < len(text) else ""
    return prefix + excerpt + suffix


def _hit(
    source: SearchSource, topic, position: int, snippet: str, rank: float
) -> SearchHit:
    return SearchHit(
        topic=topic,
        section=source.section,
        label=str(source.label),
        anchor=source.section
        if source.model is models.Topic
        else f"{source.section}-{position}",
        snippet=_highlighted(snippet),
        rank=rank,
    )
