"""The one-page seizure form, as an officer at the port uses it."""

import datetime as dt
import sys
import types
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

import seizures
from seizures.models import Seizure

from .. import factories as f

NEW = reverse("seizures:create")
GUAYAQUIL = ZoneInfo("America/Guayaquil")


def two_days_ago() -> dt.date:
    return (timezone.now().astimezone(GUAYAQUIL) - dt.timedelta(days=2)).date()


def rows(prefix: str, entries: list[dict], *, initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(entries)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }
    for index, entry in enumerate(entries):
        for name, value in entry.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


COCAINE = {"category": "drugs", "substance": "cocaine", "quantity": "250.5", "quantity_unit": "kg"}
CAPTAGON = {
    "category": "drugs",
    "substance": "captagon",
    "quantity": "12000",
    "quantity_unit": "tablet",
    "estimated_value": "60000",
    "currency": "usd",
}


def complete_seizure(**overrides) -> dict[str, str]:
    """What an officer types for a complete seizure: 2 containers, 2 items, 3 port calls."""
    data = {
        "port": "ECGYE",
        "occurred_date": two_days_ago().isoformat(),
        "occurred_time": "14:30",
        "terminal": "Contecon",
        "detection_method": "scanner",
        "vessel_name": "MSC Example",
        "imo_number": "IMO 9074729",
        "voyage": "FA245N",
        "bill_of_lading": "MEDUGY123456",
        "declared_goods": "Bananas",
        "hs_code": "0803.90",
        "concealment_method": "rip_on",
        "concealment_details": "Sports bags behind the doors",
        "packaging_markings": "Scorpion logo",
        "save": "draft",
        **rows(
            "containers",
            [
                {"number": "CSQU 305438-3", "seal_numbers": "ML-123456", "size_type": "45G1"},
                {"number": "MSCU1234566", "seal_numbers": "", "size_type": ""},
            ],
        ),
        **rows("items", [COCAINE, CAPTAGON]),
        **rows(
            "port_calls",
            [
                {"role": "loading", "port": "ECGYE"},
                {"role": "transhipment", "port": "PAMIT Manzanillo"},
                {"role": "discharge", "port": "beanr"},
            ],
        ),
        **rows(
            "parties",
            [
                {
                    "role": "shipper",
                    "kind": "company",
                    "name": "Frutas del Sol SA",
                    "country": "EC",
                    "identifiers": "RUC 0991234567001",
                    "phone_numbers": "+593 4 555 0100",
                    "address": "Av. 9 de Octubre, Guayaquil",
                }
            ],
        ),
    }
    data.update(overrides)
    return data


@pytest.fixture
def ports(db):
    return [f.port(code) for code in ("ECGYE", "PAMIT", "BEANR", "NLRTM")]


@pytest.fixture
def officer_client(client, officer, ports):
    client.force_login(officer)
    return client


def test_it_opens_with_the_units_port_and_its_time_zone(officer_client):
    response = officer_client.get(NEW)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["port"].value() == "ECGYE"
    assert form["occurred_date"].value() == timezone.now().astimezone(GUAYAQUIL).date()
    assert b"America/Guayaquil" in response.content
    assert b'value="ECGYE"' in response.content


def test_it_logs_a_complete_seizure_with_every_part(officer_client, officer):
    response = officer_client.post(NEW, complete_seizure())

    seizure = Seizure.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("seizures:detail", args=[seizure.public_id])
    assert seizure.status == "draft"
    assert seizure.unit == officer.unit
    assert seizure.imo_number == "9074729"
    assert seizure.hs_code == "080390"
    # 14:30 on Guayaquil's clocks (UTC-5) is 19:30 UTC.
    assert seizure.occurred_at == dt.datetime.combine(
        two_days_ago(), dt.time(19, 30), tzinfo=dt.UTC
    )
    assert [c.number for c in seizure.containers.all()] == ["CSQU3054383", "MSCU1234566"]
    assert [(i.substance, i.quantity) for i in seizure.items.all()] == [
        ("cocaine", Decimal("250.500")),
        ("captagon", Decimal("12000.000")),
    ]
    assert seizure.items.get(substance="captagon").currency == "USD"
    assert [(c.role, c.port_id) for c in seizure.port_calls.all()] == [
        ("loading", "ECGYE"),
        ("transhipment", "PAMIT"),
        ("discharge", "BEANR"),
    ]
    party = seizure.parties.get()
    assert (party.name, party.country.code, party.phone_numbers) == (
        "Frutas del Sol SA",
        "EC",
        "+593 4 555 0100",
    )
    assert seizure.concealment_details == "Sports bags behind the doors"
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(seizure.reference in m for m in messages)


