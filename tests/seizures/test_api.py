"""The seizure API at /api/v1/seizures/: same rules as the pages, in JSON."""

import copy
import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from seizures.api import SeizurePagination
from seizures.models import Attachment, Container, Party, PortCall, SeizedItem, Seizure

from .. import factories as f

LIST_URL = "/api/v1/seizures/"


def detail_url(seizure) -> str:
    return f"{LIST_URL}{seizure.public_id}/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Autouse fixtures run before the personas are built: Argon2 would cost ~1 s per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _ports_and_fresh_throttle(db):
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    # Throttle counters live in the cache; earlier tests must not use up this one's quota.
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(officer) -> APIClient:
    return client_for(officer)


def body(**overrides) -> dict:
    data = {
        "occurred_at": (timezone.now() - dt.timedelta(days=2)).isoformat(),
        "port": "ECGYE",
        "terminal": "Contecon",
        "detection_method": "profiling",
        "vessel_name": "MSC Example",
        "imo_number": "9074729",
        "voyage": "FA245N",
        "bill_of_lading": "MEDUGY123456",
        "declared_goods": "Bananas",
        "hs_code": "080390",
        "concealment_method": "rip_on",
        "concealment_details": "Sports bags behind the doors",
        "packaging_markings": "Scorpion logo",
        "containers": [
            {"number": "CSQU3054383", "seal_numbers": "ML-123456", "size_type": "45R1"},
            {"number": "MSCU 123456-6"},
        ],
        "items": [
            {
                "category": "drugs",
                "substance": "cocaine",
                "quantity": "250.5",
                "quantity_unit": "kg",
                "estimated_value": "7500000.00",
                "currency": "usd",
            },
            {
                "category": "cash",
                "quantity": "12000",
                "quantity_unit": "currency",
                "currency": "EUR",
            },
        ],
        "port_calls": [
            {"role": "loading", "port": "ECGYE"},
            {"role": "transhipment", "port": "pamit"},
            {"role": "discharge", "port": "BEANR"},
        ],
        "parties": [
            {"role": "shipper", "kind": "company", "name": "Frutas del Sol SA", "country": "EC"},
            {
                "role": "arrested",
                "kind": "person",
                "name": "J. Doe",
                "country": "EC",
                "identifiers": "Passport EC1234567",
                "phone_numbers": "+593 99 123 4567",
            },
        ],
    }
    data.update(overrides)
    return data


def nothing_saved() -> bool:
    return not any(
        model.objects.exists() for model in (Seizure, Container, SeizedItem, PortCall, Party)
    )


# Access -------------------------------------------------------------------------------------


def test_it_gives_a_token_for_username_and_password_and_lists_own_seizures_with_it(
    officer, other_officer
):
    own = f.log_seizure(officer)
    f.log_seizure(other_officer, port=f.port("BEANR"))

    answer = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "officer", "password": f.PASSWORD},
        format="json",
    )
    assert answer.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    listing = client.get(LIST_URL)

    assert listing.status_code == 200
    assert [row["reference"] for row in listing.json()["results"]] == [own.reference]


def test_it_refuses_a_token_for_a_wrong_password(officer):
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": "officer", "password": "wrong"}, format="json"
    )
    assert answer.status_code == 400
    assert "token" not in answer.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "list"), ("post", "list"), ("get", "detail"), ("patch", "detail"), ("post", "submit")],
)
def test_it_lets_anonymous_people_do_nothing(seizure, method, path):
    url = {
        "list": LIST_URL,
        "detail": detail_url(seizure),
        "submit": detail_url(seizure) + "submit/",
    }[path]
    answer = getattr(APIClient(), method)(url, body(), format="json")
    assert answer.status_code in (401, 403)
    assert Seizure.objects.get().status == "draft"


def test_it_hides_other_units_seizures_everywhere(seizure, other_officer):
    client = client_for(other_officer)
    before = Seizure.objects.values().get()

    assert client.get(LIST_URL).json()["results"] == []
    assert client.get(detail_url(seizure)).status_code == 404
    assert client.put(detail_url(seizure), body(), format="json").status_code == 404
    assert client.patch(detail_url(seizure), {"terminal": "X"}, format="json").status_code == 404
    assert client.post(detail_url(seizure) + "submit/").status_code == 404
    assert Seizure.objects.values().get() == before


def test_it_answers_404_for_an_unknown_seizure(api):
    assert api.get(f"{LIST_URL}00000000-0000-4000-8000-000000000000/").status_code == 404


