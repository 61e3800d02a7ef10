"""Handling codes per piece: what a recipient unit sees of a shared seizure.

A party, a photo or document and a note each carry a code, H0 (this unit only) to H3 (may
go to court). A unit the seizure is shared with at level L sees the pieces marked L or
wider, and never H0, on the page, in the API (one seizure and the list) and at download.
"""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casetracker.core.choices import AgencyKind, HandlingCode, Role, UnitKind
from seizures import sharing
from seizures.attachments import attachment_add
from seizures.models import Attachment, Note, Party

from .. import factories as f
from .test_form_views import complete_seizure, rows

CODES = [HandlingCode.H0, HandlingCode.H1, HandlingCode.H2, HandlingCode.H3]


def api_for(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture(autouse=True)
def _storage_and_throttle(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    cache.clear()


def mark_pieces(seizure, *, prefix: str = "") -> None:
    """One party, one document and one note per handling code, named after their code."""
    author = seizure.created_by
    for code in CODES:
        Party.objects.create(
            seizure=seizure,
            role="consignee",
            kind="person",
            name=f"{prefix}Party H{code}",
            handling_code=code,
        )
        Note.objects.create(
            seizure=seizure, text=f"{prefix}Note H{code}", author=author, handling_code=code
        )
        attachment = Attachment(
            seizure=seizure,
            kind="document",
            original_name=f"{prefix}file-h{code}.pdf",
            content_type="application/pdf",
            size=9,
            sha256="a" * 64,
            uploaded_by=author,
            handling_code=code,
        )
        attachment.file.save("x", ContentFile(b"%PDF-1.4\n"), save=False)
        attachment.save()


def names_on_page(content: str, prefix: str = "") -> set[str]:
    return {
        label
        for code in CODES
        for label in (f"{prefix}Party H{code}", f"{prefix}Note H{code}", f"{prefix}file-h{code}")
        if label in content
    }


def expected(level: int | None, prefix: str = "") -> set[str]:
    shown = [c for c in CODES if level is None or c >= max(level, 1)]
    return {
        label
        for code in shown
        for label in (f"{prefix}Party H{code}", f"{prefix}Note H{code}", f"{prefix}file-h{code}")
    }


def names_in_api(seizure_json: dict) -> set[str]:
    return (
        {party["name"] for party in seizure_json["parties"]}
        | {note["text"] for note in seizure_json["notes"]}
        | {a["original_name"].removesuffix(".pdf") for a in seizure_json["attachments"]}
    ) - {"Frutas del Sol SA"}


@pytest.fixture
def marked(seizure):
    mark_pieces(seizure)
    return seizure


@pytest.mark.parametrize("level", [HandlingCode.H1, HandlingCode.H2, HandlingCode.H3])
def test_a_recipient_sees_only_the_pieces_marked_at_its_share_level_or_wider_everywhere(
    client, investigator, marked, level
):
    sharing.seizure_share(seizure=marked, unit=investigator.unit, handling_level=level, by=None)
    client.force_login(investigator)
    api = api_for(investigator)

    page = client.get(reverse("seizures:detail", args=[marked.public_id])).content.decode()
    one = api.get(f"/api/v1/seizures/{marked.public_id}/").json()
    (listed,) = api.get("/api/v1/seizures/").json()["results"]

    assert names_on_page(page) == expected(level)
    assert names_in_api(one) == expected(level)
    assert names_in_api(listed) == expected(level)
    assert "Party H0" not in page and "Note H0" not in page


def test_an_h1_piece_does_not_go_abroad_but_an_h2_piece_does(client, other_officer, marked):
    sharing.seizure_share(
        seizure=marked, unit=other_officer.unit, handling_level=HandlingCode.H2, by=None
    )
    client.force_login(other_officer)
    page = client.get(reverse("seizures:detail", args=[marked.public_id])).content.decode()

    assert "Party H2" in page and "Note H2" in page and "file-h2" in page
    assert "Party H1" not in page and "Note H1" not in page and "file-h1" not in page


def test_a_recipient_cannot_download_a_piece_above_its_level(client, investigator, marked):
    sharing.seizure_share(
        seizure=marked, unit=investigator.unit, handling_level=HandlingCode.H2, by=None
    )
    client.force_login(investigator)
    status = {
        a.handling_code: client.get(
            reverse("seizures:attachment-download", args=[a.public_id])
        ).status_code
        for a in marked.attachments.all()
    }
    assert status == {0: 404, 1: 404, 2: 200, 3: 200}


def test_the_owning_unit_sees_every_piece_with_its_handling_code(client, officer, marked):
    client.force_login(officer)
    page = client.get(reverse("seizures:detail", args=[marked.public_id])).content.decode()
    one = api_for(officer).get(f"/api/v1/seizures/{marked.public_id}/").json()

    assert names_on_page(page) == expected(None)
    assert names_in_api(one) == expected(None)
    for code in CODES:
        assert f"handling-h{code}" in page
    assert sorted(p["handling_code"] for p in one["parties"]) == [0, 1, 1, 2, 3]


def test_a_recipient_cannot_edit_and_so_never_drops_what_it_cannot_see(
    client, investigator, marked
):
    sharing.seizure_share(
        seizure=marked, unit=investigator.unit, handling_level=HandlingCode.H3, by=None
    )
    client.force_login(investigator)
    edit = reverse("seizures:edit", args=[marked.public_id])

    assert client.get(edit).status_code == 404
    assert client.post(edit, {}).status_code == 404
    answer = api_for(investigator).patch(
        f"/api/v1/seizures/{marked.public_id}/", {"parties": []}, format="json"
    )
    assert answer.status_code == 404
    assert marked.parties.count() == 5


def test_an_api_update_of_other_parts_keeps_the_parties_codes(officer, marked):
    answer = api_for(officer).patch(
        f"/api/v1/seizures/{marked.public_id}/", {"voyage": "NEW1"}, format="json"
    )
    assert answer.status_code == 200
    assert sorted(marked.parties.values_list("handling_code", flat=True)) == [0, 1, 1, 2, 3]

    containers = [{"number": "MSCU1234566"}]
    answer = api_for(officer).patch(
        f"/api/v1/seizures/{marked.public_id}/", {"containers": containers}, format="json"
    )
    assert answer.status_code == 200
    assert sorted(marked.parties.values_list("handling_code", flat=True)) == [0, 1, 1, 2, 3]


def test_the_api_list_mixes_own_and_shared_seizures_each_at_its_level_in_fixed_queries(
    officer, other_officer
):
    def add(own: int, shared: int) -> None:
        for _ in range(own):
            mark_pieces(f.log_seizure(other_officer, port=f.port("BEANR")), prefix="own ")
        for _ in range(shared):
            seizure = f.log_seizure(officer)
            mark_pieces(seizure, prefix="shared ")
            sharing.seizure_share(
                seizure=seizure, unit=other_officer.unit, handling_level=HandlingCode.H2, by=None
            )

    def listing():
        api = api_for(other_officer)
        with CaptureQueriesContext(connection) as queries:
            results = api.get("/api/v1/seizures/").json()["results"]
        return len(queries), results

    add(own=1, shared=2)
    few, results = listing()
    for row in results:
        if row["unit_code"] == other_officer.unit.code:
            assert names_in_api(row) == expected(None, "own ")
        else:
            assert names_in_api(row) == expected(HandlingCode.H2, "shared ")

    add(own=3, shared=5)
    many, results = listing()
    assert len(results) == 11
    assert many == few


def test_an_investigating_unit_without_a_port_is_a_recipient_like_any_other(db, marked):
    unit = f.UnitFactory(code="EC-FIU", kind=UnitKind.FIU, port=None, country="EC")
    analyst = f.UserFactory(unit=unit, role=Role.INVESTIGATOR)
    sharing.seizure_share(seizure=marked, unit=unit, handling_level=HandlingCode.H3, by=None)

    one = api_for(analyst).get(f"/api/v1/seizures/{marked.public_id}/").json()

    assert names_in_api(one) == expected(HandlingCode.H3)


# --- marking pieces where they are added -----------------------------------------------


@pytest.fixture
def agencies(officer):
    customs = f.AgencyFactory(name="SENAE", kind=AgencyKind.CUSTOMS, country="EC")
    police = f.AgencyFactory(name="Policía Nacional", kind=AgencyKind.POLICE, country="EC")
    officer.unit.agencies.add(customs, police)
    return customs, police


@pytest.fixture
def ports(db):
    return [f.port(code) for code in ("ECGYE", "PAMIT", "BEANR")]


def without_parties(data: dict) -> dict:
    return {key: value for key, value in data.items() if not key.startswith("parties-")}


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def test_the_logging_form_marks_each_party_and_the_files(client, officer, agencies, ports):
    _customs, police = agencies
    data = without_parties(
        complete_seizure(files=[pdf("tip.pdf")], files_agency=police.pk, files_handling_code="0")
    )
    data.update(
        rows(
            "parties",
            [
                {
                    "role": "shipper",
                    "kind": "company",
                    "name": "Open SA",
                    "agency": agencies[0].pk,
                    "handling_code": "3",
                },
                {
                    "role": "consignee",
                    "kind": "person",
                    "name": "Informant",
                    "agency": police.pk,
                    "handling_code": "0",
                },
            ],
        )
    )
    client.force_login(officer)
    response = client.post(reverse("seizures:create"), data)

    assert response.status_code == 302, response.context["page"].form.errors
    marks = {p.name: (p.agency, p.handling_code) for p in Party.objects.all()}
    customs = agencies[0]
    assert marks == {"Open SA": (customs, 3), "Informant": (police, 0)}
    attachment = Attachment.objects.get()
    assert (attachment.agency, attachment.handling_code) == (police, 0)


def test_a_blank_party_row_with_only_its_default_marking_is_left_out(
    client, officer, agencies, ports
):
    data = without_parties(complete_seizure())
    data.update(rows("parties", [{"agency": agencies[0].pk, "handling_code": "1"}]))
    client.force_login(officer)

    assert client.post(reverse("seizures:create"), data).status_code == 302
    assert not Party.objects.exists()


def test_the_edit_page_keeps_each_partys_marking(client, officer, agencies, marked):
    client.force_login(officer)
    page = client.get(reverse("seizures:edit", args=[marked.public_id]))
    initial = [form.initial for form in page.context["page"].formsets["parties"].forms]
    assert [row["handling_code"] for row in initial] == [1, 0, 1, 2, 3]


def test_an_upload_on_the_detail_page_is_marked(client, officer, agencies, seizure):
    client.force_login(officer)
    response = client.post(
        reverse("seizures:attachment-upload", args=[seizure.public_id]),
        {"file": pdf("statement.pdf"), "agency": agencies[1].pk, "handling_code": "2"},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.agency, attachment.handling_code) == (agencies[1], 2)


def test_an_upload_marked_with_another_countrys_agency_is_refused(officer, seizure):
    foreign = f.AgencyFactory(name="Douane", kind=AgencyKind.CUSTOMS, country="BE")
    with pytest.raises(ValidationError) as refused:
        attachment_add(user=officer, seizure=seizure, upload=pdf("x.pdf"), agency=foreign)
    assert "agency" in refused.value.message_dict
    assert not Attachment.objects.exists()


def test_each_look_at_a_seizure_and_each_download_is_handed_to_the_audit_trail(
    client, officer, marked, monkeypatch
):
    import seizures.api
    import seizures.attachment_views
    import seizures.views

    events = []

    def record(*, request, obj, event, extra=None):
        events.append((event, type(obj).__name__, request.user.username))

    for module in (seizures.views, seizures.api, seizures.attachment_views):
        monkeypatch.setattr(module, "audit_access", record)
    client.force_login(officer)
    attachment = marked.attachments.first()

    client.get(reverse("seizures:detail", args=[marked.public_id]))
    api_for(officer).get(f"/api/v1/seizures/{marked.public_id}/")
    client.get(reverse("seizures:attachment-download", args=[attachment.public_id]))
    client.get(reverse("seizures:detail", args=["00000000-0000-4000-8000-000000000000"]))

    assert events == [
        ("view", "Seizure", "officer"),
        ("view", "Seizure", "officer"),
        ("download", "Attachment", "officer"),
    ]
