"""The ladder kept current as events happen, and rebuilt to the same values."""

import datetime as dt
import io
import random
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casetracker.core.choices import HandlingCode, UnitKind
from casetracker.reporting import ladder
from casetracker.reporting.choices import Flag, Rung
from casetracker.reporting.models import ReferralProgress, SeizureProgress
from forensics.choices import LinkStatus, TaskStatus
from forensics.models import ForensicTask, SeizureLink
from referrals import services as referral_services
from referrals.choices import Origin, OutcomeKind, RecipientKind, ReferralStatus
from referrals.models import Outcome, Recipient, Referral
from referrals.routing import deadlines
from seizures.models import Seizure

from .. import factories as f

pytestmark = pytest.mark.django_db

UTC = dt.UTC
BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = timezone.now()


# --- the world: Guayaquil and Antwerp refer to units at home, NCBs and counterparts abroad --


def unit(code, kind, country="EC"):
    return f.UnitFactory(code=code, kind=kind, port=None, country=country, name=code)


@pytest.fixture
def world(officer, other_officer, investigator):
    return build_world(officer, other_officer, investigator)


def build_world(officer, other_officer, investigator) -> dict:
    ncb = unit("EC-NCB", UnitKind.NCB)
    be_police = unit("BE-FGP", UnitKind.INVESTIGATING, "BE")
    recipients = {
        "inv": Recipient.objects.create(
            name="Antinarcóticos", kind=RecipientKind.UNIT, unit=investigator.unit, country="EC"
        ),
        "ncb": Recipient.objects.create(
            name="NCB Quito", kind=RecipientKind.UNIT, unit=ncb, country="EC", email="n@x.example"
        ),
        "be": Recipient.objects.create(
            name="FGP Antwerpen",
            kind=RecipientKind.UNIT,
            unit=be_police,
            country="BE",
            email="fgp@x.example",
        ),
        "ext": Recipient.objects.create(
            name="Policía Nacional Colombia",
            kind=RecipientKind.EXTERNAL,
            email="pnc@x.example",
            country="CO",
        ),
    }
    lab = unit("EC-LAB", UnitKind.FORENSIC_LAB)
    return {"recipients": recipients, "lab": lab, "officer": officer, "antwerp": other_officer}


def seize(officer, occurred_at, **fields):
    return f.log_seizure(officer, submit=True, occurred_at=occurred_at, **fields)


def refer(seizure, recipient, sent_at, **fields) -> Referral:
    referral = Referral(
        seizure=seizure,
        recipient=recipient,
        handling_code=HandlingCode.H1,
        origin=Origin.MANUAL,
        **deadlines(sent_at=sent_at, ack_hours=24, respond_days=7),
        **fields,
    )
    referral.save()
    return referral


def move(referral, transition, **kwargs) -> Referral:
    referral = Referral.objects.get(pk=referral.pk)
    getattr(referral, transition)(**kwargs)
    referral.save()
    return referral


def record(referral, kind, day) -> Outcome:
    return Outcome.objects.create(
        referral=referral,
        seizure_id=referral.seizure_id,
        kind=kind,
        occurred_on=day,
        justification="Reported by the case officer.",
        recorded_via="app",
    )


def report(seizure, lab, by, at) -> ForensicTask:
    return ForensicTask.objects.create(
        seizure=seizure,
        kind="drug_profiling",
        lab=lab,
        questions="Purity and profile.",
        status=TaskStatus.REPORTED,
        requested_by=by,
        requested_at=at - dt.timedelta(days=3),
        due_at=at + dt.timedelta(days=10),
        remind_at=at + dt.timedelta(days=5),
        reported_at=at,
        report_sha256="0" * 64,
    )


def link(a_task, b_task, at) -> SeizureLink:
    a, b = sorted([a_task, b_task], key=lambda t: t.seizure_id)
    return SeizureLink.objects.create(
        seizure_a_id=a.seizure_id,
        seizure_b_id=b.seizure_id,
        task_a=a,
        task_b=b,
        basis="drug_profile",
        value="P-1",
        status=LinkStatus.CONFIRMED,
        proposed_at=at - dt.timedelta(hours=1),
        decided_at=at,
    )


