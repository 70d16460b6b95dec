"""Reports for centre admins and IQAs: progress, heatmap, workload, IQA coverage.

Each page is filterable with a GET form and downloads as CSV or XLSX with
`?export=csv` / `?export=xlsx` (same filters). Everything is scoped to
request.centre through the selectors: another centre's cohort is 404.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from centres import selectors as centre_selectors
from centres.access import role_required
from centres.models import Cohort, Role
from reports import caching, exports, selectors
from reports.forms import ReportFilterForm

REPORT_ROLES = (Role.ADMIN, Role.IQA)
# Learner rows per page of the progress report and the heatmap; the totals above
# them always count the whole cohort (or every learner matching the filters).
PAGE_SIZE = 50


def _filters(request: HttpRequest, *, pk: int | None = None, with_units: bool = False):
    """The filter form, the chosen cohort (404 if not the actor's) and its units
    (with_units), for the unit filter and the heatmap's column labels; the cohort
    comes from the URL (`pk`) or the filter form's `cohort`, else the first one.

    One query for the actor's cohorts (the form's choices and the chosen cohort
    both come from it); one more only for a cohort outside that list (archived,
    or not the actor's: 404), and one for the units when asked."""
    cohorts = list(
        selectors.report_cohorts(
            user=request.user, centre=request.centre, roles=request.roles
        )
    )
    cohort = None
    cohort_id = str(pk) if pk is not None else request.GET.get("cohort")
    if cohort_id:
        if not cohort_id.isdigit():
            raise Http404("No such cohort")
        cohort = next((c for c in cohorts if c.pk == int(cohort_id)), None)
        if cohort is None:
            cohort = centre_selectors.cohort_get_for_actor(
                user=request.user,
                centre=request.centre,
                roles=request.roles,
                pk=int(cohort_id),
            )
    elif cohorts:
        cohort = cohorts[0]
    units = selectors.cohort_units(cohort=cohort) if (cohort and with_units) else ()
    data = request.GET.copy()
    if cohort is not None:
        data["cohort"] = str(cohort.pk)
    form = ReportFilterForm(data, cohorts=cohorts, units=units)
    form.is_valid()  # bad values are dropped, the page still shows
    return form, cohort, units


def _clean(form, name, default=None):
    return form.cleaned_data.get(name) or default


def _export_kind(request: HttpRequest) -> str | None:
    kind = request.GET.get("export")
    return kind if kind in {"csv", "xlsx"} else None


def _stamp(name: str, cohort=None) -> str:
    slug = f"-{cohort.pk}" if cohort else ""
    return f"{name}{slug}-{timezone.localdate():%Y-%m-%d}"


@require_GET
@role_required(*REPORT_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    return redirect("reports:progress")


def _pager(request: HttpRequest, *, page: int, total: int) -> dict[str, Any]:
    """Context for reports/_pages.html: "Showing 1 to 50 of 2,000" and page links
    that keep the current filters (the query string without `page`/`export`)."""
    paginator = Paginator(range(total), PAGE_SIZE)  # a range: nothing is fetched
    current = paginator.get_page(page)
    params = request.GET.copy()
    for name in ("page", "export"):
        params.pop(name, None)

    def href(number: int) -> str:
        params["page"] = str(number)
        return "?" + params.urlencode()

    links = [
        {"number": n, "href": href(n), "current": n == current.number}
        if isinstance(n, int)
        else {"number": n}
        for n in paginator.get_elided_page_range(current.number, on_each_side=2)
    ]
    return {
        "total": total,
        "first": number_format(current.start_index(), force_grouping=True),
        "last": number_format(current.end_index(), force_grouping=True),
        "of": number_format(total, force_grouping=True),
        "links": links if paginator.num_pages > 1 else [],
        "previous": href(current.number - 1) if current.has_previous() else "",
        "next": href(current.number + 1) if current.has_next() else "",
    }


@dataclass
class _Table:
    """A report page's table as HTML, with the figures the page shows around it:
    what the page keeps for a minute (reports.caching)."""

    html: SafeString
    total: int  # learners matching the filters
    page: int
    computed_at: datetime
    has_rows: bool  # whether the table shows learners (and so needs the pager)


def _progress_cells(
    row: selectors.ProgressRow, months: dict[int, str]
) -> dict[str, str]:
    """A progress row's cells as display text, formatted here once rather than by
    a filter or a translation per cell in the template."""
    percent = row.covered_percent
    local = timezone.localtime(row.last_activity) if row.last_activity else None
    days = row.days_since_submission
    return {
        "name": row.name,
        "reference": row.reference,
        "achieved": f"{row.units_achieved} / {row.units_total}",
        "percent": str(percent),
        "covered": f"({row.points_covered}/{row.points_total})",
        "bar": "bg-danger"
        if percent < 34
        else "bg-warning"
        if percent < 67
        else "bg-success",
        "bar_label": _("Criteria covered by %(name)s") % {"name": row.name},
        # "j M Y" as the date filter gives it, the month names looked up once.
        "activity": f"{local.day} {months[local.month]} {local.year}" if local else "",
        "activity_iso": local.isoformat() if local else "",
        "days": "" if days is None else str(days),
    }


def _progress_table(cohort: Cohort, filters: dict[str, Any], page: int) -> _Table:
    data = selectors.cohort_progress(
        cohort=cohort, **filters, page=page, per_page=PAGE_SIZE
    )
    months = {n: str(name).title() for n, name in MONTHS_3.items()}
    html = render_to_string(
        "reports/progress.html#progress-table",
        {"rows": [_progress_cells(row, months) for row in data.rows]},
    )
    return _Table(html, data.total, data.page, data.computed_at, bool(data.rows))


PROGRESS_FIELDS = (
    "name",
    "email",
    "reference",
    "units_achieved",
    "units_total",
    "points_covered",
    "points_total",
    "covered_percent",
    "last_activity",
    "days_since_submission",
)


def _progress_header() -> list[str]:
    return [
        _("Learner"),
        _("Email"),
        _("Learner reference"),
        _("Units achieved"),
        _("Units"),
        _("Criteria covered"),
        _("Criteria"),
        _("Covered (%)"),
        _("Last activity"),
        _("Days since last submission"),
    ]


@require_GET
@role_required(*REPORT_ROLES)
def progress(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    form, cohort, _units = _filters(request, pk=pk)
    if cohort is None:
        return render(request, "reports/progress.html", {"form": form})
    filters = {
        "query": _clean(form, "q", ""),
        "inactive_days": form.cleaned_data.get("inactive_days"),
        "sort": _clean(form, "sort", "name"),
    }
    if kind := _export_kind(request):  # every matching learner, counted afresh
        data = selectors.cohort_progress(cohort=cohort, **filters)
        return exports.export_response(
            kind,
            _stamp("cohort-progress", cohort),
            _progress_header(),
            ([getattr(r, f) for f in PROGRESS_FIELDS] for r in data.rows),
        )
    page = _clean(form, "page", 1)
    table = caching.reuse(
        "progress",
        cohort,
        get_language(),
        caching.text_key(filters["query"]),
        filters["inactive_days"],
        filters["sort"],
        page,
        compute=lambda: _progress_table(cohort, filters, page),
    )
    return render(
        request,
        "reports/progress.html",
        {
            "form": form,
            "cohort": cohort,
            "table": table,
            "as_of": table.computed_at,
            "pager": _pager(request, page=table.page, total=table.total),
        },
    )


def _heatmap_rows(data: selectors.Heatmap) -> list[tuple[str, SafeString]]:
    """(name, cells HTML) per learner. Each level's cell is formatted once and
    reused: rendering 4,000 cells through the template language took ~1.8 s.
    A cell is kept short (2,000 of them on a page of 50 learners by 40 points):
    the symbol for the eye, the level's name for screen readers, the key above
    the table for both."""
    cell = {
        value: format_html(
            '<td class="hm-{}"><span aria-hidden="true">{}</span>'
            '<span class="visually-hidden">{}</span></td>',
            css,
            symbol,
            label,
        )
        for value, (css, symbol, label) in selectors.LEVELS.items()
    }
    # Joining the four cells escaped above is safe: no learner text is in them.
    return [
        (row.name, mark_safe("".join([cell[v] for v in row.cells])))  # noqa: S308  # nosec B308 B703
        for row in data.rows
    ]


def _heatmap_table(
    cohort: Cohort, unit_id: int | None, units: list, page: int
) -> _Table:
    data = selectors.criteria_heatmap(
        cohort=cohort, unit_id=unit_id, units=units, page=page, per_page=PAGE_SIZE
    )
    html = render_to_string(
        "reports/heatmap.html#heatmap-table",
        {"heatmap": data, "rows": _heatmap_rows(data)},
    )
    has_rows = bool(data.rows and data.columns)
    return _Table(html, data.learner_total, data.page, data.computed_at, has_rows)


@require_GET
@role_required(*REPORT_ROLES)
def heatmap(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    form, cohort, units = _filters(request, pk=pk, with_units=True)
    if cohort is None:
        return render(request, "reports/heatmap.html", {"form": form})
    unit_id = form.cleaned_data.get("unit")
    if kind := _export_kind(request):  # every learner, counted afresh
        data = selectors.criteria_heatmap(
            cohort=cohort, unit_id=unit_id, units=units, with_totals=False
        )
        names = {v: str(label) for v, (_c, _s, label) in selectors.LEVELS.items()}
        return exports.export_response(
            kind,
            _stamp("criteria-heatmap", cohort),
            [_("Learner")] + [f"{c.label} {c.text}" for c in data.columns],
            ([r.name] + [names[v] for v in r.cells] for r in data.rows),
        )
    page = _clean(form, "page", 1)
    table = caching.reuse(
        "heatmap",
        cohort,
        get_language(),
        unit_id,
        page,
        compute=lambda: _heatmap_table(cohort, unit_id, units, page),
    )
    return render(
        request,
        "reports/heatmap.html",
        {
            "form": form,
            "cohort": cohort,
            "table": table,
            "levels": selectors.LEVELS,
            "as_of": table.computed_at,
            "pager": _pager(request, page=table.page, total=table.total),
        },
    )


@require_GET
@role_required(*REPORT_ROLES)
def workload(request: HttpRequest) -> HttpResponse:
    form, _cohort, _units = _filters(request)
    cohort = _cohort if request.GET.get("cohort") else None
    rows = selectors.assessor_workload(centre=request.centre, cohort=cohort)
    kind = _export_kind(request)
    if kind:
        return exports.export_response(
            kind,
            _stamp("assessor-workload", cohort),
            [
                _("Assessor"),
                _("Cohorts"),
                _("Waiting to be marked"),
                _("Past the marking target"),
                _("Median days to mark (90 days)"),
                _("Decisions this month"),
            ],
            (
                [
                    r.name,
                    r.cohorts,
                    r.queue,
                    r.overdue,
                    r.median_days_to_mark,
                    r.decisions_this_month,
                ]
                for r in rows
            ),
        )
    biggest = max((r.queue for r in rows), default=0) or 1
    return render(
        request,
        "reports/workload.html",
        {"form": form, "cohort": cohort, "rows": rows, "biggest": biggest},
    )


@require_GET
@role_required(*REPORT_ROLES)
def iqa(request: HttpRequest) -> HttpResponse:
    previous = request.GET.get("quarter") == "previous"
    uncovered = request.GET.get("uncovered") == "1"
    start, by_assessor, by_unit = selectors.iqa_coverage(
        centre=request.centre, previous_quarter=previous, uncovered_only=uncovered
    )
    kind = _export_kind(request)
    if kind:
        rows = [(_("Assessor"), r) for r in by_assessor] + [
            (_("Unit"), r) for r in by_unit
        ]
        return exports.export_response(
            kind,
            _stamp("iqa-sampling"),
            [
                _("By"),
                _("Name"),
                _("Decisions"),
                _("Sampled"),
                _("Sampled (%)"),
                _("Reviewed"),
                _("Disagreed"),
            ],
            (
                [
                    by,
                    r.label,
                    r.decisions,
                    r.sampled,
                    r.percent,
                    r.reviewed,
                    r.disagreed,
                ]
                for by, r in rows
            ),
        )
    return render(
        request,
        "reports/iqa.html",
        {
            "start": start,
            "by_assessor": by_assessor,
            "by_unit": by_unit,
            "previous": previous,
            "uncovered": uncovered,
        },
    )
