"""A period is chosen in the ports' own calendars: the date a seizure's port lived it.

A seizure at 23:30 on 31 January in Guayaquil (UTC-5) is 1 February in UTC, and one at
00:30 on 1 March in Antwerp (UTC+1) is still 28 February there: the lists date them by the
port, so every filter, figure and period line must too.
"""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from casetracker.core.gazetteer import ports_load
from casetracker.core.models import Port
from seizures import services
from seizures.models import Seizure
from tests import factories as f

from .conftest import antwerp_heroin

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reporting:dashboard")
LIST = reverse("reporting:seizures")
COHORT_API = "/api/v1/evaluation/cohort/"
JANUARY, FEBRUARY, MARCH = (
    ("2026-01-01", "2026-01-31"),
    ("2026-02-01", "2026-02-28"),
    ("2026-03-01", "2026-03-31"),
)


@pytest.fixture
def at_midnight(officer, other_officer):
    guayaquil = f.log_seizure(
        officer, submit=True, occurred_at=dt.datetime(2026, 2, 1, 4, 30, tzinfo=dt.UTC)
    )
    antwerp = antwerp_heroin(
        other_officer, submit=True, occurred_at=dt.datetime(2026, 2, 28, 23, 30, tzinfo=dt.UTC)
    )
    return guayaquil, antwerp


def seizures_counted(html: str) -> str:
    return re.search(r'data-count="seizures">([^<]*)<', html).group(1)


def test_each_seizure_keeps_its_date_at_its_port(at_midnight):
    guayaquil, antwerp = at_midnight

    assert guayaquil.occurred_on == dt.date(2026, 1, 31)
    assert antwerp.occurred_on == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("period", "expected"), [(JANUARY, {"GYE"}), (FEBRUARY, set()), (MARCH, {"ANR"})]
)
def test_the_dashboard_the_list_and_the_api_choose_a_period_in_the_ports_calendars(
    client, evaluator, at_midnight, period, expected
):
    guayaquil, antwerp = at_midnight
    wanted = {{"GYE": guayaquil, "ANR": antwerp}[name].reference for name in expected}
    client.force_login(evaluator)
    first, last = period

    listed = client.get(LIST, {"date_from": first, "date_to": last}).content.decode()
    dashboard = client.get(DASHBOARD, {"date_from": first, "date_to": last}).content.decode()
    api = client.get(COHORT_API, {"occurred_after": first, "occurred_before": last})

    assert {s.reference for s in at_midnight if s.reference in listed} == wanted
    assert seizures_counted(dashboard).split()[0] == str(len(wanted))
    assert api.json()["seizures"] == len(wanted)


def test_the_dashboards_period_line_gives_the_first_and_last_day_at_the_ports(
    client, evaluator, at_midnight
):
    client.force_login(evaluator)

    html = client.get(DASHBOARD).content.decode()

    # 31 January (Guayaquil) to 1 March (Antwerp); in UTC it would read 1 Feb - 28 Feb.
    assert '<span class="dash-period">31 Jan 2026 – 1 Mar 2026</span>' in html


def test_a_units_own_list_filters_by_the_date_at_its_port(client, officer, at_midnight):
    guayaquil, _antwerp = at_midnight
    client.force_login(officer)

    january = client.get(
        reverse("seizures:list"), {"date_from": "2026-01-31", "date_to": "2026-01-31"}
    )
    february = client.get(reverse("seizures:list"), {"date_from": "2026-02-01"})

    assert guayaquil.reference in january.content.decode()
    assert guayaquil.reference not in february.content.decode()


def test_the_date_follows_a_corrected_port_or_instant(officer):
    seizure = f.log_seizure(officer, occurred_at=dt.datetime(2026, 2, 1, 4, 30, tzinfo=dt.UTC))
    assert seizure.occurred_on == dt.date(2026, 1, 31)  # 23:30 in Guayaquil

    services.seizure_update(user=officer, seizure=seizure, fields={"port": f.port("BEANR")})
    assert Seizure.objects.get(pk=seizure.pk).occurred_on == dt.date(2026, 2, 1)  # 05:30

    seizure = Seizure.objects.get(pk=seizure.pk)
    seizure.occurred_at = dt.datetime(2026, 2, 1, 23, 30, tzinfo=dt.UTC)  # 00:30 on the 2nd
    seizure.save(update_fields=["occurred_at"])
    assert Seizure.objects.get(pk=seizure.pk).occurred_on == dt.date(2026, 2, 2)


@pytest.mark.parametrize("how", ["admin", "gazetteer"])
def test_a_corrected_time_zone_redates_the_ports_seizures(officer, tmp_path, how):
    seizure = f.log_seizure(officer, occurred_at=dt.datetime(2026, 2, 1, 4, 30, tzinfo=dt.UTC))
    # 21:00 on 31 January at Antwerp; it would be 1 February in Shanghai.
    elsewhere = antwerp_heroin(officer, occurred_at=dt.datetime(2026, 1, 31, 20, tzinfo=dt.UTC))
    port = Port.objects.get(pk="ECGYE")
    port.timezone = "Asia/Shanghai"  # 12:30 on 1 February there
    if how == "admin":
        port.save()
    else:
        row = {name: getattr(port, name) for name in ("locode", "name", "subdivision")}
        row |= {"country": "EC", "latitude": port.latitude, "longitude": port.longitude}
        row |= {"timezone": port.timezone, "aliases": port.aliases}
        path = tmp_path / "ports.json"
        path.write_text(json.dumps([row]), encoding="utf-8")
        assert ports_load(path=path).updated == 1

    assert Seizure.objects.get(pk=seizure.pk).occurred_on == dt.date(2026, 2, 1)
    assert Seizure.objects.get(pk=elsewhere.pk).occurred_on == dt.date(2026, 1, 31)