def kept() -> tuple[list, list]:
    seizures = sorted(SeizureProgress.objects.values(), key=lambda row: row["seizure_id"])
    referrals = sorted(ReferralProgress.objects.values(), key=lambda row: row["referral_id"])
    return seizures, referrals


def assert_rebuild_agrees() -> tuple[list, list]:
    before = kept()
    ladder.rebuild(batch=3)
    after = kept()
    assert before == after
    return after


# --- kept as events happen, equal to a rebuild ---------------------------------------------


def test_a_varied_history_is_kept_as_a_rebuild_computes_it(world):
    rec, lab = world["recipients"], world["lab"]
    officer, antwerp_officer = world["officer"], world["antwerp"]
    t0 = NOW - dt.timedelta(days=200)

    # 1. Never referred.
    quiet = seize(officer, t0)
    # 2. Several referrals: one declined beside one that went to charges.
    busy = seize(officer, t0 + dt.timedelta(hours=1))
    declined = refer(busy, rec["inv"], t0 + dt.timedelta(hours=3))
    declined = move(declined, "acknowledge", at=t0 + dt.timedelta(hours=5))
    declined = move(declined, "decline", at=t0 + dt.timedelta(hours=6), reason="no_link", text="")
    to_ncb = refer(busy, rec["ncb"], t0 + dt.timedelta(hours=4))
    to_ncb = move(to_ncb, "acknowledge", at=t0 + dt.timedelta(hours=30))
    to_ncb = move(to_ncb, "accept", at=t0 + dt.timedelta(hours=31))
    to_ncb = move(to_ncb, "open_investigation", at=t0 + dt.timedelta(days=3), case_number="N-7")
    record(to_ncb, OutcomeKind.SUSPECTS_IDENTIFIED, (t0 + dt.timedelta(days=10)).date())
    record(to_ncb, OutcomeKind.CHARGES, (t0 + dt.timedelta(days=40)).date())
    record(to_ncb, OutcomeKind.MLA_SENT, (t0 + dt.timedelta(days=20)).date())
    # 3. Rungs out of order: a conviction on a referral never acknowledged in the app.
    jumped = seize(officer, t0 + dt.timedelta(hours=2))
    abroad = refer(jumped, rec["ext"], t0 + dt.timedelta(days=1))
    record(abroad, OutcomeKind.CONVICTION, (t0 + dt.timedelta(days=90)).date())
    # 4. Withdrawn, then sent again.
    resent = seize(officer, t0 + dt.timedelta(hours=3))
    first = refer(resent, rec["inv"], t0 + dt.timedelta(days=1))
    move(first, "withdraw", at=t0 + dt.timedelta(days=2), reason="Wrong unit.")
    refer(resent, rec["inv"], t0 + dt.timedelta(days=5))
    # 5. Antwerp (another time zone): arrests and a confiscation, forensics, a link.
    antwerp = seize(antwerp_officer, t0, port=f.port("BEANR"))
    to_be = refer(antwerp, rec["be"], t0 + dt.timedelta(hours=2))
    arrest_day = (t0 + dt.timedelta(days=20)).date()
    record(to_be, OutcomeKind.ARREST, arrest_day)
    record(to_be, OutcomeKind.ASSETS_CONFISCATED, (t0 + dt.timedelta(days=60)).date())
    a_task = report(antwerp, lab, antwerp_officer, t0 + dt.timedelta(days=8))
    b_task = report(busy, lab, officer, t0 + dt.timedelta(days=9))
    link(a_task, b_task, t0 + dt.timedelta(days=12))

    seizures, referrals = assert_rebuild_agrees()

    rows = {row["seizure_id"]: row for row in seizures}
    assert quiet.pk not in rows
    assert rows[busy.pk]["rung"] == Rung.CHARGED
    assert rows[busy.pk]["acknowledged_at"] == t0 + dt.timedelta(hours=5)  # the declined one
    assert rows[busy.pk]["international_at"] == t0 + dt.timedelta(hours=30)  # NCB answered
    assert rows[busy.pk]["linked_at"] == t0 + dt.timedelta(days=12)
    assert rows[jumped.pk]["rung"] == Rung.CONVICTED
    assert rows[jumped.pk]["acknowledged_at"] == rows[jumped.pk]["convicted_at"]
    assert rows[resent.pk]["referred_at"] == t0 + dt.timedelta(days=5)
    assert rows[antwerp.pk]["rung"] == Rung.DISMANTLED
    brussels_midnight = dt.datetime.combine(arrest_day, dt.time.min, tzinfo=BRUSSELS)
    assert rows[antwerp.pk]["arrested_at"] == brussels_midnight.astimezone(UTC)
    assert rows[antwerp.pk]["arrested_at"].hour in (22, 23)  # the day before, in UTC
    assert rows[antwerp.pk]["international_at"] is None  # Belgian police, Belgian port
    assert rows[jumped.pk]["international_at"] == t0 + dt.timedelta(days=1)  # a counterpart
    assert rows[antwerp.pk]["forensics_at"] == t0 + dt.timedelta(days=8)
    assert {r["referral_id"]: r["counts"] for r in referrals}[first.pk] is False


