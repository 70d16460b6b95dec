"""What the benchmark measures: one line per page.

Add a page with one `Page(...)` line. A page whose URL name does not reverse yet is
skipped with that reason, so the table can list pages before they are written.

- `role`: who requests it (signed in through the real login form), or None for a
  signed-out visitor. Each role's throughput is compared with the baseline page
  (`centres:baseline`) requested by the same user.
- `kwargs`: how to fill the URL's parameters, usually `obj("app.Model", ...)`,
  which picks a row and reads each URL parameter off it by name (`pk`, `slug`,
  `unit_slug` -> row.unit.slug, `topic_slug` on a Topic -> row.slug, ...).
- `user`: which user of that role, when it matters ("the learner with the most
  evidence"); by default the first user with the role at the first demo centre.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench import dataset

BASELINE = "centres:baseline"


@dataclass(frozen=True)
class Page:
    name: str
    url_name: str
    role: str | None
    kwargs: Callable[..., dict[str, Any]] | None = None
    user: Callable[..., Any] | None = None
    note: str = ""
    query: dict[str, str] = field(default_factory=dict)


def obj(label: str, *, where: Callable[..., dict] | None = None, order: str = "pk"):
    """URL kwargs read off the first `label` row matching `where(ctx)`."""

    def find(ctx, params: list[str]) -> dict[str, Any]:
        from django.apps import apps

        model = apps.get_model(label)
        queryset = model.objects.all()
        if where is not None:
            queryset = queryset.filter(**where(ctx))
        row = queryset.order_by(order).first()
        if row is None:
            raise LookupError(f"no {label} row to request")
        return {name: param_value(row, name) for name in params}

    return find


def param_value(row: Any, name: str) -> Any:
    """`pk`/`id` -> row.pk; `slug` -> row.slug; `unit_slug` -> row.unit.slug, or
    row.slug when the row is itself a Unit; `unit_id` -> row.unit_id."""
    if name in ("pk", "id"):
        return row.pk
    if hasattr(row, name):
        return getattr(row, name)
    head, _, rest = name.partition("_")
    if head == row._meta.model_name:
        return row.pk if rest in ("pk", "id") else getattr(row, rest)
    related = getattr(row, head)
    return related.pk if rest in ("pk", "id") else getattr(related, rest)


def most(label: str, field_name: str):
    """The user with the most `label` rows (by the `field_name` foreign key)."""

    def pick(ctx, role: str):
        from django.apps import apps
        from django.db.models import Count

        model = apps.get_model(label)
        top = (
            model.objects.filter(**{f"{field_name}__memberships__centre": ctx.centre})
            .values(field_name)
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if top is None:
            raise LookupError(f"no {label} rows yet")
        return ctx.user_model.objects.get(pk=top[field_name])

    return pick


def in_centre(ctx) -> dict:
    return {"centre": ctx.centre}


def learners_own(ctx) -> dict:
    return {"learner": ctx.user_for("learner")}


def practice_session(username: str | None = None):
    """URL kwargs of an open practice session on the first unit (started like the
    Start button) for the bench learner `username`, or the role's first learner."""

    def find(ctx, params: list[str]) -> dict[str, Any]:
        from practice import services as practice_services
        from revision.models import Unit

        unit = Unit.objects.order_by("pk").first()
        if unit is None:
            raise LookupError("no unit to practise")
        learner = (
            named(username)(ctx, "learner") if username else ctx.user_for("learner")
        )
        session = practice_services.session_start(learner=learner, unit=unit)
        return {"public_id": session.public_id}

    return find


def named(username: str):
    """The user called `username` (made by bench/dataset.py)."""

    def pick(ctx, role: str):
        user = ctx.user_model.objects.filter(username=username).first()
        if user is None:
            raise LookupError(f"no user {username} (bench/dataset.py did not run?)")
        return user

    return pick


def owned_by(username: str) -> Callable[..., dict]:
    return lambda ctx: {"learner__username": username}


PAGES: list[Page] = [
    Page("login page", "login", None),
    Page("learner home", "home", "learner"),
    Page("assessor home", "home", "assessor"),
    Page("topic page", "revision:topic-detail", "learner", kwargs=obj("revision.Topic")),
    Page("practice unit", "practice:unit", "learner", kwargs=obj("revision.Unit")),
    Page("practice page (new learner)", "practice:session", "learner", kwargs=practice_session(dataset.PRACTICE_NEW), user=named(dataset.PRACTICE_NEW), note="next card of an open session; no reviews yet"),
    Page("practice page (5,000 reviews)", "practice:session", "learner", kwargs=practice_session(dataset.PRACTICE_HEAVY), user=named(dataset.PRACTICE_HEAVY), note="next card of an open session; 5,000 reviews in the learner's history"),
    Page("portfolio page", "portfolio:unit", "learner", kwargs=obj("portfolio.Evidence", where=owned_by(dataset.PORTFOLIO_LEARNER)), user=named(dataset.PORTFOLIO_LEARNER), note="a learner with 200 evidence items on the unit"),
    Page("coverage matrix", "portfolio:coverage", "learner", kwargs=obj("portfolio.Evidence", where=owned_by(dataset.PORTFOLIO_LEARNER)), user=named(dataset.PORTFOLIO_LEARNER), note="200 evidence items mapped to the unit's marking points"),
    Page("marking queue", "assessments:queue", "assessor", note="the bench assessor's queue: 2,000 waiting (500 in quick mode)"),
    Page("marking screen", "assessments:mark", "assessor", kwargs=obj("portfolio.Submission", where=owned_by(dataset.MARKING_LEARNER)), note="a submission of 100 evidence items in the assessor's cohort"),
    Page("cohort progress report", "reports:cohort-progress", "admin", kwargs=obj("centres.Cohort", where=in_centre)),
    Page("criteria heatmap", "reports:criteria-heatmap", "admin", kwargs=obj("centres.Cohort", where=in_centre)),
    Page("search", "revision:search", "learner", query={"q": "complaint"}),
]  # fmt: skip
