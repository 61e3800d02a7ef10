"""The ladder on a seizure's page: overall and per referral, read off the kept rows at a
fixed cost, each referral only for those who may see it."""

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casetracker.reporting.models import SeizureProgress
from casetracker.reporting.panel import ladder_panel
from referrals.choices import OutcomeKind
from seizures import sharing

from .test_ladder_kept import NOW, build_world, move, record, refer, seize

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(officer, other_officer, investigator):
    return build_world(officer, other_officer, investigator)


def page_of(client, user, seizure) -> str:
    client.force_login(user)
    response = client.get(reverse("seizures:detail", kwargs={"public_id": seizure.public_id}))
    assert response.status_code == 200
    text = response.content.decode()
    return text[text.index('id="ladder"') :]


def test_the_seizing_unit_sees_the_ladder_its_dates_flags_clocks_and_each_referral(
    client, world, officer
):
    rec = world["recipients"]
    seizure = seize(officer, NOW - dt.timedelta(days=20))
    to_inv = refer(seizure, rec["inv"], seizure.occurred_at + dt.timedelta(hours=6))
    to_inv = move(to_inv, "acknowledge", at=seizure.occurred_at + dt.timedelta(hours=18))
    to_ext = refer(seizure, rec["ext"], seizure.occurred_at + dt.timedelta(hours=8))
    record(to_ext, OutcomeKind.ARREST, (NOW - dt.timedelta(days=5)).date())

    panel = page_of(client, officer, seizure)

    assert "Rung 5 of 8: Arrests." in panel
    assert 'aria-current="step"' in panel
    assert "Stalled" not in panel
    assert "yes: International" in panel and "no: Forensics done" in panel
    assert "6.0" in panel and "12.0" in panel  # hours to referral, then to acknowledgement
    assert "Antinarcóticos" in panel and "Policía Nacional Colombia" in panel
    assert "rung 2: Acknowledged" in panel and "rung 5: Arrests" in panel
    assert panel.count('class="ladder"') == 3  # overall and one per referral


def test_a_recipient_sees_the_overall_ladder_but_only_its_own_referral(
    client, world, officer, investigator
):
    rec = world["recipients"]
    seizure = seize(officer, NOW - dt.timedelta(days=20))
    refer(seizure, rec["inv"], seizure.occurred_at + dt.timedelta(hours=6))
    refer(seizure, rec["ext"], seizure.occurred_at + dt.timedelta(hours=8))
    sharing.seizure_share(seizure=seizure, unit=investigator.unit, handling_level=1, by=officer)

    panel = page_of(client, investigator, seizure)

    assert "Rung 1 of 8: Referred." in panel
    assert "Antinarcóticos" in panel
    assert "Policía Nacional Colombia" not in panel


def test_a_seizure_without_progress_reads_logged_and_stalled_after_the_setting(
    client, world, officer, settings
):
    seizure = seize(officer, NOW - dt.timedelta(days=100))

    panel = page_of(client, officer, seizure)

    assert not SeizureProgress.objects.filter(pk=seizure.pk).exists()
    assert "Rung 0 of 8: Logged." in panel
    assert "Stalled" in panel and "No progress for more than 90 days." in panel
    settings.CASETRACKER_STALLED_DAYS = 120
    assert "Stalled" not in page_of(client, officer, seizure)


def test_a_withdrawn_referral_is_shown_as_not_counting(client, world, officer):
    seizure = seize(officer, NOW - dt.timedelta(days=3))
    referral = refer(seizure, world["recipients"]["inv"], NOW - dt.timedelta(days=2))
    move(referral, "withdraw", at=NOW - dt.timedelta(days=1), reason="Wrong unit.")

    panel = page_of(client, officer, seizure)

    assert "Rung 0 of 8: Logged." in panel
    assert "does not count" in panel


def test_a_draft_has_no_ladder(client, officer):
    from .. import factories as f

    draft = f.log_seizure(officer)
    client.force_login(officer)

    page = client.get(reverse("seizures:detail", kwargs={"public_id": draft.public_id}))

    assert 'id="ladder"' not in page.content.decode()


def test_the_panel_costs_the_same_queries_however_many_referrals(world, officer):
    rec = world["recipients"]
    one = seize(officer, NOW - dt.timedelta(days=9))
    refer(one, rec["inv"], NOW - dt.timedelta(days=8))
    many = seize(officer, NOW - dt.timedelta(days=9))
    for key in ("inv", "ncb", "be", "ext"):
        referral = refer(many, rec[key], NOW - dt.timedelta(days=8))
        record(referral, OutcomeKind.CHARGES, (NOW - dt.timedelta(days=2)).date())
    request = RequestFactory().get("/")
    request.user = officer

    counts = []
    for seizure in (one, many):
        assert seizure.port.timezone  # the page has loaded the port already
        with CaptureQueriesContext(connection) as queries:
            html = ladder_panel(request, seizure)
        counts.append(len(queries))
        assert 'id="ladder"' in html

    assert counts[0] == counts[1] == 2
