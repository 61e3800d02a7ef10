"""The cohort report as tables: one list of blocks per section, for CSV, XLSX and the PDF.

``report_sections`` lays ``figures.cohort_report``'s dictionary out once, as rows of plain
values (numbers stay numbers, shares are fractions 0..1, times are aware datetimes), and
each column says what kind of value it holds so a writer can format it: the XLSX gives a
share the "0.0 %" format, the PDF writes "81.2 %". The CSV, the XLSX and the PDF's tables
are therefore the same figures, never three computations.

Only what the report dictionary carries reaches a file: aggregate counts, codes and their
labels, recipients by their agency name, and the stalled seizures by reference, unit and
port. Every text cell goes through ``csv_stream.neutralise`` in both spreadsheet formats
(a recipient or unit named "=HYPERLINK(…)" must not run as a formula, OWASP's advice).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from casetracker.core.csv_stream import neutralise

from .figures import BREAKDOWNS

# What a column holds, for the writers' formatting.
TEXT, COUNT, SHARE, DAYS, HOURS, DATETIME = "text", "count", "share", "days", "hours", "datetime"

XLSX_FORMATS = {
    COUNT: "#,##0",
    SHARE: "0.0%",
    DAYS: "0.0",
    HOURS: "0.0",
    DATETIME: "yyyy-mm-dd hh:mm",
}
# The sections' (and XLSX sheets') short titles; each table keeps the breakdown's full label.
BREAKDOWN_SECTIONS = {
    "unit": gettext_lazy("By unit"),
    "country": gettext_lazy("By country"),
    "commodity": gettext_lazy("By commodity"),
    "route": gettext_lazy("By route"),
}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = TEXT
    # Whether the PDF prints it (the files carry every column; a page is narrower).
    in_pdf: bool = True


@dataclass
class Block:
    """One table: ``key`` names it in the CSV's "section" column."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""  # said under the title (in the PDF and the XLSX)


@dataclass
class Section:
    """One sheet of the XLSX, one chapter of the PDF."""

    key: str
    title: str
    blocks: list[Block]


@dataclass(frozen=True)
class Tally:
    """Named counts in one text cell ("No link: 1234; Other: 2"). As text (``str``) the
    counts stay as they are, for the CSV and XLSX; the PDF passes its own ``number`` to
    write them in the reader's notation."""

    counts: tuple[tuple[str, int], ...]

    def text(self, number: Callable[[int], str] = str) -> str:
        return "; ".join(f"{name}: {number(n)}" for name, n in self.counts)

    def __str__(self) -> str:
        return self.text()


def _count(title: str, **kwargs) -> Column:
    return Column(title, COUNT, **kwargs)


def _share_col(title: str, **kwargs) -> Column:
    return Column(title, SHARE, **kwargs)


# --- sections -------------------------------------------------------------------------


def _summary(report: dict, filters_summary: str, generated_at: dt.datetime) -> Section:
    rows = [
        [_("Report"), _("Follow-up of seizures: cohort report")],
        [_("Cohort"), filters_summary],
        [_("Seizures in the cohort"), report["seizures"]],
        [_("Figures as of (UTC)"), report["as_of"]],
        [_("Generated at (UTC)"), generated_at],
        [_("Stalled after (days without progress)"), report["stalled_days"]],
        [_("Stalled seizures"), report["stalled"]],
    ]
    block = Block("summary", _("Summary"), [Column(_("Item")), Column(_("Value"))], rows)
    return Section("summary", _("Summary"), [block])


def _funnel(report: dict) -> Section:
    columns = [
        _count(_("Rung")),
        Column(_("Name")),
        _count(_("Seizures at this rung or above")),
        _share_col(_("Share of the cohort")),
    ]
    rows = [[e["rung"], e["name"], e["count"], e["share"]] for e in report["funnel"]]
    return Section(
        "funnel", _("Funnel"), [Block("funnel", _("Funnel over the rungs"), columns, rows)]
    )


def _quartile_columns(unit: str) -> list[Column]:
    kind = DAYS if unit == "days" else HOURS
    label = _("days") if unit == "days" else _("hours")
    return [
        Column(_("First quartile (%(unit)s)") % {"unit": label}, kind),
        Column(_("Median (%(unit)s)") % {"unit": label}, kind),
        Column(_("Third quartile (%(unit)s)") % {"unit": label}, kind),
    ]


def _times(report: dict) -> Section:
    rungs = Block(
        "time_to_rung",
        _("Days from the seizure to each rung"),
        [_count(_("Rung")), Column(_("Name")), _count(_("Seizures that reached it"))]
        + _quartile_columns("days"),
        [
            [e["rung"], e["name"], e["reached"], e["q1_days"], e["median_days"], e["q3_days"]]
            for e in report["time_to_rung"]
        ],
    )
    names = {
        "hours_to_referral": _("Seizure to first referral"),
        "hours_to_ack": _("Referral to acknowledgement"),
    }
    clocks = Block(
        "clocks",
        _("Clocks"),
        [Column(_("Clock")), _count(_("Seizures measured"))] + _quartile_columns("hours"),
        [
            [names[key], value["n"], value["q1"], value["median"], value["q3"]]
            for key, value in report["clocks"].items()
        ],
    )
    return Section("time_to_rung", _("Time to rung"), [rungs, clocks])


