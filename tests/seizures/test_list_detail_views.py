import base64
import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from seizures.choices import CommodityCategory, QuantityUnit, Substance

from .. import factories as f

LIST_URL = reverse("seizures:list")


def _references(response) -> set[str]:
    return set(re.findall(r"ECGYE-PCU-\d{4}-\d{4}", response.content.decode()))


def _items(category, substance="", unit=QuantityUnit.KILOGRAM, quantity="10"):
    return [
        {
            "category": category,
            "substance": substance,
            "quantity": Decimal(quantity),
            "quantity_unit": unit,
        }
    ]


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


# --- list --------------------------------------------------------------------------------


def test_it_lists_the_units_own_seizures(officer_client, seizure):
    response = officer_client.get(LIST_URL)
    assert response.status_code == 200
    assert _references(response) == {seizure.reference}
    body = response.content.decode()
    assert "Cocaine" in body
    assert "CSQU3054383" in body
    assert "Draft" in body


def test_it_shows_another_units_officer_none_of_them(client, seizure, other_officer):
    client.force_login(other_officer)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert seizure.reference not in response.content.decode()


def test_it_shows_the_time_in_the_ports_time_zone(officer_client, officer):
    # 03:30 UTC is 22:30 the day before in Guayaquil (UTC-5).
    occurred = timezone.now().replace(hour=3, minute=30, second=0, microsecond=0)
    occurred -= dt.timedelta(days=3)
    f.log_seizure(officer, occurred_at=occurred)
    local = occurred - dt.timedelta(hours=5)
    body = officer_client.get(LIST_URL).content.decode()
    assert "10:30 p.m." in body
    assert local.strftime("%m/%d/%Y") in body


def test_it_filters_by_period(officer_client, officer):
    now = timezone.now()
    old = f.log_seizure(officer, occurred_at=now - dt.timedelta(days=40))
    recent = f.log_seizure(officer, occurred_at=now - dt.timedelta(days=2))
    since = (now - dt.timedelta(days=10)).date().isoformat()
    assert _references(officer_client.get(LIST_URL, {"date_from": since})) == {recent.reference}
    assert _references(officer_client.get(LIST_URL, {"date_to": since})) == {old.reference}


def test_it_filters_by_commodity_category_and_substance(officer_client, officer):
    cocaine = f.log_seizure(officer)
    base = f.log_seizure(
        officer,
        parts=f.seizure_parts(items=_items(CommodityCategory.DRUGS, Substance.COCAINE_BASE)),
    )
    cigarettes = f.log_seizure(
        officer,
        parts=f.seizure_parts(
            items=_items(CommodityCategory.CIGARETTES, unit=QuantityUnit.STICK, quantity="5000")
        ),
    )
    assert _references(officer_client.get(LIST_URL, {"commodity": "cocaine"})) == {
        cocaine.reference
    }
    assert _references(officer_client.get(LIST_URL, {"commodity": "drugs"})) == {
        cocaine.reference,
        base.reference,
    }
    assert _references(officer_client.get(LIST_URL, {"commodity": "cigarettes"})) == {
        cigarettes.reference
    }


def test_it_filters_by_status(officer_client, officer):
    draft = f.log_seizure(officer)
    submitted = f.log_seizure(officer, submit=True)
    assert _references(officer_client.get(LIST_URL, {"status": "submitted"})) == {
        submitted.reference
    }
    assert _references(officer_client.get(LIST_URL, {"status": "draft"})) == {draft.reference}


def test_it_filters_by_port(officer_client, officer):
    at_home = f.log_seizure(officer)
    elsewhere = f.log_seizure(officer, port=f.port("COCTG"))
    assert _references(officer_client.get(LIST_URL, {"port": "coctg"})) == {elsewhere.reference}
    assert _references(officer_client.get(LIST_URL, {"port": "ECGYE"})) == {at_home.reference}


@pytest.mark.parametrize(
    "term",
    ["CSQU 305438-3", "csqu3054383", "CSQU"],
    ids=["spaced-and-dashed", "lower-case", "owner-code"],
)
def test_it_finds_a_seizure_by_container_number_as_people_type_it(officer_client, officer, term):
    wanted = f.log_seizure(officer)
    f.log_seizure(officer, parts=f.seizure_parts(containers=[{"number": "MSCU1234566"}]))
    assert _references(officer_client.get(LIST_URL, {"q": term})) == {wanted.reference}


