"""The shipped gazetteer: how it is built from the source, what ships, and loading it."""

import importlib.util
import io
import json
import re
import sys
import time
import zoneinfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django_countries import countries

from casetracker.core.gazetteer import PORTS_FIXTURE, ports_load
from casetracker.core.models import Port

FIXTURES = settings.BASE_DIR / "fixtures"


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_ports", FIXTURES / "build_ports.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_ports"] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


build_ports = _load_build_script()


def source_entry(lon, lat, *, name="Port", timezone="UTC", province="", **extra):
    """One entry as the source writes it: coordinates are [longitude, latitude]."""
    entry = {"name": name, "city": name, "alias": [], "province": province, **extra}
    if lon is not None:
        entry["coordinates"] = [lon, lat]
    if timezone:
        entry["timezone"] = timezone
    return entry


def by_locode(ports):
    return {p["locode"]: p for p in ports}


# --- the build script, on small made-up inputs -------------------------------------------


def test_it_moves_pamit_from_veraguas_to_colon():
    source = {
        "PAMIT": source_entry(-81.1667, 7.5333, name="Manzanillo", timezone="America/Panama"),
        "PABLB": source_entry(-79.57, 8.95, name="Balboa", timezone="America/Panama"),
    }
    ports, report = build_ports.build(source)
    pamit = by_locode(ports)["PAMIT"]
    assert (pamit["latitude"], pamit["longitude"]) == (9.3594, -79.8808)
    assert pamit["subdivision"] == "Colón"
    assert "PAMIT" in dict(report.fixed)


def test_it_drops_an_entry_without_coordinates_and_says_why():
    source = {
        "ECGYE": source_entry(-79.9, -2.17, name="Guayaquil", timezone="America/Guayaquil"),
        "ECXXX": source_entry(None, None, name="Nowhere", timezone="America/Guayaquil"),
    }
    ports, report = build_ports.build(source)
    assert [p["locode"] for p in ports] == ["ECGYE"]
    assert report.dropped == [("ECXXX", "no coordinates")]


def test_it_swaps_back_coordinates_given_as_latitude_longitude():
    source = {
        "ARBUE": source_entry(-58.67, -34.58, timezone="America/Cordoba"),
        "ARZAE": source_entry(-59.03, -34.1, timezone="America/Cordoba"),
        # Delta Dock: the source swapped latitude and longitude, which lands in the ocean.
        "ARDDC": source_entry(-34.0448, -59.1998, timezone=None),
    }
    ports, report = build_ports.build(source)
    ddc = by_locode(ports)["ARDDC"]
    assert (ddc["latitude"], ddc["longitude"]) == (-34.0448, -59.1998)
    assert ddc["timezone"] == "America/Argentina/Cordoba"  # from its neighbour, renamed
    assert any("swapped" in why for locode, why in report.fixed if locode == "ARDDC")


def test_it_repairs_a_cluster_of_swapped_ports_that_vouch_for_each_other():
    source = {
        "CLSVE": source_entry(-73.13, -36.7, timezone="America/Santiago"),
        "CLCQQ": source_entry(-71.34, -29.95, timezone="America/Santiago"),
        "CLANF": source_entry(-70.4, -23.65, timezone="America/Santiago"),
        "CLJRL": source_entry(-36.97, -73.23, timezone=None),
        "CLPGO": source_entry(-31.89, -71.5, timezone=None),
    }
    ports = by_locode(build_ports.build(source)[0])
    assert (ports["CLJRL"]["latitude"], ports["CLPGO"]["latitude"]) == (-36.97, -31.89)


def test_it_restores_a_lost_longitude_sign():
    source = {
        "TNGAE": source_entry(10.1, 33.88, timezone="Africa/Tunis"),
        "TNJAR": source_entry(-11.1, 33.5, timezone=None),
    }
    tnjar = by_locode(build_ports.build(source)[0])["TNJAR"]
    assert (tnjar["longitude"], tnjar["timezone"]) == (11.1, "Africa/Tunis")


def test_it_replaces_a_time_zone_of_another_country():
    source = {"THBKK": source_entry(100.52, 13.75, timezone="Asia/Tehran")}
    ports, report = build_ports.build(source)
    assert ports[0]["timezone"] == "Asia/Bangkok"
    assert "Asia/Tehran" in dict(report.fixed)["THBKK"]


