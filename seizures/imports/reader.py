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
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.template.defaultfilters import filesizeformat
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
# Worksheets unpack to 10 to 20 times their compressed size; a hundred times is a zip bomb.
XLSX_MAX_RATIO = 100
XLSX_MAX_UNPACKED = 1 << 30
# Any part but a worksheet (the shared strings above all) is held in memory whole.
XLSX_MAX_PART = 32 * 1024 * 1024


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
    # The same rows from the first again, for a pass over the whole file before ``rows``
    # is read (the template's split seizures); to be read to its end first.
    rows_again: Callable[[], Iterator[tuple[int, list[str]]]] | None = field(
        default=None, repr=False
    )


def _is_xlsx(head: bytes, fileobj: BinaryIO) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    size = fileobj.seek(0, io.SEEK_END)
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(_("The file is a damaged ZIP archive, not a workbook.")) from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise FileRefused(_("The file is a ZIP archive, not an Excel workbook (XLSX)."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused(_("The workbook contains macros; save it as a plain .xlsx first."))
    # The central directory's sizes bound what zipfile will ever unpack, so they can be
    # trusted before openpyxl unpacks anything: a few hundred kilobytes that unpack to
    # hundreds of megabytes are a zip bomb, not seizure records.
    unpacked = sum(info.file_size for info in infos)
    if unpacked > XLSX_MAX_UNPACKED or unpacked > size * XLSX_MAX_RATIO:
        raise FileRefused(
            _(
                "The workbook unpacks to %(unpacked)s from a file of %(size)s, far more than "
                "seizure records take; it is not read. Save the sheet as CSV and upload that."
            )
            % {"unpacked": filesizeformat(unpacked), "size": filesizeformat(size)}
        )
    for info in infos:
        # openpyxl streams the worksheets but holds every other part in memory whole
        # (the shared strings above all), so each of those has its own cap.
        if not info.filename.startswith("xl/worksheets/") and info.file_size > XLSX_MAX_PART:
            raise FileRefused(
                _(
                    "The workbook's part %(part)s unpacks to %(unpacked)s; at most %(limit)s "
                    "is read. Save the sheet as CSV and upload that."
                )
                % {
                    "part": info.filename,
                    "unpacked": filesizeformat(info.file_size),
                    "limit": filesizeformat(XLSX_MAX_PART),
                }
            )
    return True


def open_source(fileobj: BinaryIO, *, decimal_mark: str = ".") -> Source:
    """Look at the file, settle its format and layout, and return its rows to come.

    ``decimal_mark`` is the one a workbook's number cells are written with: the one
    chosen for the import, which then reads them as they are meant."""
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
        return _open_xlsx(fileobj, decimal_mark)
    return _open_csv(fileobj)


# --- CSV -----------------------------------------------------------------------------------


def _settle_encoding(fileobj: BinaryIO) -> tuple[str, list[str]]:
    """(encoding, notes). UTF-8 with or without BOM is expected; UTF-16 (what
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
        nul = False
        try:
            while chunk := fileobj.read(_CHUNK):
                nul = nul or "\x00" in decoder.decode(chunk)
            decoder.decode(b"", final=True)
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
        return encoding, notes
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


def _no_rows() -> FileRefused:
    # Refused rather than "done, 0 imported": a file saved without its rows is a mistake.
    return FileRefused(_("The file has a header but no rows."))


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
    encoding, notes = _settle_encoding(fileobj)
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
    total = _check_quotes(text, delimiter)
    if not total:
        raise _no_rows()
    return Source(
        layout=layout,
        columns=columns,
        total_rows=total,
        rows=_rows_after_header(text, delimiter),
        notes=notes,
        rows_again=lambda: _rows_after_header(text, delimiter),
    )


def _rows_after_header(text: io.TextIOWrapper, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    text.seek(0)
    text.readline()
    yield from _csv_rows(text, delimiter)


# Fed to csv after the file's last line: it comes back as a row of its own unless a quote
# left open at the end of the file swallowed it.
_END = "\x00end\n"


def _check_quotes(text: io.TextIOWrapper, delimiter: str) -> int:
    """Read every row once, as _csv_rows will, before any is imported, and return how many
    are not blank. A quote never closed would make csv read the rest of the file as one
    cell, and csv's cap of 128 KiB per cell stops it mid-cell: either way what follows
    could not be trusted, so the whole file is refused here rather than half imported."""
    record: list[str] = []  # the lines of the row csv is reading

    def lines() -> Iterator[str]:
        for line in text:
            record.append(line)
            yield line
        record.append(_END)
        yield _END

    reader = csv.reader(lines(), delimiter=delimiter)
    rows = 0
    while True:
        record.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error:
            # csv drops the rest of the line and starts again on the next one: right when
            # the row ends on this line, not when a quote still open runs on.
            _refuse_open_quote(record, reader.line_num, delimiter, too_long=True)
            rows += 1
            continue
        if record[-1] is _END:
            if len(record) == 1:
                return rows
            _refuse_open_quote(record[:-1], reader.line_num - 1, delimiter, too_long=False)
        if any(cell.strip() for cell in cells):
            rows += 1


def _refuse_open_quote(record: list[str], last: int, delimiter: str, *, too_long: bool) -> None:
    """Refuse the file if a quote is still open at the end of ``record``, the lines of one
    row up to line ``last`` counted after the header."""
    opened = _open_quote(record, last - len(record) + 2, delimiter)
    if opened is None:
        return
    if too_long:
        raise FileRefused(
            _(
                "A quote opened on line %(line)s is not closed within 131 072 characters, so "
                "the lines after it cannot be read. Close the quote (or remove it) and upload "
                "the file again."
            )
            % {"line": opened}
        )
    raise FileRefused(
        _(
            "A quote opened on line %(line)s is never closed, so every line after it would be "
            "read as one cell. Close the quote (or remove it) and upload the file again."
        )
        % {"line": opened}
    )


def _open_quote(lines: list[str], first: int, delimiter: str) -> int | None:
    """The number of the line where a quote still open after ``lines`` (numbered from
    ``first``) was opened, read the way csv reads quotes; None if every quote closes."""
    other = re.escape('"' + delimiter + "\r\n")
    token = re.compile(f'"|{re.escape(delimiter)}|\r\n?|\n|[^{other}]+')
    state, opened = "start", None  # start of a field, in a field, in quotes, after a quote
    for number, line in enumerate(lines, start=first):
        for match in token.finditer(line):
            piece = match.group()
            if state == "quoted":
                if piece == '"':
                    state = "after"
            elif piece == '"' and state == "start":
                state, opened = "quoted", number
            elif piece == '"' and state == "after":
                state = "quoted"  # a doubled quote stands for one
            elif piece == delimiter or piece[0] in "\r\n":
                state = "start"
            else:
                state = "field"  # a quote inside an unquoted field is a plain character
    return opened if state == "quoted" else None


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


def _as_text(value, decimal_mark: str = ".") -> str:
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
        return format(Decimal(repr(value)).normalize(), "f").replace(".", decimal_mark)
    return str(value)


# What the reader needs from a worksheet's XML that read-only openpyxl does not give: how
# many rows it has (its stored <dimension> may be stale or missing), whether any cell holds
# something, and its merged cells (written after the rows). Some producers prefix the tags
# ("<x:row>"); the prefix is the root element's.
_ROOT_TAG = re.compile(rb"<([\w.-]+:)?worksheet[\s>]")
_MERGE_TAG = re.compile(
    rb'<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"'
)
# Beyond this many merged ranges a sheet is a layout, not a table of records.
MAX_MERGED = 10_000


@dataclass
class _SheetScan:
    rows: int = 0
    has_data: bool = False
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # rows, columns


def _scan_sheet(sheet, *, until_data: bool = False) -> _SheetScan:
    """One pass over the sheet's XML at the speed of zlib and bytes.count, not of an XML
    parser (openpyxl's takes minutes on a sheet of 300 000 rows)."""
    from openpyxl.utils import column_index_from_string

    scan, tail, prefix = _SheetScan(), b"", None
    # _get_source is read-only openpyxl's own way to the sheet's XML in the workbook.
    with sheet._get_source() as stream:
        while True:
            chunk = stream.read(_CHUNK)
            text, tail = tail + chunk, b""
            cut = text.rfind(b"<")
            if chunk and cut >= 0 and len(text) - cut < 4096:
                # A tag cut by the end of the chunk is read whole with the next one.
                text, tail = text[:cut], text[cut:]
            if prefix is None:
                root = _ROOT_TAG.search(text)
                prefix = b"<" + ((root and root.group(1)) or b"")
            scan.rows += text.count(prefix + b"row ") + text.count(prefix + b"row>")
            # A value, an inline string or a formula: the tags of a cell that holds something.
            scan.has_data = scan.has_data or any(
                prefix + tag in text for tag in (b"v>", b"is>", b"f>", b"f ")
            )
            if prefix + b"mergeCell " in text:
                scan.merged += [
                    (
                        int(first_row),
                        int(last_row),
                        column_index_from_string(first_col.decode()),
                        column_index_from_string(last_col.decode()),
                    )
                    for first_col, first_row, last_col, last_row in _MERGE_TAG.findall(text)
                ]
                if len(scan.merged) > MAX_MERGED:
                    raise FileRefused(
                        _(
                            "The sheet has more than %(count)s merged cells; unmerge them and "
                            "upload the file again."
                        )
                        % {"count": MAX_MERGED}
                    )
            if not chunk or (until_data and scan.has_data):
                return scan


def _open_xlsx(fileobj: BinaryIO, decimal_mark: str) -> Source:
    from openpyxl import load_workbook

    fileobj.seek(0)
    try:
        # data_only=False: a formula cell is read as its text, never as a computed value.
        workbook = load_workbook(fileobj, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        raise FileRefused(_("The workbook cannot be opened; it may be damaged.")) from None
    try:
        return _read_sheet(workbook, decimal_mark)
    except BaseException:
        workbook.close()
        raise


def _read_sheet(workbook, decimal_mark: str) -> Source:
    # Only one sheet is read: a second one with records would be left out without a word.
    scans = {sheet.title: _scan_sheet(sheet, until_data=True) for sheet in workbook.worksheets}
    filled = [title for title, scan in scans.items() if scan.has_data]
    if len(filled) > 1:
        raise FileRefused(
            _(
                "The workbook has data on several sheets (%(sheets)s) and only one is read. "
                "Keep one sheet per file: move each sheet to a workbook of its own."
            )
            % {"sheets": ", ".join(f"“{title}”" for title in filled)}
        )
    if not filled:
        raise FileRefused(_("The workbook is empty: no sheet holds any data."))
    sheet = workbook[filled[0]]
    scan = _scan_sheet(sheet)  # the whole of it now: its rows and merged cells
    # The <dimension> an application stored may be stale or missing: read every row there
    # is, of any length.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
    header = next(rows, None)
    if header is None or not any(cell not in (None, "") for cell in header):
        raise FileRefused(_("The first row of the sheet is empty; it must be the header."))
    found = _layout_of(_header_columns([_as_text(cell) for cell in header]))
    if found is None:
        raise FileRefused(
            _(
                "The first row of the sheet names none of the expected columns (an IDS "
                "extract's REGION, COUNTRY, SEIZURE_DATE…; the template's seizure, date, port…)."
            )
        )
    layout, columns = found
    _check_columns(layout, columns)

    def lines_from(rows) -> Iterator[tuple[int, list[str]]]:
        return _xlsx_lines(rows, len(columns), scan.merged, decimal_mark)

    lines = lines_from(rows)
    for line, cells in lines:
        if any(cell.strip() for cell in cells):
            first = (line, cells)
            break
    else:
        raise _no_rows()

    def cells() -> Iterator[tuple[int, list[str]]]:
        yield first
        yield from lines
        workbook.close()

    notes = []
    if any(first_row > 1 for first_row, *_rest in scan.merged):
        notes.append(
            _(
                "The sheet has merged cells: each cell of a merged range was read with the "
                "range's value, as the spreadsheet shows it."
            )
        )
    return Source(
        layout=layout,
        columns=columns,
        total_rows=max(scan.rows - 1, 1),
        rows=cells(),
        notes=notes,
        # Read-only openpyxl parses the sheet's XML anew for each pass.
        rows_again=lambda: lines_from(sheet.iter_rows(min_row=2, min_col=1, values_only=True)),
    )


def _xlsx_lines(rows, width: int, merged, decimal_mark: str) -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows from line 2 as text cells, as many as the header's. Merged cells
    take the value the spreadsheet shows in them, the one of the range's first cell (the
    file keeps it there only); a range that starts in the header is left alone."""
    starting: dict[int, list[tuple[int, int, int]]] = {}
    for first_row, last_row, first_col, last_col in merged:
        if first_row > 1 and first_col <= width:
            starting.setdefault(first_row, []).append((last_row, first_col, min(last_col, width)))
    active: list[tuple[int, int, int, str]] = []  # last row, columns, value
    for line, row in enumerate(rows, start=2):
        cells = [_as_text(cell, decimal_mark) for cell in row]
        # Without a stored dimension a row is as long as its last cell: pad it to the
        # header, and drop empty cells beyond it (cells with text there still reject it).
        while len(cells) > width and not cells[-1]:
            cells.pop()
        cells.extend([""] * (width - len(cells)))
        if active or line in starting:
            for last_row, first_col, last_col in starting.pop(line, ()):
                active.append((last_row, first_col, last_col, cells[first_col - 1]))
            active = [span for span in active if span[0] >= line]
            for _last_row, first_col, last_col, value in active:
                cells[first_col - 1 : last_col] = [value] * (last_col - first_col + 1)
        yield line, cells