def test_it_finds_a_seizure_by_reference_bill_of_lading_and_vessel(officer_client, officer):
    first = f.log_seizure(officer, bill_of_lading="BL-ONE", vessel_name="Maersk Alpha")
    second = f.log_seizure(officer, bill_of_lading="BL-TWO", vessel_name="CMA CGM Beta")
    assert _references(officer_client.get(LIST_URL, {"q": first.reference})) == {first.reference}
    assert _references(officer_client.get(LIST_URL, {"q": "bl-two"})) == {second.reference}
    assert _references(officer_client.get(LIST_URL, {"q": "alpha"})) == {first.reference}
    assert _references(officer_client.get(LIST_URL, {"q": "nothing-like-this"})) == set()


def _log_many(officer, count):
    now = timezone.now()
    return [
        f.log_seizure(officer, occurred_at=now - dt.timedelta(days=1, minutes=i))
        for i in range(count)
    ]


def test_it_pages_by_fifty_and_keeps_the_filters_in_the_links(officer_client, officer):
    seizures = _log_many(officer, 52)
    first = officer_client.get(LIST_URL, {"status": "draft", "q": "MSC"})
    assert len(_references(first)) == 50
    body = first.content.decode().replace("&amp;", "&")
    next_link = re.search(r'<a rel="next" href="([^"]+)"', body).group(1)
    assert "status=draft" in next_link
    assert "q=MSC" in next_link
    assert "older=" in next_link
    second = officer_client.get(LIST_URL + next_link)
    # The two oldest are on the older page, nothing else.
    assert _references(second) == {s.reference for s in seizures[-2:]}
    body = second.content.decode().replace("&amp;", "&")
    assert 'rel="next"' not in body
    back_link = re.search(r'<a rel="prev" href="([^"]+)"', body).group(1)
    assert "status=draft" in back_link
    back = officer_client.get(LIST_URL + back_link)
    assert _references(back) == {s.reference for s in seizures[:50]}
    assert 'rel="prev"' not in back.content.decode()


def test_paging_is_exact_when_seizures_share_the_same_instant(officer_client, officer):
    instant = timezone.now() - dt.timedelta(days=1)
    seizures = [f.log_seizure(officer, occurred_at=instant) for _ in range(53)]
    first = officer_client.get(LIST_URL)
    body = first.content.decode().replace("&amp;", "&")
    older = officer_client.get(LIST_URL + re.search(r'rel="next" href="([^"]+)"', body).group(1))
    seen = _references(first) | _references(older)
    assert len(_references(first)) == 50
    assert seen == {s.reference for s in seizures}


def test_it_runs_the_same_number_of_queries_for_3_or_60_seizures(
    officer_client, officer, django_assert_max_num_queries
):
    _log_many(officer, 3)
    with django_assert_max_num_queries(10) as few:
        assert len(_references(officer_client.get(LIST_URL, {"commodity": "drugs"}))) == 3
    _log_many(officer, 57)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_references(officer_client.get(LIST_URL, {"commodity": "drugs"}))) == 50