def test_it_fills_a_missing_time_zone_from_the_nearest_port_of_the_country():
    source = {
        "USLAX": source_entry(-118.27, 33.74, timezone="America/Los_Angeles"),
        "USNYC": source_entry(-74.0, 40.7, timezone="America/New_York"),
        "USOAK": source_entry(-122.27, 37.8, timezone=None),
    }
    assert by_locode(build_ports.build(source)[0])["USOAK"]["timezone"] == "America/Los_Angeles"


def test_it_drops_a_port_with_no_zone_and_no_compatriot_to_borrow_one_from():
    # The US has several zones, so a lone American port without one cannot be placed.
    ports, report = build_ports.build({"USXXX": source_entry(-90.0, 35.0, timezone=None)})
    assert ports == []
    assert "no port of its country" in dict(report.dropped)["USXXX"]


def test_it_drops_codes_of_countries_that_left_iso_3166():
    source = {"ANCUR": source_entry(-68.88, 12.12, name="Curaçao", timezone="America/Curacao")}
    ports, report = build_ports.build(source)
    assert ports == []
    assert "ISO 3166" in dict(report.dropped)["ANCUR"]


def test_it_drops_a_far_port_whose_position_contradicts_its_zone():
    source = {
        "BRSSZ": source_entry(-46.3, -23.95, timezone="America/Sao_Paulo"),
        "BRRIO": source_entry(-43.2, -22.9, timezone="America/Sao_Paulo"),
        "BRXXX": source_entry(10.0, 50.0, timezone="America/Sao_Paulo"),  # in Germany
    }
    ports, report = build_ports.build(source)
    assert "BRXXX" not in by_locode(ports)
    assert "solar time" in dict(report.dropped)["BRXXX"]


def test_it_keeps_a_far_port_whose_zone_agrees():
    source = {
        "USLAX": source_entry(-118.27, 33.74, timezone="America/Los_Angeles"),
        "USHNL": source_entry(-157.85, 21.3, timezone="Pacific/Honolulu"),
    }
    ports, report = build_ports.build(source)
    assert set(by_locode(ports)) == {"USLAX", "USHNL"}
    assert "USHNL" in dict(report.notes)


def test_it_keeps_codes_that_share_a_place_as_separate_ports():
    shanghai = {"unlocs": ["CNSHA", "CNSGH"]}
    source = {
        "CNSHA": source_entry(121.47, 31.23, name="Shanghai", timezone="Asia/Shanghai", **shanghai),
        "CNSGH": source_entry(121.47, 31.23, name="Shanghai", timezone="Asia/Shanghai", **shanghai),
    }
    assert [p["locode"] for p in build_ports.build(source)[0]] == ["CNSGH", "CNSHA"]


def test_it_turns_former_names_and_cities_into_aliases():
    source = {
        "INBOM": source_entry(
            72.82, 18.97, name="Mumbai (ex Bombay)", timezone="Asia/Calcutta", alias=["Bombay"]
        ),
        "USLGB": source_entry(-118.2, 33.75, name="Long Beach", timezone="America/Los_Angeles"),
    }
    source["USLGB"]["city"] = "Los Angeles"
    ports = by_locode(build_ports.build(source)[0])
    assert ports["INBOM"]["aliases"] == ["Bombay"]
    assert ports["INBOM"]["timezone"] == "Asia/Kolkata"
    assert ports["USLGB"]["aliases"] == ["Los Angeles"]


def test_it_writes_the_same_bytes_and_a_summary_each_run(tmp_path, capsys):
    source = {
        "PAMIT": source_entry(-81.1667, 7.5333, name="Manzanillo", timezone="America/Panama"),
        "ECXXX": source_entry(None, None),
        "ECGYE": source_entry(-79.9, -2.17, name="Guayaquil", timezone="America/Guayaquil"),
    }
    (tmp_path / "source.json").write_text(json.dumps(source), encoding="utf-8")
    out = tmp_path / "ports.json"
    build_ports.main([str(tmp_path / "source.json"), "--output", str(out)])
    first = out.read_bytes()
    build_ports.main([str(tmp_path / "source.json"), "--output", str(out)])
    assert out.read_bytes() == first
    assert [p["locode"] for p in json.loads(first)] == ["ECGYE", "PAMIT"]
    printed = capsys.readouterr().out
    assert "dropped ECXXX: no coordinates" in printed
    assert "fixed PAMIT" in printed


