"""CSV and XLSX downloads of report tables, safe to open in a spreadsheet.

A cell starting with = + - @ (or a tab / carriage return, which some spreadsheets
strip before reading a formula) is prefixed with an apostrophe, so a learner
named "=HYPERLINK(...)" is shown as text, never run (OWASP's CSV injection advice).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet will treat as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _rows(header: Sequence[str], rows: Iterable[Sequence[Any]]):
    yield [neutralise(h) for h in header]
    for row in rows:
        yield [neutralise(v) for v in row]


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so Excel reads the file as UTF-8
    writer = csv.writer(out)
    writer.writerows(_rows(header, rows))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=filename[:31])
    for row in _rows(header, rows):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(
    kind: str, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    if kind == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows)
