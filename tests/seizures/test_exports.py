"""The seizure list as CSV and a seizure's summary as PDF.

Both leave the app as files that are forwarded and printed, so both must show a recipient
only what the handling codes let it see, exactly like the pages do.

PDF text is read from the document's content streams, decoded and searched for the
strings reportlab draws (it writes the ASCII of an embedded TrueType font as readable text,
parentheses escaped). Every "not in" assertion has a matching "in" assertion on the owner's
copy, so a change of encoding fails the tests instead of making them pass vacuously.
"""

import base64
import csv
import datetime as dt
import io
import re
import zlib

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from reportlab.pdfbase import pdfmetrics

from casetracker.core import csv_stream
from casetracker.core.choices import HandlingCode, Role, UnitKind
from seizures import export_views, exports, pdf, sharing
from seizures.attachments import attachment_add
from seizures.models import Attachment, Note, Party
from seizures.services import seizure_submit

from .. import factories as f

CSV_URL = reverse("seizures:export-csv")


def _pdf_url(seizure) -> str:
    return reverse("seizures:pdf", kwargs={"public_id": seizure.public_id})


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _pdf_text(content: bytes) -> bytes:
    """The PDF's streams, decoded (reportlab writes page content ASCII85 + Flate)."""
    assert content.startswith(b"%PDF-")
    chunks = []
    pattern = rb"/Filter \[([^\]]*)\][^>]*>>\s*stream\r?\n(.*?)endstream"
    for filters, data in re.findall(pattern, content, re.DOTALL):
        for name in filters.split():
            if name == b"/ASCII85Decode":
                data = base64.a85decode(data.strip(), adobe=True)
            elif name == b"/FlateDecode":
                data = zlib.decompress(data)
        chunks.append(data)
    return b"\n".join(chunks)


def _party(seizure, name: str, code: int) -> Party:
    party = Party(seizure=seizure, role="consignee", kind="person", name=name, handling_code=code)
    party.save()
    return party


def _note(seizure, text: str, code: int) -> Note:
    note = Note(seizure=seizure, text=text, author=seizure.created_by, handling_code=code)
    note.save()
    return note


@pytest.fixture
def supervisor(officer):
    return f.UserFactory(username="supervisor", unit=officer.unit, role=Role.SUPERVISOR)


@pytest.fixture
def case_file(officer):
    """A seizure with a party and a note at each handling code (the logged shipper is H1)."""
    seizure = f.log_seizure(officer)
    _party(seizure, "Zeta Hidden", HandlingCode.H0)
    _party(seizure, "Domestic Dora", HandlingCode.H1)
    _party(seizure, "Abroad Alba", HandlingCode.H2)
    _note(seizure, "Informant tip only for us", HandlingCode.H0)
    _note(seizure, "Remark for police at home", HandlingCode.H1)
    _note(seizure, "Remark fit to travel abroad", HandlingCode.H2)
    return seizure


@pytest.fixture
def shared_at_h2(case_file, investigator, supervisor):
    sharing.seizure_share(
        seizure=case_file, unit=investigator.unit, handling_level=HandlingCode.H2, by=supervisor
    )
    return case_file


@pytest.fixture
def audits(monkeypatch):
    calls = []
    monkeypatch.setattr(export_views, "audit_access", lambda **kwargs: calls.append(kwargs))
    return calls


# --- CSV -----------------------------------------------------------------------------------


def test_the_csv_has_a_header_and_one_row_per_seizure_the_user_sees(client, officer, other_officer):
    mine = [f.log_seizure(officer), f.log_seizure(officer)]
    f.log_seizure(other_officer, port=f.port("BEANR"))
    client.force_login(officer)
    rows = _csv(client.get(CSV_URL))
    assert rows[0][:3] == ["Reference", "Status", "Seizing unit"]
    assert "Parties" in rows[0]
    assert sorted(row[0] for row in rows[1:]) == sorted(s.reference for s in mine)


