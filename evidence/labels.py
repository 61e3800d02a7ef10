"""Evidence labels as PDF: a QR code that opens the item's page, and the facts to read by eye.

``label_data`` gathers what a label shows (what the item page shows too: label number, kind,
seizure reference, seals, when it was bagged) and ``render_labels`` lays it out for one of
the sizes in ``SIZES``: single labels for thermal printers (one label per page) or office
label sheets. The QR code holds only the item page's address (``CASETRACKER_SITE_URL`` +
``/evidence/<label>/``): scanning it on a phone opens the page with the next custody action;
nothing else about the item travels on the label.

Built with ``invariant=1`` and no clock, so the same items give the same bytes. Drawn on
the canvas directly (no platypus): a hundred labels take a fraction of a second. The text
is shrunk to fit its box and wrapped or cut with an ellipsis when even the smallest size
would not fit, so a long label number or a string of seals never runs off the label.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import qrcode
from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch, mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from seizures.pdf import FONT, FONT_BOLD, _register_fonts

from .models import CustodyEvent, EvidenceItem

# Quiet zone around the QR code, in modules: the standard asks for four; two is what
# phone readers need and leaves room for the text on a 29 mm label.
QR_QUIET = 2
# One mask for every code rather than the best of eight: trying all eight is three
# quarters of the time of a code (a hundred labels would take two seconds), every reader
# decodes any mask, and on label addresses this one was the best or close to it.
QR_MASK = 2
# The smallest text on a label (points): still legible on a thermal print.
MIN_TEXT = 5.0


@dataclass(frozen=True)
class LabelSize:
    """A label stock: the page and where each label sits on it (points, origin top left)."""

    key: str
    name: str
    page: tuple[float, float]
    width: float
    height: float
    columns: int = 1
    rows: int = 1
    left: float = 0.0
    top: float = 0.0
    pitch_x: float = 0.0
    pitch_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def is_sheet(self) -> bool:
        return self.per_page > 1

    def origin(self, slot: int) -> tuple[float, float]:
        """Bottom-left corner of label ``slot`` on its page (filled row by row)."""
        row, column = divmod(slot, self.columns)
        x = self.left + column * self.pitch_x
        y = self.page[1] - self.top - row * self.pitch_y - self.height
        return x, y


def _single(key: str, name, width: float, height: float) -> LabelSize:
    return LabelSize(key, name, (width, height), width, height)


# The sizes offered (``?size=``), documented in the README. Sheet geometry from the
# makers' templates: Avery L7163 (A4, 2 × 7, 99.1 × 38.1 mm) and Avery 5163 (US Letter,
# 2 × 5, 4 × 2 in).
SIZES: dict[str, LabelSize] = {
    size.key: size
    for size in (
        _single(
            "62x29mm", gettext_lazy("Single label 62 × 29 mm (thermal roll)"), 62 * mm, 29 * mm
        ),
        _single("4x2in", gettext_lazy("Single label 4 × 2 in (thermal roll)"), 4 * inch, 2 * inch),
        LabelSize(
            "avery-l7163",
            gettext_lazy("Avery L7163 sheet, A4, 14 labels of 99.1 × 38.1 mm"),
            A4,
            99.1 * mm,
            38.1 * mm,
            columns=2,
            rows=7,
            left=4.65 * mm,
            top=15.15 * mm,
            pitch_x=101.6 * mm,
            pitch_y=38.1 * mm,
        ),
        LabelSize(
            "avery-5163",
            gettext_lazy("Avery 5163 sheet, US Letter, 10 labels of 4 × 2 in"),
            LETTER,
            4 * inch,
            2 * inch,
            columns=2,
            rows=5,
            left=0.15625 * inch,
            top=0.5 * inch,
            pitch_x=4.1875 * inch,
            pitch_y=2 * inch,
        ),
    )
}
DEFAULT_SIZE = "avery-l7163"


@dataclass(frozen=True)
class Label:
    """What one label shows; ``url`` is what its QR code holds."""

    label: str
    kind: str
    seizure_reference: str
    seals: tuple[str, ...]
    bagged: str
    url: str


def item_url(item: EvidenceItem) -> str:
    """The item's page in the app: what a scanned label opens."""
    path = reverse("evidence:item", kwargs={"label": item.label})
    return f"{settings.CASETRACKER_SITE_URL}{path}"


def label_data(items: list[EvidenceItem]) -> list[Label]:
    """The labels of ``items`` (already filtered for the reader), in the given order.

    One query for the bagging times, whatever the number of items; the items come with
    their seizure and its port (``select_related("seizure__port")``) or cost one more each.
    """
    bagged = dict(
        CustodyEvent.objects.filter(item__in=[i.pk for i in items], seq=1).values_list(
            "item_id", "occurred_at"
        )
    )
    labels = []
    for item in items:
        when = bagged.get(item.pk, item.created_at)
        # The port's own clock, as on the seizure: the label is read where it was bagged.
        local = when.astimezone(ZoneInfo(item.seizure.port.timezone))
        labels.append(
            Label(
                label=item.label,
                kind=str(item.get_kind_display()),
                seizure_reference=item.seizure.reference,
                seals=tuple(item.seal_numbers),
                bagged=date_format(local, "SHORT_DATETIME_FORMAT"),
                url=item_url(item),
            )
        )
    return labels


