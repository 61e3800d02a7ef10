"""The cohort report as PDF: cover, method notes, then every section with its charts and
tables (``report_tables.report_sections``, so the PDF shows the figures of the CSV and XLSX).

Built like the other PDFs of the project (``seizures/pdf.py``, ``evidence/custody_pdf.py``):
``invariant=1`` (a fixed creation date and document id) and no clock read here — the
generated-at time and the figures' instant are passed in — so the same report and filters
give the same bytes, and a copy can be compared with the one handed over. The font is
Bitstream Vera from the reportlab package (embedded, covers é, ñ, ≥, –, …). It has no
arrow: "→" (in route names) is written "->" in the PDF only, and any other character the
font lacks becomes "?", never a blank box.

Every page carries the title and the generated-at time in its header, and the cohort's
filters and "page X of Y" in its footer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import override
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from seizures.pdf import FONT, FONT_BOLD, _register_fonts, _styles, drawable, numbered_pdf

from . import charts
from .choices import Rung
from .report_tables import (
    COUNT,
    DATETIME,
    DAYS,
    HOURS,
    SHARE,
    TEXT,
    Block,
    Column,
    Tally,
    report_sections,
)

PAGE = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE[0] - 2 * MARGIN
CELL_SIZE = 7.5  # points: the tables' text
CELL_PADDING = 4  # left + right padding of a cell, points
ROWS_PER_TABLE = 30  # many short tables lay out far faster than one long one
CHART_GROUPS = 15  # a breakdown's chart shows its largest groups; the table lists all
NUMBER_COLUMN_MIN = 13 * mm
NUMBER_COLUMN_MAX = 24 * mm
TEXT_NEED_MAX = 60 * mm


def _para_text(text: object) -> str:
    from xml.sax.saxutils import escape

    return escape(drawable(text if text not in (None, "") else "—")).replace("\n", "<br/>")


def _fit(text: str, width: float, size: float = 8) -> str:
    """``text`` cut with "…" to fit ``width`` points."""
    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


# --- values --------------------------------------------------------------------------------


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _number(value: float, decimals: int = 0) -> str:
    # Rounded as the dashboard rounds (half up), not cut: the page and the file agree.
    return charts.rounded(value, decimals)


def share_text(value: float | None) -> str:
    return "—" if value is None else f"{_number(value * 100, 1)} %"


def formatted(value, kind: str) -> str:
    """A cell as the PDF writes it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Tally):
        return drawable(value.text(_number)) if value.counts else "—"
    if kind == SHARE:
        return share_text(value)
    if kind == COUNT and isinstance(value, int | float):
        return _number(value)
    if kind in (DAYS, HOURS):
        return _number(value, 1)
    if kind == DATETIME and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    return drawable(value)


# --- tables --------------------------------------------------------------------------------


def _longest_word(text: str) -> float:
    return max((stringWidth(w, FONT_BOLD, CELL_SIZE) for w in str(text).split()), default=0)


def _widths(columns: Sequence[Column], cells: list[list[str]]) -> list[float]:
    """Figures get the width of their widest value or of their header's longest word
    (within bounds); the text columns share the rest of the page, in proportion to their
    longest text."""
    widths: list[float | None] = []
    for index, column in enumerate(columns):
        if column.kind == TEXT:
            widths.append(None)
            continue
        widest = max((stringWidth(row[index], FONT, CELL_SIZE) for row in cells), default=0)
        widest = max(widest, _longest_word(column.title)) + CELL_PADDING + 2
        ceiling = NUMBER_COLUMN_MAX if column.kind != DATETIME else 2 * NUMBER_COLUMN_MAX
        widths.append(min(max(widest, NUMBER_COLUMN_MIN), ceiling))
    fixed = sum(w for w in widths if w is not None)
    texts = [i for i, w in enumerate(widths) if w is None]
    if not texts:
        return [w * min(1, CONTENT_WIDTH / fixed) for w in widths]  # type: ignore[operator]
    rest = max(CONTENT_WIDTH - fixed, 20 * mm * len(texts))
    need = {
        i: max(
            [stringWidth(row[i], FONT, CELL_SIZE) for row in cells]
            + [_longest_word(columns[i].title)]
        )
        + CELL_PADDING
        for i in texts
    }
    # A very long text (a list of reasons) wraps rather than squeezing its neighbours.
    need = {i: min(width, TEXT_NEED_MAX) for i, width in need.items()}
    total = sum(need.values()) or 1
    for i in texts:
        widths[i] = rest * need[i] / total
    return widths  # type: ignore[return-value]