def test_it_sends_anonymous_visitors_to_log_in(client, seizure):
    for url in (LIST_URL, reverse("seizures:detail", args=[seizure.public_id])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


# --- detail ------------------------------------------------------------------------------


def test_it_shows_every_fact_of_the_seizure(officer_client, officer):
    parts = f.seizure_parts(
        containers=[{"number": "CSQU3054383", "seal_numbers": "ML-123456", "size_type": "45G1"}],
        items=[
            {
                "category": CommodityCategory.DRUGS,
                "substance": Substance.COCAINE,
                "quantity": Decimal("1250.5"),
                "quantity_unit": QuantityUnit.KILOGRAM,
                "estimated_value": Decimal("31262500"),
                "currency": "usd",
            }
        ],
        parties=[
            {
                "role": "consignee",
                "kind": "company",
                "name": "Import & Export BV",
                "country": "BE",
                "phone_numbers": "+32 3 555 0101",
            }
        ],
    )
    seizure = f.log_seizure(
        officer,
        parts=parts,
        concealment_details="Behind the cooling unit",
        packaging_markings="Scorpion logo",
    )
    body = officer_client.get(reverse("seizures:detail", args=[seizure.public_id])).content
    body = body.decode()
    for fact in (
        seizure.reference,
        "Guayaquil",
        "Contecon",
        "America/Guayaquil",
        "Risk profiling",
        "MSC Example",
        "9074729",
        "FA245N",
        "MEDUGY123456",
        "CSQU3054383",
        "ML-123456",
        "45G1",
        "Bananas",
        "080390",
        "Behind the cooling unit",
        "Scorpion logo",
        "Import &amp; Export BV",
        "Belgium",
        "+32 3 555 0101",
        "Consignee",
        "Cocaine",
        "1,250.5",
        "kilograms",
        "31,262,500.00 USD",
    ):
        assert fact in body, fact


def test_it_lists_the_route_with_leg_and_total_distances(officer_client, seizure):
    body = officer_client.get(reverse("seizures:detail", args=[seizure.public_id])).content
    body = body.decode()
    legs = [call.leg_distance_km for call in seizure.port_calls.all()]
    for km in (legs[1], legs[2], seizure.total_distance_km):
        assert f"{round(km):,} km" in body
    for role in ("Port of loading", "Transhipment", "Port of discharge"):
        assert role in body


def test_it_draws_the_route_as_inline_svg_with_codes_and_distances(officer_client, seizure):
    body = officer_client.get(reverse("seizures:detail", args=[seizure.public_id])).content
    body = body.decode()
    svgs = re.findall(r"<svg.*?</svg>", body, re.S)
    assert len(svgs) == 2
    leg = round(list(seizure.port_calls.all())[2].leg_distance_km)
    for svg in svgs:
        for locode in ("ECGYE", "PAMIT", "BEANR"):
            assert locode in svg
        assert f"{leg:,} km" in svg
    assert "style=" not in body


def test_it_formats_numbers_in_the_users_language(officer_client, seizure):
    officer_client.cookies["django_language"] = "fr"
    body = officer_client.get(
        reverse("seizures:detail", args=[seizure.public_id]), headers={"accept-language": "fr"}
    ).content.decode()
    assert "250,5" in body


def test_it_offers_edit_and_submit_on_a_draft_to_its_unit(officer_client, seizure):
    body = officer_client.get(reverse("seizures:detail", args=[seizure.public_id])).content
    body = body.decode()
    assert reverse("seizures:edit", args=[seizure.public_id]) in body
    assert f'action="{reverse("seizures:submit", args=[seizure.public_id])}"' in body


def test_it_offers_no_submit_once_submitted(officer_client, officer):
    seizure = f.log_seizure(officer, submit=True)
    body = officer_client.get(reverse("seizures:detail", args=[seizure.public_id])).content
    assert reverse("seizures:submit", args=[seizure.public_id]) not in body.decode()


def test_it_answers_404_to_another_units_officer(client, seizure, other_officer):
    client.force_login(other_officer)
    assert client.get(reverse("seizures:detail", args=[seizure.public_id])).status_code == 404


def test_it_answers_404_for_an_unknown_seizure(officer_client):
    assert officer_client.get(reverse("seizures:detail", args=[uuid.uuid4()])).status_code == 404


def test_it_explains_a_bad_date_and_ignores_a_bad_page_cursor(officer_client, seizure):
    response = officer_client.get(LIST_URL, {"date_from": "31/02/2026", "older": "abc%%"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a valid date." in body
    assert seizure.reference in body


def test_it_accepts_the_last_day_of_the_calendar_as_an_end_date(officer_client, seizure):
    response = officer_client.get(reverse("seizures:list"), {"date_to": "9999-12-31"})
    assert response.status_code == 200
    assert seizure.reference in response.content.decode()


def test_paging_links_name_a_seizure_by_its_reference_never_its_database_id(
    officer_client, officer
):
    seizures = _log_many(officer, 51)
    body = officer_client.get(LIST_URL).content.decode().replace("&amp;", "&")
    cursor = re.search(r'rel="next" href="[^"]*older=([^"&]+)', body).group(1)
    position = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    last_shown = seizures[49]
    assert position.endswith(f"|{last_shown.reference}")
    assert f"|{last_shown.pk}" not in position
