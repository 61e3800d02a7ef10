"""A seizure's summary as PDF, showing only what the reader may see.

``seizure_summary`` gathers the data (and applies the handling codes through
``selectors.visible_pieces``); ``render_pdf`` only formats it. The document is built with
``invariant=1`` and a fixed "generated at" passed in, so the same data gives the same bytes
(a copy can be compared with the one handed over). The font is Bitstream Vera from the
reportlab package itself: always present, embedded, and it covers English, French and
Spanish.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from casetracker.core.choices import HandlingCode

from . import route_diagram
from .models import Attachment, AttachmentKind, Note, Party, PortCall, Seizure
from .selectors import FULL_VIEW, handling_level, visible_pieces
from .views import commodity_labels, quantity_summary

logger = logging.getLogger(__name__)

FONT = "CaseSans"
FONT_BOLD = "CaseSans-Bold"
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"
THUMBNAIL_WIDTH = 45 * mm
# Characters the house font (Vera) has no glyph for that the PDFs write, drawn as what
# they stand for; the no-break spaces of localised numbers ("1 234,5") as plain spaces.
STAND_INS = {"→": "->", "\u202f": " ", "\u00a0": " "}


def drawable(text: object) -> str:
    """``text`` as the house font can draw it: the stand-ins above, and "?" for any other
    character it lacks, never an empty box."""
    _register_fonts()  # may run before any PDF is built in this process
    known = pdfmetrics.getFont(FONT).face.charToGlyph
    out = []
    for ch in str(text):
        ch = STAND_INS.get(ch, ch)
        out.append(ch if len(ch) > 1 or ord(ch) in known or ch in "\n\t" else "?")
    return "".join(out)


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(_FONT_DIR / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONT_DIR / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


@dataclass
class SeizureSummary:
    """Everything the PDF shows, already filtered for its reader."""

    seizure: Seizure
    level: int | None
    containers: list
    items: list
    port_calls: list[PortCall]
    parties: list[Party]
    notes: list[Note]
    attachments: list[Attachment]
    photos: list[Attachment] = field(default_factory=list)


def seizure_summary(*, user, seizure: Seizure) -> SeizureSummary:
    """The summary of a seizure ``user`` already may see (from ``selectors.seizure_get``)."""
    return seizure_summary_at(seizure=seizure, level=handling_level(user=user, seizure=seizure))


def seizure_summary_at(*, seizure: Seizure, level: int | None) -> SeizureSummary:
    """The summary as a reader at handling ``level`` sees it (a referral's dossier)."""
    attachments = list(
        visible_pieces(seizure.attachments.select_related("agency"), level=level).order_by("id")
    )
    return SeizureSummary(
        seizure=seizure,
        level=level,
        containers=list(seizure.containers.all()),
        items=list(seizure.items.all()),
        port_calls=list(seizure.port_calls.select_related("port").order_by("sequence")),
        parties=list(visible_pieces(seizure.parties.select_related("agency"), level=level)),
        notes=list(visible_pieces(seizure.notes.select_related("agency", "author"), level=level)),
        attachments=attachments,
        photos=[a for a in attachments if a.kind == AttachmentKind.PHOTO],
    )


def level_label(level: int | None) -> str:
    if level is FULL_VIEW:
        return _("Owning unit — all pieces")
    try:
        return _("Shared at %(level)s") % {"level": HandlingCode(level).label}
    except ValueError:
        return _("No share — no restricted piece")


# --- rendering ---------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=11.5, leading=15, spaceBefore=8
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "label": ParagraphStyle("label", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=11),
    }


def _text(value) -> str:
    """Paragraphs read markup: user text is escaped, its line breaks kept."""
    return escape(str(value if value not in (None, "") else "—")).replace("\n", "<br/>")


