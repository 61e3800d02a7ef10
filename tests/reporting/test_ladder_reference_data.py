"""The kept ladder follows corrections of the reference data it reads: a port's time zone
and country, a recipient's country and kind, its unit's kind. After each edit the kept rows
equal what ``ladder_rebuild`` gives; many seizures are refreshed in the background."""

import datetime as dt

import pytest
from django.utils import timezone

from casetracker.core.choices import UnitKind
from casetracker.reporting import ladder, receivers
from casetracker.reporting.choices import Flag
from casetracker.reporting.models import ReferralProgress, SeizureProgress
from referrals.choices import OutcomeKind, RecipientKind
from referrals.models import Recipient

from .. import factories as f
from .test_ladder_kept import record, refer

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
SEIZED = NOW - dt.timedelta(days=40)


def kept() -> tuple[list, list]:
    return (
        sorted(SeizureProgress.objects.values(), key=lambda row: row["seizure_id"]),
        sorted(ReferralProgress.objects.values(), key=lambda row: row["referral_id"]),
    )


def rebuilt_equals_kept() -> bool:
    before = kept()
    ladder.rebuild()
    return before == kept()


@pytest.fixture
def recipient(investigator):
    return Recipient.objects.create(
        name="Antinarcóticos", kind=RecipientKind.UNIT, unit=investigator.unit, country="EC"
    )


@pytest.fixture
def followed(officer, recipient):
    """A Guayaquil seizure referred 30 days ago, with arrests dated 20 days ago: the
    arrests count from the start of that day at the port."""
    seizure = f.log_seizure(officer, submit=True, occurred_at=SEIZED)
    referral = refer(seizure, recipient, SEIZED + dt.timedelta(days=10))
    record(referral, OutcomeKind.ARREST, (NOW - dt.timedelta(days=20)).date())
    return seizure


def test_a_ports_time_zone_corrected_moves_its_seizures_dates(followed):
    before = SeizureProgress.objects.get(pk=followed.pk).arrested_at
    port = followed.port
    port.timezone = "Asia/Tokyo"
    port.save()
    assert SeizureProgress.objects.get(pk=followed.pk).arrested_at != before
    assert rebuilt_equals_kept()


def test_a_ports_country_corrected_makes_its_referrals_international(followed):
    assert not SeizureProgress.objects.get(pk=followed.pk).international_at
    port = followed.port
    port.country = "PE"
    port.save()
    assert SeizureProgress.objects.get(pk=followed.pk).international_at
    assert rebuilt_equals_kept()


def test_a_recipients_country_corrected_makes_the_referral_international(followed, recipient):
    recipient.country = "CO"
    recipient.save()
    assert getattr(SeizureProgress.objects.get(pk=followed.pk), Flag.INTERNATIONAL.value)
    assert rebuilt_equals_kept()


def test_a_recipient_unit_no_longer_investigating_stops_counting(followed, investigator):
    unit = investigator.unit
    unit.kind = UnitKind.PORT_CONTROL
    unit.save()
    assert not SeizureProgress.objects.filter(pk=followed.pk).exists()
    assert rebuilt_equals_kept()


def test_an_edit_that_changes_nothing_the_ladder_reads_refreshes_nothing(followed, monkeypatch):
    refreshed = []
    monkeypatch.setattr(ladder, "refresh", refreshed.append)
    port = followed.port
    port.name = "Guayaquil (Puerto Marítimo)"
    port.save()
    assert refreshed == []


def test_many_seizures_are_refreshed_in_the_background_after_commit(
    followed, officer, recipient, monkeypatch, django_capture_on_commit_callbacks
):
    other = f.log_seizure(officer, submit=True, occurred_at=SEIZED)
    record(refer(other, recipient, SEIZED + dt.timedelta(days=1)), OutcomeKind.ARREST, NOW.date())
    monkeypatch.setattr(receivers, "REFRESH_INLINE_MAX", 0)
    monkeypatch.setattr(receivers, "REFRESH_CHUNK", 1)
    stale = kept()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recipient.country = "CO"
        recipient.save()
    assert kept() == stale  # nothing done in the edit's transaction
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: one task per chunk, run eagerly here
    assert kept() != stale
    assert rebuilt_equals_kept()


def test_a_time_zone_corrected_by_a_gazetteer_load_moves_the_dates_too(followed):
    # The gazetteer writes ports in bulk (no save signal) and announces the corrections.
    from casetracker.core.models import Port
    from casetracker.core.signals import ports_rezoned

    Port.objects.filter(pk=followed.port_id).update(timezone="Asia/Tokyo")
    ports_rezoned.send(sender=Port, locodes=[followed.port_id])
    assert rebuilt_equals_kept()
