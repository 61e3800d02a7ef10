"""The referral dossier PDF: what the recipient may see at the referral's handling code,
the code on every page, the same bytes for the same data, and who may download it."""

import datetime as dt
import io
import re
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from casetracker.core.choices import HandlingCode
from referrals import dossier, links, services
from referrals.choices import DeclineReason, Origin
from referrals.dossier import dossier_pdf
from referrals.models import Referral
from seizures.attachments import attachment_add, attachment_thumbnail_make
from seizures.models import Party

from .. import factories as f
from ..seizures.test_exports import _pdf_text

pytestmark = pytest.mark.django_db


def _party(seizure, name: str, code: int) -> Party:
    return Party.objects.create(
        seizure=seizure, role="consignee", kind="person", name=name, handling_code=code
    )


def _photo(user, seizure, name: str, code: int, colour):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    upload = SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
    photo = attachment_add(user=user, seizure=seizure, upload=upload, handling_code=code)
    attachment_thumbnail_make(attachment=photo)
    return photo


@pytest.fixture
def case_file(officer, settings, tmp_path):
    """A submitted seizure with a party and a photo at every handling code."""
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    seizure = f.log_seizure(officer, submit=True)
    _party(seizure, "Zeta Hidden", HandlingCode.H0)
    _party(seizure, "Domestic Dora", HandlingCode.H1)
    _party(seizure, "Abroad Alba", HandlingCode.H2)
    _party(seizure, "Court Carla", HandlingCode.H3)
    photos = {
        code: _photo(officer, seizure, f"photo-h{code}.jpg", code, colour)
        for code, colour in (
            (HandlingCode.H0, "red"),
            (HandlingCode.H1, "green"),
            (HandlingCode.H2, "blue"),
        )
    }
    seizure.photos = photos
    return seizure


def _refer(seizure, recipient, code, officer) -> Referral:
    return services.referral_send(
        seizure=seizure,
        recipient=recipient,
        handling_code=code,
        ack_hours=24,
        respond_days=7,
        origin=Origin.MANUAL,
        reasons=[{"kind": "manual", "by": "Olga Officer"}],
        by=officer,
        message="Please look at the consignee.",
    )


@pytest.fixture
def at_h2(case_file, external_recipient, officer):
    return _refer(case_file, external_recipient, HandlingCode.H2, officer)


@pytest.fixture
def at_h1(case_file, investigating_recipient, officer):
    return _refer(case_file, investigating_recipient, HandlingCode.H1, officer)


def _text_of(referral) -> bytes:
    return _pdf_text(dossier_pdf(referral=referral))


def _written(text: str) -> bytes:
    """``text`` as a PDF string operand writes it (parentheses escaped)."""
    return text.replace("(", r"\(").replace(")", r"\)").encode()


def test_an_h2_dossier_shows_only_what_may_go_abroad(at_h2, case_file):
    content = dossier_pdf(referral=at_h2)
    text = _pdf_text(content)
    assert b"Abroad Alba" in text and b"Court Carla" in text
    for hidden in (b"Zeta Hidden", b"Domestic Dora", b"Frutas del Sol SA"):
        assert hidden not in text
    photos = case_file.photos
    assert b"photo-h2.jpg" in text
    assert photos[HandlingCode.H2].sha256[:32].encode() in text
    for code in (HandlingCode.H0, HandlingCode.H1):
        assert f"photo-h{code}.jpg".encode() not in text
        assert photos[code].sha256[:32].encode() not in text
    assert content.count(b"/Subtype /Image") == 1  # the H2 photo's thumbnail only


def test_an_h1_dossier_shows_h1_and_wider_but_never_h0(at_h1, case_file):
    content = dossier_pdf(referral=at_h1)
    text = _pdf_text(content)
    for shown in (b"Domestic Dora", b"Abroad Alba", b"Court Carla", b"Frutas del Sol SA"):
        assert shown in text
    assert b"Zeta Hidden" not in text
    assert b"photo-h0.jpg" not in text
    assert content.count(b"/Subtype /Image") == 2


def test_the_dossier_tells_the_whole_referral(at_h2, case_file, officer):
    text = _text_of(at_h2)
    for shown in (
        f"Referral of seizure {case_file.reference}",
        "To Federal Judicial Police Antwerp",
        # seizure summary, items, conveyance
        "Contecon",
        "Bananas",
        "Cocaine",
        "250.5",
        "MSC Example",
        "9074729",
        "FA245N",
        "MEDUGY123456",
        "Evidence and documents",
        "CSQU3054383",
        "ML-123456",
        # route: every port, leg distances and the total
        "Guayaquil (ECGYE)",
        "Manzanillo (PAMIT)",
        "Antwerp (BEANR)",
        "Total distance:",
        # why, deadlines, sender
        "Referred by hand by Olga Officer.",
        "Acknowledge by",
        "Accept or decline by",
        "Please look at the consignee.",
        officer.unit.name,
        officer.email,
        "Ecuador",
    ):
        assert _written(shown) in text, shown
    assert re.search(rb"\d[\d,]* km", text)  # leg distances are written out