def test_a_random_history_is_kept_as_a_rebuild_computes_it(world):
    rng = random.Random(6)
    rec = list(world["recipients"].values())
    officers = [world["officer"], world["antwerp"]]
    ports = {world["officer"].pk: "ECGYE", world["antwerp"].pk: "BEANR"}
    start = NOW - dt.timedelta(days=300)
    seizures = []
    for n in range(8):
        by = rng.choice(officers)
        seizures.append(seize(by, start + dt.timedelta(hours=n * 7), port=f.port(ports[by.pk])))
    kinds = list(OutcomeKind)
    for seizure in seizures:
        for recipient in rng.sample(rec, rng.randint(0, 3)):
            at = seizure.occurred_at + dt.timedelta(hours=rng.randint(1, 100))
            referral = refer(seizure, recipient, at)
            steps = rng.choice([[], ["acknowledge"], ["acknowledge", "accept"], ["withdraw"]])
            for step in steps:
                at += dt.timedelta(hours=rng.randint(1, 50))
                extra = {"reason": "Sent by mistake."} if step == "withdraw" else {}
                referral = move(referral, step, at=at, **extra)
            if referral.status == ReferralStatus.ACCEPTED and rng.random() < 0.7:
                at += dt.timedelta(days=rng.randint(1, 20))
                referral = move(referral, "open_investigation", at=at, case_number="K")
            for _ in range(rng.randint(0, 3)):
                day = (seizure.occurred_at + dt.timedelta(days=rng.randint(0, 200))).date()
                record(referral, rng.choice(kinds), day)

    seizures_kept, _referrals = assert_rebuild_agrees()

    assert len(seizures_kept) >= 4  # the script moved most of them


def test_the_real_services_keep_the_ladder_in_their_own_transaction(world, officer, investigator):
    seizure = seize(officer, NOW - dt.timedelta(days=1))
    referral = referral_services.referral_send(
        seizure=seizure,
        recipient=world["recipients"]["inv"],
        handling_code=HandlingCode.H1,
        ack_hours=24,
        respond_days=7,
        origin=Origin.MANUAL,
        reasons=[],
        by=officer,
    )
    assert SeizureProgress.objects.get(pk=seizure.pk).rung == Rung.REFERRED

    with pytest.raises(RuntimeError), transaction.atomic():
        referral_services.referral_acknowledge(actor=investigator, referral=referral)
        assert SeizureProgress.objects.get(pk=seizure.pk).rung == Rung.ACKNOWLEDGED
        raise RuntimeError("the event's transaction fails after the refresh")
    assert SeizureProgress.objects.get(pk=seizure.pk).rung == Rung.REFERRED

    referral_services.referral_accept(actor=investigator, referral=referral)
    referral_services.referral_open_investigation(
        actor=investigator, referral=referral, case_number="UA-2026-1"
    )
    row = SeizureProgress.objects.get(pk=seizure.pk)
    assert row.rung == Rung.INVESTIGATING
    assert row.acknowledged_at <= row.investigating_at
    assert ReferralProgress.objects.get(pk=referral.pk).rung == Rung.INVESTIGATING
    assert_rebuild_agrees()


