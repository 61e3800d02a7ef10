"""From an uploaded file to numbered rows of text cells, or a clear reason why not.

CSV is read as a stream (one row in memory at a time) after one pass over the bytes that
settles the encoding and counts the lines for the progress bar. XLSX is read with
openpyxl in read-only mode, which streams the sheet too. A cell is only ever text here:
a formula in a workbook arrives as its text ("=SUM(A1:A3)") and is never evaluated.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import ImportLayout

IDS_COLUMNS = (
    "REGION",
    "SUBREGION",
    "COUNTRY",
    "ADMINISTRATIVE_DIVISION",
    "PLACE",
    "SEIZURE_DATE",
    "DRUG_NAME",
    "AMOUNT",
    "DRUG_UNIT",
    "HIDING_PLACE",
    "INSTALLATION",
    "TRANSPORT",
    "PRODUCING_COUNTRY",
    "DEPARTURE_COUNTRY",
    "DESTINATION_COUNTRY",
    "ROUTING",
)
IDS_REQUIRED = ("COUNTRY", "SEIZURE_DATE", "DRUG_NAME", "AMOUNT", "DRUG_UNIT")

TEMPLATE_COLUMNS = (
    "seizure",
    "date",
    "port",
    "terminal",
    "detection",
    "transport",
    "vessel_name",
    "imo_number",
    "voyage",
    "bill_of_lading",
    "containers",
    "declared_goods",
    "hs_code",
    "concealment",
    "concealment_details",
    "origin_country",
    "route",
    "commodity",
    "substance",
    "description",
    "quantity",
    "unit",
    "estimated_value",
    "currency",
)
TEMPLATE_REQUIRED = ("seizure", "date", "substance", "quantity", "unit")

# A cell longer than this is refused with its row (the longest stored text is 300
# characters; free-text details are cut nowhere, they are refused at 2 000).
MAX_CELL = 2000
# Semicolons (IDS), commas (the template, most spreadsheets) and tabs (Excel's "Unicode
# text") are read; any other separator is named in the refusal.
_ACCEPTED = (";", ",", "\t")
_DELIMITERS = {
    ";": gettext_lazy("semicolons"),
    ",": gettext_lazy("commas"),
    "\t": gettext_lazy("tabs"),
    "|": gettext_lazy("vertical bars"),
}
_CHUNK = 1 << 20


class FileRefused(Exception):
    """The whole file cannot be imported; ``message`` says why in the user's words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Source:
    layout: str
    columns: list[str]  # canonical names, in file order (unknown columns as "")
    total_rows: int
    rows: Iterator[tuple[int, list[str]]] = field(repr=False)
    notes: list[str] = field(default_factory=list)


def _is_xlsx(head: bytes, fileobj: BinaryIO) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(_("The file is a damaged ZIP archive, not a workbook.")) from None
    if "xl/workbook.xml" not in names:
        raise FileRefused(_("The file is a ZIP archive, not an Excel workbook (XLSX)."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused(_("The workbook contains macros; save it as a plain .xlsx first."))
    if unpacked > 1024 * 1024 * 1024:
        # A few megabytes that unpack to gigabytes are a zip bomb, not seizure records.
        raise FileRefused(_("The workbook unpacks to more than 1 GB; split it or use CSV."))
    return True


def open_source(fileobj: BinaryIO) -> Source:
    """Look at the file, settle its format and layout, and return its rows to come."""
    fileobj.seek(0)
    head = fileobj.read(8)
    if not head:
        raise FileRefused(_("The file is empty."))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _("This is an old Excel file (.xls). Save it as .xlsx or as CSV and upload again.")
        )
    if head.startswith(b"%PDF"):
        raise FileRefused(_("This is a PDF document; upload the CSV or XLSX file instead."))
    if _is_xlsx(head, fileobj):
        return _open_xlsx(fileobj)
    return _open_csv(fileobj)


# --- CSV -----------------------------------------------------------------------------------


def _settle_encoding(fileobj: BinaryIO) -> tuple[str, int, list[str]]:
    """(encoding, line count, notes). UTF-8 with or without BOM is expected; UTF-16 (what
    Excel calls "Unicode text") is recognised by its BOM; anything else is read as
    Windows-1252, or Latin-1 where that has no character, and the page says so."""
    fileobj.seek(0)
    head = fileobj.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "cp1252", "latin-1"]
    for encoding in candidates:
        fileobj.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        lines, nul = 0, False
        try:
            while chunk := fileobj.read(_CHUNK):
                text = decoder.decode(chunk)
                lines += text.count("\n")
                nul = nul or "\x00" in text
            text = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if nul:
            raise FileRefused(_("The file holds binary data; it is not a CSV text file."))
        notes = []
        if encoding in ("cp1252", "latin-1"):
            notes.append(
                _(
                    "The file is not in UTF-8; it was read as %(encoding)s. Check that "
                    "accented names look right in the rows below."
                )
                % {"encoding": "Windows-1252" if encoding == "cp1252" else "Latin-1"}
            )
        return encoding, lines + (1 if text and not text.endswith("\n") else 0), notes
    raise FileRefused(_("The file's encoding could not be recognised; save it as UTF-8."))


