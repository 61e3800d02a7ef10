"""An item's chain-of-custody form as PDF, fit to be handed to a court.

``custody_form`` gathers the data — the item, its sub-items the reader may see, every custody
event in order, the seal history read from the events, the chain head and the result of
checking the chain (``verification.verify_item``) when the form is made — and
``render_custody_pdf`` only formats it. People appear as on the item page: name and unit,
nothing more.

Built with ``invariant=1`` and without a clock or the reader's name, so the same chain gives
the same bytes: two copies printed a month apart can be compared byte for byte, and any
change to the chain shows as a different head hash on every page. Who downloaded it, and
when, is in the audit trail instead. Landscape A4, so an event fits on one row; the full
hashes are listed in their own section so anyone can recompute the chain (README, Custody).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from seizures.pdf import (
    FONT,
    _facts,
    _register_fonts,
    _styles,
    _text,
    drawable,
    numbered_pdf,
)

from . import chain
from .choices import EventKind, SealCheck
from .models import CustodyEvent, EvidenceItem
from .selectors import children_of, events_of
from .verification import verify_item

PAGE = landscape(A4)
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE[0] - 2 * MARGIN
SHORT_HASH = 12
TINY = 7  # points: the tables' text
# Rows per table: platypus splits a long table by re-measuring it, so many short tables
# (each with its header row) lay out 500 events far faster than one long one.
ROWS_PER_TABLE = 40


@dataclass
class CustodyForm:
    """Everything the form shows, already filtered for its reader."""

    item: EvidenceItem
    bagged_at: object
    children: list[EvidenceItem]
    events: list[CustodyEvent]
    seal_history: list[CustodyEvent]
    problem: chain.Break | None
    genesis: str
    zone: ZoneInfo


def seal_history(events: list[CustodyEvent]) -> list[CustodyEvent]:
    """The events that matter for the seals: the first, every change of seal numbers and
    every seal found broken or replaced. A routine check that found them intact is in
    the events table; here it would only bury the changes."""
    history, seals = [], None
    for event in events:
        changed = seals is None or event.seals != seals
        if changed or event.seal_check in (SealCheck.BROKEN, SealCheck.REPLACED):
            history.append(event)
        seals = event.seals
    return history


def custody_form(*, user, item: EvidenceItem) -> CustodyForm:
    """The form of ``item``, which ``user`` may see (from ``selectors.item_get``)."""
    events = list(events_of(item))
    return CustodyForm(
        item=item,
        bagged_at=events[0].occurred_at if events else item.created_at,
        children=list(children_of(item, user=user).order_by("number")),
        events=events,
        seal_history=seal_history(events),
        problem=verify_item(item),
        genesis=chain.genesis(item.public_id),
        zone=ZoneInfo(item.seizure.port.timezone),
    )


# --- rendering ---------------------------------------------------------------------------


def person(user, unit=None) -> str:
    if user is None:
        return "—"
    name = user.get_full_name() or user.get_username()
    return f"{name} ({unit.code})" if unit is not None else name


def _when(form: CustodyForm, value) -> str:
    local = value.astimezone(form.zone)
    return f"{date_format(local, 'SHORT_DATETIME_FORMAT')}\nUTC{local.strftime('%z')}"


def _halves(digest: str) -> str:
    # 64 hex digits do not wrap: two halves fit a narrow column.
    return f"{digest[:32]}\n{digest[32:]}" if digest else ""


def _seals(seals) -> str:
    return ", ".join(seals) if seals else _("none")


def _form_styles() -> dict:
    styles = _styles()
    base = styles["cell"]
    styles["tiny"] = base.clone("tiny", fontSize=7, leading=8.5)
    styles["tiny_bold"] = styles["label"].clone("tiny_bold", fontSize=7, leading=8.5)
    styles["ok"] = styles["body"].clone(
        "ok", backColor=colors.HexColor("#e3f1e3"), borderPadding=4, spaceBefore=2, spaceAfter=6
    )
    styles["broken"] = styles["label"].clone(
        "broken",
        fontSize=10,
        leading=13,
        textColor=colors.HexColor("#8b0000"),
        backColor=colors.HexColor("#fbe3e3"),
        borderPadding=4,
        spaceBefore=2,
        spaceAfter=6,
    )
    return styles


def _verification(form: CustodyForm, styles) -> Paragraph:
    if form.problem is None:
        text = _(
            "Chain verified when this form was made: intact. All %(count)s events were "
            "recomputed from their content and each follows the one before; the last is the "
            "item's recorded chain head."
        ) % {"count": number_format(len(form.events), force_grouping=True)}
        return Paragraph(_text(text), styles["ok"])
    text = _("Chain verification FAILED when this form was made: %(problem)s") % {
        "problem": str(form.problem)
    }
    return Paragraph(_text(text), styles["broken"])


def _item_facts(form: CustodyForm, styles) -> Table:
    item = form.item
    seizure = item.seizure
    rows = [
        (_("Label number"), item.label),
        (_("Kind"), item.get_kind_display()),
        (_("Description"), item.description),
        (_("Seizure"), seizure.reference),
        (_("Port"), f"{seizure.port.name} ({seizure.port_id})"),
        (_("Bagged"), _when(form, form.bagged_at)),
        (
            _("Taken from"),
            f"{item.parent.label} · {item.parent.get_kind_display()}" if item.parent_id else "",
        ),
        (
            _("Sub-items"),
            "\n".join(
                f"{child.label} · {child.get_kind_display()} · {child.description}"
                for child in form.children
            ),
        ),
        (_("State"), item.get_state_display()),
        (_("Custodian"), person(item.custodian, item.custodian_unit)),
        (_("Storage location"), item.storage_location),
        (_("Seals"), _seals(item.seal_numbers)),
        (_("Condition"), item.get_condition_display()),
    ]
    if item.file_sha256:
        rows += [
            (_("File"), f"{item.file_name} · {number_format(item.file_size or 0)} B"),
            (_("File SHA-256"), _halves(item.file_sha256)),
        ]
    return _facts(rows, styles)


CELL_PADDING = 4  # left + right padding of a table cell, points


def _cell(text: str, width: float, styles):
    """A table cell: plain text when each of its lines fits ``width`` (millimetres), a
    wrapping paragraph only when one does not. Plain cells are many times cheaper to lay
    out, and a form of 500 events has thousands of them."""
    text = drawable(text) if text not in (None, "") else "—"
    room = width * mm - CELL_PADDING
    if all(stringWidth(line, FONT, TINY) <= room for line in text.split("\n")):
        return text
    return Paragraph(_text(text), styles["tiny"])


def _event_row(form: CustodyForm, event: CustodyEvent, styles) -> list:
    kind = event.get_kind_display()
    if event.purpose:
        kind = f"{kind}\n{event.get_purpose_display()}"
    if event.kind == EventKind.SUB_ITEM and event.details.get("sub_item"):
        kind += "\n" + _("Sub-item %(label)s") % {"label": event.details["sub_item"]}
    if event.details.get("taken_from"):
        kind += "\n" + _("Taken from %(label)s") % {"label": event.details["taken_from"]}
    seals = _seals(event.seals)
    if event.seal_check:
        seals = f"{event.get_seal_check_display()}: {seals}"
    remarks = []
    if event.witness_id:
        remarks.append(_("Witness: %(name)s") % {"name": person(event.witness)})
    if event.note:
        remarks.append(event.note)
    if event.details.get("sha256"):
        remarks.append(_("File SHA-256 at intake: %(hash)s") % {"hash": event.details["sha256"]})
    cells = [
        str(event.seq),
        _when(form, event.occurred_at),
        event.place,
        kind,
        f"{person(event.from_user, event.from_unit)}\n→ {person(event.to_user, event.to_unit)}",
        seals,
        event.get_condition_display(),
        "\n".join(remarks),
        event.hash[:SHORT_HASH] + "…",
    ]
    return [_cell(cell, width, styles) for cell, width in zip(cells, EVENT_WIDTHS, strict=True)]


EVENT_WIDTHS = [9, 28, 32, 34, 50, 40, 20, 32, 16]


def _tables(head: list[str], rows: list[list], widths, styles) -> list[Table]:
    header = [Paragraph(_text(drawable(h)), styles["tiny_bold"]) for h in head]
    widths = [w * mm for w in widths]
    tables = []
    for start in range(0, len(rows), ROWS_PER_TABLE):
        table = Table(
            [header, *rows[start : start + ROWS_PER_TABLE]],
            colWidths=widths,
            repeatRows=1,
            hAlign="LEFT",
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf2")),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("FONT", (0, 1), (-1, -1), FONT, TINY, TINY + 1.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        tables.append(table)
    return tables


def _signatures(form: CustodyForm, styles) -> Table:
    item = form.item
    roles = [_("Custodian"), _("Witness or receiver"), _("Officer of the court")]
    names = [person(item.custodian, item.custodian_unit), "", ""]
    lines = [_("Name"), _("Function and unit"), _("Place and date"), _("Signature")]
    data = [[Paragraph(_text(role), styles["label"]) for role in roles]]
    for index, line in enumerate(lines):
        data.append(
            [
                Paragraph(
                    _text(f"{line}: {names[column]}" if index == 0 and names[column] else line),
                    styles["small"],
                )
                for column in range(3)
            ]
        )
    table = Table(
        data,
        colWidths=[CONTENT_WIDTH / 3] * 3,
        rowHeights=[None, 9 * mm, 9 * mm, 9 * mm, 22 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 1), (-1, -1), 0.5, colors.grey),
                ("INNERGRID", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf2")),
            ]
        )
    )
    return table


def _story(form: CustodyForm, styles) -> list:
    item = form.item
    story: list = [
        Paragraph(
            _text(_("Chain-of-custody form · %(label)s") % {"label": item.label}), styles["title"]
        ),
        Spacer(0, 3 * mm),
        _verification(form, styles),
        Paragraph(_text(_("Item")), styles["h2"]),
        _item_facts(form, styles),
        Paragraph(_text(_("Custody events")), styles["h2"]),
        Paragraph(
            _text(
                _("Times are local to the port of the seizure (%(zone)s), with their UTC offset.")
                % {"zone": form.zone.key}
            ),
            styles["small"],
        ),
        Spacer(0, 1.5 * mm),
    ]
    story += _tables(
        [
            "#",
            _("When"),
            _("Where"),
            _("Event and purpose"),
            _("From → to"),
            _("Seal check and seals"),
            _("Condition"),
            _("Witness and note"),
            _("Hash"),
        ],
        [_event_row(form, event, styles) for event in form.events],
        EVENT_WIDTHS,
        styles,
    )

    story.append(Paragraph(_text(_("Seal history")), styles["h2"]))
    widths = [9, 32, 50, 40, 80, 50]
    story += _tables(
        ["#", _("When"), _("Event"), _("Seal check"), _("Seals afterwards"), _("Recorded by")],
        [
            [
                _cell(cell, width, styles)
                for cell, width in zip(
                    (
                        str(event.seq),
                        _when(form, event.occurred_at),
                        event.get_kind_display(),
                        event.get_seal_check_display(),
                        _seals(event.seals),
                        person(event.recorded_by),
                    ),
                    widths,
                    strict=True,
                )
            ]
            for event in form.seal_history
        ],
        widths,
        styles,
    )

    story.append(Paragraph(_text(_("Hash chain")), styles["h2"]))
    story.append(
        Paragraph(
            _text(
                _(
                    "Each event's hash is the SHA-256 of the previous event's hash and the "
                    "event's own content; the first event follows the item's genesis hash. "
                    "Genesis: %(genesis)s. Current chain head (event %(count)s): %(head)s."
                )
                % {"genesis": form.genesis, "count": item.event_count, "head": item.chain_head}
            ),
            styles["small"],
        )
    )
    story.append(Spacer(0, 1.5 * mm))
    # Two events a row: 64 hex digits take a third of the width.
    pairs = [form.events[i : i + 2] for i in range(0, len(form.events), 2)]
    story += _tables(
        ["#", _("SHA-256 of the event"), "#", _("SHA-256 of the event")],
        [
            [cell for event in pair for cell in (str(event.seq), event.hash)]
            + ["", ""] * (2 - len(pair))
            for pair in pairs
        ],
        [12, 118, 12, 118],
        styles,
    )

    story.append(
        KeepTogether(
            [
                Paragraph(_text(_("Signatures")), styles["h2"]),
                _grid_note(styles),
                _signatures(form, styles),
            ]
        )
    )
    return story


def _grid_note(styles) -> Paragraph:
    return Paragraph(
        _text(
            _(
                "By signing, each person confirms the item and its seals as described above at "
                "the moment they sign."
            )
        ),
        styles["small"],
    )


def render_custody_pdf(form: CustodyForm, *, compress: bool = True) -> bytes:
    """The form as PDF bytes; the same chain gives the same bytes."""
    _register_fonts()
    item = form.item
    header = _("Chain-of-custody form · %(label)s") % {"label": item.label}
    footer = _("%(label)s · chain head %(head)s") % {
        "label": item.label,
        "head": item.chain_head,
    }
    return numbered_pdf(
        _story(form, _form_styles()),
        title=header,
        header=header,
        footer=footer,
        pagesize=PAGE,
        compress=compress,
    )
