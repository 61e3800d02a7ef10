"""The referral dossier: what the recipient of one referral may know about its seizure, as PDF.

``dossier_data`` gathers it — the seizure's pieces at the referral's handling code (through
``seizures.selectors.visible_pieces``, so never an H0 piece and never one marked narrower
than the referral), why it was routed there, the deadlines, the outcomes recorded (withdrawn
ones too, marked, so a reader can audit what was claimed and taken back), the sender — and
``dossier_pdf`` formats it. The external response page shows the same data.

The PDF reuses the seizure summary's building blocks (seizures/pdf.py: font, styles,
tables, thumbnails, the "page X of Y" canvas) and is built with ``invariant=1`` and no
clock in it, so the same data gives the same bytes. The handling code is written on every
page. The QR code points at the referral's page in the app; a signed response token is
never printed, so a dossier passed on does not carry the power to answer the referral.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from casetracker.core.choices import HandlingCode
from seizures import route_diagram
from seizures.choices import PortCallRole
from seizures.pdf import (
    FONT,
    FONT_BOLD,
    SeizureSummary,
    _facts,
    _grid,
    _handling,
    _none,
    _number,
    _register_fonts,
    _styles,
    _text,
    _thumbnail,
    attachments_table,
    grid_table,
    numbered_pdf,
    seizure_summary_at,
)
from seizures.views import commodity_labels, quantity_summary

from .explain import reason_lines
from .models import Outcome, Referral
from .templatetags.referrals import outcome_figures

MARGIN = 18 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
QR_SIZE = 32 * mm
ROUTE_HEIGHT = 34 * mm
PHOTOS_PER_ROW = 3


@dataclass
class Sender:
    unit_code: str
    unit_name: str
    email: str
    country: str
    logged_by: str
    logged_by_email: str


@dataclass
class Dossier:
    """Everything the dossier (and the response page) shows, already filtered."""

    referral: Referral
    summary: SeizureSummary
    handling_label: str
    reasons: list[str]
    sender: Sender
    referral_url: str
    commodities: list[str]
    quantities: list[str]
    stops: list[route_diagram.Stop]
    total_distance: str
    outcomes: list[Outcome]


def referral_url(referral: Referral) -> str:
    """The referral's page in the app (what the QR code opens): no token, only the address."""
    path = reverse("referrals:detail", kwargs={"public_id": referral.public_id})
    return f"{settings.CASETRACKER_SITE_URL}{path}"


def handling_label(referral: Referral) -> str:
    return str(HandlingCode(referral.handling_code).label)


def dossier_outcomes(referral: Referral) -> list[Outcome]:
    """All the referral's outcomes in date order, withdrawn ones in their place: one query,
    however many there are (nothing here follows a relation)."""
    return list(Outcome.all_objects.filter(referral=referral).order_by("occurred_on", "id"))


def dossier_data(*, referral: Referral) -> Dossier:
    seizure = referral.seizure
    unit = seizure.unit
    officer = seizure.created_by
    summary = seizure_summary_at(seizure=seizure, level=referral.handling_code)
    return Dossier(
        referral=referral,
        summary=summary,
        handling_label=handling_label(referral),
        reasons=reason_lines(referral.reasons),
        sender=Sender(
            unit_code=unit.code,
            unit_name=unit.name,
            email=unit.email,
            country=str(unit.country.name),
            logged_by=officer.get_full_name() or officer.get_username(),
            logged_by_email=officer.email,
        ),
        referral_url=referral_url(referral),
        commodities=commodity_labels(seizure.commodities),
        quantities=quantity_summary(summary.items),
        stops=route_diagram.stops_from_port_calls(summary.port_calls),
        total_distance=route_diagram.distance_label(seizure.total_distance_km),
        outcomes=dossier_outcomes(referral),
    )


