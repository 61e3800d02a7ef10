"""Inserting many rows without building a model instance per row.

Django's ``bulk_create`` spends most of a large import building instances and preparing
each value through its field (and, on PostgreSQL, packing arrays for UNNEST). Here rows
are plain dicts: PostgreSQL gets them through ``COPY``, SQLite through ``executemany``.
Every concrete column is written; a column the caller does not give gets the field's
default (``auto_now`` fields the current time), so a field added to a model later with a
default keeps working here.

Signals are not sent: that is the point (README, "Historic import": no referral routing,
no audit row per imported seizure; the import run is the record).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.utils import timezone


def _plan(model: type[models.Model], given: Sequence[str]):
    """The columns to write, in order: the given ones, then those filled with one value
    for the whole batch, then those whose default is made per row (a fresh uuid)."""
    now = timezone.now()
    fields = {field.attname: field for field in model._meta.concrete_fields}
    given_fields = [fields[name] for name in given]
    constant, per_row = [], []
    for field in model._meta.concrete_fields:
        if field.attname in given or field.primary_key:
            continue  # given, or numbered by the database
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            constant.append((field, now))
        elif field.has_default() and callable(field.default):
            per_row.append((field, field.default))
        else:
            # The field's own default: its value, "" for text, else None.
            constant.append((field, field.get_default()))
    return given_fields, constant, per_row


class JsonText(str):
    """A JSON column's value already encoded: a caller that writes the same few values
    over and over (a route, a list of commodities) encodes each once."""


def _json(value: Any) -> str | None:
    if value is None or type(value) is JsonText:
        return value
    return json.dumps(value)


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a Python value becomes what the backend's bulk path takes; None: as it is."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return _json
    if connection.vendor == "postgresql":
        return None  # COPY writes uuid, datetime and Decimal itself
    if kind == "UUIDField":
        return lambda value: value.hex if value is not None else None
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return None


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts by attname: ``seizure_id``, not ``seizure``) into ``model``.
    Every row has the same keys."""
    if not rows:
        return
    given = list(rows[0])
    getter = itemgetter(*given) if len(given) > 1 else (lambda row: (row[given[0]],))
    insert_tuples(model, given, [getter(row) for row in rows])


def insert_tuples(model: type[models.Model], given: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert ``rows``, tuples of values for the attnames ``given``, in that order: for
    the hundreds of thousands of rows of an import, no dict is built per row."""
    if not rows:
        return
    given_fields, constant, per_row = _plan(model, given)
    conversions = [
        (index, convert)
        for index, field in enumerate(given_fields)
        if (convert := _converter(field)) is not None
    ]
    tail = tuple(
        convert(value) if (convert := _converter(field)) else value for field, value in constant
    )
    makers = [(default, _converter(field)) for field, default in per_row]
    if conversions or makers:
        rows = [_complete(cells, conversions, tail, makers) for cells in rows]
    elif tail:
        rows = [cells + tail for cells in rows]
    order = given_fields + [f for f, _v in constant] + [f for f, _d in per_row]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in order)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Through Django's error wrapper, as its own queries go: a duplicate is then
            # the IntegrityError callers catch (a batch another run stored meanwhile is
            # looked at again), not psycopg's own exception.
            sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        else:
            marks = ", ".join(["%s"] * len(order))
            # Table and column names come from the model, quoted; values are parameters.
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)


def _complete(cells: tuple, conversions, tail: tuple, makers) -> tuple:
    """One row as the backend takes it: given values converted, then the defaults."""
    if conversions:
        cells = list(cells)
        for index, convert in conversions:
            cells[index] = convert(cells[index])
        cells = tuple(cells)
    if makers:
        return cells + tail + tuple(c(d()) if c else d() for d, c in makers)
    return cells + tail


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``, taken from the table's sequence.

    On SQLite the caller must already hold the write lock (it has written in this
    transaction), so nobody else can take the same numbers between this read and the
    insert.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        pk, quoted = (
            connection.ops.quote_name(model._meta.pk.column),
            connection.ops.quote_name(table),
        )
        cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {quoted}")  # noqa: S608
        start = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(start, found[0] if found else 0)
    return list(range(start + 1, start + 1 + count))
