"""Reading a learner spreadsheet (CSV or XLSX) and deciding what each row will do.

`parse_upload` is pure (bytes in, rows or a file-level error out, no database);
`classify_rows` looks up existing users and enrolments with a constant number of
queries, whatever the file's size. The writes live in services.enrolment_import_*.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from centres.models import Cohort, Enrolment, EnrolmentStatus, User

# One import creates at most this many learners: the benchmark's 5,000-row import
# takes about two seconds; a bigger file should be split by cohort.
MAX_ROWS = 5_000
MAX_FILE_BYTES = 5 * 1024 * 1024  # 5 MB holds ~60,000 CSV rows: far past MAX_ROWS

CREATE = "create"
UPDATE = "update"
REJECT = "reject"

# Spreadsheet headings we accept for each column, compared case- and
# punctuation-insensitively ("First name", "first_name", "Forename" all match).
COLUMNS = {
    "first_name": {"firstname", "forename", "givenname", "first"},
    "last_name": {"lastname", "surname", "familyname", "last"},
    "email": {"email", "emailaddress", "e-mail", "mail"},
    "reference": {
        "learnerreference",
        "reference",
        "learnerref",
        "ref",
        "uln",
        "learnerid",
        "studentid",
        "studentnumber",
    },
}
REQUIRED = ("first_name", "last_name", "email")
COLUMN_LABELS = {
    "first_name": "first name",
    "last_name": "last name",
    "email": "email",
    "reference": "learner reference",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass
class Row:
    line: int
    first_name: str
    last_name: str
    email: str
    reference: str = ""
    action: str = CREATE
    reasons: list[str] = field(default_factory=list)
    user_id: int | None = None
    enrolment_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "reference": self.reference,
            "action": self.action,
            "reasons": self.reasons,
            "user_id": self.user_id,
            "enrolment_id": self.enrolment_id,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Row":
        return cls(
            line=data["line"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            reference=data.get("reference", ""),
        )


def _normalise_heading(value: object) -> str:
    text = str(value or "").strip().lower()
    return "".join(ch for ch in text if ch.isalnum() or ch == "-").replace("-", "")


def _match_columns(headings: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, heading in enumerate(headings):
        key = _normalise_heading(heading)
        for column, aliases in COLUMNS.items():
            normalised = {alias.replace("-", "") for alias in aliases}
            if key in normalised and column not in found:
                found[column] = index
    missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in found]
    if missing:
        shown = ", ".join(f"“{h}”" for h in headings if str(h or "").strip())
        raise ImportFileError(
            _(
                "The file is missing these columns: %(missing)s. The first row must "
                "name the columns first name, last name, email and (optionally) "
                "learner reference. It has: %(found)s."
            )
            % {"missing": ", ".join(missing), "found": shown or _("no headings")}
        )
    return found


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (the first unreadable character is on "
                "line %(line)s). In Excel choose Save As → “CSV UTF-8 (Comma "
                "delimited)”, or upload the .xlsx file itself."
            )
            % {"line": line}
        ) from None


def _csv_table(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileError(
            _("The file is not a CSV or XLSX spreadsheet (it contains binary data).")
        )
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file cannot be read: %(error)s.") % {"error": error}
        ) from None


def _xlsx_table(data: bytes) -> list[list]:
    # Imported here: openpyxl takes ~150 ms to import and only this path needs it.
    from openpyxl import load_workbook

    try:
        # data_only: a formula cell gives its last computed value, never the formula.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportFileError(
            _(
                "The file looks like an Excel workbook but cannot be opened. Save it "
                "again as .xlsx or as CSV UTF-8."
            )
        ) from None
    try:
        sheet = workbook.worksheets[0]
        table = []
        for values in sheet.iter_rows(values_only=True):
            table.append(list(values))
            if len(table) > MAX_ROWS + 2:  # enough to say the file is too long
                table.append(None)
                break
        return table
    finally:
        workbook.close()


def _cell(row: list, index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_upload(*, filename: str, data: bytes) -> list[Row]:
    """Turn an uploaded file into rows (no database). Raises ImportFileError."""
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than 5 MB. Split it into smaller files.")
        )
    is_zip = data.startswith(b"PK\x03\x04")
    if filename.lower().endswith((".xls",)) and not is_zip:
        raise ImportFileError(
            _("Old Excel .xls files are not supported. Save it as .xlsx or CSV UTF-8.")
        )
    table = _xlsx_table(data) if is_zip else _csv_table(data)
    too_long = bool(table) and table[-1] is None
    table = [row for row in table if row is not None]
    while table and not any(_cell(table[0], i) for i in range(len(table[0]))):
        table.pop(0)  # leading blank lines
    if not table:
        raise ImportFileError(_("The file is empty."))
    columns = _match_columns(list(table[0]))
    rows: list[Row] = []
    for offset, values in enumerate(table[1:], start=2):
        cells = [_cell(values, i) for i in range(len(values))]
        if not any(cells):
            continue  # blank line
        rows.append(
            Row(
                line=offset,
                first_name=_cell(values, columns.get("first_name")),
                last_name=_cell(values, columns.get("last_name")),
                email=_cell(values, columns.get("email")),
                reference=_cell(values, columns.get("reference")),
            )
        )
    if too_long or len(rows) > MAX_ROWS:
        # A workbook is read only up to just past the limit, so say "more than".
        count = (
            _("more than %(max)s") % {"max": f"{MAX_ROWS:,}"}
            if too_long
            else (f"{len(rows):,}")
        )
        raise ImportFileError(
            _(
                "The file has %(count)s learner rows; one import takes at most "
                "%(max)s. Split it into smaller files (for example one per cohort) "
                "and import each. Nothing was imported."
            )
            % {"count": count, "max": f"{MAX_ROWS:,}"}
        )
    if not rows:
        raise ImportFileError(_("The file has headings but no learner rows."))
    return rows


FORMULA_PREFIXES = ("=", "+", "@")


def _check_shape(row: Row) -> None:
    checks = [
        (row.first_name, "first name", 150),
        (row.last_name, "last name", 150),
    ]
    for value, label, limit in checks:
        if not value:
            row.reasons.append(_("The %(column)s is missing.") % {"column": label})
        elif len(value) > limit:
            row.reasons.append(
                _("The %(column)s is longer than %(limit)s characters.")
                % {"column": label, "limit": limit}
            )
        elif value.startswith(FORMULA_PREFIXES):
            row.reasons.append(
                _("The %(column)s looks like a spreadsheet formula.")
                % {"column": label}
            )
    if not row.email:
        row.reasons.append(_("The email is missing."))
    else:
        try:
            validate_email(row.email)
        except ValidationError:
            row.reasons.append(
                _("“%(email)s” is not a valid email address.") % {"email": row.email}
            )
    if len(row.reference) > 64:
        row.reasons.append(_("The learner reference is longer than 64 characters."))
    elif row.reference.startswith(FORMULA_PREFIXES):
        row.reasons.append(_("The learner reference looks like a spreadsheet formula."))


def classify_rows(*, rows: list[Row], cohort: Cohort) -> list[Row]:
    """Decide create / update / reject for each row, with reasons (3 queries)."""
    first_line_for: dict[str, int] = {}
    for row in rows:
        row.action, row.reasons = CREATE, []
        row.user_id = row.enrolment_id = None
        _check_shape(row)
        key = row.email.lower()
        if key and not row.reasons:
            if key in first_line_for:
                row.reasons.append(
                    _("Duplicate email: the same address is on line %(line)s.")
                    % {"line": first_line_for[key]}
                )
            else:
                first_line_for[key] = row.line

    wanted = list(first_line_for)
    users_by_email: dict[str, list[int]] = {}
    for user_id, email in (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=wanted)
        .values_list("pk", "email_lower")
    ):
        users_by_email.setdefault(email, []).append(user_id)
    user_ids = [uid for ids in users_by_email.values() for uid in ids]
    enrolments = {
        learner_id: (pk, status)
        for pk, learner_id, status in Enrolment.objects.filter(
            cohort=cohort, learner_id__in=user_ids
        ).values_list("pk", "learner_id", "status")
    }

    for row in rows:
        if row.reasons:
            row.action = REJECT
            continue
        ids = users_by_email.get(row.email.lower(), [])
        if len(ids) > 1:
            row.action = REJECT
            row.reasons.append(
                ngettext(
                    "%(count)s account uses this email; enrol it by hand.",
                    "%(count)s accounts use this email; enrol them by hand.",
                    len(ids),
                )
                % {"count": len(ids)}
            )
            continue
        if not ids:
            row.action = CREATE
            continue
        row.user_id = ids[0]
        enrolment = enrolments.get(row.user_id)
        if enrolment and enrolment[1] != EnrolmentStatus.WITHDRAWN:
            row.action = REJECT
            row.reasons.append(_("Already enrolled on this cohort."))
        elif enrolment:
            row.action = UPDATE
            row.enrolment_id = enrolment[0]
            row.reasons.append(_("Withdrawn earlier: will be re-enrolled."))
        else:
            row.action = UPDATE
            row.reasons.append(
                _("Has an account already: will be added to the cohort.")
            )
    return rows