def _facts(rows: list[tuple[str, object]], styles) -> Table:
    data = [
        [Paragraph(_text(k), styles["label"]), Paragraph(_text(v), styles["cell"])] for k, v in rows
    ]
    table = Table(data, colWidths=[45 * mm, None], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _grid(head: list[str], rows: list[list], styles, widths=None) -> Table:
    data = [[Paragraph(_text(h), styles["label"]) for h in head]]
    data += [[Paragraph(_text(cell), styles["cell"]) for cell in row] for row in rows]
    return grid_table(data, widths)


def grid_table(data: list[list], widths=None) -> Table:
    """The house's table of cells already built (its first row the head): shaded head,
    hairlines between rows, repeated on every page it spans."""
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf2")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _none(styles) -> Paragraph:
    return Paragraph(_text(_("None you may see.")), styles["body"])


def _handling(piece) -> str:
    agency = piece.agency.name if piece.agency_id else ""
    code = f"H{piece.handling_code}"
    return f"{agency} · {code}" if agency else code


def _number(value, decimals: int | None = None) -> str:
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def _thumbnail(attachment: Attachment) -> Image | None:
    """The stored thumbnail, if there is one on disk; a photo without one is only listed."""
    if not attachment.thumbnail:
        return None
    try:
        with attachment.thumbnail.open("rb") as handle:
            data = handle.read()
        reader = ImageReader(io.BytesIO(data))
        width, height = reader.getSize()
    except Exception:  # a missing or unreadable file must not cost the whole summary
        logger.warning("thumbnail of attachment %s unreadable", attachment.pk, exc_info=True)
        return None
    return Image(io.BytesIO(data), width=THUMBNAIL_WIDTH, height=THUMBNAIL_WIDTH * height / width)


def attachments_table(attachments, styles) -> Table:
    """Photos and documents with their SHA-256, as the seizure PDF and the dossier list them."""
    return _grid(
        [_("File name"), _("Kind"), _("Size (bytes)"), _("SHA-256"), _("Handling")],
        [
            [
                a.original_name,
                a.get_kind_display(),
                _number(a.size),
                # 64 hex digits do not wrap: two halves of 32 fit the column.
                f"{a.sha256[:32]}\n{a.sha256[32:]}",
                _handling(a),
            ]
            for a in attachments
        ],
        styles,
        widths=[40 * mm, 18 * mm, 20 * mm, None, 24 * mm],
    )


def _story(summary: SeizureSummary, styles) -> list:
    s = summary.seizure
    local = s.local_occurred_at
    story: list = [
        Paragraph(_text(_("Seizure %(reference)s") % {"reference": s.reference}), styles["title"]),
        Spacer(0, 4 * mm),
        Paragraph(_text(_("Facts")), styles["h2"]),
        _facts(
            [
                (_("Reference"), s.reference),
                (_("Status"), s.get_status_display()),
                (_("Seizing unit"), f"{s.unit.code} · {s.unit.name}"),
                (
                    _("Date and time"),
                    f"{date_format(local, 'DATETIME_FORMAT')} ({s.port.timezone}, "
                    f"UTC{local.strftime('%z')})",
                ),
                (
                    _("Port"),
                    f"{s.port.name} ({s.port_id})" + (f" · {s.terminal}" if s.terminal else ""),
                ),
                (_("Detection method"), s.get_detection_method_display()),
                (_("Commodities"), ", ".join(commodity_labels(s.commodities))),
                (_("Quantity"), " · ".join(quantity_summary(summary.items))),
                (_("Declared goods"), s.declared_goods),
                (_("HS code"), s.hs_code),
                (_("Concealment method"), s.get_concealment_method_display()),
                (_("Concealment details"), s.concealment_details),
                (_("Packaging markings"), s.packaging_markings),
            ],
            styles,
        ),
        Paragraph(_text(_("Conveyance")), styles["h2"]),
        _facts(
            [
                (_("Vessel"), s.vessel_name),
                (_("IMO number"), s.imo_number),
                (_("Voyage"), s.voyage),
                (_("Bill of lading"), s.bill_of_lading),
                (
                    _("Containers"),
                    "; ".join(
                        " ".join(filter(None, [c.number, c.size_type, c.seal_numbers]))
                        for c in summary.containers
                    ),
                ),
            ],
            styles,
        ),
        Paragraph(_text(_("Route")), styles["h2"]),
    ]
    if summary.port_calls:
        story.append(
            _grid(
                ["#", _("Role"), _("Port"), _("Leg distance")],
                [
                    [
                        call.sequence,
                        call.get_role_display(),
                        f"{call.port.name} ({call.port_id})",
                        route_diagram.distance_label(call.leg_distance_km),
                    ]
                    for call in summary.port_calls
                ],
                styles,
                widths=[10 * mm, 45 * mm, None, 35 * mm],
            )
        )
        story.append(
            Paragraph(
                _text(
                    _("Total distance: %(distance)s")
                    % {"distance": route_diagram.distance_label(s.total_distance_km)}
                ),
                styles["body"],
            )
        )
    else:
        story.append(Paragraph(_text("—"), styles["body"]))

    story.append(Paragraph(_text(_("Items")), styles["h2"]))
    story.append(
        _grid(
            [_("Commodity"), _("Substance"), _("Description"), _("Quantity"), _("Estimated value")],
            [
                [
                    item.get_category_display(),
                    item.get_substance_display() if item.substance else "",
                    item.description,
                    f"{_number(item.quantity.normalize())} {item.get_quantity_unit_display()}"
                    + (f" {item.currency}" if item.quantity_unit == "currency" else ""),
                    f"{_number(item.estimated_value, 2)} {item.currency}"
                    if item.estimated_value is not None
                    else "",
                ]
                for item in summary.items
            ],
            styles,
        )
    )

    story.append(Paragraph(_text(_("Parties")), styles["h2"]))
    if summary.parties:
        story.append(
            _grid(
                [_("Role"), _("Name"), _("Country"), _("Identifiers"), _("Handling")],
                [
                    [
                        f"{p.get_role_display()} ({p.get_kind_display()})",
                        p.name,
                        p.country.code if p.country else "",
                        "; ".join(filter(None, [p.identifiers, p.phone_numbers, p.address])),
                        _handling(p),
                    ]
                    for p in summary.parties
                ],
                styles,
                widths=[32 * mm, 40 * mm, 16 * mm, None, 28 * mm],
            )
        )
    else:
        story.append(_none(styles))

    story.append(Paragraph(_text(_("Notes")), styles["h2"]))
    if summary.notes:
        for note in summary.notes:
            byline = "{when} · {author} · {handling}".format(
                when=date_format(timezone.localtime(note.created_at), "DATETIME_FORMAT"),
                author=note.author.get_full_name() or note.author.get_username(),
                handling=_handling(note),
            )
            story.append(
                KeepTogether(
                    [
                        Paragraph(_text(byline), styles["small"]),
                        Paragraph(_text(note.text), styles["body"]),
                        Spacer(0, 2 * mm),
                    ]
                )
            )
    else:
        story.append(_none(styles))

    story.append(Paragraph(_text(_("Attachments")), styles["h2"]))
    if summary.attachments:
        story.append(attachments_table(summary.attachments, styles))
    else:
        story.append(_none(styles))

    thumbnails = [(photo, _thumbnail(photo)) for photo in summary.photos]
    thumbnails = [(photo, image) for photo, image in thumbnails if image is not None]
    if thumbnails:
        story.append(Paragraph(_text(_("Photos")), styles["h2"]))
        for photo, image in thumbnails:
            caption = photo.caption or photo.original_name
            story.append(
                KeepTogether([image, Paragraph(_text(caption), styles["small"]), Spacer(0, 3 * mm)])
            )
    return story


class _NumberedCanvas(Canvas):
    """Holds the pages back until the end so each can say "page X of Y"."""

    def __init__(self, *args, header: str = "", footer: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._header = header
        self._footer = footer

    def showPage(self):  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        width, height = self._pagesize
        self.saveState()
        self.setFont(FONT, 8)
        self.setFillColor(colors.HexColor("#333333"))
        self.drawString(18 * mm, height - 12 * mm, drawable(self._header))
        self.setStrokeColor(colors.lightgrey)
        self.line(18 * mm, height - 14 * mm, width - 18 * mm, height - 14 * mm)
        self.drawString(18 * mm, 10 * mm, drawable(self._footer))
        self.drawRightString(
            width - 18 * mm,
            10 * mm,
            _("Page %(page)s of %(pages)s") % {"page": number, "pages": total},
        )
        self.restoreState()


def numbered_pdf(
    story: list,
    *,
    title: str,
    header: str,
    footer: str,
    author: str | None = None,
    pagesize=A4,
    compress: bool = True,
) -> bytes:
    """The house's PDF of ``story``: 18 mm margins, ``header``, ``footer`` and "page X of
    Y" on every page, and nothing in the file that changes from one build to the next (no
    timestamp, no random id), so the same story gives the same bytes."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        creator="casetracker",
        invariant=1,
        pageCompression=1 if compress else 0,
    )

    def canvasmaker(*args, **kwargs):
        return _NumberedCanvas(*args, header=header, footer=footer, **kwargs)

    doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()


def render_pdf(
    summary: SeizureSummary, *, generated_for: str, generated_at: dt.datetime, compress: bool = True
) -> bytes:
    """The summary as PDF bytes; the same summary, reader and time give the same bytes."""
    _register_fonts()
    s = summary.seizure
    header = f"{s.reference} · {level_label(summary.level)}"
    footer = _("Generated for %(reader)s on %(when)s") % {
        "reader": generated_for,
        "when": date_format(timezone.localtime(generated_at), "DATETIME_FORMAT"),
    }
    return numbered_pdf(
        _story(summary, _styles()),
        title=_("Seizure %(reference)s") % {"reference": s.reference},
        header=header,
        footer=footer,
        author=generated_for,
        compress=compress,
    )


def reader_label(user) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name} ({user.unit.code})" if user.unit_id else name
