"""Evidence labels: what a label says, that its QR code opens the item's page, that every
size lays out and fits, that the same items give the same bytes, and who may print them.

The QR code is read back from the PDF itself: the dark runs the page draws are turned back
into the module grid and decoded by the small reader below (format bits, unmasking, the
zig-zag, de-interleaving, byte mode), written from the QR standard rather than by asking
the encoder, so a code that does not hold the item's address fails.
"""

import re
from dataclasses import replace

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from qrcode.base import rs_blocks
from reportlab.pdfbase.pdfmetrics import stringWidth

from evidence import labels, services
from evidence.choices import Condition, SealCheck

from ..seizures.test_exports import _pdf_text
from .conftest import bag

pytestmark = pytest.mark.django_db


def _label_url(item, **query) -> str:
    url = reverse("evidence:label-pdf", kwargs={"label": item.label})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _batch_url(seizure, **query) -> str:
    url = reverse("evidence:labels-pdf", kwargs={"public_id": seizure.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _pages(content: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", content))


def _media_box(content: bytes) -> tuple[float, float]:
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", content)
    return float(box[1]), float(box[2])


# --- a QR reader, from the standard ------------------------------------------------------

_MASKS = [
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: (r * c) % 2 + (r * c) % 3 == 0,
    lambda r, c: ((r * c) % 2 + (r * c) % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + (r * c) % 3) % 2 == 0,
]
_ALIGNMENT = {1: [], 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34], 7: [6, 22, 38]}
_ALIGNMENT |= {8: [6, 24, 42], 9: [6, 26, 46], 10: [6, 28, 50]}


def _grid_from_runs(page: bytes) -> list[list[bool]]:
    """The modules of the one QR code drawn on ``page``: it is drawn in module units, one
    ``column row width 1 re`` per dark run, in a space flipped so rows count down."""
    flip = re.search(rb"[\d.]+ 0 0 -[\d.]+ [\d.]+ [\d.]+ cm", page)
    assert flip, "the code is drawn in module units, rows counting down"
    cells = set()
    for col, row, width in re.findall(rb"(\d+) (\d+) (\d+) 1 re", page[flip.end() :]):
        cells.update((int(row), int(col) + k) for k in range(int(width)))
    size = max(c for _r, c in cells) + 1
    return [[(r, c) in cells for c in range(size)] for r in range(size)]


def _reserved(n: int, version: int) -> list[list[bool]]:
    taken = [[False] * n for _ in range(n)]

    def block(r0, c0, h, w):
        for r in range(max(r0, 0), min(r0 + h, n)):
            for c in range(max(c0, 0), min(c0 + w, n)):
                taken[r][c] = True

    block(0, 0, 9, 9)  # finder, separator, format bits
    block(0, n - 8, 9, 8)
    block(n - 8, 0, 8, 9)
    block(6, 0, 1, n)  # timing
    block(0, 6, n, 1)
    centres = _ALIGNMENT[version]
    for r in centres:
        for c in centres:
            if not taken[r][c]:
                block(r - 2, c - 2, 5, 5)
    if version >= 7:
        block(0, n - 11, 6, 3)
        block(n - 11, 0, 3, 6)
    return taken


def qr_decode(grid: list[list[bool]]) -> str:
    n = len(grid)
    version = (n - 17) // 4
    # Format bits read down column 8 (skipping the timing row), unmasked with 0x5412.
    rows = [0, 1, 2, 3, 4, 5, 7, 8] + list(range(n - 7, n))
    bits = sum(int(grid[r][8]) << i for i, r in enumerate(rows)) ^ 0x5412
    level, mask = (bits >> 13) & 0b11, (bits >> 10) & 0b111
    taken = _reserved(n, version)
    stream = []
    upward = True
    col = n - 1
    while col > 0:
        if col == 6:
            col -= 1
        for r in range(n - 1, -1, -1) if upward else range(n):
            for c in (col, col - 1):
                if not taken[r][c]:
                    stream.append(int(grid[r][c]) ^ int(_MASKS[mask](r, c)))
        upward = not upward
        col -= 2
    codewords = [int("".join(map(str, stream[i : i + 8])), 2) for i in range(0, len(stream) - 7, 8)]
    blocks = rs_blocks(version, level)
    data: list[list[int]] = [[] for _ in blocks]
    position = 0
    for i in range(max(b.data_count for b in blocks)):
        for number, b in enumerate(blocks):
            if i < b.data_count:
                data[number].append(codewords[position])
                position += 1
    bits = "".join(f"{byte:08b}" for block in data for byte in block)
    return _segments(bits, version)


_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _segments(bits: str, version: int) -> str:
    """The text of the data bits: numeric, alphanumeric and byte segments in turn (an
    encoder may switch modes to keep the code small), up to the terminator."""
    small = version < 10
    out, byte_run = [], bytearray()
    at = 0

    def take(n: int) -> int:
        nonlocal at
        value = int(bits[at : at + n], 2)
        at += n
        return value

    while at + 4 <= len(bits):
        mode = take(4)
        if mode == 0b0000:
            break
        if mode != 0b0100 and byte_run:
            out.append(byte_run.decode("utf-8"))
            byte_run = bytearray()
        if mode == 0b0100:
            byte_run += bytes(take(8) for _ in range(take(8 if small else 16)))
        elif mode == 0b0010:
            count = take(9 if small else 11)
            for _ in range(count // 2):
                pair = take(11)
                out.append(_ALPHANUMERIC[pair // 45] + _ALPHANUMERIC[pair % 45])
            if count % 2:
                out.append(_ALPHANUMERIC[take(6)])
        elif mode == 0b0001:
            count = take(10 if small else 12)
            for width, digits in ((10, 3),) * (count // 3) + (
                ((7, 2),) if count % 3 == 2 else ((4, 1),) if count % 3 == 1 else ()
            ):
                out.append(str(take(width)).zfill(digits))
        else:
            raise AssertionError(f"unexpected QR mode {mode:04b}")
    if byte_run:
        out.append(byte_run.decode("utf-8"))
    return "".join(out)


# --- what a label says -------------------------------------------------------------------


def test_a_label_shows_the_number_kind_seizure_seals_and_bagging_date(client, officer, item):
    client.force_login(officer)
    response = client.get(_label_url(item, size="62x29mm"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{item.label}-label.pdf"'
    text = _pdf_text(response.content)
    for shown in (item.label, "Package", item.seizure.reference, "S-100", "Bagged"):
        assert shown.encode() in text


def test_the_qr_code_opens_the_item_page(settings, item):
    settings.CASETRACKER_SITE_URL = "https://evidence.example"
    content = labels.render_labels(labels.label_data([item]), size="4x2in")
    expected = "https://evidence.example" + reverse("evidence:item", kwargs={"label": item.label})
    assert qr_decode(_grid_from_runs(_pdf_text(content))) == expected


def test_each_label_of_a_batch_carries_its_own_item(settings, seizure, officer, item):
    second = bag(seizure, officer, description="Second brick")
    settings.CASETRACKER_SITE_URL = "https://evidence.example"
    content = labels.render_labels(labels.label_data([item, second]), size="62x29mm")
    # One label per page on a single-label roll: decode each page's code.
    decoded = [qr_decode(_grid_from_runs(page)) for page in _page_streams(content)]
    assert [url.rsplit("/", 2)[-2] for url in decoded] == [item.label, second.label]


def _page_streams(content: bytes) -> list[bytes]:
    """Each page's decoded content, in page order."""
    objects = {
        int(number): body
        for number, body in re.findall(rb"(\d+) 0 obj\s*(.*?)endobj", content, re.DOTALL)
    }
    order = re.search(rb"/Kids \[([^\]]*)\]", content)[1]
    pages = [int(n) for n in re.findall(rb"(\d+) 0 R", order)]
    streams = []
    for page in pages:
        contents = int(re.search(rb"/Contents (\d+) 0 R", objects[page])[1])
        streams.append(_pdf_text(b"%PDF-\n" + objects[contents]))
    return streams


# --- sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "page", "pages"),
    [
        ("62x29mm", (175.748, 82.205), 15),
        ("4x2in", (288.0, 144.0), 15),
        ("avery-l7163", (595.276, 841.89), 2),
        ("avery-5163", (612.0, 792.0), 2),
    ],
)
def test_every_size_has_its_page_and_number_of_labels_per_page(seizure, officer, size, page, pages):
    items = [bag(seizure, officer, description=f"Brick {n}") for n in range(15)]
    content = labels.render_labels(labels.label_data(items), size=size)
    assert _pages(content) == pages
    width, height = _media_box(content)
    assert (round(width, 1), round(height, 1)) == (round(page[0], 1), round(page[1], 1))


def test_skipping_used_slots_moves_the_labels_on_the_sheet(seizure, officer, item):
    items = [item] + [bag(seizure, officer) for _ in range(13)]
    data = labels.label_data(items)
    assert _pages(labels.render_labels(data, size="avery-l7163")) == 1
    assert _pages(labels.render_labels(data, size="avery-l7163", skip=3)) == 2


def test_the_sheets_fit_their_paper():
    for stock in labels.SIZES.values():
        for slot in range(stock.per_page):
            x, y = stock.origin(slot)
            assert x >= 0 and y >= 0
            assert x + stock.width <= stock.page[0] + 0.01
            assert y + stock.height <= stock.page[1] + 0.01


@pytest.mark.parametrize("size", list(labels.SIZES))
def test_long_values_are_shrunk_or_cut_to_stay_on_the_label(monkeypatch, size, item):
    long = replace(
        labels.label_data([item])[0],
        label="ECGYE-PCU-MARITIME-2025-000123-E1234",
        kind="Fingerprint lift from the inner wrapping of package seven",
        seals=tuple(f"SEAL-{n:04d}-WWWWWWWWWWWWWWWWWWW" for n in range(20)),
    )
    drawn = []
    original = labels.Canvas.drawString

    def record(canvas, x, y, text, *args, **kwargs):
        drawn.append((x, y, text, canvas._fontname, canvas._fontsize))
        return original(canvas, x, y, text, *args, **kwargs)

    monkeypatch.setattr(labels.Canvas, "drawString", record)
    labels.render_labels([long], size=size)
    stock = labels.SIZES[size]
    left, bottom = stock.origin(0)
    assert any("E1234" in text for _x, _y, text, _f, _s in drawn)
    for x, y, text, font, font_size in drawn:
        assert x + stringWidth(text, font, font_size) <= left + stock.width, text
        assert bottom <= y <= bottom + stock.height, text
        assert font_size >= 5


# --- the view: who, what, the audit -------------------------------------------------------


def test_the_same_items_give_the_same_bytes(client, officer, item):
    client.force_login(officer)
    first = client.get(_label_url(item)).content
    second = client.get(_label_url(item)).content
    assert first == second and first.startswith(b"%PDF-")


def test_an_unknown_size_is_refused_with_the_list_of_sizes(client, officer, item):
    client.force_login(officer)
    response = client.get(_label_url(item, size="a0-poster"))
    assert response.status_code == 400
    for key in labels.SIZES:
        assert key in response.content.decode()


def test_someone_of_another_unit_cannot_print_the_labels(client, other_officer, item):
    client.force_login(other_officer)
    assert client.get(_label_url(item)).status_code == 404
    assert client.get(_batch_url(item.seizure)).status_code == 404


def test_a_seizures_batch_prints_every_item_or_the_chosen_ones(client, officer, seizure, item):
    second = bag(seizure, officer, description="Second brick")
    third = bag(seizure, officer, description="Third brick")
    client.force_login(officer)
    all_text = _pdf_text(client.get(_batch_url(seizure)).content)
    for shown in (item, second, third):
        assert shown.label.encode() in all_text
    chosen = client.get(_batch_url(seizure, items=f"{third.label},{item.label}"))
    assert chosen["Content-Disposition"] == f'attachment; filename="{seizure.reference}-labels.pdf"'
    text = _pdf_text(chosen.content)
    assert item.label.encode() in text and third.label.encode() in text
    assert second.label.encode() not in text


def test_a_lab_prints_only_the_items_it_holds(client, officer, seizure, item, lab_custodian):
    kept = bag(seizure, officer, description="Stays at the port")
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose="laboratory")
    services.transfer_confirm(
        item=item,
        by=lab_custodian,
        seal_check=SealCheck.INTACT,
        condition=Condition.GOOD,
        storage_location="Lab safe 2",
    )
    client.force_login(lab_custodian)
    response = client.get(_batch_url(seizure, items=f"{item.label},{kept.label}"))
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert item.label.encode() in text
    assert kept.label.encode() not in text
    assert client.get(_label_url(kept)).status_code == 404


def test_a_batch_of_labels_nobody_may_see_is_not_there(client, officer, seizure, item):
    client.force_login(officer)
    assert client.get(_batch_url(seizure, items="NO-SUCH-LABEL")).status_code == 404


def test_every_label_download_is_in_the_audit_trail(client, officer, seizure, item):
    client.force_login(officer)
    client.get(_label_url(item, size="4x2in"))
    client.get(_batch_url(seizure))
    rows = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, actor=officer, additional_data__event="download"
    ).order_by("pk")
    assert [row.additional_data["document"] for row in rows] == ["label", "labels"]
    assert rows[0].object_repr == item.label
    assert rows[0].additional_data["size"] == "4x2in"
    assert rows[1].additional_data["items"] == [item.label]
    assert rows[1].additional_data["seizure"] == seizure.reference
