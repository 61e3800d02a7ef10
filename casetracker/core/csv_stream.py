"""Streamed CSV for downloads (seizure exports, the audit trail), safe to open in Excel.

A cell a user typed that starts with = + - @ (or a tab or carriage return) would run as a
formula in a spreadsheet; such cells get a leading apostrophe. A UTF-8 BOM first lets
Excel read accents right.
"""

import csv
from collections.abc import Iterable, Iterator

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_TRIGGERS) else cell


class _Echo:
    # csv.writer wants a file; the streamed response wants the lines themselves.
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """CSV text, one line at a time, BOM first."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([neutralise(str(cell)) for cell in row])