def _flags(report: dict) -> Section:
    columns = [
        Column(_("Flag"), in_pdf=False),
        Column(_("Name")),
        _count(_("Seizures")),
        _share_col(_("Share of the cohort")),
    ]
    rows = [[e["flag"], e["name"], e["count"], e["share"]] for e in report["flags"]]
    return Section("flags", _("Flags"), [Block("flags", _("Flags"), columns, rows)])


def breakdown_columns(title: str) -> list[Column]:
    from .choices import Rung

    return [
        Column(_("Key"), in_pdf=False),
        Column(title),
        _count(_("Seizures")),
        *(
            _count(
                _("At rung %(rung)s (%(name)s) or above") % {"rung": int(r), "name": r.label},
                in_pdf=False,
            )
            for r in Rung
            if r
        ),
        _share_col(_("Referred")),
        _share_col(_("Investigating")),
        _share_col(_("Arrests")),
        _share_col(_("Convicted")),
        _count(_("Stalled")),
    ]


def _breakdown(report: dict, key: str) -> Section:
    title = str(BREAKDOWNS[key])
    rows = [
        [
            g["key"],
            g["name"],
            g["seizures"],
            *g["funnel"][1:],
            g["referred_share"],
            g["investigating_share"],
            g["arrested_share"],
            g["convicted_share"],
            g["stalled"],
        ]
        for g in report["breakdowns"][key]
    ]
    note = ""
    if key == "commodity":
        note = _("A seizure of several commodities counts in each of them.")
    block = Block(f"by_{key}", title, breakdown_columns(title), rows, note=note)
    return Section(f"by_{key}", str(BREAKDOWN_SECTIONS[key]), [block])


def _stalled(report: dict) -> Section:
    listed = report["stalled_seizures"]
    columns = [
        Column(_("Reference")),
        Column(_("Unit")),
        Column(_("Port")),
        Column(_("Country"), in_pdf=False),
        Column(_("Seized (UTC)"), DATETIME),
        _count(_("Rung"), in_pdf=False),
        Column(_("Rung reached")),
        Column(_("Last progress (UTC)"), DATETIME),
        _count(_("Days without progress")),
    ]
    rows = [
        [
            s["reference"],
            s["unit"],
            s["port"],
            s["port_country"],
            s["occurred_at"],
            s["rung"],
            s["rung_name"],
            s["last_progress_at"],
            s["days_without_progress"],
        ]
        for s in listed
    ]
    note = _(
        "%(total)s seizures below the top rung have made no progress for more than "
        "%(days)s days; %(listed)s are listed, longest without progress first."
    ) % {"total": report["stalled"], "days": report["stalled_days"], "listed": len(listed)}
    block = Block("stalled", _("Stalled seizures"), columns, rows, note=note)
    return Section("stalled", _("Stalled"), [block])


def _reasons_text(reasons: list[dict]) -> Tally:
    return Tally(tuple((r["name"], r["count"]) for r in reasons))


def _recipients(report: dict) -> Section:
    columns = [
        Column(_("Recipient")),
        Column(_("Kind"), in_pdf=False),
        _count(_("Received")),
        _count(_("Acknowledged")),
        _count(_("Acknowledgement due"), in_pdf=False),
        _count(_("Acknowledged in time"), in_pdf=False),
        _share_col(_("In time (of those due)")),
        Column(_("Median hours to acknowledge"), HOURS),
        _count(_("Declined")),
        Column(_("Decline reasons")),
    ]
    rows = [
        [
            r["recipient"],
            r["kind_name"],
            r["received"],
            r["acknowledged"],
            r["due"],
            r["acknowledged_in_time"],
            r["in_time_share"],
            r["median_hours_to_ack"],
            r["declined"],
            _reasons_text(r["decline_reasons"]),
        ]
        for r in report["responsiveness"]
    ]
    block = Block("recipients", _("Responsiveness of each recipient"), columns, rows)
    return Section("recipients", _("Recipients"), [block])


def _stop_reasons(report: dict) -> Section:
    columns = [
        Column(_("Stopped by")),
        Column(_("Reason code"), in_pdf=False),
        Column(_("Reason")),
        _count(_("Referrals")),
    ]
    stopped = {"declined": _("Declined"), "closed": _("Closed")}
    rows = [
        [stopped[kind], r["reason"], r["name"], r["count"]]
        for kind in ("declined", "closed")
        for r in report["stop_reasons"][kind]
    ]
    block = Block("stop_reasons", _("Why follow-up stopped"), columns, rows)
    return Section("stop_reasons", _("Stop reasons"), [block])