def _cell(text: str, width: float, styles, *, number: bool):
    """Plain text when it fits on one line (far cheaper to lay out), a wrapping
    paragraph when it does not."""
    if "\n" not in text and stringWidth(text, FONT, CELL_SIZE) <= width - CELL_PADDING:
        return text
    return Paragraph(_para_text(text), styles["cell_number" if number else "cell_small"])


def block_tables(block: Block, styles) -> list:
    """The block as tables of at most ``ROWS_PER_TABLE`` rows, each with the header row."""
    chosen = [i for i, c in enumerate(block.columns) if c.in_pdf]
    columns = [block.columns[i] for i in chosen]
    cells = [[formatted(row[i], block.columns[i].kind) for i in chosen] for row in block.rows]
    widths = _widths(columns, cells)
    numbers = [c.kind != TEXT for c in columns]
    header = [
        Paragraph(_para_text(c.title), styles["head_number" if n else "head"])
        for c, n in zip(columns, numbers, strict=True)
    ]
    body = [
        [
            _cell(text, width, styles, number=n)
            for text, width, n in zip(row, widths, numbers, strict=True)
        ]
        for row in cells
    ]
    if not body:
        return [Paragraph(_para_text(_("None in this cohort.")), styles["small"])]
    tables = []
    for start in range(0, len(body), ROWS_PER_TABLE):
        table = Table(
            [header, *body[start : start + ROWS_PER_TABLE]],
            colWidths=widths,
            repeatRows=1,
            hAlign="LEFT",
        )
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ("FONT", (0, 1), (-1, -1), FONT, CELL_SIZE, CELL_SIZE + 2),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ]
        style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, n in enumerate(numbers) if n]
        table.setStyle(TableStyle(style))
        tables.append(table)
    return tables


# --- charts --------------------------------------------------------------------------------


def _chart(chart: charts.Chart) -> Flowable:
    return charts.drawing(chart, CONTENT_WIDTH, font=FONT, bold_font=FONT_BOLD)


def _bar(rows: list[dict], title: str) -> Flowable:
    rows = [{**row, "label": drawable(row["label"])} for row in rows]
    return _chart(charts.bar_chart(rows, title=drawable(title)))


def _section_charts(key: str, report: dict) -> list[Flowable]:
    """The charts drawn above a section's tables (the tables carry every number)."""
    if key == "funnel":
        rows = [
            {
                "label": f"{e['rung']} {e['name']}",
                "value": e["count"],
                "note": share_text(e["share"]),
            }
            for e in report["funnel"]
        ]
        return [_bar(rows, _("Seizures at each rung or above"))]
    if key == "time_to_rung":
        rows = [
            {
                "label": drawable(f"{e['rung']} {e['name']}"),
                "q1": e["q1_days"],
                "median": e["median_days"],
                "q3": e["q3_days"],
                "n": e["reached"],
            }
            for e in report["time_to_rung"]
        ]
        chart = charts.quartile_chart(
            rows, title=drawable(_("Days from the seizure to each rung")), unit_label=_("d")
        )
        return [_chart(chart)]
    if key == "flags":
        rows = [
            {"label": e["name"], "value": e["count"], "note": share_text(e["share"])}
            for e in report["flags"]
        ]
        return [_bar(rows, _("Seizures with each flag"))]
    if key.startswith("by_"):
        groups = report["breakdowns"][key.removeprefix("by_")][:CHART_GROUPS]
        rows = [
            {
                "label": g["name"],
                "value": g["seizures"],
                "note": _("referred %(share)s") % {"share": share_text(g["referred_share"])},
            }
            for g in groups
        ]
        title = _("Seizures (the %(n)s largest groups)") % {"n": _number(len(groups))}
        return [_bar(rows, title)]
    if key == "stop_reasons":
        rows = [
            {"label": r["name"], "value": r["count"]} for r in report["stop_reasons"]["declined"]
        ]
        return [_bar(rows, _("Reasons for declining a referral"))]
    return []


