"""The demo data: who can log in, and whether the seizures are as valid as logged ones."""

import json
import re
from collections import defaultdict
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casetracker.core.choices import Role, UnitKind
from casetracker.core.gazetteer import PORTS_FIXTURE, ports_load
from casetracker.core.models import Port, Unit, User
from seizures import demo, demo_data
from seizures.models import ReferenceCounter, Seizure
from seizures.selectors import seizure_list
from tests import factories as f

REFERENCE = re.compile(r"^(?P<unit>[A-Z0-9-]+)-(?P<year>\d{4})-(?P<number>\d{4,})$")


@pytest.fixture
def demo_ports(db, tmp_path):
    """Only the ports the demo routes use: the whole gazetteer would slow every test."""
    wanted = demo.demo_locodes()
    rows = [row for row in json.loads(PORTS_FIXTURE.read_text()) if row["locode"] in wanted]
    path = tmp_path / "ports.json"
    path.write_text(json.dumps(rows))
    ports_load(path=path)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def numbers_by_unit_year() -> dict[tuple[str, str], list[int]]:
    numbers = defaultdict(list)
    for reference in Seizure.objects.values_list("reference", flat=True):
        match = REFERENCE.match(reference)
        assert match, reference
        numbers[(match["unit"], match["year"])].append(int(match["number"]))
    return numbers


def assert_valid(seizure: Seizure) -> None:
    seizure.full_clean(exclude=["status"])  # an FSM field refuses being set back
    for part in (seizure.containers, seizure.items, seizure.port_calls, seizure.parties):
        for obj in part.all():
            obj.full_clean()


def test_it_creates_control_units_on_three_continents_and_a_user_for_every_role(demo_ports):
    output = seed(seizures=3)

    control_units = Unit.objects.filter(kind=UnitKind.PORT_CONTROL)
    assert {(u.code, u.country.code) for u in control_units} >= {
        ("ECGYE-PCU", "EC"),
        ("BEANR-PCU", "BE"),
        ("GHTEM-PCU", "GH"),
    }
    assert all(unit.agencies.count() >= 2 for unit in control_units)
    for country in ("EC", "BE", "GH"):
        assert Unit.objects.filter(country=country, kind=UnitKind.INVESTIGATING).exists()
        assert Unit.objects.filter(country=country, kind=UnitKind.NCB).exists()
    assert {role for role, _label in Role.choices} <= set(
        User.objects.values_list("role", flat=True)
    )
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    for username, _role, unit, password in demo.demo_users_table():
        assert password == demo_data.DEMO_PASSWORD
        assert f"{username} " in output and unit in output


def test_every_demo_user_can_log_in_with_the_documented_password(demo_ports, client, settings):
    # What is checked is the password, not the hasher: Argon2 would cost a second a login.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed(seizures=0)

    for spec in demo_data.USERS:
        response = client.post(
            reverse("login"),
            {"username": spec.username, "password": demo_data.DEMO_PASSWORD},
        )
        assert response.status_code == 302, spec
        client.logout()


def test_it_logs_valid_seizures_through_the_service_when_few_are_asked(demo_ports):
    seed(seizures=30, seed=3)

    assert Seizure.objects.count() == 30
    for numbers in numbers_by_unit_year().values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    for seizure in Seizure.objects.all()[:10]:
        assert_valid(seizure)
        assert seizure.port_calls.count() >= 2 and seizure.total_distance_km > 100
        assert seizure.items.exists() and seizure.parties.exists()
        assert seizure.created_at < timezone.now() - timezone.timedelta(minutes=30)
        assert seizure.updated_at == (seizure.submitted_at or seizure.created_at)
    oldest = Seizure.objects.order_by("occurred_at").first().occurred_at
    assert oldest > timezone.now() - timezone.timedelta(days=demo.PERIOD_DAYS + 1)


def test_a_second_run_with_if_empty_adds_nothing(demo_ports):
    seed(seizures=4)

    output = seed(seizures=4, if_empty=True)

    assert Seizure.objects.count() == 4
    assert "already exist" in output


def test_the_same_seed_gives_the_same_seizures(demo_ports):
    units = demo.organisations_ensure()
    end = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)

    def draw(seed):
        generator = demo.Generator(seed=seed, units=units, end=end)
        return [generator.spec(*header) for header in generator.headers(20)]

    first, again, other = draw(5), draw(5), draw(6)

    assert [(s.fields, s.containers, s.items) for s in first] == [
        (s.fields, s.containers, s.items) for s in again
    ]
    assert [s.containers for s in first] != [s.containers for s in other]


def test_the_bulk_path_gives_unique_gap_free_references_and_valid_records(demo_ports):
    # Twice with one seed: the second run must carry on the numbering, not clash.
    seed(seizures=200, bulk_above=0, seed=11)
    seed(seizures=200, bulk_above=0, seed=11)

    assert Seizure.objects.count() == 400
    numbers = numbers_by_unit_year()
    for (unit, year), found in numbers.items():
        assert sorted(found) == list(range(1, len(found) + 1)), (unit, year)
        counter = ReferenceCounter.objects.get(unit__code=unit, year=int(year))
        assert counter.last_number == len(found)
    for seizure in Seizure.objects.order_by("?")[:15]:
        assert_valid(seizure)
        assert seizure.commodities == sorted(
            {i.category for i in seizure.items.all()}
            | {i.substance for i in seizure.items.all() if i.substance}
        )
        legs = [call.leg_distance_km for call in seizure.port_calls.all()]
        assert legs[0] is None
        assert seizure.total_distance_km == pytest.approx(sum(legs[1:]), abs=0.5)
    drafts = Seizure.objects.filter(status="draft").count()
    assert 0.1 < drafts / 400 < 0.3


def test_an_officer_sees_exactly_his_units_bulk_written_seizures(demo_ports):
    seed(seizures=60, bulk_above=0)

    for username, code in (("gye.officer", "ECGYE-PCU"), ("tem.supervisor", "GHTEM-PCU")):
        user = User.objects.get(username=username)
        visible = set(seizure_list(user=user).values_list("pk", flat=True))
        assert visible == set(Seizure.objects.filter(unit__code=code).values_list("pk", flat=True))
        assert visible
    investigator = User.objects.get(username="ec.investigator")
    assert not seizure_list(user=investigator).exists()


def test_logging_after_a_bulk_seed_continues_the_numbering(demo_ports):
    seed(seizures=50, bulk_above=0)
    officer = User.objects.get(username="anr.officer")
    # Logged two days ago, as factories.seizure_fields does; the local year is that day's.
    two_days_ago = timezone.now() - timezone.timedelta(days=2)
    year = two_days_ago.astimezone(ZoneInfo("Europe/Brussels")).year
    before = ReferenceCounter.objects.filter(unit=officer.unit, year=year).first()
    last = before.last_number if before else 0

    seizure = f.log_seizure(officer, port=Port.objects.get(pk="BEANR"))

    assert seizure.reference == f"BEANR-PCU-{year}-{last + 1:04d}"
    assert seizure_list(user=officer).filter(pk=seizure.pk).exists()


def test_it_loads_the_gazetteer_itself_when_the_port_table_is_empty(db):
    assert not Port.objects.exists()

    seed(seizures=2)

    assert Port.objects.count() > 1000
    assert Seizure.objects.count() == 2
