"""An officer at the port logs a seizure through the browser and finds it in the list."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from seizures.models import Seizure

from .. import factories as f

pytestmark = pytest.mark.browser


def test_an_officer_logs_and_submits_a_seizure_and_finds_it_in_the_list(page):
    for code in ("ECGYE", "PAMIT", "BEANR"):
        f.port(code)
    f.UserFactory(username="maria", unit=f.pcu("ECGYE"))
    day = (timezone.now().astimezone(ZoneInfo("America/Guayaquil")) - dt.timedelta(days=1)).date()

    page.goto("/seizures/new/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Log a seizure")).to_be_visible()
    expect(page.locator("#id_port")).to_have_value("ECGYE")
    expect(page.locator("#id_occurred_time_helptext")).to_contain_text("America/Guayaquil")

    page.locator("#id_occurred_date").fill(day.isoformat())
    page.locator("#id_occurred_time").fill("06:15")
    page.locator("#id_detection_method").select_option("scanner")
    page.locator("#id_vessel_name").fill("MSC Example")
    page.locator("#id_imo_number").fill("9074729")
    page.locator("#id_concealment_method").select_option("rip_on")

    page.locator("#id_containers-0-number").fill("CSQU3054383")
    page.locator("#id_containers-0-seal_numbers").fill("ML-123456")

    page.locator("#id_items-0-category").select_option("drugs")
    page.locator("#id_items-0-substance").select_option("cocaine")
    page.locator("#id_items-0-quantity").fill("250.5")
    page.locator("#id_items-0-quantity_unit").select_option("kg")
    # The second item row comes from the page's script, without a round trip.
    page.get_by_role("button", name="Add an item").click()
    expect(page.locator("#id_items-TOTAL_FORMS")).to_have_value("2")
    page.locator("#id_items-1-category").select_option("cash")
    page.locator("#id_items-1-quantity").fill("48000")
    page.locator("#id_items-1-quantity_unit").select_option("currency")
    page.locator("#id_items-1-currency").fill("USD")

    # The route's roles are offered in the usual order; ports come from the suggestions.
    page.locator("#id_port_calls-0-port").fill("ECGYE")
    page.locator("#id_port_calls-1-port").fill("PAMIT")
    page.locator("#id_port_calls-2-port").fill("Antw")
    expect(page.locator("#port-options option[value='BEANR']")).to_have_count(1)
    page.locator("#id_port_calls-2-port").fill("BEANR")

    page.get_by_role("button", name="Submit", exact=True).click()

    expect(page.locator(".message-success")).to_contain_text("submitted")
    seizure = Seizure.objects.get()
    assert seizure.status == "submitted"
    assert seizure.items.count() == 2
    assert [c.port_id for c in seizure.port_calls.all()] == ["ECGYE", "PAMIT", "BEANR"]
    assert seizure.occurred_at == dt.datetime.combine(day, dt.time(11, 15), tzinfo=dt.UTC)

    page.goto("/seizures/")
    expect(page.get_by_text(seizure.reference)).to_be_visible()
    assert page.problems == []