def _header_columns(cells: list[str]) -> list[str]:
    return [cell.strip().lstrip("\ufeff").strip('"').strip() for cell in cells]


def _layout_of(columns: list[str]) -> tuple[str, list[str]] | None:
    upper = [c.upper().replace(" ", "_") for c in columns]
    if len(set(upper) & set(IDS_COLUMNS)) >= 3:
        return ImportLayout.IDS, [c if c in IDS_COLUMNS else "" for c in upper]
    lower = [c.lower().replace(" ", "_") for c in columns]
    if len(set(lower) & set(TEMPLATE_COLUMNS)) >= 3:
        return ImportLayout.TEMPLATE, [c if c in TEMPLATE_COLUMNS else "" for c in lower]
    return None


def _check_columns(layout: str, columns: list[str]) -> None:
    required = IDS_REQUIRED if layout == ImportLayout.IDS else TEMPLATE_REQUIRED
    missing = [name for name in required if name not in columns]
    if missing:
        raise FileRefused(
            _("The header lacks required columns: %(missing)s.") % {"missing": ", ".join(missing)}
        )
    doubled = sorted({c for c in columns if c and columns.count(c) > 1})
    if doubled:
        raise FileRefused(
            _("The header names a column twice: %(columns)s.") % {"columns": ", ".join(doubled)}
        )


def _unrecognised(first_line: str) -> FileRefused:
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    found = max(counts, key=counts.get)
    expected = ", ".join(IDS_REQUIRED)
    if found not in _ACCEPTED and counts[found]:
        return FileRefused(
            _(
                "The file is separated by %(delimiter)s. Save it separated by semicolons (as IDS "
                "extracts are) or commas and upload it again."
            )
            % {"delimiter": _DELIMITERS[found]}
        )
    if counts[found] == 0:
        return FileRefused(
            _(
                "The first line has a single column: the file is not separated by semicolons "
                "(IDS extracts) or commas (the template). Expected a header such as %(cols)s."
            )
            % {"cols": expected}
        )
    return FileRefused(
        _(
            "The first line, split at %(delimiter)s, names none of the expected columns. An "
            "IDS extract starts with REGION;SUBREGION;COUNTRY;…; the template with "
            "seizure,date,port,…"
        )
        % {"delimiter": _DELIMITERS[found]}
    )


def _open_csv(fileobj: BinaryIO) -> Source:
    encoding, line_count, notes = _settle_encoding(fileobj)
    fileobj.seek(0)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
    first_line = text.readline()
    if not first_line.strip():
        raise FileRefused(_("The file is empty."))
    chosen = None
    for delimiter in _ACCEPTED:
        cells = next(csv.reader([first_line], delimiter=delimiter))
        found = _layout_of(_header_columns(cells))
        if found:
            chosen = (delimiter, *found)
            break
    if chosen is None:
        raise _unrecognised(first_line)
    delimiter, layout, columns = chosen
    _check_columns(layout, columns)
    if layout == ImportLayout.IDS and delimiter != ";":
        notes.append(
            _("IDS extracts are separated by semicolons; this one by %(delimiter)s, read as such.")
            % {"delimiter": _DELIMITERS[delimiter]}
        )
    return Source(
        layout=layout,
        columns=columns,
        total_rows=max(line_count - 1, 0),
        rows=_csv_rows(text, delimiter),
        notes=notes,
    )


def _csv_rows(text: io.TextIOWrapper, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(text, delimiter=delimiter)
    line = 2  # the header was line 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # csv gives up on a cell over 128 KiB and carries on with the next line.
            yield line, [CellTooLong.MARK]
            line = reader.line_num + 2
            continue
        yield line, cells
        # A quoted cell may hold line breaks: the next record starts after this one ends.
        line = reader.line_num + 2


class CellTooLong:
    MARK = "\x00cell-too-long"


# --- XLSX ----------------------------------------------------------------------------------


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat() if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 0.1, not 0.1000…
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def _open_xlsx(fileobj: BinaryIO) -> Source:
    from openpyxl import load_workbook

    fileobj.seek(0)
    try:
        # data_only=False: a formula cell is read as its text, never as a computed value.
        workbook = load_workbook(fileobj, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        raise FileRefused(_("The workbook cannot be opened; it may be damaged.")) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or not any(cell not in (None, "") for cell in header):
        raise FileRefused(_("The first sheet of the workbook is empty."))
    found = _layout_of(_header_columns([_as_text(cell) for cell in header]))
    if found is None:
        raise FileRefused(
            _(
                "The first row of the first sheet names none of the expected columns (an IDS "
                "extract's REGION, COUNTRY, SEIZURE_DATE…; the template's seizure, date, port…)."
            )
        )
    layout, columns = found
    _check_columns(layout, columns)

    def cells() -> Iterator[tuple[int, list[str]]]:
        for line, row in enumerate(rows, start=2):
            yield line, [_as_text(cell) for cell in row]
        workbook.close()

    total = max((sheet.max_row or 1) - 1, 0)
    return Source(layout=layout, columns=columns, total_rows=total, rows=cells())