def when(value) -> str:
    """A moment with its time zone named: recipients read it in other countries."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return f"{date_format(local, 'DATETIME_FORMAT')} ({timezone.get_current_timezone_name()})"


# --- drawings ------------------------------------------------------------------------------


def qr_drawing(url: str, size: float = QR_SIZE) -> Drawing:
    # Sized directly rather than scaled from getBounds(), which would encode the code twice.
    drawing = Drawing(size, size)
    drawing.add(QrCodeWidget(url, barLevel="M", barWidth=size, barHeight=size))
    return drawing


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis until it fits ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _marker(stop, x: float, y: float, r: float = 3.2 * mm):
    """The role's shape, as on the seizure's page: square loading, diamond discharge,
    ringed circle final destination, circle otherwise."""
    fill, stroke = colors.HexColor("#e8edf2"), colors.HexColor("#1f3b57")
    if stop.role == PortCallRole.LOADING:
        return [Rect(x - r, y - r, 2 * r, 2 * r, fillColor=fill, strokeColor=stroke)]
    if stop.role == PortCallRole.DISCHARGE:
        d = r * 1.3
        points = [x, y + d, x + d, y, x, y - d, x - d, y]
        return [Polygon(points, fillColor=fill, strokeColor=stroke)]
    shapes = [Circle(x, y, r, fillColor=fill, strokeColor=stroke)]
    if stop.role == PortCallRole.FINAL_DESTINATION:
        shapes.append(Circle(x, y, r * 0.5, fillColor=None, strokeColor=stroke))
    return shapes


def route_drawing(stops, width: float = CONTENT_WIDTH) -> Drawing:
    """The stops in order along a line, each named, with the distance of every leg."""
    drawing = Drawing(width, ROUTE_HEIGHT)
    if not stops:
        return drawing
    side = 16 * mm
    step = (width - 2 * side) / (len(stops) - 1) if len(stops) > 1 else 0
    xs = [side + step * i for i in range(len(stops))] if len(stops) > 1 else [width / 2]
    line_y = ROUTE_HEIGHT - 13 * mm
    label_width = max(step, 2 * side) - 2 * mm
    for i in range(1, len(stops)):
        drawing.add(Line(xs[i - 1], line_y, xs[i], line_y, strokeColor=colors.HexColor("#1f3b57")))
        drawing.add(
            String(
                (xs[i - 1] + xs[i]) / 2,
                line_y + 2 * mm,
                _fit(route_diagram.distance_label(stops[i].leg_km), FONT, 7, step - 8 * mm),
                fontName=FONT,
                fontSize=7,
                textAnchor="middle",
            )
        )
    for stop, x in zip(stops, xs, strict=True):
        for shape in _marker(stop, x, line_y):
            drawing.add(shape)
        lines = [
            (f"{stop.sequence}. {stop.name}", FONT_BOLD, 7.5),
            (stop.locode, FONT, 7),
            (stop.role_label, FONT, 6.5),
        ]
        y = line_y - 7 * mm
        for text, font, size in lines:
            drawing.add(
                String(
                    x,
                    y,
                    _fit(text, font, size, label_width),
                    fontName=font,
                    fontSize=size,
                    textAnchor="middle",
                )
            )
            y -= size + 2.5
    return drawing


# --- the story -----------------------------------------------------------------------------


def _h2(text: str, styles) -> Paragraph:
    return Paragraph(_text(text), styles["h2"])


def _referral_part(dossier: Dossier, styles) -> list:
    referral = dossier.referral
    recipient = referral.recipient
    facts = _facts(
        [
            (_("Recipient"), f"{recipient.name} ({recipient.country.name})"),
            (_("Status"), referral.get_status_display()),
            (_("Handling code"), dossier.handling_label),
            (_("Sent"), when(referral.sent_at)),
            (_("How"), referral.get_origin_display()),
            (_("Acknowledge by"), when(referral.ack_due_at)),
            (_("Accept or decline by"), when(referral.respond_due_at)),
            (_("Message from the sender"), referral.message),
        ],
        styles,
    )
    qr = [
        qr_drawing(dossier.referral_url),
        Paragraph(_text(_("The referral in casetracker")), styles["small"]),
    ]
    layout = Table([[facts, qr]], colWidths=[CONTENT_WIDTH - QR_SIZE - 6 * mm, QR_SIZE + 6 * mm])
    layout.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 4 * mm),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ]
        )
    )
    story = [layout, _h2(_("Why it was routed to you"), styles)]
    if dossier.reasons:
        story += [Paragraph(_text(f"• {line}"), styles["body"]) for line in dossier.reasons]
    else:
        story.append(Paragraph(_text("—"), styles["body"]))
    return story


def withdrawal_line(outcome: Outcome) -> str:
    # Who withdrew it is left out: the response link's page shows these outcomes to the
    # dossier's readers without naming anyone on the recipient's side, and the dossier
    # names nobody there either.
    day = date_format(timezone.localtime(outcome.withdrawn_at), "DATE_FORMAT")
    return _("Withdrawn on %(date)s: %(reason)s") % {
        "date": day,
        "reason": outcome.withdraw_reason,
    }


def _outcome_row(outcome: Outcome, styles) -> list[Paragraph]:
    """A withdrawn outcome is greyed, its kind struck through and the withdrawal under it."""
    withdrawn = outcome.withdrawn_at is not None
    style = styles["withdrawn"] if withdrawn else styles["cell"]
    kind = _text(outcome.get_kind_display())
    if withdrawn:
        kind = f"<strike>{kind}</strike><br/>{_text(withdrawal_line(outcome))}"
    cells = [
        _text(date_format(outcome.occurred_on, "DATE_FORMAT")),
        kind,
        _text(outcome_figures(outcome)),
        _text(outcome.justification),
    ]
    return [Paragraph(cell, style) for cell in cells]


def _outcomes_part(dossier: Dossier, styles) -> list:
    story = [_h2(_("Outcomes"), styles)]
    if not dossier.outcomes:
        return story + [Paragraph(_text(_("No outcome recorded yet.")), styles["body"])]
    grey = ParagraphStyle("withdrawn", parent=styles["cell"], textColor=colors.HexColor("#6b6b6b"))
    styles = {**styles, "withdrawn": grey}
    head = [_("Date"), _("What happened"), _("Key figures"), _("Justification")]
    table = grid_table(
        [[Paragraph(_text(h), styles["label"]) for h in head]]
        + [_outcome_row(outcome, styles) for outcome in dossier.outcomes],
        [28 * mm, 52 * mm, None, 50 * mm],
    )
    return story + [table]


def _seizure_part(dossier: Dossier, styles) -> list:
    summary = dossier.summary
    s = summary.seizure
    local = s.local_occurred_at
    return [
        _h2(_("The seizure"), styles),
        _facts(
            [
                (_("Reference"), s.reference),
                (
                    _("Date and time"),
                    f"{date_format(local, 'DATETIME_FORMAT')} ({s.port.timezone}, "
                    f"UTC{local.strftime('%z')})",
                ),
                (_("Port"), f"{s.port.name} ({s.port_id})"),
                (_("Terminal"), s.terminal),
                (_("Detection method"), s.get_detection_method_display()),
                (_("Commodities"), ", ".join(dossier.commodities)),
                (_("Quantity"), " · ".join(dossier.quantities)),
                (_("Declared goods"), s.declared_goods),
                (_("HS code"), s.hs_code),
                (_("Concealment method"), s.get_concealment_method_display()),
                (_("Concealment details"), s.concealment_details),
                (_("Packaging markings"), s.packaging_markings),
            ],
            styles,
        ),
        _h2(_("Items"), styles),
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
        ),
    ]


def _conveyance_part(summary: SeizureSummary, styles) -> list:
    s = summary.seizure
    story = [
        _h2(_("Conveyance"), styles),
        _facts(
            [
                (_("Vessel"), s.vessel_name),
                (_("IMO number"), s.imo_number),
                (_("Voyage"), s.voyage),
                (_("Bill of lading"), s.bill_of_lading),
            ],
            styles,
        ),
    ]
    if summary.containers:
        story.append(Spacer(0, 2 * mm))
        story.append(_containers(summary, styles))
    return story


def _containers(summary: SeizureSummary, styles) -> Table:
    return _grid(
        [_("Container number"), _("Size and type"), _("Seal numbers")],
        [[c.number, c.size_type, c.seal_numbers] for c in summary.containers],
        styles,
        widths=[45 * mm, 35 * mm, None],
    )


def _route_part(dossier: Dossier, styles) -> list:
    story = [_h2(_("Route"), styles)]
    stops = dossier.stops
    if not stops:
        return story + [Paragraph(_text("—"), styles["body"])]
    story += [
        route_drawing(stops),
        _grid(
            ["#", _("Role"), _("Port"), _("Leg distance")],
            [
                [
                    stop.sequence,
                    stop.role_label,
                    f"{stop.name} ({stop.locode})",
                    route_diagram.distance_label(stop.leg_km),
                ]
                for stop in stops
            ],
            styles,
            widths=[10 * mm, 45 * mm, None, 35 * mm],
        ),
        Paragraph(
            _text(_("Total distance: %(distance)s") % {"distance": dossier.total_distance}),
            styles["body"],
        ),
    ]
    return story


def _parties_part(summary: SeizureSummary, styles) -> list:
    story = [_h2(_("Parties"), styles)]
    if not summary.parties:
        return story + [_none(styles)]
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
    return story


def _photos_part(summary: SeizureSummary, styles) -> list:
    cells = []
    for photo in summary.photos:
        image = _thumbnail(photo)
        if image is not None:
            cells.append(
                [image, Paragraph(_text(photo.caption or photo.original_name), styles["small"])]
            )
    if not cells:
        return []
    rows = [cells[i : i + PHOTOS_PER_ROW] for i in range(0, len(cells), PHOTOS_PER_ROW)]
    rows[-1] += [""] * (PHOTOS_PER_ROW - len(rows[-1]))
    table = Table(rows, colWidths=[CONTENT_WIDTH / PHOTOS_PER_ROW] * PHOTOS_PER_ROW, hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [_h2(_("Photos"), styles), table]


def _evidence_part(summary: SeizureSummary, styles) -> list:
    story = [_h2(_("Evidence and documents"), styles)]
    if summary.containers:
        story.append(_containers(summary, styles))
        story.append(Spacer(0, 2 * mm))
    if summary.attachments:
        story.append(attachments_table(summary.attachments, styles))
    if not summary.containers and not summary.attachments:
        story.append(_none(styles))
    return story


def _sender_part(dossier: Dossier, styles) -> list:
    sender = dossier.sender
    return [
        _h2(_("Sender"), styles),
        _facts(
            [
                (_("Seizing unit"), f"{sender.unit_name} ({sender.unit_code})"),
                (_("E-mail"), sender.email),
                (_("Country"), sender.country),
                (
                    _("Logged by"),
                    ", ".join(filter(None, [sender.logged_by, sender.logged_by_email])),
                ),
            ],
            styles,
        ),
    ]


def _story(dossier: Dossier, styles) -> list:
    referral, summary = dossier.referral, dossier.summary
    title = _("Referral of seizure %(reference)s") % {"reference": summary.seizure.reference}
    to = _("To %(recipient)s") % {"recipient": referral.recipient.name}
    return [
        Paragraph(_text(title), styles["title"]),
        Paragraph(_text(to), styles["h2"]),
        Spacer(0, 2 * mm),
        *_referral_part(dossier, styles),
        *_outcomes_part(dossier, styles),
        *_seizure_part(dossier, styles),
        *_conveyance_part(summary, styles),
        *_route_part(dossier, styles),
        *_parties_part(summary, styles),
        *_photos_part(summary, styles),
        *_evidence_part(summary, styles),
        *_sender_part(dossier, styles),
    ]


def render_dossier(dossier: Dossier, *, compress: bool = True) -> bytes:
    _register_fonts()
    referral = dossier.referral
    reference = referral.seizure.reference
    header = f"{reference} → {referral.recipient.name} · {dossier.handling_label}"
    footer = _("Handling code %(code)s: pass on only what it allows.") % {
        "code": dossier.handling_label
    }
    return numbered_pdf(
        _story(dossier, _styles()),
        title=_("Referral of seizure %(reference)s") % {"reference": reference},
        header=header,
        footer=footer,
        author=referral.seizure.unit.code,
        compress=compress,
    )


def dossier_pdf(*, referral: Referral, compress: bool = True) -> bytes:
    """The dossier as PDF bytes; the same referral and seizure give the same bytes."""
    return render_dossier(dossier_data(referral=referral), compress=compress)
