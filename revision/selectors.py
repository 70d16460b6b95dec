"""Read queries for revision pages, scoped to the units the actor may see.

A user sees the units of the qualifications their cohorts study at their current
centre (all the centre's cohorts for admins and IQAs, assigned cohorts for
assessors, enrolled cohorts for learners).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
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


def _anchor(source: SearchSource, row) -> str:
    if source.model is models.Topic:
        return source.section
    return f"{source.section}-{row.position}"


def _using_postgres() -> bool:
    return getattr(settings, "USING_POSTGRES", False)


def search_for_actor(*, user, centre, roles, query: str) -> list[SearchHit]:
    """Search every revision text the actor may see; best matches first.

    PostgreSQL: full-text search (English stemming) with SearchRank and a
    highlighted SearchHeadline. SQLite: every word must appear (icontains), ranked
    by how many times the words occur. One query per kind of content (eight).
    """
    query = " ".join(query.split())[:200]
    if not query:
        return []
    units = units_for_actor(user=user, centre=centre, roles=roles)
    search = _search_postgres if _using_postgres() else _search_simple
    hits: list[SearchHit] = []
    for source in SOURCES:
        topic_prefix = f"{source.topic_path}__" if source.topic_path else ""
        rows = source.model.objects.filter(**{f"{topic_prefix}unit__in": units})
        related = f"{source.topic_path}__unit" if source.topic_path else "unit"
        rows = rows.select_related(related)
        hits.extend(search(source, rows, query))
    hits.sort(key=lambda hit: (-hit.rank, hit.topic.title, hit.anchor))
    return hits[:SEARCH_LIMIT]


_START, _STOP = "\x02", "\x03"  # markers that cannot occur in imported text


def _highlighted(text: str) -> SafeString:
    """Escape the text, then turn the markers into <mark> tags."""
    html = escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped just above


def _search_postgres(source: SearchSource, rows, query: str) -> list[SearchHit]:
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVector,
    )
    from django.db.models import TextField, Value
    from django.db.models.functions import Concat

    search_query = SearchQuery(query, search_type="websearch", config="english")
    vector = SearchVector(*source.fields, config="english")
    parts = []
    for name in source.fields:
        parts.extend([name, Value(" — ")])
    text = Concat(*parts[:-1], output_field=TextField()) if len(parts) > 2 else parts[0]
    found = (
        rows.annotate(search=vector, rank=SearchRank(vector, search_query))
        .filter(search=search_query)
        .annotate(
            snippet=SearchHeadline(
                text,
                search_query,
                config="english",
                start_sel=_START,
                stop_sel=_STOP,
                max_words=35,
                min_words=15,
            )
        )
        .order_by("-rank")[:SEARCH_LIMIT]
    )
    return [_hit(source, row, row.snippet, float(row.rank)) for row in found]


def _search_simple(source: SearchSource, rows, query: str) -> list[SearchHit]:
    words = query.split()
    condition = Q()
    for word in words:
        either = Q()
        for name in source.fields:
            either |= Q(**{f"{name}__icontains": word})
        condition &= either
    hits = []
    for row in rows.filter(condition)[:SEARCH_LIMIT]:
        text = " — ".join(
            getattr(row, name) for name in source.fields if getattr(row, name)
        )
        folded = text.casefold()
        rank = sum(folded.count(w.casefold()) for w in words)
        hits.append(_hit(source, row, _simple_snippet(text, words), float(rank)))
    return hits


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


def _hit(source: SearchSource, row, snippet: str, rank: float) -> SearchHit:
    topic = getattr(row, source.topic_path) if source.topic_path else row
    return SearchHit(
        topic=topic,
        section=source.section,
        label=str(source.label),
        anchor=_anchor(source, row),
        snippet=_highlighted(snippet),
        rank=rank,
    )