def test_a_csv_row_carries_the_seizures_facts(client, officer, seizure):
    client.force_login(officer)
    header, row = _csv(client.get(CSV_URL))
    cells = dict(zip(header, row, strict=True))
    assert cells["Port (UN/LOCODE)"] == "ECGYE"
    assert cells["Port name"] == "Guayaquil"
    assert cells["Time zone"] == "America/Guayaquil"
    assert cells["Date and time (local)"] == seizure.local_occurred_at.strftime("%Y-%m-%d %H:%M")
    assert cells["Containers"] == "CSQU3054383"
    assert cells["Route"] == "ECGYE > PAMIT > BEANR"
    assert cells["Route distance (km)"] == str(round(seizure.total_distance_km))
    assert cells["Items"] == "250.5 kg Cocaine"
    assert cells["Parties"] == "Shipper: Frutas del Sol SA (EC)"


def test_the_csv_applies_the_same_filters_as_the_list_page(client, officer, supervisor):
    draft = f.log_seizure(officer)
    submitted = f.log_seizure(officer, vessel_name="Maersk Filter")
    seizure_submit(user=officer, seizure=submitted)
    old = f.log_seizure(officer, occurred_at=timezone.now() - dt.timedelta(days=60))
    client.force_login(officer)

    def references(query):
        return {row[0] for row in _csv(client.get(CSV_URL, query))[1:]}

    assert references({"status": "submitted"}) == {submitted.reference}
    assert references({"q": "maersk"}) == {submitted.reference}
    since = (timezone.now() - dt.timedelta(days=10)).date().isoformat()
    assert references({"date_from": since}) == {draft.reference, submitted.reference}
    assert references({"date_to": since}) == {old.reference}
    # Paging cursors belong to the page, not to the export: all matching rows come out.
    assert references({"older": "garbage"}) == {draft.reference, submitted.reference, old.reference}


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(client, officer):
    f.log_seizure(officer, declared_goods='=HYPERLINK("http://evil","x")', voyage="+1-2")
    client.force_login(officer)
    header, row = _csv(client.get(CSV_URL))
    cells = dict(zip(header, row, strict=True))
    assert cells["Declared goods"] == '\'=HYPERLINK("http://evil","x")'
    assert cells["Voyage"] == "'+1-2"
    for dangerous in ("-2+3", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert csv_stream.neutralise(dangerous) == "'" + dangerous
    assert csv_stream.neutralise("Bananas - ripe") == "Bananas - ripe"


def test_the_csv_keeps_accents_intact(client, officer):
    seizure = f.log_seizure(officer, declared_goods="Piñas y plátanos, café")
    _party(seizure, "José Müller-Ñúñez", HandlingCode.H1)
    client.force_login(officer)
    header, row = _csv(client.get(CSV_URL))
    cells = dict(zip(header, row, strict=True))
    assert cells["Declared goods"] == "Piñas y plátanos, café"
    assert "José Müller-Ñúñez" in cells["Parties"]


def test_the_owner_csv_names_every_party(client, officer, case_file):
    client.force_login(officer)
    parties = _csv(client.get(CSV_URL))[1][-1]
    for name in ("Zeta Hidden", "Domestic Dora", "Abroad Alba", "Frutas del Sol SA"):
        assert name in parties


def test_a_recipient_csv_names_only_the_parties_its_share_level_allows(
    client, investigator, shared_at_h2
):
    client.force_login(investigator)
    rows = _csv(client.get(CSV_URL))
    assert [row[0] for row in rows[1:]] == [shared_at_h2.reference]
    parties = rows[1][-1]
    assert "Abroad Alba" in parties
    for hidden in ("Zeta Hidden", "Domestic Dora", "Frutas del Sol SA"):
        assert hidden not in parties


def test_a_unit_without_a_share_exports_none_of_the_seizures(client, investigator, case_file):
    client.force_login(investigator)
    assert _csv(client.get(CSV_URL)) == [exports.header()]


def test_roles_without_the_export_action_are_refused_the_csv(client, db):
    unit = f.UnitFactory(code="EVAL", kind=UnitKind.EVALUATION, port=None, country="AT")
    evaluator = f.UserFactory(username="evaluator", unit=unit, role=Role.EVALUATOR)
    custodian = f.UserFactory(username="custodian", unit=f.pcu("ECGYE"), role=Role.CUSTODIAN)
    for user in (evaluator, custodian):
        client.force_login(user)
        assert client.get(CSV_URL).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, seizure):
    for url in (CSV_URL, _pdf_url(seizure)):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_each_csv_export_is_audited_with_its_filters_and_row_count(
    client, officer, seizure, audits
):
    client.force_login(officer)
    _csv(client.get(CSV_URL, {"status": "draft", "q": "", "older": "x"}))
    assert audits == [
        {
            "request": audits[0]["request"],
            "obj": officer,
            "event": "export",
            "extra": {"format": "csv", "filters": {"status": "draft"}, "rows": 1},
        }
    ]