def test_the_handling_code_is_on_every_page(at_h2, case_file):
    for i in range(60):  # enough parties to fill several pages
        _party(case_file, f"Crew member {i}", HandlingCode.H2)
    content = dossier_pdf(referral=at_h2, compress=False)
    pages = int(re.search(rb"/Count (\d+)", content).group(1))
    assert pages > 1
    # Each page's own content stream, found by its "Page X of Y" footer.
    streams = re.findall(rb"stream\r?\n(.*?)endstream", content, re.DOTALL)
    for number in range(1, pages + 1):
        (page,) = [s for s in streams if f"(Page {number} of {pages})".encode() in s]
        # The header and the footer both name the code.
        assert page.count(b"may also go abroad") >= 2, number
        assert b"H2" in page


def test_the_same_referral_gives_the_same_bytes_whenever_it_is_rendered(at_h2):
    first = dossier_pdf(referral=at_h2)
    later = timezone.now() + dt.timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        second = dossier_pdf(referral=Referral.objects.get(pk=at_h2.pk))
    assert first == second
    assert first.startswith(b"%PDF-")


def test_the_qr_code_opens_the_referral_page_and_no_response_token_is_printed(
    at_h2, settings, monkeypatch
):
    settings.CASETRACKER_SITE_URL = "https://casetracker.example"
    seen = []
    drawing = dossier.qr_drawing
    monkeypatch.setattr(dossier, "qr_drawing", lambda url: seen.append(url) or drawing(url))
    content = dossier_pdf(referral=at_h2, compress=False)
    path = reverse("referrals:detail", kwargs={"public_id": at_h2.public_id})
    assert seen == [f"https://casetracker.example{path}"]
    token = links.response_token(at_h2)
    signature = token.rsplit(":", 1)[-1]
    assert signature.encode() not in content
    assert b"/r/" not in _pdf_text(content)


def test_an_uncompressed_dossier_is_searchable_as_is(at_h2):
    content = dossier_pdf(referral=at_h2, compress=False)
    assert b"Abroad Alba" in content
    assert b"Zeta Hidden" not in content


# --- the view ------------------------------------------------------------------------------


def _downloads(user):
    return LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, actor=user, additional_data__event="download"
    )


def _url(referral) -> str:
    return reverse("referrals:dossier", kwargs={"public_id": referral.public_id})


def test_the_sending_unit_downloads_the_dossier_and_it_is_audited(client, officer, at_h1):
    client.force_login(officer)
    response = client.get(_url(at_h1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reference = at_h1.seizure.reference
    assert response["Content-Disposition"] == f'attachment; filename="{reference}-referral.pdf"'
    assert response.content == dossier_pdf(referral=at_h1)
    entry = _downloads(officer).get()
    assert entry.additional_data["event"] == "download"
    assert entry.object_pk == str(at_h1.pk)
    assert entry.additional_data["seizure"] == reference


def test_the_recipient_unit_reads_it_while_it_works_on_the_referral(client, investigator, at_h1):
    client.force_login(investigator)
    assert client.get(_url(at_h1)).status_code == 200
    services.referral_accept(actor=investigator, referral=at_h1)
    services.referral_close(actor=investigator, referral=at_h1, outcome="charges_filed")
    assert client.get(_url(at_h1)).status_code == 200


def test_declining_takes_the_recipient_units_dossier_away(client, officer, investigator, at_h1):
    services.referral_decline(actor=investigator, referral=at_h1, reason=DeclineReason.NO_RESOURCES)
    client.force_login(investigator)
    assert client.get(_url(at_h1)).status_code == 404
    client.force_login(officer)
    assert client.get(_url(at_h1)).status_code == 200  # the sender keeps it


def test_a_withdrawn_referrals_dossier_is_gone_for_the_recipient(
    client, officer, investigator, at_h1
):
    services.referral_withdraw(user=officer, referral=at_h1, reason="Logged twice")
    client.force_login(investigator)
    assert client.get(_url(at_h1)).status_code == 404
    assert not _downloads(investigator).exists()


def test_other_units_and_strangers_get_nothing(client, other_officer, at_h1):
    response = client.get(_url(at_h1))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(other_officer)
    assert client.get(_url(at_h1)).status_code == 404
