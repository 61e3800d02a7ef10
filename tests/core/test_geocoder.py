"""Looking places up in the gazetteer through geopy, and distances between ports."""

import pytest
from geopy.location import Location
from geopy.point import Point

from casetracker.core.geocoder import GazetteerGeocoder, port_distance_km, ports_matching
from tests import factories as f

pytestmark = pytest.mark.django_db

ONLINE_CALLS: list[str] = []


class ExplodingGeocoder:
    """Stands in for an online service that is down (as it is at most ports)."""

    def __init__(self, **options):
        pass

    def geocode(self, query, exactly_one=True):
        ONLINE_CALLS.append(query)
        raise OSError("network unreachable")


class AnsweringGeocoder:
    def __init__(self, **options):
        self.options = options

    def geocode(self, query, exactly_one=True):
        ONLINE_CALLS.append(query)
        return Location("Atlantis, somewhere", Point(1.0, 2.0), {"source": "online"})


@pytest.fixture(autouse=True)
def ports():
    ONLINE_CALLS.clear()
    for locode in ("ECGYE", "BEANR", "PAMIT", "NLRTM", "ESALG"):
        f.port(locode)
    f.PortFactory(
        locode="MXZLO",
        name="Manzanillo",
        latitude=19.05,
        longitude=-104.3,
        timezone="America/Mexico_City",
    )
    f.PortFactory(
        locode="ESCAD", name="Cádiz", latitude=36.53, longitude=-6.29, timezone="Europe/Madrid"
    )
    f.PortFactory(
        locode="INBOM",
        name="Mumbai (ex Bombay)",
        aliases=["Bombay"],
        latitude=18.97,
        longitude=72.82,
        timezone="Asia/Kolkata",
    )
    f.PortFactory(
        locode="INNSA",
        name="Jawaharlal Nehru (Nhava Sheva)",
        latitude=18.95,
        longitude=72.95,
        timezone="Asia/Kolkata",
    )


@pytest.fixture
def geocoder():
    return GazetteerGeocoder()


@pytest.mark.parametrize("query", ["ECGYE", "ecgye", "EC GYE", "  ec gye "])
def test_it_finds_a_port_by_its_un_locode_however_typed(geocoder, query):
    location = geocoder.geocode(query)
    assert location.address == "Guayaquil, EC (ECGYE)"
    assert (location.latitude, location.longitude) == (-2.2833, -79.9)
    assert location.raw["locode"] == "ECGYE"
    assert location.raw["timezone"] == "America/Guayaquil"


def test_it_finds_a_port_by_the_start_of_its_name(geocoder):
    assert geocoder.geocode("guaya").raw["locode"] == "ECGYE"
    assert geocoder.geocode("Antw").raw["locode"] == "BEANR"


@pytest.mark.parametrize("query", ["cadiz", "CÁDIZ", "Cádiz", "cad"])
def test_it_ignores_case_and_accents(geocoder, query):
    assert geocoder.geocode(query).raw["locode"] == "ESCAD"


def test_it_finds_a_port_by_an_alias_or_a_word_of_its_name(geocoder):
    assert geocoder.geocode("bombay").raw["locode"] == "INBOM"
    assert geocoder.geocode("Nhava").raw["locode"] == "INNSA"


def test_a_country_picks_the_right_one_of_two_namesakes(geocoder):
    assert geocoder.geocode("Manzanillo", country="PA").raw["locode"] == "PAMIT"
    assert geocoder.geocode("Manzanillo", country="mx").raw["locode"] == "MXZLO"
    both = geocoder.geocode("Manzanillo", exactly_one=False)
    assert {loc.raw["locode"] for loc in both} == {"PAMIT", "MXZLO"}


def test_a_country_also_restricts_codes(geocoder):
    assert geocoder.geocode("ECGYE", country="BE") is None


def test_a_whole_name_outranks_a_longer_one_it_begins(geocoder):
    f.PortFactory(locode="ESCDZ", name="Cadizal", latitude=36.5, longitude=-6.3)
    ranked = ports_matching("cadiz")
    assert [p.locode for p in ranked] == ["ESCAD", "ESCDZ"]


def test_it_answers_none_for_an_unknown_place(geocoder):
    assert geocoder.geocode("Atlantis") is None
    assert geocoder.geocode("   ") is None


def test_reverse_gives_the_nearest_port(geocoder):
    # A point in Colón harbour: Manzanillo International Terminal, not Balboa or Mexico.
    assert geocoder.reverse("9.35, -79.89").raw["locode"] == "PAMIT"
    assert geocoder.reverse((51.3, 4.3)).raw["locode"] == "BEANR"
    nearest = geocoder.reverse(Point(51.8, 4.45), exactly_one=False, limit=2)
    assert [loc.raw["locode"] for loc in nearest] == ["NLRTM", "BEANR"]


def test_reverse_can_stay_within_a_country(geocoder):
    assert geocoder.reverse((51.3, 4.3), country="NL").raw["locode"] == "NLRTM"


def test_guayaquil_to_antwerp_is_about_9800_km():
    distance = port_distance_km("ECGYE", "BEANR")
    assert 9_700 < distance < 9_900
    assert port_distance_km(f.port("ECGYE"), f.port("BEANR")) == pytest.approx(distance)
    assert port_distance_km("ECGYE", "ECGYE") == 0


def test_a_short_hop_is_measured_precisely():
    # Rotterdam–Antwerp is ~75 km as the crow flies.
    assert port_distance_km("NLRTM", "BEANR") == pytest.approx(75, abs=5)


def test_a_failing_online_geocoder_falls_back_silently(geocoder, settings):
    settings.CASETRACKER_ONLINE_GEOCODER = f"{__name__}.ExplodingGeocoder"
    assert geocoder.geocode("Atlantis") is None
    assert ONLINE_CALLS == ["Atlantis"]


def test_an_unimportable_online_geocoder_falls_back_silently(geocoder, settings):
    settings.CASETRACKER_ONLINE_GEOCODER = "nowhere.NoSuchGeocoder"
    assert geocoder.geocode("Atlantis") is None
    assert geocoder.geocode("Guayaquil").raw["locode"] == "ECGYE"


def test_the_online_geocoder_is_asked_only_what_the_gazetteer_does_not_know(geocoder, settings):
    settings.CASETRACKER_ONLINE_GEOCODER = f"{__name__}.AnsweringGeocoder"
    assert geocoder.geocode("Guayaquil").raw["locode"] == "ECGYE"
    assert ONLINE_CALLS == []
    assert geocoder.geocode("Atlantis").raw == {"source": "online"}
    assert ONLINE_CALLS == ["Atlantis"]


def test_without_an_online_geocoder_nothing_leaves_the_machine(geocoder, settings):
    settings.CASETRACKER_ONLINE_GEOCODER = ""
    assert geocoder.geocode("Atlantis") is None
    with pytest.raises(Exception, match="does not use the network"):
        geocoder.adapter.get_json("https://example.org", timeout=1, headers={})