def test_an_export_leaves_a_row_in_the_audit_trail(client, officer, shared_at_h2):
    client.force_login(officer)
    _csv(client.get(CSV_URL, {"port": "ECGYE"}))
    client.get(_pdf_url(shared_at_h2))
    rows = LogEntry.objects.filter(additional_data__event="export").order_by("id")
    assert [(row.actor, row.additional_data.get("format")) for row in rows] == [
        (officer, "csv"),
        (officer, "pdf"),
    ]
    assert rows[0].additional_data["filters"] == {"port": "ECGYE"}
    assert rows[1].object_pk == str(shared_at_h2.pk)


def _export_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        rows = _csv(client.get(CSV_URL))
    return len(queries), len(rows) - 1


def test_the_csv_query_count_does_not_grow_with_the_rows(client, officer, investigator, supervisor):
    def log(n):
        for i in range(n):
            seizure = f.log_seizure(officer)
            _party(seizure, f"Person {i}", HandlingCode.H2)
            level = HandlingCode.H1 if i % 2 else HandlingCode.H2
            sharing.seizure_share(
                seizure=seizure, unit=investigator.unit, handling_level=level, by=supervisor
            )

    log(3)
    owner_few, recipient_few = (
        _export_queries(client, officer),
        _export_queries(client, investigator),
    )
    log(27)
    owner_many, recipient_many = (
        _export_queries(client, officer),
        _export_queries(client, investigator),
    )
    assert (owner_few[1], owner_many[1], recipient_many[1]) == (3, 30, 30)
    assert owner_many[0] == owner_few[0]
    assert recipient_many[0] == recipient_few[0]


def test_a_large_export_reads_its_parts_chunk_by_chunk(client, officer, monkeypatch):
    # Small chunks stand in for 1000: the parts are fetched per chunk, not per row.
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    for _ in range(5):
        f.log_seizure(officer)
    client.force_login(officer)
    with CaptureQueriesContext(connection) as captured:
        assert len(_csv(client.get(CSV_URL))) == 1 + 5
    party_queries = [q for q in captured if 'FROM "seizures_party"' in q["sql"]]
    assert len(party_queries) == 3  # chunks of 2, 2 and 1


# --- PDF -----------------------------------------------------------------------------------


def test_the_owner_pdf_shows_every_piece_and_says_so_on_each_page(client, officer, case_file):
    client.force_login(officer)
    response = client.get(_pdf_url(case_file))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{case_file.reference}.pdf"' in response["Content-Disposition"]
    text = _pdf_text(response.content)
    for shown in (
        "Zeta Hidden",
        "Domestic Dora",
        "Abroad Alba",
        "Informant tip only for us",
        "Remark for police at home",
        "Remark fit to travel abroad",
        "CSQU3054383",
        "Guayaquil",
    ):
        assert shown.encode() in text
    assert b"Owning unit" in text
    assert b"Page 1 of" in text
    assert rb"Generated for officer \(ECGYE-PCU\)" in text  # PDF escapes parentheses


def test_a_recipient_pdf_leaves_out_pieces_below_its_share_level(
    client, investigator, shared_at_h2
):
    client.force_login(investigator)
    response = client.get(_pdf_url(shared_at_h2))
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert b"Abroad Alba" in text
    assert b"Remark fit to travel abroad" in text
    for hidden in (
        "Zeta Hidden",
        "Domestic Dora",
        "Frutas del Sol SA",
        "Informant tip only for us",
        "Remark for police at home",
    ):
        assert hidden.encode() not in text
    assert b"Shared at H2" in text


def _photo(user, seizure, name: str, code: int, colour) -> Attachment:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    upload = SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
    return attachment_add(user=user, seizure=seizure, upload=upload, handling_code=code)