def _mla(report: dict) -> Section:
    mla = report["mla"]
    days = mla["days_to_answer"]
    totals = Block(
        "mla",
        _("Mutual legal assistance"),
        [Column(_("Figure")), Column(_("Value"), COUNT)],
        [
            [_("Requests"), mla["requests"]],
            [_("Sent"), mla["sent"]],
            [_("Received"), mla["received"]],
            [_("Answered"), mla["answered"]],
        ],
    )
    share = Block(
        "mla_convention",
        _("Under the 1988 Convention"),
        [Column(_("Figure")), _share_col(_("Share of the requests"))],
        [[_("Requests based on the 1988 Convention"), mla["convention_share"]]],
    )
    answer = Block(
        "mla_days_to_answer",
        _("Days from request to answer"),
        [_count(_("Requests answered"))]
        + [
            Column(_("First quartile (days)"), DAYS),
            Column(_("Median (days)"), DAYS),
            Column(_("Third quartile (days)"), DAYS),
        ],
        [[days["n"], days["q1"], days["median"], days["q3"]]],
    )
    blocks = [totals, share, answer]
    for key, title in (
        ("by_result", _("By result")),
        ("by_legal_basis", _("By legal basis")),
        ("by_country", _("By counterpart country")),
    ):
        blocks.append(
            Block(
                f"mla_{key}",
                title,
                [
                    Column(_("Key"), in_pdf=False),
                    Column(_("Name")),
                    _count(_("Sent")),
                    _count(_("Received")),
                    _count(_("Total")),
                ],
                [[r["key"], r["name"], r["sent"], r["received"], r["count"]] for r in mla[key]],
            )
        )
    return Section("mla", _("MLA"), blocks)


def report_sections(
    report: dict, *, filters_summary: str, generated_at: dt.datetime
) -> list[Section]:
    """Every section of the report, in the order the PDF and the XLSX present them."""
    return [
        _summary(report, filters_summary, generated_at),
        _funnel(report),
        _times(report),
        _flags(report),
        *(_breakdown(report, key) for key in BREAKDOWNS),
        _stalled(report),
        _recipients(report),
        _stop_reasons(report),
        _mla(report),
    ]


# --- cells ---------------------------------------------------------------------------------


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    # Spreadsheets have no time zones: every time in the files is UTC, as the headers say.
    if timezone.is_aware(moment):
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def cell_value(value):
    """A value as a spreadsheet cell: numbers as numbers, times as naive UTC, text made
    safe from formula injection, ``None`` as an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return round(value, 4) if isinstance(value, float) else value
    if isinstance(value, dt.datetime):
        return _utc_naive(value)
    # A control character (other than tab) is refused by the XLSX format and means nothing
    # in a CSV cell either.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _csv_cell(value) -> object:
    value = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return value


# --- writers -------------------------------------------------------------------------------


def report_csv(sections: list[Section], *, language: str) -> bytes:
    """One CSV: the first column names the table (``funnel``, ``by_unit``…), each table
    starts with its header row, so a spreadsheet's filter on the first column shows one
    table with its header. UTF-8 with a BOM so Excel reads accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    with override(language):
        writer.writerow([_("section"), _("column or value")])
        for section in sections:
            for block in section.blocks:
                writer.writerow([block.key, *(neutralise(str(c.title)) for c in block.columns)])
                for row in block.rows:
                    writer.writerow([block.key, *(_csv_cell(v) for v in row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(sections: list[Section], *, language: str, as_of: dt.datetime) -> bytes:
    """One sheet per section; a sheet's tables one under another, each with its title
    (bold) and header row. The workbook's dates are the figures' instant, not the clock."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    with override(language):
        for section in sections:
            sheet = workbook.create_sheet(_sheet_title(section.title))
            widths: dict[int, int] = {}
            for block in section.blocks:
                _xlsx_block(sheet, block, bold, widths)
            for index, width in widths.items():
                sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 60)
    stamp = _utc_naive(as_of)
    workbook.properties.created = workbook.properties.modified = stamp
    workbook.properties.creator = "casetracker"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in a sheet's name, and more than 31 of them.
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31]


def _xlsx_block(sheet, block: Block, bold: Font, widths: dict[int, int]) -> None:
    if sheet.max_row > 1:
        sheet.append([])
    sheet.append([neutralise(block.title)])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    if block.note:
        sheet.append([neutralise(block.note)])
    sheet.append([neutralise(str(c.title)) for c in block.columns])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in block.rows:
        sheet.append([cell_value(v) for v in row])
        for index, (column, cell) in enumerate(
            zip(block.columns, sheet[sheet.max_row], strict=False), start=1
        ):
            if column.kind in XLSX_FORMATS and cell.value is not None:
                cell.number_format = XLSX_FORMATS[column.kind]
            widths[index] = max(widths.get(index, 0), len(str(cell.value or "")) + 2)
    for index, column in enumerate(block.columns, start=1):
        widths[index] = max(widths.get(index, 0), min(len(str(column.title)) + 2, 30))