# --- the story -----------------------------------------------------------------------------


def _pdf_styles() -> dict:
    styles = _styles()
    cell = styles["cell"].clone("cell_small", fontSize=CELL_SIZE, leading=CELL_SIZE + 2)
    styles["cell_small"] = cell
    styles["cell_number"] = cell.clone("cell_number", alignment=2)
    styles["head"] = styles["label"].clone("head", fontSize=CELL_SIZE, leading=CELL_SIZE + 2)
    styles["head_number"] = styles["head"].clone("head_number", alignment=2)
    styles["h3"] = styles["label"].clone("h3", fontSize=9.5, leading=12, spaceBefore=6)
    styles["cover_title"] = styles["title"].clone("cover_title", fontSize=22, leading=28)
    return styles


def _facts(rows: list[tuple[str, str]], styles) -> Table:
    data = [
        [Paragraph(_para_text(k), styles["label"]), Paragraph(_para_text(v), styles["cell"])]
        for k, v in rows
    ]
    table = Table(data, colWidths=[55 * mm, CONTENT_WIDTH - 55 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return table


def _cover(report: dict, filters_summary: str, generated_at: dt.datetime, styles) -> list:
    return [
        Spacer(0, 30 * mm),
        Paragraph(_para_text(_("Follow-up of seizures")), styles["cover_title"]),
        Paragraph(_para_text(_("Cohort report")), styles["title"]),
        Spacer(0, 10 * mm),
        _facts(
            [
                (_("Cohort"), filters_summary),
                (_("Seizures in the cohort"), _number(report["seizures"])),
                (_("Figures as of"), _when(report["as_of"])),
                (_("Generated at"), _when(generated_at)),
                (
                    _("Stalled"),
                    _("%(count)s seizures without progress for more than %(days)s days")
                    % {
                        "count": _number(report["stalled"]),
                        "days": _number(report["stalled_days"]),
                    },
                ),
            ],
            styles,
        ),
        Spacer(0, 8 * mm),
        Paragraph(
            _para_text(
                _(
                    "Pseudonymised figures: no person, no free text. Seizures are named by "
                    "their reference only; recipients by their agency."
                )
            ),
            styles["small"],
        ),
        PageBreak(),
    ]


def _rung_rows() -> list[tuple[str, str, str]]:
    reached_by = {
        Rung.LOGGED: _("the seizure itself, from its date and time"),
        Rung.REFERRED: _("sending a referral"),
        Rung.ACKNOWLEDGED: _("its acknowledgement"),
        Rung.INVESTIGATING: _("an investigation opened with a case number"),
        Rung.IDENTIFIED: _('the outcome "suspects identified"'),
        Rung.ARRESTED: _('the outcome "arrests"'),
        Rung.CHARGED: _('the outcome "charges filed"'),
        Rung.CONVICTED: _('the outcome "conviction and sentence"'),
        Rung.DISMANTLED: _('the outcome "network dismantled" or "assets confiscated"'),
    }
    return [(str(int(r)), str(r.label), str(reached_by[r])) for r in Rung]


def method_notes(stalled_days: int) -> list[tuple[str, str]]:
    """The ladder's definition (README, "The follow-up ladder"), as titled paragraphs."""
    return [
        (
            _("Which referrals count"),
            _(
                "Every referral that was not withdrawn. A withdrawn referral counts for "
                "nothing, nor do the outcomes recorded against it; a referral sent again "
                "after a withdrawal counts from its own sending. A declined referral counts "
                "for what it reached (sent, acknowledged), so a decline beside an accepted "
                "referral does not hold the seizure back."
            ),
        ),
        (
            _("The date a rung was first reached"),
            _(
                "The earliest instant of any counting event at that rung or above: rungs "
                "reached out of order put the seizure on every rung below from that "
                "event's date, so the dates never go down as the rungs go up. The "
                "seizure's rung is the highest reached over all its counting referrals. "
                "Outcomes are dated by day, counted from 00:00 in the time zone of the "
                "seizure's port; nothing counts before the seizure itself."
            ),
        ),
        (
            _("Flags"),
            _(
                "Beside the rungs, each with the date it was first raised: forensics done; "
                "linked to other seizures; international (a referral abroad or to an "
                "external counterpart, or to an NCB once it acknowledged); joint "
                "investigation team; mutual legal assistance requested (a request sent, "
                "not one received); controlled delivery; assets frozen or confiscated."
            ),
        ),
        (
            _("Clocks"),
            _(
                "Hours from the seizure to the first referral (rung 1) and from the "
                "referral to its acknowledgement (rung 2), and the days from the seizure "
                "to each rung. Times are medians and quartiles over the seizures that "
                "reached the rung (continuous percentiles)."
            ),
        ),
        (
            _("Stalled"),
            _(
                "A seizure below rung 8 whose last progress (the latest rung first reached "
                "or flag first raised, or the seizure itself when nothing happened) is more "
                "than %(days)s days before the figures' instant."
            )
            % {"days": _number(stalled_days)},
        ),
        (
            _("Shares"),
            _(
                "Shares are of the seizures in the cohort. The funnel counts the seizures "
                "at each rung or above. A seizure of several commodities counts in each of "
                "them in the breakdown by commodity."
            ),
        ),
    ]


def _method(report: dict, styles) -> list:
    story: list = [
        Paragraph(_para_text(_("Method: the follow-up ladder")), styles["h2"]),
        Paragraph(
            _para_text(
                _(
                    "Every seizure stands on a rung of the ladder: the highest step its "
                    "follow-up reached. Each rung is reached by a counting referral's event:"
                )
            ),
            styles["body"],
        ),
        Spacer(0, 2 * mm),
    ]
    rungs = Block(
        "rungs",
        "",
        [Column(_("Rung"), COUNT), Column(_("Name")), Column(_("Reached by"))],
        [list(row) for row in _rung_rows()],
    )
    story += block_tables(rungs, styles)
    for title, text in method_notes(report["stalled_days"]):
        story.append(Paragraph(_para_text(title), styles["h3"]))
        story.append(Paragraph(_para_text(text), styles["body"]))
    story.append(PageBreak())
    return story


def _sections(report: dict, sections, styles) -> list:
    story: list = []
    for section in sections:
        if section.key == "summary":
            continue  # the cover
        story.append(CondPageBreak(60 * mm))
        # A title is never left alone at the foot of a page: it keeps with what follows.
        pending = [Paragraph(_para_text(section.title), styles["h2"])]
        for chart in _section_charts(section.key, report):
            story.append(KeepTogether([*pending, chart, Spacer(0, 3 * mm)]))
            pending = []
        for block in section.blocks:
            pending.append(Paragraph(_para_text(block.title), styles["h3"]))
            if block.note:
                pending.append(Paragraph(_para_text(block.note), styles["small"]))
            tables = block_tables(block, styles)
            story.append(KeepTogether([*pending, tables[0]]))
            pending = []
            story += tables[1:]
    return story


def cohort_pdf(
    report: dict,
    *,
    filters_summary: str,
    generated_at: dt.datetime,
    language: str,
    compress: bool = True,
) -> bytes:
    """The report (``figures.cohort_report``) as PDF bytes, in ``language``. The same
    report, filters summary, time and language give the same bytes."""
    _register_fonts()
    with override(language):
        styles = _pdf_styles()
        sections = report_sections(
            report, filters_summary=filters_summary, generated_at=generated_at
        )
        title = _("Follow-up of seizures: cohort report")
        header = drawable(
            _("%(title)s · generated %(when)s") % {"title": title, "when": _when(generated_at)}
        )
        page_number_room = (
            stringWidth(_("Page %(page)s of %(pages)s") % {"page": 999, "pages": 999}, FONT, 8)
            + 8 * mm
        )
        footer = _fit(drawable(filters_summary), CONTENT_WIDTH - page_number_room)
        story = _cover(report, filters_summary, generated_at, styles)
        story += _method(report, styles)
        story += _sections(report, sections, styles)
        # Built inside the language: the pages' "page X of Y" is written at the end.
        return numbered_pdf(
            story, title=drawable(title), header=header, footer=footer, compress=compress
        )