# --- drawing -------------------------------------------------------------------------------


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules (row by row, True is dark), without the quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code of ``url`` in the square at (x, y), quiet zone included.

    Drawn in module units (one unit per module, rows counted down from the top), one
    rectangle per horizontal run of dark modules, written as whole numbers: the code is a
    few hundred short operators and reportlab formats no float for it.
    """
    modules = qr_matrix(url)
    count = len(modules)
    step = size / (count + 2 * QR_QUIET)
    runs = []
    for r, row in enumerate(modules):
        c = 0
        while c < count:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < count and row[c]:
                c += 1
            runs.append(f"{start} {r} {c - start} 1 re")
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.transform(step, 0, 0, -step, x + QR_QUIET * step, y + size - QR_QUIET * step)
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()


def _fits(text: str, font: str, size: float, width: float) -> bool:
    return stringWidth(text, font, size) <= width


def ellipsize(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis until it fits ``width`` points."""
    if _fits(text, font, size, width):
        return text
    while text and not _fits(text + "…", font, size, width):
        text = text[:-1]
    return text + "…"


def wrap(text: str, font: str, size: float, width: float, breaks: str = " -,/") -> list[str]:
    """``text`` in lines no wider than ``width``: broken at the first of ``breaks`` found
    in the line (a space before a dash), anywhere if none is (a seal number without any)."""
    lines: list[str] = []
    rest = text
    while rest:
        if _fits(rest, font, size, width):
            lines.append(rest)
            break
        cut = 1
        while cut < len(rest) and _fits(rest[: cut + 1], font, size, width):
            cut += 1
        for ch in breaks:
            soft = rest.rfind(ch, 0, cut)
            if soft > 0:
                cut = soft + 1
                break
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return lines


def _detail_lines(data: Label, size: float, width: float, seal_lines: int):
    """The details at ``size``, and whether a fact other than the seals had to be cut."""
    cut = False

    def lines(text: str, most: int) -> list[tuple[str, str, float]]:
        nonlocal cut
        wrapped = wrap(text, FONT, size, width)
        if len(wrapped) > most:
            wrapped = wrapped[:most]
            wrapped[-1] = ellipsize(wrapped[-1] + "…", FONT, size, width)
        return [(line, FONT, size) for line in wrapped]

    block = lines(data.kind, 1)
    block += lines(_("Seizure %(reference)s") % {"reference": data.seizure_reference}, 2)
    block += lines(_("Bagged %(when)s") % {"when": data.bagged}, 1)
    essential_cut = any(line.endswith("…") for line, _font, _size in block)
    seals = _("Seals: %(seals)s") % {"seals": ", ".join(data.seals)} if data.seals else _("No seal")
    block[-1:-1] = lines(seals, seal_lines)
    return block, essential_cut


@dataclass
class _Block:
    """The text of one label laid out: lines with their font and size."""

    lines: list[tuple[str, str, float]]

    @property
    def height(self) -> float:
        return sum(size * 1.2 for _text, _font, size in self.lines)


def _number_lines(label: str, width: float, height: float) -> list[tuple[str, str, float]]:
    """The label number, as large as the label allows, on one line if at all possible."""
    size = min(height * 0.2, 20)
    smallest = max(height * 0.09, 6)
    while size > smallest and not _fits(label, FONT_BOLD, size, width):
        size -= 0.5
    return [(line, FONT_BOLD, size) for line in wrap(label, FONT_BOLD, size, width, breaks="-")]


def _details(data: Label, width: float, room: float, label_height: float) -> _Block:
    """The details beside the QR code, in the ``room`` under the label number: as large as
    fits with nothing but the seals cut, the seals losing lines before the text shrinks."""
    size = min(label_height * 0.085, 10)
    fallback = None
    while True:
        for seal_lines in (3, 2, 1):
            lines, cut = _detail_lines(data, size, width, seal_lines)
            block = _Block(lines)
            if block.height <= room:
                if not cut:
                    return block
                fallback = fallback or block
                break
        if size <= MIN_TEXT:
            return fallback or block
        size = max(size - 0.25, MIN_TEXT)


def _draw_block(canvas: Canvas, block: _Block, x: float, top: float) -> None:
    y = top
    for text, font, size in block.lines:
        y -= size  # baseline about one size below the top of the line
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)
        y -= size * 0.2


def _draw_label(canvas: Canvas, data: Label, size: LabelSize, x: float, y: float) -> None:
    """The label number across the top, the QR code below it on the left, the details
    beside the code."""
    pad = max(min(size.height * 0.06, 3 * mm), 1.5 * mm)
    number = _Block(_number_lines(data.label, size.width - 2 * pad, size.height))
    qr = min(size.height - 2 * pad - number.height, size.width * 0.45)
    details = _details(data, size.width - 3 * pad - qr, qr, size.height)
    top = y + size.height - pad
    _draw_block(canvas, number, x + pad, top)
    below = top - number.height
    draw_qr(canvas, data.url, x + pad, below - qr, qr)
    _draw_block(canvas, details, x + 2 * pad + qr, below)


def render_labels(
    labels: list[Label], *, size: str = DEFAULT_SIZE, skip: int = 0, compress: bool = True
) -> bytes:
    """The labels as PDF bytes; ``skip`` leaves the first slots of a sheet blank (a sheet
    already partly used). The same labels, size and skip give the same bytes."""
    _register_fonts()
    stock = SIZES[size]
    skip = skip % stock.per_page if stock.is_sheet else 0
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=stock.page, invariant=1, pageCompression=1 if compress else 0)
    canvas.setTitle(_("Evidence labels"))
    canvas.setCreator("casetracker")
    for index, data in enumerate(labels):
        slot = (index + skip) % stock.per_page
        if index and slot == 0:
            canvas.showPage()
        x, y = stock.origin(slot)
        _draw_label(canvas, data, stock, x, y)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