def test_the_time_is_read_on_the_clock_of_the_port_chosen(officer_client):
    day = two_days_ago()
    officer_client.post(NEW, complete_seizure(port="BEANR", occurred_time="14:30"))

    expected = dt.datetime.combine(day, dt.time(14, 30), tzinfo=ZoneInfo("Europe/Brussels"))
    assert Seizure.objects.get().occurred_at == expected
    assert Seizure.objects.get().port_id == "BEANR"


def test_the_submit_button_logs_the_seizure_as_submitted(officer_client):
    data = complete_seizure()
    del data["save"]
    data["submit"] = "submit"
    officer_client.post(NEW, data)
    assert Seizure.objects.get().status == "submitted"


def test_blank_and_removed_rows_are_left_out(officer_client):
    blank = {"category": "", "substance": "", "quantity": "", "quantity_unit": ""}
    removed = {**COCAINE, "quantity": "-4", "DELETE": "on"}
    data = complete_seizure(**rows("items", [COCAINE, removed, blank]))
    response = officer_client.post(NEW, data)
    assert response.status_code == 302
    assert Seizure.objects.get().items.count() == 1


BAD_INPUT = {
    "wrong container check digit": (
        rows("containers", [{"number": "CSQU3054383"}, {"number": "MSCU1234567"}]),
        "containers",
        1,
        "number",
        "MSCU1234567",
        "should be 6",
    ),
    "unknown UN/LOCODE": (
        rows(
            "port_calls",
            [
                {"role": "loading", "port": "ECGYE"},
                {"role": "transhipment", "port": "PAMIT"},
                {"role": "discharge", "port": "XXQQQ"},
            ],
        ),
        "port_calls",
        2,
        "port",
        "XXQQQ",
        "is not a UN/LOCODE we know",
    ),
    "negative quantity": (
        rows("items", [{**COCAINE, "quantity": "-3"}, CAPTAGON]),
        "items",
        0,
        "quantity",
        "-3",
        "more than zero",
    ),
    "unit that does not fit the substance": (
        rows("items", [COCAINE, {**CAPTAGON, "substance": "cocaine"}]),
        "items",
        1,
        "quantity_unit",
        "12000",
        "is not a unit that fits Cocaine",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_lost(officer_client, case):
    overrides, part, row, field, typed, message = case
    response = officer_client.post(NEW, complete_seizure(**overrides))

    assert response.status_code == 200
    assert not Seizure.objects.exists()
    errors = response.context["page"].formsets[part].forms[row].errors[field]
    assert any(message in error for error in errors)
    html = response.content.decode()
    field_id = f"id_{part}-{row}-{field}"
    assert f'id="{field_id}_error"' in html
    assert f'aria-describedby="{field_id}_error"' in html
    # Everything typed comes back, including the bad value and the other parts.
    assert f'value="{typed}"' in html
    assert 'value="MSC Example"' in html
    assert "Sports bags behind the doors" in html
    assert 'value="Frutas del Sol SA"' in html


def test_a_future_date_is_refused_next_to_the_date(officer_client):
    tomorrow = (timezone.now().astimezone(GUAYAQUIL) + dt.timedelta(days=1)).date()
    response = officer_client.post(NEW, complete_seizure(occurred_date=tomorrow.isoformat()))

    assert response.status_code == 200
    assert not Seizure.objects.exists()
    assert "future" in response.context["form"].errors["occurred_date"][0]
    assert 'id="id_occurred_date_error"' in response.content.decode()
    assert f'value="{tomorrow.isoformat()}"' in response.content.decode()
    assert "time zone America/Guayaquil" in response.content.decode()


def test_a_seizure_without_items_is_refused_above_the_items(officer_client):
    response = officer_client.post(NEW, complete_seizure(**rows("items", [])))

    assert response.status_code == 200
    assert not Seizure.objects.exists()
    assert response.context["page"].formsets["items"].non_form_errors() == [
        "Record at least one seized item."
    ]
    assert 'id="items-errors"' in response.content.decode()


def test_a_route_in_the_wrong_order_is_reported_on_the_route(officer_client):
    route = rows(
        "port_calls",
        [{"role": "discharge", "port": "BEANR"}, {"role": "loading", "port": "ECGYE"}],
    )
    response = officer_client.post(NEW, complete_seizure(**route))

    assert response.status_code == 200
    assert response.context["page"].formsets["port_calls"].non_form_errors()
    assert not Seizure.objects.exists()


def test_rows_added_in_the_browser_come_back_after_an_error(officer_client):
    third = {"category": "cash", "quantity": "50000", "quantity_unit": "currency", "currency": ""}
    data = complete_seizure(**rows("items", [COCAINE, CAPTAGON, third]))
    response = officer_client.post(NEW, data)

    assert response.status_code == 200
    items = response.context["page"].formsets["items"]
    assert len(items.forms) == 3
    assert "currency" in items.forms[2].errors
    assert 'value="50000"' in response.content.decode()


def test_the_add_button_adds_a_row_without_javascript(officer_client):
    data = complete_seizure(add_row="items")
    del data["save"]
    response = officer_client.post(NEW, data)

    assert response.status_code == 200
    assert not Seizure.objects.exists()
    items = response.context["page"].formsets["items"]
    assert len(items.forms) == 3
    assert 'name="items-2-quantity"' in response.content.decode()
    assert 'value="MSC Example"' in response.content.decode()


def test_only_control_unit_members_may_log_seizures(client, investigator):
    client.force_login(investigator)
    response = client.get(NEW)
    assert response.status_code == 403
    assert b"Only control unit officers log seizures" in response.content


def test_anonymous_people_are_sent_to_log_in(client, seizure):
    for url in (NEW, reverse("seizures:edit", args=[seizure.public_id])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_the_edit_page_shows_the_stored_seizure_on_the_ports_clock(client, officer, seizure):
    client.force_login(officer)
    response = client.get(reverse("seizures:edit", args=[seizure.public_id]))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{seizure.local_occurred_at:%H:%M}"' in html
    assert f'value="{seizure.local_occurred_at:%Y-%m-%d}"' in html
    assert 'value="CSQU3054383"' in html
    assert 'value="PAMIT"' in html
    assert 'value="Frutas del Sol SA"' in html


def test_an_officer_corrects_a_seizure_and_the_reference_stays(client, officer, seizure, ports):
    client.force_login(officer)
    url = reverse("seizures:edit", args=[seizure.public_id])
    form_page = client.get(url)
    data = _as_posted(form_page)
    data["vessel_name"] = "MSC Other"
    data["items-0-quantity"] = "300"
    data["save"] = "draft"

    response = client.post(url, data)

    assert response.status_code == 302
    seizure = Seizure.objects.get(pk=seizure.pk)
    assert seizure.vessel_name == "MSC Other"
    assert seizure.items.get().quantity == Decimal("300")
    assert seizure.port_calls.count() == 3
    assert seizure.reference.endswith("-0001")


def test_a_draft_can_be_corrected_and_submitted_at_once(client, officer, seizure):
    client.force_login(officer)
    url = reverse("seizures:edit", args=[seizure.public_id])
    data = _as_posted(client.get(url))
    data["terminal"] = "TPG"
    data["submit"] = "submit"

    assert client.post(url, data).status_code == 302
    seizure = Seizure.objects.get(pk=seizure.pk)
    assert (seizure.terminal, seizure.status) == ("TPG", "submitted")


def test_a_submitted_seizure_can_still_be_corrected_by_its_unit(client, officer):
    submitted = f.log_seizure(officer, submit=True)
    client.force_login(officer)
    url = reverse("seizures:edit", args=[submitted.public_id])
    form_page = client.get(url)
    assert b"Save changes" in form_page.content
    assert b'name="submit"' not in form_page.content
    data = _as_posted(form_page)
    data["containers-0-number"] = "MSCU1234567"
    data["save"] = "changes"

    response = client.post(url, data)

    assert response.status_code == 200
    assert (
        "should be 6"
        in response.context["page"].formsets["containers"].forms[0].errors["number"][0]
    )
    assert Seizure.objects.get(pk=submitted.pk).containers.get().number == "CSQU3054383"


def test_another_units_officer_cannot_edit_or_submit(client, other_officer, seizure):
    client.force_login(other_officer)
    assert client.get(reverse("seizures:edit", args=[seizure.public_id])).status_code == 404
    assert client.post(reverse("seizures:submit", args=[seizure.public_id])).status_code == 404
    seizure = Seizure.objects.get(pk=seizure.pk)
    assert seizure.status == "draft"


def test_submitting_moves_a_draft_to_submitted(client, officer, seizure):
    client.force_login(officer)
    url = reverse("seizures:submit", args=[seizure.public_id])
    assert client.get(url).status_code == 405

    response = client.post(url)

    assert response.status_code == 302
    seizure = Seizure.objects.get(pk=seizure.pk)
    assert seizure.status == "submitted"
    assert seizure.submitted_at is not None


def test_port_search_finds_ports_by_code_and_name(officer_client):
    by_name = officer_client.get(reverse("seizures:port-search"), {"q": "antw"}).json()
    by_code = officer_client.get(reverse("seizures:port-search"), {"q": "ecg"}).json()

    assert by_name["results"] == [
        {"locode": "BEANR", "name": "Antwerp", "country": "BE", "timezone": "Europe/Brussels"}
    ]
    assert [p["locode"] for p in by_code["results"]] == ["ECGYE"]


def test_port_search_needs_a_login(client, ports):
    response = client.get(reverse("seizures:port-search"), {"q": "antw"})
    assert response.status_code == 302


# --- photos and documents -------------------------------------------------------------


@pytest.fixture
def fake_attachments(monkeypatch):
    """A stand-in for seizures.attachments that refuses files named "bad*"."""
    added = []

    def validate_upload(upload):
        if upload.name.startswith("bad"):
            raise ValidationError(f"{upload.name} is not a photo or a document.")

    def attachment_add(*, user, seizure, upload, kind="", caption="", **marking):
        if upload.name.startswith("late"):
            raise ValidationError({"file": ["The storage refused the file."]})
        added.append((seizure.pk, upload.name))
        return types.SimpleNamespace(file=types.SimpleNamespace(delete=lambda save: None))

    module = types.SimpleNamespace(validate_upload=validate_upload, attachment_add=attachment_add)
    monkeypatch.setitem(sys.modules, "seizures.attachments", module)
    monkeypatch.setattr(seizures, "attachments", module, raising=False)
    return added


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 example", content_type="application/pdf")


def test_files_chosen_with_the_seizure_are_attached_to_it(officer_client, fake_attachments):
    data = complete_seizure(files=[_upload("bill.pdf"), _upload("photo.pdf")])
    response = officer_client.post(NEW, data)

    assert response.status_code == 302
    seizure = Seizure.objects.get()
    assert fake_attachments == [(seizure.pk, "bill.pdf"), (seizure.pk, "photo.pdf")]


def test_a_bad_file_is_refused_before_anything_is_saved(officer_client, fake_attachments):
    response = officer_client.post(NEW, complete_seizure(files=[_upload("bad.pdf")]))

    assert response.status_code == 200
    assert not Seizure.objects.exists()
    assert "bad.pdf is not a photo" in response.context["form"].errors["files"][0]
    assert "choose them again" in response.content.decode()
    assert 'value="MSC Example"' in response.content.decode()


def test_a_failed_attachment_leaves_no_half_saved_seizure(officer_client, fake_attachments):
    response = officer_client.post(NEW, complete_seizure(files=[_upload("late.pdf")]))

    assert response.status_code == 200
    assert not Seizure.objects.exists()
    assert "storage refused" in response.context["form"].errors["files"][0]


def test_a_real_photo_is_stored_with_the_seizure(officer_client, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
        b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    photo = SimpleUploadedFile("doors.png", png, content_type="image/png")
    response = officer_client.post(NEW, complete_seizure(files=[photo]))

    assert response.status_code == 302
    assert Seizure.objects.get().attachments.get().original_name == "doors.png"


def test_a_text_file_named_like_a_photo_is_refused(officer_client, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("doors.png", b"just some text", content_type="image/png")
    response = officer_client.post(NEW, complete_seizure(files=[fake]))

    assert response.status_code == 200
    assert not Seizure.objects.exists()
    assert "doors.png" in response.context["form"].errors["files"][0]
    assert list(tmp_path.rglob("*.*")) == []


def _as_posted(response) -> dict[str, str]:
    """The data a browser would post back from the page, unchanged."""
    page = response.context["page"]
    data: dict[str, str] = {}
    forms = [page.form] + [form for fs in page.formsets.values() for form in fs.forms]
    for form in forms:
        for field in form:
            if field.name in ("files", "DELETE"):
                continue
            value = field.value()
            if isinstance(value, dt.date | dt.time):
                value = value.isoformat()[:5] if isinstance(value, dt.time) else value.isoformat()
            data[field.html_name] = "" if value is None else str(value)
    for fs in page.formsets.values():
        for field in fs.management_form:
            data[field.html_name] = str(field.value())
    return data
