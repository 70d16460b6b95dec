"""Helpers for the security tests: "nothing changed" checks and client actors."""

import re
from contextlib import contextmanager

from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

# Tables a request may write to without changing anyone's data: the session store
# (a login or a message) and django-axes' access log (every login attempt).
WRITE_ALLOWED_TABLES = re.compile(r"^(django_session|axes_\w+)$")
WRITE_SQL = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)"?',
    re.IGNORECASE,
)


_counted_tables: list[tuple[str, str]] | None = None


def _tables_to_count() -> list[tuple[str, str]]:
    """(model label, table) for every model with a table (read once per run)."""
    global _counted_tables
    if _counted_tables is None:
        # A model whose migration has not been written yet has no table to count.
        existing = set(connection.introspection.table_names())
        found = {}
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if model._meta.proxy or table not in existing:
                continue
            if not WRITE_ALLOWED_TABLES.match(table):
                found[table] = model._meta.label
        _counted_tables = sorted((label, table) for table, label in found.items())
    return _counted_tables


def row_counts() -> dict[str, int]:
    """Rows in every model's table (bar the session store and axes' log), in one
    query."""
    tables = _tables_to_count()
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT {i}, COUNT(*) FROM {quote(table)}"
        for i, (_label, table) in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = dict(cursor.fetchall())
    return {label: rows[i] for i, (label, _table) in enumerate(tables)}


def writes_in(queries) -> list[str]:
    """The data-changing SQL statements among captured queries."""
    found = []
    for query in queries:
        match = WRITE_SQL.match(query["sql"])
        if match and not WRITE_ALLOWED_TABLES.match(match[1]):
            found.append(query["sql"][:200])
    return found


class NothingChanged:
    def __init__(self):
        self.before = row_counts()
        self.capture = CaptureQueriesContext(connection)

    def check(self, what: str) -> None:
        writes = writes_in(self.capture.captured_queries)
        assert not writes, f"{what} wrote to the database: {writes}"
        after = row_counts()
        changed = {
            label: (n, after[label])
            for label, n in self.before.items()
            if after.get(label) != n
        }
        assert not changed, f"{what} changed row counts: {changed}"


@contextmanager
def nothing_changes(what: str):
    """Assert the block writes nothing and leaves every table's row count as it was."""
    guard = NothingChanged()
    with guard.capture:
        yield
    guard.check(what)


@contextmanager
def no_writes(what: str):
    """Assert the block issues no INSERT/UPDATE/DELETE (session and axes aside)."""
    capture = CaptureQueriesContext(connection)
    with capture:
        yield
    writes = writes_in(capture.captured_queries)
    assert not writes, f"{what} wrote to the database: {writes}"


def client_as(user=None, *, enforce_csrf_checks: bool = False) -> Client:
    """A fresh test client, signed in as `user` (or signed out)."""
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    if user is not None:
        client.force_login(user)
    return client
