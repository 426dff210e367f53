"""Tables of data written as CSV or JSON files: the same rows, two shapes.

Reports attach CSV files and exports write CSV or JSON, and both come out of
here so that they agree on the details a spreadsheet or a script trips on:

* CSV is UTF-8 with a header row; a cell that starts with ``=``, ``+``,
  ``-``, ``@`` (or a tab or carriage return) gets a leading apostrophe, so a
  member who names themselves ``=HYPERLINK(…)`` cannot put a formula into a
  convener's spreadsheet (OWASP's "CSV injection"); lists are joined with
  ``; ``, booleans are ``yes``/``no``, nothing is an empty cell;
* JSON is a list of objects keyed by the same column names, with lists as
  lists, booleans as booleans and nothing as ``null``;
* moments are ISO 8601 in UTC in both (``2026-11-30T10:00:00+00:00``), dates
  ISO (``2026-12-04``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

Cell = str | int | float | bool | None | datetime | date | list[str]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "json")
CONTENT_TYPES = {"csv": "text/csv", "json": "application/json", "md": "text/markdown"}


@dataclass(frozen=True, slots=True)
class Table:
    """A named table: the columns and one tuple of cells per row."""

    name: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]

    def file_name(self, format_name: str, prefix: str = "") -> str:
        return f"{prefix}{self.name}.{format_name}"


def guarded(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula."""

    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return guarded("; ".join(value))
    if isinstance(value, str):
        return guarded(value)
    return str(value)


def _json_cell(value: Cell) -> object:
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows([_csv_cell(cell) for cell in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8")


def to_json(table: Table) -> bytes:
    records = [
        {column: _json_cell(cell) for column, cell in zip(table.columns, row, strict=True)}
        for row in table.rows
    ]
    return (json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def encoded(table: Table, format_name: str) -> bytes:
    """The table as a file's bytes in ``csv`` or ``json``."""

    if format_name == "csv":
        return to_csv(table)
    if format_name == "json":
        return to_json(table)
    raise ValueError(f"format {format_name!r} is not one of {FORMATS}")