@pytest.mark.skipif(
    not build_ports.DEFAULT_SOURCE.exists(), reason="the source ports.json is not beside the repo"
)
def test_the_shipped_extract_is_what_the_script_builds_from_the_source():
    source = json.loads(build_ports.DEFAULT_SOURCE.read_text(encoding="utf-8"))
    ports, _report = build_ports.build(source)
    assert PORTS_FIXTURE.read_text(encoding="utf-8") == build_ports.dumps(ports)


# --- what ships ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return json.loads(PORTS_FIXTURE.read_text(encoding="utf-8"))


def test_every_shipped_port_is_sound(shipped):
    assert len(shipped) > 1500
    locodes = [p["locode"] for p in shipped]
    assert locodes == sorted(set(locodes))
    for port in shipped:
        assert re.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}", port["locode"]), port
        assert port["country"] == port["locode"][:2], port
        assert port["country"] in countries, port
        assert -90 <= port["latitude"] <= 90 and -180 <= port["longitude"] <= 180, port
        assert (port["latitude"], port["longitude"]) != (0, 0), port
        zoneinfo.ZoneInfo(port["timezone"])
        assert port["name"] and isinstance(port["aliases"], list), port


def test_the_licence_ships_beside_the_data():
    assert "MIT" in (FIXTURES / "ports.LICENSE").read_text(encoding="utf-8")


def test_pamit_ships_at_colon(shipped):
    pamit = by_locode(shipped)["PAMIT"]
    assert (pamit["latitude"], pamit["longitude"]) == (9.3594, -79.8808)


# --- loading ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_twice_changes_nothing_the_second_time(shipped):
    started = time.perf_counter()
    first = ports_load()
    elapsed = time.perf_counter() - started
    assert (first.created, first.updated) == (len(shipped), 0)
    second = ports_load()
    assert (second.created, second.updated, second.unchanged) == (0, 0, len(shipped))
    assert Port.objects.count() == len(shipped)
    assert elapsed < 2, f"loading {len(shipped)} ports took {elapsed:.2f} s"


@pytest.mark.django_db
def test_loading_updates_a_port_that_drifted_from_the_file(tmp_path):
    rows = [
        {
            "locode": "ECGYE",
            "name": "Guayaquil",
            "country": "EC",
            "subdivision": "Guayas",
            "latitude": -2.17,
            "longitude": -79.9,
            "timezone": "America/Guayaquil",
            "aliases": [],
        }
    ]
    path = tmp_path / "ports.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    ports_load(path=path)
    Port.objects.filter(pk="ECGYE").update(name="Guayakill", latitude=0)
    loaded = ports_load(path=path)
    assert (loaded.created, loaded.updated) == (0, 1)
    port = Port.objects.get(pk="ECGYE")
    assert (port.name, port.latitude) == ("Guayaquil", -2.17)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [
        {"latitude": 123.0},
        {"timezone": "Mars/Olympus_Mons"},
        {"country": "PE"},
        {"name": ""},
    ],
)
def test_a_bad_row_loads_nothing_and_names_the_port(tmp_path, shipped, bad):
    rows = [dict(p) for p in shipped[:50]]
    rows.append({**by_locode(shipped)["PAMIT"], **bad})
    path = tmp_path / "ports.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(ValidationError, match="PAMIT"):
        ports_load(path=path)
    assert Port.objects.count() == 0


@pytest.mark.django_db
def test_a_port_listed_twice_loads_nothing(tmp_path, shipped):
    rows = [*shipped[:3], shipped[1]]
    path = tmp_path / "ports.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(ValidationError, match=shipped[1]["locode"]):
        ports_load(path=path)
    assert Port.objects.count() == 0


@pytest.mark.django_db
def test_the_command_prints_what_it_loaded(shipped):
    out = io.StringIO()
    call_command("load_ports", stdout=out)
    assert f"{len(shipped)} created" in out.getvalue()
    out = io.StringIO()
    call_command("load_ports", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()


@pytest.mark.django_db
def test_the_command_refuses_a_bad_file_clearly(tmp_path):
    path = tmp_path / "ports.json"
    path.write_text(json.dumps([{"locode": "PAMIT", "latitude": 123}]), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing loaded: Port PAMIT"):
        call_command("load_ports", "--path", str(path))
