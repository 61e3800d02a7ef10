"""The referral demo: recipients, default rules, and referrals for every submitted seizure
in a realistic mix of states, the same for a seed, added once however often it runs."""

import json
from collections import Counter
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from casetracker.core.gazetteer import PORTS_FIXTURE, ports_load
from casetracker.core.models import User
from referrals import demo
from referrals.choices import RecipientKind, ReferralStatus
from referrals.deadlines import deadlines_check
from referrals.models import Notification, Outcome, Recipient, Referral, RoutingRule
from referrals.selectors import inbox
from seizures import demo as seizures_demo
from seizures.models import Seizure, SeizureShare
from seizures.selectors import seizure_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_ports(db, tmp_path):
    """Only the ports the demo routes use: the whole gazetteer would slow every test."""
    wanted = seizures_demo.demo_locodes()
    rows = [row for row in json.loads(PORTS_FIXTURE.read_text()) if row["locode"] in wanted]
    path = tmp_path / "ports.json"
    path.write_text(json.dumps(rows))
    ports_load(path=path)


@pytest.fixture
def seized(demo_ports, django_capture_on_commit_callbacks):
    """A small demo; its seizures were routed when submitted, while no rule existed."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", seizures=30, seed=4, stdout=StringIO())
    mail.outbox.clear()


@pytest.fixture
def seed(django_capture_on_commit_callbacks):
    def run(**options) -> str:
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_referrals", stdout=out, **options)
        return out.getvalue()

    return run


BOTH_PATHS = pytest.mark.parametrize(
    "path", [{"bulk_above": 0}, {"bulk_above": 1000}], ids=["bulk", "services"]
)


def history() -> list[tuple]:
    return list(
        Referral.objects.order_by("seizure__reference", "recipient__name").values_list(
            "seizure__reference",
            "recipient__name",
            "status",
            "handling_code",
            "sent_at",
            "acknowledged_at",
            "decided_at",
            "decline_reason",
            "case_number",
            "outcome",
        )
    )


def test_it_creates_recipients_for_the_demo_units_and_two_counterparts(seized, seed):
    seed()

    units = set(
        Recipient.objects.filter(kind=RecipientKind.UNIT).values_list("unit__code", flat=True)
    )
    assert units == set(demo.RECIPIENT_UNITS)
    external = Recipient.objects.filter(kind=RecipientKind.EXTERNAL)
    assert {str(r.country) for r in external} == {"CO", "PA"}
    assert all(r.email.endswith("@example.org") for r in external)
    for recipient in Recipient.objects.all():
        recipient.full_clean()


def test_it_writes_valid_default_rules_per_seizing_country(seized, seed):
    seed()

    rules = {rule.name: rule for rule in RoutingRule.objects.select_related("recipient__unit")}
    assert len(rules) == len(demo.default_rules())
    for rule in rules.values():
        rule.full_clean()
    for country in ("EC", "BE", "GH"):
        national = [
            r
            for r in rules.values()
            if r.recipient.unit and r.recipient.unit.code == f"{country}-INV"
        ]
        assert [[str(c) for c in r.seizing_countries] for r in national] == [[country]]
        [ncb] = [
            r
            for r in rules.values()
            if r.recipient.unit and r.recipient.unit.code == f"{country}-NCB"
        ]
        assert ncb.foreign_on_route and ncb.handling_code == 2
    [fiu] = [r for r in rules.values() if r.recipient.unit and r.recipient.unit.code == "GH-FIC"]
    assert fiu.commodities == ["cash"]


def test_every_submitted_seizure_is_referred_at_least_to_its_national_investigators(seized, seed):
    output = seed()

    submitted = Seizure.objects.filter(status="submitted").select_related("unit")
    assert submitted.exists()
    for seizure in submitted:
        codes = set(
            Referral.objects.filter(seizure=seizure).values_list("recipient__unit__code", flat=True)
        )
        assert f"{seizure.unit.country.code}-INV" in codes, seizure.reference
    assert not Referral.objects.filter(seizure__status="draft").exists()
    assert f"{Referral.objects.count()} new referrals" in output
    # Foreign counterparts and the NCBs get some; recipients abroad see H2 at least.
    assert Referral.objects.filter(recipient__kind=RecipientKind.EXTERNAL).exists()
    assert not Referral.objects.filter(recipient__kind="external", handling_code__lt=2).exists()


@BOTH_PATHS
def test_the_referrals_are_in_a_realistic_mix_of_states_with_dates_that_follow_the_seizure(
    seized, seed, path
):
    seed(**path)

    states = Counter(Referral.objects.values_list("status", flat=True))
    total = sum(states.values())
    assert set(states) >= {
        ReferralStatus.SENT,
        ReferralStatus.ACKNOWLEDGED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.INVESTIGATING,
        ReferralStatus.CLOSED,
    }
    acknowledged_or_more = total - states[ReferralStatus.SENT]
    assert acknowledged_or_more / total > 0.6
    now = timezone.now()
    overdue = Referral.objects.filter(status=ReferralStatus.SENT, ack_due_at__lt=now)
    assert overdue.exists() and overdue.count() / total < 0.2
    for referral in Referral.objects.select_related("seizure"):
        assert referral.seizure.submitted_at <= referral.sent_at <= now
        steps = [
            referral.sent_at,
            referral.acknowledged_at,
            referral.decided_at,
            referral.investigating_at,
            referral.closed_at,
        ]
        reached = [step for step in steps if step is not None]
        assert reached == sorted(reached), referral
        events = list(referral.events.values_list("at", flat=True))
        assert events == sorted(events) and events[0] == referral.sent_at
        if referral.status == ReferralStatus.DECLINED:
            assert referral.decline_reason
        if referral.status in (ReferralStatus.INVESTIGATING, ReferralStatus.CLOSED):
            assert referral.case_number
    # A recipient unit sees the seizures referred to it, except those it declined.
    investigator = User.objects.get(username="ec.investigator")
    to_unit = Referral.objects.filter(recipient__unit=investigator.unit)
    assert set(seizure_list(user=investigator).values_list("pk", flat=True)) == set(
        to_unit.exclude(status=ReferralStatus.DECLINED).values_list("seizure_id", flat=True)
    )
    open_states = ReferralStatus.open_states()
    assert inbox(user=investigator).count() == to_unit.filter(status__in=open_states).count()
    # What was due was reminded or escalated already: the first check sends nothing.
    assert sum(deadlines_check().values()) == 0
    # Nothing waits to be printed on the console when the demo starts.
    assert not Notification.objects.filter(sent_at__isnull=True).exclude(email="").exists()
    assert mail.outbox == []


@BOTH_PATHS
def test_a_second_run_adds_nothing_and_if_empty_does_not_even_look(seized, seed, path):
    seed(**path)
    before = history()
    counts = (Recipient.objects.count(), RoutingRule.objects.count(), Notification.objects.count())

    seed(**path)
    output = seed(if_empty=True)

    assert history() == before
    assert counts == (
        Recipient.objects.count(),
        RoutingRule.objects.count(),
        Notification.objects.count(),
    )
    assert "already exist" in output


def test_the_same_seed_gives_the_same_history(seized, seed):
    seed(seed=7)
    first = history()
    Outcome.objects.all().delete()
    Referral.objects.all().delete()
    SeizureShare.objects.all().delete()

    seed(seed=7)

    assert history() == first


@BOTH_PATHS
def test_investigations_get_valid_outcomes_that_narrow_like_a_funnel(seized, seed, path):
    seed(**path)

    outcomes = list(Outcome.objects.select_related("referral", "seizure"))
    assert outcomes, "30 seizures over eighteen months open some investigations"
    for outcome in outcomes:
        outcome.full_clean()  # what the recording form would accept
        assert outcome.referral.investigating_at is not None
        assert outcome.occurred_on >= outcome.referral.investigating_at.date()
    kinds = Counter(o.kind for o in outcomes)
    assert kinds["suspects_identified"] >= kinds["arrest"] >= kinds["charges"]
    assert kinds["charges"] >= kinds["conviction"]