def test_withdrawing_the_only_referral_takes_the_seizure_back_to_rung_zero(world, officer):
    seizure = seize(officer, NOW - dt.timedelta(days=3))
    referral = refer(seizure, world["recipients"]["inv"], NOW - dt.timedelta(days=2))
    assert SeizureProgress.objects.filter(pk=seizure.pk).exists()

    move(referral, "withdraw", at=NOW - dt.timedelta(days=1), reason="Wrong unit.")

    assert not SeizureProgress.objects.filter(pk=seizure.pk).exists()
    assert ReferralProgress.objects.get(pk=referral.pk).counts is False


def test_confirming_a_link_moves_both_seizures(world, officer):
    at = NOW - dt.timedelta(days=5)
    one, two = seize(officer, at), seize(officer, at)
    task_one = report(one, world["lab"], officer, at + dt.timedelta(days=1))
    task_two = report(two, world["lab"], officer, at + dt.timedelta(days=2))
    proposed = link(task_one, task_two, at + dt.timedelta(days=3))
    SeizureLink.objects.filter(pk=proposed.pk).update(status=LinkStatus.PROPOSED)
    ladder.rebuild()
    assert SeizureProgress.objects.get(pk=one.pk).linked_at is None

    proposed = SeizureLink.objects.get(pk=proposed.pk)
    proposed.confirm(at=at + dt.timedelta(days=4), by=officer, note="Same press.")
    proposed.save()

    for seizure in (one, two):
        row = SeizureProgress.objects.get(pk=seizure.pk)
        assert row.linked_at == at + dt.timedelta(days=4)
        assert row.forensics_at is not None and row.rung == Rung.LOGGED


def test_moving_the_seizures_time_moves_its_clocks(world, officer):
    seizure = seize(officer, NOW - dt.timedelta(days=3))
    refer(seizure, world["recipients"]["inv"], NOW - dt.timedelta(days=2))
    assert SeizureProgress.objects.get(pk=seizure.pk).hours_to_referral == pytest.approx(24)

    seizure = Seizure.objects.get(pk=seizure.pk)
    seizure.occurred_at = NOW - dt.timedelta(days=4)
    seizure.save(update_fields=["occurred_at"])

    assert SeizureProgress.objects.get(pk=seizure.pk).hours_to_referral == pytest.approx(48)


def test_a_save_of_fields_the_ladder_does_not_read_refreshes_nothing(world, officer):
    seizure = seize(officer, NOW - dt.timedelta(days=3))
    referral = refer(seizure, world["recipients"]["inv"], NOW - dt.timedelta(days=2))
    referral.ack_reminded_at = NOW

    with CaptureQueriesContext(connection) as queries:
        referral.save(update_fields=["ack_reminded_at"])

    touched = " ".join(query["sql"] for query in queries)
    assert "reporting_" not in touched and "seizures_seizure" not in touched


# --- stalled -------------------------------------------------------------------------------


def test_stalled_is_a_condition_on_the_last_progress(world, officer, settings):
    rec = world["recipients"]
    old = seize(officer, NOW - dt.timedelta(days=120))  # never referred
    fresh = seize(officer, NOW - dt.timedelta(days=10))
    moving = seize(officer, NOW - dt.timedelta(days=150))
    refer(moving, rec["inv"], NOW - dt.timedelta(days=30))
    stuck = seize(officer, NOW - dt.timedelta(days=150))
    refer(stuck, rec["inv"], NOW - dt.timedelta(days=149))
    done = seize(officer, NOW - dt.timedelta(days=400))
    record(
        refer(done, rec["inv"], NOW - dt.timedelta(days=399)),
        OutcomeKind.NETWORK_DISMANTLED,
        (NOW - dt.timedelta(days=300)).date(),
    )
    ours = Seizure.objects.filter(pk__in=[s.pk for s in (old, fresh, moving, stuck, done)])

    assert set(ladder.stalled(ours)) == {old, stuck}
    # Time alone makes a seizure stalled: nothing is stored for it.
    later = NOW + dt.timedelta(days=61)
    assert set(ladder.stalled(ours, now=later)) == {old, stuck, moving}
    settings.CASETRACKER_STALLED_DAYS = 200
    assert set(ladder.stalled(ours)) == set()
    settings.CASETRACKER_STALLED_DAYS = 90
    for seizure in ladder.with_ladder(ours):
        in_query = seizure in set(ladder.stalled(ours))
        assert ladder.is_stalled(seizure.ladder_rung, seizure.ladder_last_progress_at) == in_query


