"""Read queries for revision pages, scoped to the units the actor may see.

A user sees the units of the qualifications their cohorts study at their current
centre (all the centre's cohorts for admins and IQAs, assigned cohorts for
assessors, enrolled cohorts for learners).
"""

import hashlib
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.http import Http404
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from centres import selectors as centre_selectors
from revision import models

SEARCH_LIMIT = 50  # best matches of each kind of content; cheap to rank
SEARCH_PAGE_SIZE = 20  # hits on a page of results
SEARCH_CACHE_SECONDS = 3600  # keyed by the content version: re-imports show at once
SNIPPET_CHARS = 160  # context either side of a match on SQLite


def qualifications_for_actor(*, user, centre, roles) -> QuerySet[models.Qualification]:
    """Qualifications studied by the cohorts the actor may see."""
    cohorts = centre_selectors.cohorts_for_actor(user=user, centre=centre, roles=roles)
    return models.Qualification.objects.filter(
        pk__in=cohorts.values("qualification_id")
    )


def _visible_qualification_ids(*, user, centre, roles) -> QuerySet:
    """The ids of the qualifications the actor's cohorts study, as a subquery."""
    cohorts = centre_selectors.cohorts_for_actor(user=user, centre=centre, roles=roles)
    return cohorts.order_by().values("qualification_id")


