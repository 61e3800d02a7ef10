"""The charts of the evaluators' dashboard and PDF report, drawn on the server.

Evaluators work offline at ports and conferences, and the Content Security Policy forbids
scripts and inline styles, so a chart is plain markup made here: no CDN, no JavaScript, no
external font or stylesheet. Each chart is read without colour: every bar carries its
label at the left and its number (and note) written at its end, the quartile box is told
from the median by its hatching and shape, not by hue, and everything is black and grey.

One layout, two renderers. ``bar_chart`` and ``quartile_chart`` compute a ``Chart``: the
boxes, strokes and texts in a fixed coordinate space (y downwards, like SVG). ``svg``
writes it as an inline ``<svg>`` for the dashboard and ``drawing`` as a reportlab
``Drawing`` for the PDF report, so the page and the PDF show the same figure. Text widths
are measured with Helvetica's metrics (Arial and Liberation Sans, the SVG's fallbacks,
share them). Nothing here reads a clock or draws a random id: the same rows give the same
SVG and the same PDF bytes.

Labels come from data and are already translated; they are escaped in the SVG. A label
longer than ``LABEL_CHARS`` is cut with "…" and kept whole in the row's ``<title>``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypedDict

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.colors import HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth

WIDTH = 640  # layout units: SVG user units, scaled to the page width in the PDF
PAD = 8
ROW_HEIGHT = 24
BAR_HEIGHT = 14
LABEL_CHARS = 28
TITLE_SIZE = 14
TEXT_SIZE = 12
AXIS_SIZE = 10
GAP = 6  # between a bar's end and its number
MIN_SPAN = 120  # bars keep at least this room, however long the texts beside them

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
SVG_FONTS = "Helvetica, Arial, 'Liberation Sans', sans-serif"

INK = "#000000"
BAR_FILL = "#8c8c8c"
BOX_FILL = "#ffffff"
HATCH = "#5a5a5a"
GRID = "#c8c8c8"
MUTED = "#4d4d4d"
HATCH_STEP = 6


class BarRow(TypedDict, total=False):
    """One bar: ``label`` and ``value`` are required, ``note`` (e.g. "81 %") is optional."""

    label: str
    value: float
    note: str | None


class QuartileRow(TypedDict):
    """Time to one rung; ``median`` is None when no seizure of the cohort reached it."""

    label: str
    q1: float | None
    median: float | None
    q3: float | None
    n: int


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    css: str
    fill: str = BOX_FILL
    stroke: str | None = INK
    stroke_width: float = 1


@dataclass(frozen=True)
class Stroke:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str
    color: str = INK
    width: float = 1


@dataclass(frozen=True)
class Text:
    x: float  # where the anchor is
    y: float  # the baseline
    text: str
    css: str
    size: float = TEXT_SIZE
    anchor: str = "start"  # start | middle | end, as in SVG and reportlab alike
    bold: bool = False
    color: str = INK


Shape = Box | Stroke | Text


@dataclass(frozen=True)
class ChartRow:
    """The shapes of one row, with its full label and figures for a tooltip."""

    title: str
    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Chart:
    """A chart laid out once, ready for ``svg`` or ``drawing``."""

    title: str
    description: str  # the figures in words, for screen readers
    width: float
    height: float
    frame: tuple[Shape, ...]  # title, axis, "No data"
    rows: tuple[ChartRow, ...]


# --- formatting ------------------------------------------------------------------------


def rounded(value: float | Decimal, places: int = 0) -> str:
    """``value`` rounded half up to ``places`` decimals, in the active language's notation
    with its grouping ("1,234.5", "1 234,5"). Django's ``number_format`` cuts the digits it
    does not show (2/3 as "66 %", 15.96 days as "15.9"); the dashboard, its charts and the
    PDF all go through here, so they agree with each other and with a spreadsheet's display
    of the XLSX."""
    # From the shortest text of a float (str), not its binary value: 0.15 is "0.2", as a
    # reader rounds the digits they see, not 0.1499999… as the float holds.
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(exact, decimal_pos=places, force_grouping=True)


def default_number(value: float) -> str:
    """Thousands grouped ("12,345", "12 345"); a fraction only where there is one ("6.5",
    "6,5"): the reader's notation, as the page and the report are in their language."""
    return rounded(value, 0 if float(value).is_integer() else 1)


def _clean(text: object) -> str:
    # Control characters are not allowed in XML, and no label needs one.
    return "".join(ch for ch in str(text) if ch >= " " or ch == "\t")