def test_with_ladder_reads_rung_zero_for_seizures_without_a_row(world, officer):
    quiet = seize(officer, NOW - dt.timedelta(days=2))

    annotated = ladder.with_ladder(Seizure.objects.filter(pk=quiet.pk)).get()

    assert annotated.ladder_rung == Rung.LOGGED
    assert annotated.ladder_last_progress_at == quiet.occurred_at


# --- the rebuild ---------------------------------------------------------------------------


def _history(world, count):
    rec = world["recipients"]
    for n in range(count):
        seizure = seize(world["officer"], NOW - dt.timedelta(days=50 + n))
        referral = refer(seizure, rec["ncb"], seizure.occurred_at + dt.timedelta(hours=5))
        referral = move(referral, "acknowledge", at=seizure.occurred_at + dt.timedelta(hours=9))
        record(referral, OutcomeKind.ARREST, (seizure.occurred_at + dt.timedelta(days=3)).date())


def test_the_rebuild_reads_in_bulk_whatever_the_batchs_size(world):
    _history(world, 2)
    with CaptureQueriesContext(connection) as small:
        ladder.rebuild(batch=1000)
    _history(world, 8)
    with CaptureQueriesContext(connection) as large:
        ladder.rebuild(batch=1000)

    assert len(large) == len(small)
    assert SeizureProgress.objects.count() == 10


def test_the_command_puts_back_what_a_bulk_change_left_behind(world):
    _history(world, 3)
    expected = kept()
    SeizureProgress.objects.all().delete()
    # Sends no signal. (A rung without its dates the database refuses: see below.)
    ReferralProgress.objects.update(hours_to_referral=999, last_progress_at=NOW)
    out = io.StringIO()

    call_command("ladder_rebuild", "--batch", "2", stdout=out)

    assert kept() == expected
    assert "Ladder rebuilt for 3 seizures" in out.getvalue()


def test_a_flag_raised_alone_keeps_a_row_at_rung_zero(world, officer):
    seizure = seize(officer, NOW - dt.timedelta(days=5))

    report(seizure, world["lab"], officer, NOW - dt.timedelta(days=1))

    row = SeizureProgress.objects.get(pk=seizure.pk)
    assert row.rung == Rung.LOGGED
    assert getattr(row, Flag.FORENSICS.value) == NOW - dt.timedelta(days=1)
    assert row.last_progress_at == NOW - dt.timedelta(days=1)


@pytest.mark.postgres
def test_the_copy_path_writes_what_the_orm_writes(world, monkeypatch):
    _history(world, 4)
    monkeypatch.setattr(ladder, "COPY_ABOVE", 10**9)
    ladder.rebuild()
    through_the_orm = kept()
    monkeypatch.setattr(ladder, "COPY_ABOVE", 0)

    ladder.rebuild()

    assert kept() == through_the_orm
    assert len(through_the_orm[0]) == 4 and len(through_the_orm[1]) == 4


def test_the_database_refuses_a_rung_without_the_dates_up_to_it(world):
    """The cohort figures count the seizures that reached a rung by their rung alone."""
    _history(world, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeizureProgress.objects.update(rung=Rung.CONVICTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralProgress.objects.update(referred_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeizureProgress.objects.update(dismantled_at=NOW)