def units_for_actor(*, user, centre, roles) -> QuerySet[models.Unit]:
    """Units the actor may revise, with their qualification (one query)."""
    return (
        models.Unit.objects.filter(
            qualification_id__in=_visible_qualification_ids(
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


@dataclass(frozen=True)
class TopicHeader:
    """What the topic page needs besides the cached body."""

    pk: int
    title: str
    slug: str
    unit_slug: str
    unit_title: str
    # The newest updated_at of any topic in the unit: an import into the unit
    # renumbers every topic's marking points and may rewrite its outcomes, and each
    # import (and admin edit) saves the topic it changes.
    content_version: str


def topic_header_for_actor(
    *, user, centre, roles, unit_slug: str, slug: str
) -> TopicHeader:
    """A topic's titles and content version in one flat query. Raises Http404."""
    newest = (
        models.Topic.objects.filter(unit=OuterRef("unit"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    row = (
        models.Topic.objects.filter(
            unit__qualification_id__in=_visible_qualification_ids(
                user=user, centre=centre, roles=roles
            ),
            unit__slug=unit_slug,
            slug=slug,
        )
        .order_by()
        .values_list("pk", "title", "unit__title", Subquery(newest))
        .first()
    )
    if row is None:
        raise Http404("No such topic")
    pk, title, unit_title, version = row
    return TopicHeader(
        pk=pk,
        title=title,
        slug=slug,
        unit_slug=unit_slug,
        unit_title=unit_title,
        content_version=f"{version.timestamp():.6f}",
    )


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
class SearchTopic:
    """The topic a hit belongs to: enough to link to it and name it."""

    title: str
    slug: str
    unit_slug: str
    unit_title: str


@dataclass(frozen=True)
class SearchHit:
    topic: SearchTopic
    section: str
    label: str
    anchor: str
    snippet: SafeString
    rank: float
    url: str  # the topic page at the hit's section


@dataclass(frozen=True)
class SearchResults:
    """One page of hits, best first, and where it sits among all of them."""

    hits: list[SearchHit]
    total: int
    number: int = 1
    pages: int = 1

    @property
    def first(self) -> int:
        """The 1-based position of the page's first hit (0 when there are none)."""
        return (self.number - 1) * SEARCH_PAGE_SIZE + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1 if self.hits else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _using_postgres() -> bool:
    return getattr(settings, "USING_POSTGRES", False)


def search_for_actor(
    *, user, centre, roles, query: str, page: int = 1
) -> SearchResults:
    """Search every revision text the actor may see: one page of hits, best first.

    PostgreSQL: full-text search (English stemming) ranked by SearchRank, with a
    highlighted SearchHeadline for the hits shown. SQLite: every word must appear
    (icontains), ranked by how many times the words occur.

    One query finds the actor's units and their content version; a page already
    worked out for the same units, version, words and page number comes from the
    cache. Otherwise two more, whatever the amount of content: one UNION ALL over
    every kind of content (the best SEARCH_LIMIT of each), then the page's
    snippets and topics.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return SearchResults(hits=[], total=0)
    scope = _search_scope(user=user, centre=centre, roles=roles)
    digest = hashlib.sha256(
        repr((get_language(), query, page, scope)).encode()
    ).hexdigest()
    key = f"revision:search:{digest}"
    found = cache.get(key)
    if found is None:
        found = _search(unit_ids=[row[0] for row in scope], query=query, page=page)
        cache.set(key, found, SEARCH_CACHE_SECONDS)
    return found


def _search_scope(*, user, centre, roles) -> list[tuple]:
    """The units the actor may search, each with its number of topics and newest
    topic update: every import, admin edit, new or deleted topic changes it."""
    return list(
        models.Unit.objects.filter(
            qualification_id__in=_visible_qualification_ids(
                user=user, centre=centre, roles=roles
            )
        )
        .order_by("pk")
        .annotate(s_topics=Count("topics"), s_latest=Max("topics__updated_at"))
        .values_list("pk", "s_topics", "s_latest")
    )


def _search(*, unit_ids: list[int], query: str, page: int) -> SearchResults:
    if not unit_ids:
        return SearchResults(hits=[], total=0)
    postgres = _using_postgres()
    part = _part_postgres if postgres else _part_simple
    parts = []
    for kind, source in enumerate(SOURCES):
        unit_field = f"{source.topic_path}__unit_id" if source.topic_path else "unit_id"
        rows = source.model.objects.filter(**{f"{unit_field}__in": unit_ids})
        parts.append(part(kind, source, rows, query))
    found = list(parts[0].union(*parts[1:], all=True).order_by())
    # (kind, pk, topic, position, rank): best first, then in reading order
    ranked = found if postgres else [_rank_simple(row, query) for row in found]
    ranked.sort(key=lambda row: (-row[4], row[2], row[0], row[3]))
    pages = max(1, math.ceil(len(ranked) / SEARCH_PAGE_SIZE))
    number = min(max(page, 1), pages)
    shown = ranked[(number - 1) * SEARCH_PAGE_SIZE : number * SEARCH_PAGE_SIZE]
    details = _details(shown, query, postgres=postgres)
    hits = [_hit(row, *details[row[0], row[1]], query=query) for row in shown]
    return SearchResults(hits=hits, total=len(ranked), number=number, pages=pages)


def _columns(kind: int, source: SearchSource) -> dict:
    """The columns every part of the union shares: kind, row, topic id, position."""
    return {
        "s_kind": Value(kind, output_field=IntegerField()),
        "s_pk": F("pk"),
        "s_topic": F(f"{source.topic_path}_id" if source.topic_path else "pk"),
        "s_position": (
            Value(0, output_field=IntegerField())
            if source.model is models.Topic
            else F("position")
        ),
    }


def _topic_columns(source: SearchSource) -> dict:
    prefix = f"{source.topic_path}__" if source.topic_path else ""
    return {
        "s_title": F(f"{prefix}title"),
        "s_slug": F(f"{prefix}slug"),
        "s_unit_slug": F(f"{prefix}unit__slug"),
        "s_unit_title": F(f"{prefix}unit__title"),
    }


_START, _STOP = "\x02", "\x03"  # markers that cannot occur in imported text


def _highlighted(text: str) -> SafeString:
    """Escape the text, then turn the markers into <mark> tags."""
    html = escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    # Escaped just above; only our own <mark> tags are added.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


def _search_query(query: str):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(query, search_type="websearch", config="english")


def _joined_text(source: SearchSource):
    """The row's text fields joined by a dash, as one expression."""
    if len(source.fields) == 1:
        return F(source.fields[0])
    pieces = []
    for name in source.fields:
        pieces.extend([name, Value(" — ")])
    return Concat(*pieces[:-1], output_field=TextField())


def _part_postgres(kind: int, source: SearchSource, rows, query: str):
    from django.contrib.postgres.search import SearchRank, SearchVector

    search_query = _search_query(query)
    vector = SearchVector(*source.fields, config="english")
    columns = {**_columns(kind, source), "s_rank": SearchRank(vector, search_query)}
    return (
        rows.annotate(search=vector)
        .filter(search=search_query)
        .annotate(**columns)
        .order_by("-s_rank")
        .values_list(*columns)[:SEARCH_LIMIT]
    )


_TEXT_COLUMNS = ("s_text1", "s_text2", "s_text3")  # the most fields a source has


def _texts(source: SearchSource) -> dict:
    return {
        column: (
            Cast(source.fields[n], TextField())
            if n < len(source.fields)
            else Value("", output_field=TextField())
        )
        for n, column in enumerate(_TEXT_COLUMNS)
    }


def _part_simple(kind: int, source: SearchSource, rows, query: str):
    condition = Q()
    for word in query.split():
        either = Q()
        for name in source.fields:
            either |= Q(**{f"{name}__icontains": word})
        condition &= either
    columns = {**_columns(kind, source), **_texts(source)}
    # SQLite cannot LIMIT a part of a compound statement: limit in a subquery.
    matched = rows.filter(condition).order_by().values("pk")[:SEARCH_LIMIT]
    return (
        rows.filter(pk__in=matched).annotate(**columns).order_by().values_list(*columns)
    )


def _rank_simple(row, query: str) -> tuple:
    kind, pk, topic, position, *texts = row
    folded = " — ".join(t for t in texts if t).casefold()
    rank = sum(folded.count(w.casefold()) for w in query.split())
    return (kind, pk, topic, position, float(rank))


def _details(shown: list[tuple], query: str, *, postgres: bool) -> dict:
    """(kind, pk) -> (topic, snippet) for the hits on the page: one query."""
    by_kind: dict[int, list[int]] = {}
    for kind, pk, *_rest in shown:
        by_kind.setdefault(kind, []).append(pk)
    if not by_kind:
        return {}
    parts = []
    for kind, pks in sorted(by_kind.items()):
        source = SOURCES[kind]
        if postgres:
            from django.contrib.postgres.search import SearchHeadline

            texts = {
                "s_text1": SearchHeadline(
                    _joined_text(source),
                    _search_query(query),
                    config="english",
                    start_sel=_START,
                    stop_sel=_STOP,
                    max_words=35,
                    min_words=15,
                )
            }
        else:
            texts = _texts(source)
        columns = {
            "s_kind": Value(kind, output_field=IntegerField()),
            "s_pk": F("pk"),
            **_topic_columns(source),
            **texts,
        }
        parts.append(
            source.model.objects.filter(pk__in=pks)
            .annotate(**columns)
            .order_by()
            .values_list(*columns)
        )
    details = {}
    rows = parts[0].union(*parts[1:], all=True).order_by()
    for kind, pk, title, slug, unit_slug, unit_title, *texts in rows:
        topic = SearchTopic(
            title=title, slug=slug, unit_slug=unit_slug, unit_title=unit_title
        )
        if postgres:
            snippet = texts[0]
        else:
            text = " — ".join(t for t in texts if t)
            snippet = _simple_snippet(text, query.split())
        details[kind, pk] = (topic, snippet)
    return details


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


def _hit(row: tuple, topic: SearchTopic, snippet: str, *, query: str) -> SearchHit:
    kind, _pk, _topic, position, rank = row
    source = SOURCES[kind]
    anchor = (
        source.section
        if source.model is models.Topic
        else f"{source.section}-{position}"
    )
    url = reverse("revision:topic-detail", args=[topic.unit_slug, topic.slug])
    return SearchHit(
        topic=topic,
        section=source.section,
        label=str(source.label),
        anchor=anchor,
        snippet=_highlighted(snippet),
        rank=rank,
        url=f"{url}#{anchor}",
    )