def test_it_forbids_logging_to_users_outside_a_control_unit(investigator):
    answer = client_for(investigator).post(LIST_URL, body(), format="json")
    assert answer.status_code == 403
    assert nothing_saved()


# Create -------------------------------------------------------------------------------------


def test_it_creates_a_seizure_with_all_its_parts_in_one_request(api, officer):
    answer = api.post(LIST_URL, body(), format="json")

    assert answer.status_code == 201, answer.json()
    seizure = Seizure.objects.get()
    assert answer.json()["public_id"] == str(seizure.public_id)
    assert seizure.unit == officer.unit
    assert seizure.status == "draft"
    assert list(seizure.containers.values_list("number", flat=True)) == [
        "CSQU3054383",
        "MSCU1234566",
    ]
    assert [(i.substance or i.category, str(i.quantity)) for i in seizure.items.all()] == [
        ("cocaine", "250.500"),
        ("cash", "12000.000"),
    ]
    assert list(seizure.port_calls.values_list("port_id", flat=True)) == [
        "ECGYE",
        "PAMIT",
        "BEANR",
    ]
    assert seizure.parties.count() == 2
    assert seizure.total_distance_km > 10000


def test_it_answers_with_every_fact_the_route_and_the_attachments_but_no_integer_ids(
    api, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    created = api.post(LIST_URL, body(), format="json").json()
    seizure = Seizure.objects.get()
    attachment = Attachment(
        seizure=seizure,
        kind="photo",
        original_name="bags.jpg",
        content_type="image/jpeg",
        size=4,
        sha256="a" * 64,
        uploaded_by=seizure.created_by,
    )
    attachment.file.save("x", ContentFile(b"\xff\xd8\xff\xe0"), save=False)
    attachment.save()

    shown = api.get(detail_url(seizure)).json()

    year = seizure.local_occurred_at.year
    assert shown["reference"] == created["reference"] == f"ECGYE-PCU-{year}-0001"
    assert shown["unit_code"] == "ECGYE-PCU"
    assert (shown["port"], shown["port_name"], shown["port_timezone"]) == (
        "ECGYE",
        "Guayaquil",
        "America/Guayaquil",
    )
    assert shown["occurred_at_local"].endswith("-05:00")
    assert shown["imo_number"] == "9074729"
    assert shown["commodities"] == ["cash", "cocaine", "drugs"]
    legs = [call["leg_distance_km"] for call in shown["port_calls"]]
    assert legs[0] is None and 1200 < legs[1] < 1400 and 8600 < legs[2] < 9000
    assert shown["total_distance_km"] == pytest.approx(legs[1] + legs[2], abs=0.2)
    assert [call["port_name"] for call in shown["port_calls"]] == [
        "Guayaquil",
        "Manzanillo",
        "Antwerp",
    ]
    assert shown["items"][0]["currency"] == "USD"
    assert shown["parties"][1]["identifiers"] == "Passport EC1234567"
    (photo,) = shown["attachments"]
    assert photo["public_id"] == str(attachment.public_id)
    assert photo["sha256"] == "a" * 64
    assert photo["download_url"].endswith(f"/seizures/attachments/{attachment.public_id}/")
    assert "file" not in photo
    text = json.dumps(shown)
    assert '"id"' not in text and '"pk"' not in text


def test_it_reads_a_time_without_offset_as_local_time_at_the_port(api):
    local = (timezone.now() - dt.timedelta(days=3)).replace(microsecond=0, tzinfo=None)
    answer = api.post(LIST_URL, body(occurred_at=local.isoformat()), format="json")

    assert answer.status_code == 201, answer.json()
    # Guayaquil is five hours behind UTC all year.
    assert Seizure.objects.get().occurred_at == (local + dt.timedelta(hours=5)).replace(
        tzinfo=dt.UTC
    )
    assert answer.json()["occurred_at_local"] == local.isoformat() + "-05:00"


def test_it_can_submit_at_creation(api):
    answer = api.post(LIST_URL, body(submit=True), format="json")
    assert answer.status_code == 201
    assert answer.json()["status"] == "submitted"


# Bad input ----------------------------------------------------------------------------------


def _set(data: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()
_FUTURE = "2999-01-01T00:00:00+00:00"  # fixed, so test ids match across xdist workers


@pytest.mark.parametrize(
    ("path", "value", "error_at"),
    [
        (("containers", 1, "number"), "MSCU1234567", ("containers", 1, "number")),
        (("containers", 0, "number"), "MSC1234566", ("containers", 0, "number")),
        (("imo_number",), "9074728", ("imo_number",)),
        (("port",), "XXZZZ", ("port",)),
        (("port_calls", 1, "port"), "ZZZZZ", ("port_calls", 1, "port")),
        (("port_calls", 1, "port"), 42, ("port_calls", 1, "port")),
        (("occurred_at",), _FUTURE, ("occurred_at",)),
        (("occurred_at",), "yesterday", ("occurred_at",)),
        (("items", 0, "quantity"), "-3", ("items", 0, "quantity")),
        (("items", 1, "quantity"), 0, ("items", 1, "quantity")),
        (("items", 0, "quantity"), "lots", ("items", 0, "quantity")),
        (("items", 0, "quantity_unit"), "tablet", ("items", 0, "quantity_unit")),
        (("items", 0, "substance"), "ephedrine", ("items", 0, "substance")),
        (("items", 0, "category"), "gold", ("items", 0, "category")),
        (("items",), [], ("items_all",)),
        (("items",), _DELETE, ("items_all",)),
        (("items",), "cocaine", ("items",)),
        (("items",), [1], ("items", 0, "non_field_errors")),
        (("containers",), {"number": "CSQU3054383"}, ("containers",)),
        (("detection_method",), _DELETE, ("detection_method",)),
        (("hs_code",), "08.03", ("hs_code",)),
        (("parties", 0, "name"), ["Frutas"], ("parties", 0, "name")),
        (("parties", 0, "country"), "XX", ("parties", 0, "country")),
        # PostgreSQL refuses NUL in a query parameter: it must be a 400, not a 500.
        (("parties", 0, "agency"), "Customs\x00", ("parties", 0, "agency")),
        (("port",), "EC\x00YE", ("port",)),
        (("port_calls", 2, "role"), "loading", ("port_calls_all",)),
    ],
)
def test_it_refuses_bad_input_at_the_right_field_and_saves_nothing(api, path, value, error_at):
    answer = api.post(LIST_URL, _set(body(), path, value), format="json")

    assert answer.status_code == 400
    errors = answer.json()
    for key in error_at:
        errors = errors[key]
    assert errors and all(isinstance(message, str) for message in errors)
    assert nothing_saved()


def test_it_keeps_good_rows_free_of_errors_beside_a_bad_one(api):
    data = _set(body(), ("containers", 1, "number"), "MSCU1234567")
    errors = api.post(LIST_URL, data, format="json").json()
    assert errors["containers"][0] == {}
    assert "Check digit of MSCU1234567 should be 6" in errors["containers"][1]["number"][0]


def test_it_refuses_text_no_database_can_store_and_still_answers_in_json(api):
    data = body(
        detection_method="\ud800",
        terminal="bad\x00",
        port_calls=[{"role": "loading", "port": "\ud800"}],
    )
    # json.dumps escapes the lone surrogate as \ud800, as any JSON client may send it.
    answer = api.post(LIST_URL, json.dumps(data), content_type="application/json")

    assert answer.status_code == 400
    assert {"detection_method", "terminal", "port_calls"} <= set(answer.json())
    assert nothing_saved()


def test_it_refuses_a_body_that_is_not_an_object(api):
    answer = api.post(LIST_URL, "[1, 2]", content_type="application/json")
    assert answer.status_code == 400
    assert nothing_saved()


def test_it_refuses_a_body_nested_too_deep_for_the_parser(api):
    answer = api.post(LIST_URL, "[" * 50_000 + "]" * 50_000, content_type="application/json")
    assert answer.status_code == 400


# Update and submit --------------------------------------------------------------------------


def test_it_replaces_the_parts_given_on_put_and_keeps_the_others(api, seizure):
    data = body(
        terminal="South",
        items=[
            {"category": "drugs", "substance": "heroin", "quantity": "12", "quantity_unit": "kg"}
        ],
        port_calls=[
            {"role": "loading", "port": "COCTG"},
            {"role": "discharge", "port": "ESALG"},
        ],
    )
    del data["containers"], data["parties"]

    answer = api.put(detail_url(seizure), data, format="json")

    assert answer.status_code == 200, answer.json()
    seizure = Seizure.objects.get(pk=seizure.pk)
    assert seizure.terminal == "South"
    assert [i.substance for i in seizure.items.all()] == ["heroin"]
    assert seizure.commodities == ["drugs", "heroin"]
    assert list(seizure.port_calls.values_list("port_id", flat=True)) == ["COCTG", "ESALG"]
    assert 7000 < seizure.total_distance_km < 8000
    assert list(seizure.containers.values_list("number", flat=True)) == ["CSQU3054383"]
    assert seizure.parties.get().name == "Frutas del Sol SA"
    assert answer.json()["reference"] == seizure.reference


def test_it_changes_only_what_a_patch_names(api, seizure):
    answer = api.patch(
        detail_url(seizure), {"containers": [{"number": "MSCU1234566"}]}, format="json"
    )

    assert answer.status_code == 200, answer.json()
    seizure = Seizure.objects.get(pk=seizure.pk)
    assert list(seizure.containers.values_list("number", flat=True)) == ["MSCU1234566"]
    assert seizure.terminal == "Contecon"
    assert seizure.items.count() == 1
    assert seizure.port_calls.count() == 3


def test_it_refuses_a_bad_update_and_keeps_the_seizure_as_it_was(api, seizure):
    answer = api.patch(
        detail_url(seizure),
        {
            "terminal": "New",
            "items": [{"category": "cash", "quantity": "-1", "quantity_unit": "kg"}],
        },
        format="json",
    )

    assert answer.status_code == 400
    assert "quantity" in answer.json()["items"][0]
    assert "quantity_unit" in answer.json()["items"][0]
    seizure = Seizure.objects.get(pk=seizure.pk)
    assert seizure.terminal == "Contecon"
    assert [i.substance for i in seizure.items.all()] == ["cocaine"]


def test_it_submits_a_draft_once(api, seizure):
    first = api.post(detail_url(seizure) + "submit/")
    assert first.status_code == 200
    assert first.json()["status"] == "submitted"
    assert first.json()["submitted_at"]

    second = api.post(detail_url(seizure) + "submit/")
    assert second.status_code == 400
    assert second.json()["non_field_errors"]
    seizure = Seizure.objects.get(pk=seizure.pk)
    assert seizure.status == "submitted"


# List ---------------------------------------------------------------------------------------


def test_it_filters_the_list_like_the_pages(api, officer):
    now = timezone.now()
    old_cocaine = f.log_seizure(officer, occurred_at=now - dt.timedelta(days=40))
    cash_parts = f.seizure_parts(
        items=[
            {"category": "cash", "quantity": 100, "quantity_unit": "currency", "currency": "USD"}
        ],
        containers=[{"number": "MSCU1234566"}],
    )
    new_cash = f.log_seizure(
        officer,
        parts=cash_parts,
        submit=True,
        occurred_at=now - dt.timedelta(days=1),
        port=f.port("PAMIT"),
        vessel_name="Nordic Star",
        bill_of_lading="HLCU999",
    )

    def refs(**params) -> list[str]:
        answer = api.get(LIST_URL, params)
        assert answer.status_code == 200, answer.json()
        return [row["reference"] for row in answer.json()["results"]]

    both = [new_cash.reference, old_cocaine.reference]
    assert refs() == both
    assert refs(commodity="cocaine") == [old_cocaine.reference]
    assert refs(commodity="cash") == [new_cash.reference]
    assert refs(status="submitted") == [new_cash.reference]
    assert refs(port="pamit") == [new_cash.reference]
    assert refs(q="nordic") == [new_cash.reference]
    assert refs(q="hlcu999") == [new_cash.reference]
    assert refs(q="MSCU 123456") == [new_cash.reference]
    assert refs(q=old_cocaine.reference) == [old_cocaine.reference]
    week_ago = (now - dt.timedelta(days=7)).date().isoformat()
    assert refs(occurred_after=week_ago) == [new_cash.reference]
    assert refs(occurred_before=week_ago) == [old_cocaine.reference]
    assert api.get(LIST_URL, {"status": "lost"}).status_code == 400


def test_it_pages_the_list_with_a_cursor(api, officer, monkeypatch):
    for days in range(3):
        f.log_seizure(officer, occurred_at=timezone.now() - dt.timedelta(days=days + 1))
    monkeypatch.setattr(SeizurePagination, "page_size", 2)

    first = api.get(LIST_URL).json()
    second = api.get(first["next"]).json()

    references = [row["reference"] for row in first["results"] + second["results"]]
    assert references == list(
        Seizure.objects.order_by("-occurred_at").values_list("reference", flat=True)
    )
    assert second["next"] is None


def _list_queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(LIST_URL)
    assert answer.status_code == 200
    return len(queries), len(answer.json()["results"])


def test_it_lists_in_a_fixed_number_of_queries(api, officer, django_assert_max_num_queries):
    for _ in range(3):
        f.log_seizure(officer)
    with django_assert_max_num_queries(10):
        few, shown = _list_queries(api)
    assert shown == 3

    for _ in range(37):
        f.log_seizure(officer)
    with django_assert_max_num_queries(10):
        many, shown = _list_queries(api)
    assert shown == 40
    assert many == few