def truncate(label: str, limit: int = LABEL_CHARS) -> str:
    """The label cut to ``limit`` characters, "…" included, when it is longer."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _width(text: str, size: float = TEXT_SIZE, bold: bool = False) -> float:
    return stringWidth(text, FONT_BOLD if bold else FONT, size)


# --- layout: shared ----------------------------------------------------------------------


def _top(title: str) -> tuple[float, tuple[Shape, ...]]:
    """Where the rows start, and the title drawn above them."""
    return 34, (Text(PAD, 20, title, "chart-title", size=TITLE_SIZE, bold=True),)


def _columns(labels: Sequence[str], values: Sequence[str]) -> tuple[float, float]:
    """Where bars start and how long the longest may be, leaving room for the texts."""
    label_col = min(max(_width(label) for label in labels) + 10, WIDTH * 0.4)
    value_col = max(_width(value) for value in values) + GAP + 2
    x0 = PAD + label_col
    return x0, max(WIDTH - PAD - value_col - x0, MIN_SPAN)


def _no_data(title: str) -> Chart:
    top, frame = _top(title)
    text = _("No data")
    message = Text(WIDTH / 2, top + 18, text, "chart-empty", anchor="middle", color=MUTED)
    return Chart(
        title=title,
        description=f"{title}: {text}",
        width=WIDTH,
        height=top + 30,
        frame=(*frame, message),
        rows=(),
    )


def _row_label(label: str, x0: float, y: float) -> Text:
    return Text(x0 - 8, y + 16, truncate(label), "chart-label", anchor="end")


# --- bar chart ----------------------------------------------------------------------------


def bar_chart(
    rows: Sequence[Mapping],
    *,
    title: str,
    value_format: Callable[[float], str] = default_number,
) -> Chart:
    """Horizontal bars, one per row, each with its label and its number (and note).

    ``rows``: ``[{"label": "Referred", "value": 812, "note": "81 %"}, ...]`` in the order
    they are drawn. Bar lengths are proportional to the values; a negative value is drawn
    as an empty bar (counts and shares are never negative) but its number is still written.
    """
    title = _clean(title)
    if not rows:
        return _no_data(title)
    labels = [_clean(row["label"]) for row in rows]
    figures = [_bar_figure(row, value_format) for row in rows]
    x0, span = _columns([truncate(label) for label in labels], figures)
    top, frame = _top(title)
    highest = max(max(row["value"] for row in rows), 0)
    chart_rows = []
    for i, (row, label, figure) in enumerate(zip(rows, labels, figures, strict=True)):
        y = top + i * ROW_HEIGHT
        length = span * max(row["value"], 0) / highest if highest else 0.0
        shapes = (
            _row_label(label, x0, y),
            Box(x0, y + 5, length, BAR_HEIGHT, "chart-bar", fill=BAR_FILL),
            Text(x0 + length + GAP, y + 16, figure, "chart-value"),
        )
        chart_rows.append(ChartRow(f"{label}: {figure}", shapes))
    bottom = top + len(rows) * ROW_HEIGHT
    baseline = Stroke(x0, top, x0, bottom, "chart-baseline")
    return Chart(
        title=title,
        description=f"{title}: " + "; ".join(row.title for row in chart_rows),
        width=WIDTH,
        height=bottom + PAD,
        frame=(*frame, baseline),
        rows=tuple(chart_rows),
    )


def _bar_figure(row: Mapping, value_format: Callable[[float], str]) -> str:
    figure = _clean(value_format(row["value"]))
    note = row.get("note")
    return f"{figure} ({_clean(note)})" if note else figure


# --- quartile chart -----------------------------------------------------------------------


def quartile_chart(
    rows: Sequence[Mapping],
    *,
    title: str,
    unit_label: str,
    value_format: Callable[[float], str] = default_number,
) -> Chart:
    """Time to each rung: a hatched box from q1 to q3 with a thick tick at the median.

    ``rows``: ``[{"label": "Acknowledged", "q1": 6, "median": 12, "q3": 30, "n": 80}]``;
    ``unit_label`` is written after each number ("d", "h"). A row whose median is None is
    written "not reached"; one with a median but no quartiles (a single seizure) gets the
    tick alone. An axis with a few round ticks runs under the rows.
    """
    title = _clean(title)
    if not rows:
        return _no_data(title)
    unit = _clean(unit_label)
    labels = [_clean(row["label"]) for row in rows]
    figures = [_quartile_figure(row, unit, value_format) for row in rows]
    x0, span = _columns([truncate(label) for label in labels], figures)
    top, frame = _top(title)
    step, highest = _nice_scale(
        max((_spread(row)[2] for row in rows if row["median"] is not None), default=0)
    )

    def at(value: float) -> float:
        return x0 + span * max(value, 0) / highest

    chart_rows = []
    for i, (row, label, figure) in enumerate(zip(rows, labels, figures, strict=True)):
        y = top + i * ROW_HEIGHT
        shapes: list[Shape] = [_row_label(label, x0, y)]
        if row["median"] is None:
            shapes.append(Text(x0 + GAP, y + 16, figure, "chart-value chart-not-reached"))
        else:
            q1, median, q3 = (at(v) for v in _spread(row))
            shapes.extend(_box(q1, y + 5, q3 - q1, BAR_HEIGHT))
            shapes.append(Stroke(median, y + 2, median, y + 22, "chart-median", width=3))
            shapes.append(Text(max(q3, median + 1.5) + GAP, y + 16, figure, "chart-value"))
        chart_rows.append(ChartRow(f"{label}: {figure}", tuple(shapes)))
    bottom = top + len(rows) * ROW_HEIGHT
    # An axis with no box on it would only show a made-up scale.
    reached = any(row["median"] is not None for row in rows)
    axis = _axis(x0, span, top, bottom, step, highest, unit, value_format) if reached else []
    return Chart(
        title=title,
        description=f"{title}: " + "; ".join(row.title for row in chart_rows),
        width=WIDTH,
        height=bottom + (26 if reached else PAD),
        frame=(*frame, *axis),
        rows=tuple(chart_rows),
    )


def _spread(row: Mapping) -> tuple[float, float, float]:
    """q1, median, q3, the missing quartiles taken as the median (a cohort of one)."""
    median = row["median"]
    q1 = row["q1"] if row["q1"] is not None else median
    q3 = row["q3"] if row["q3"] is not None else median
    return q1, median, q3


def _quartile_figure(row: Mapping, unit: str, value_format: Callable[[float], str]) -> str:
    n = default_number(row["n"])
    if row["median"] is None:
        return _("not reached, n=%(n)s") % {"n": n}
    median = f"{_clean(value_format(row['median']))} {unit}"
    if row["q1"] is None or row["q3"] is None:
        return _("median %(median)s, n=%(n)s") % {"median": median, "n": n}
    return _("median %(median)s (%(q1)s–%(q3)s), n=%(n)s") % {
        "median": median,
        "q1": _clean(value_format(row["q1"])),
        "q3": _clean(value_format(row["q3"])),
        "n": n,
    }


def _nice_scale(highest: float, ticks: int = 4) -> tuple[float, float]:
    """A round step (1, 2 or 5 × 10ⁿ) and the axis end, a multiple of it, ≥ ``highest``."""
    if highest <= 0:
        return 1.0, 1.0
    rough = highest / ticks
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    return step, step * math.ceil(highest / step - 1e-9)


def _box(x: float, y: float, w: float, h: float) -> list[Shape]:
    """The quartile box: an outline filled with diagonal hatching.

    The hatch lines are computed here rather than with an SVG ``<pattern>`` so that the
    PDF gets the same lines and the page needs no ids that could clash between charts.
    """
    shapes: list[Shape] = []
    c = x + y + HATCH_STEP
    while c < x + w + y + h:
        # Lines x' + y' = c, clipped to the box (y grows downwards).
        x1 = max(x, c - (y + h))
        x2 = min(x + w, c - y)
        shapes.append(Stroke(x1, c - x1, x2, c - x2, "chart-hatch", color=HATCH, width=0.8))
        c += HATCH_STEP
    return [*shapes, Box(x, y, w, h, "chart-box", fill="none")]


def _axis(
    x0: float,
    span: float,
    top: float,
    bottom: float,
    step: float,
    highest: float,
    unit: str,
    value_format: Callable[[float], str],
) -> list[Shape]:
    shapes: list[Shape] = [Stroke(x0, bottom + 2, x0 + span, bottom + 2, "chart-axis")]
    count = round(highest / step)
    for k in range(count + 1):
        value = k * step
        x = x0 + span * value / highest
        shapes.append(Stroke(x, top, x, bottom + 2, "chart-grid", color=GRID, width=0.5))
        shapes.append(Stroke(x, bottom + 2, x, bottom + 6, "chart-axis"))
        text = f"{_clean(value_format(value))} {unit}" if k == count else value_format(value)
        shapes.append(
            Text(x, bottom + 18, _clean(text), "chart-tick", size=AXIS_SIZE, anchor="middle")
        )
    return shapes


# --- SVG ------------------------------------------------------------------------------------


def _num(value: float) -> str:
    # Coordinates with a dot whatever the locale: they are SVG syntax, not text. A tenth of
    # a unit is finer than any screen shows; "12" rather than "12.0" keeps the markup short.
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def _svg_shape(shape: Shape) -> str:
    if isinstance(shape, Box):
        stroke = (
            f' stroke="{shape.stroke}" stroke-width="{_num(shape.stroke_width)}"'
            if shape.stroke
            else ""
        )
        return (
            f'<rect class="{shape.css}" x="{_num(shape.x)}" y="{_num(shape.y)}" '
            f'width="{_num(shape.w)}" height="{_num(shape.h)}" fill="{shape.fill}"{stroke}/>'
        )
    if isinstance(shape, Stroke):
        return (
            f'<line class="{shape.css}" x1="{_num(shape.x1)}" y1="{_num(shape.y1)}" '
            f'x2="{_num(shape.x2)}" y2="{_num(shape.y2)}" stroke="{shape.color}" '
            f'stroke-width="{_num(shape.width)}"/>'
        )
    weight = ' font-weight="bold"' if shape.bold else ""
    return (
        f'<text class="{shape.css}" x="{_num(shape.x)}" y="{_num(shape.y)}" '
        f'text-anchor="{shape.anchor}" font-size="{_num(shape.size)}" fill="{shape.color}"'
        f"{weight}>{escape(shape.text)}</text>"
    )


def svg(chart: Chart, *, ident: str | None = None) -> SafeString:
    """The chart as an inline ``<svg>``, ready for a template (every data text escaped).

    ``ident`` prefixes the ids that tie the ``<title>`` and ``<desc>`` to the image; by
    default it is derived from the chart's content, so it is stable across runs and two
    different charts on one page do not share ids.
    """
    if ident is None:
        digest = hashlib.sha256(f"{chart.title}\n{chart.description}".encode()).hexdigest()
        ident = f"chart-{digest[:10]}"
    ident = escape(ident)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="100%" '
        f'viewBox="0 0 {_num(chart.width)} {_num(chart.height)}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{SVG_FONTS}">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>',
    ]
    out.extend(_svg_shape(shape) for shape in chart.frame)
    for row in chart.rows:
        out.append(f'<g class="chart-row"><title>{escape(row.title)}</title>')
        out.extend(_svg_shape(shape) for shape in row.shapes)
        out.append("</g>")
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every data-derived text is escaped above


# --- reportlab --------------------------------------------------------------------------------


def drawing(chart: Chart, width: float, *, font: str = FONT, bold_font: str = FONT_BOLD) -> Drawing:
    """The chart as a reportlab ``Drawing`` ``width`` points wide, in greyscale.

    The layout is scaled as a whole (texts included), so the PDF keeps the proportions of
    the page. PDF coordinates grow upwards, hence the flip of every y.
    """
    scale = width / chart.width
    height = chart.height * scale
    result = Drawing(width, height)
    for shape in (*chart.frame, *(s for row in chart.rows for s in row.shapes)):
        result.add(_reportlab_shape(shape, scale, height, font, bold_font))
    return result


def _color(value: str | None):
    return None if value in (None, "none") else HexColor(value)


def _reportlab_shape(shape: Shape, scale: float, height: float, font: str, bold_font: str):
    if isinstance(shape, Box):
        return Rect(
            shape.x * scale,
            height - (shape.y + shape.h) * scale,
            shape.w * scale,
            shape.h * scale,
            fillColor=_color(shape.fill),
            strokeColor=_color(shape.stroke),
            strokeWidth=shape.stroke_width * scale,
        )
    if isinstance(shape, Stroke):
        return Line(
            shape.x1 * scale,
            height - shape.y1 * scale,
            shape.x2 * scale,
            height - shape.y2 * scale,
            strokeColor=_color(shape.color),
            strokeWidth=shape.width * scale,
        )
    return String(
        shape.x * scale,
        height - shape.y * scale,
        shape.text,
        fontName=bold_font if shape.bold else font,
        fontSize=shape.size * scale,
        fillColor=_color(shape.color),
        textAnchor=shape.anchor,
    )