def test_attachments_and_photos_follow_the_handling_codes(
    client,
    officer,
    investigator,
    shared_at_h2,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    with django_capture_on_commit_callbacks(execute=True):  # the thumbnails are made
        secret = _photo(officer, shared_at_h2, "secret-stakeout.jpg", HandlingCode.H0, "red")
        shared = _photo(officer, shared_at_h2, "container-doors.jpg", HandlingCode.H3, "blue")

    def pdf_of(user):
        client.force_login(user)
        return client.get(_pdf_url(shared_at_h2)).content

    owner_pdf, recipient_pdf = pdf_of(officer), pdf_of(investigator)
    owner_text, recipient_text = _pdf_text(owner_pdf), _pdf_text(recipient_pdf)
    for attachment in (secret, shared):
        assert attachment.original_name.encode() in owner_text
        assert attachment.sha256[:32].encode() in owner_text
    assert b"container-doors.jpg" in recipient_text
    assert shared.sha256[32:].encode() in recipient_text
    assert b"secret-stakeout.jpg" not in recipient_text
    assert secret.sha256[:32].encode() not in recipient_text
    # Thumbnails are embedded as images: both for the owner, only the shared one abroad.
    assert owner_pdf.count(b"/Subtype /Image") == 2
    assert recipient_pdf.count(b"/Subtype /Image") == 1


def test_the_reading_level_is_on_every_page(officer, case_file):
    for i in range(80):  # enough notes to run over several pages
        _note(case_file, f"Observation number {i} on the rip-off bag", HandlingCode.H1)
    summary = pdf.seizure_summary(user=officer, seizure=case_file)
    content = pdf.render_pdf(summary, generated_for="officer", generated_at=timezone.now())
    pages = int(re.search(rb"/Count (\d+)", content).group(1))
    assert pages > 1
    text = _pdf_text(content)
    assert text.count(b"Owning unit") == pages
    assert text.count(b"Generated for officer") == pages
    assert f"Page {pages} of {pages}".encode() in text


def test_the_same_data_gives_the_same_pdf_bytes(officer, case_file):
    at = timezone.now()
    first = pdf.render_pdf(
        pdf.seizure_summary(user=officer, seizure=case_file),
        generated_for="officer",
        generated_at=at,
    )
    second = pdf.render_pdf(
        pdf.seizure_summary(user=officer, seizure=case_file),
        generated_for="officer",
        generated_at=at,
    )
    assert first == second


def test_the_pdf_embeds_a_font_that_writes_french_and_spanish(officer, case_file):
    content = pdf.render_pdf(
        pdf.seizure_summary(user=officer, seizure=case_file),
        generated_for="officer",
        generated_at=timezone.now(),
    )
    assert b"/FontFile2" in content  # an embedded TrueType font, not a viewer's substitute
    covered = pdfmetrics.getFont(pdf.FONT).face.charToGlyph
    letters = "àâçéèêëîïôœùûüÿÀÇÉÈŒ«»€ áéíóúñÑü¿¡ —·’"
    assert [ch for ch in letters if ord(ch) not in covered] == []


def test_the_pdf_of_a_seizure_another_unit_cannot_see_is_404(
    client, other_officer, investigator, case_file
):
    for user in (other_officer, investigator):
        client.force_login(user)
        assert client.get(_pdf_url(case_file)).status_code == 404


def test_the_pdf_export_is_audited_at_the_readers_level(client, investigator, shared_at_h2, audits):
    client.force_login(investigator)
    client.get(_pdf_url(shared_at_h2))
    assert [(a["obj"], a["event"], a["extra"]) for a in audits] == [
        (shared_at_h2, "export", {"format": "pdf", "handling_level": HandlingCode.H2})
    ]


def test_the_pages_link_to_the_exports_keeping_the_filters(client, officer, seizure):
    client.force_login(officer)
    body = client.get(reverse("seizures:list"), {"status": "draft", "older": "x"}).content
    assert f'href="{CSV_URL}?status=draft"'.encode() in body
    body = client.get(reverse("seizures:detail", kwargs={"public_id": seizure.public_id})).content
    assert f'href="{_pdf_url(seizure)}"'.encode() in body


@pytest.mark.parametrize("query", [{"date_from": "31/02/2026"}, {"q": "MSC\x00U"}])
def test_an_export_with_a_filter_it_cannot_read_is_refused_not_widened(client, officer, query):
    f.log_seizure(officer)
    client.force_login(officer)
    response = client.get(CSV_URL, query)
    assert response.status_code == 400
    assert not access_rows_for_exports()


def access_rows_for_exports():
    return [
        row
        for row in LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
        if row.additional_data.get("event") == "export"
    ]
