import re

from django.utils import translation

from seizures.route_diagram import (
    Stop,
    distance_label,
    route_map_svg,
    route_schematic_svg,
    stops_from_port_calls,
)


def _stop(sequence, locode, name, role, lat, lon, leg=None, label=None):
    return Stop(sequence, locode, name, role, label or role, lat, lon, leg)


ROUTE = [
    _stop(1, "ECGYE", "Guayaquil", "loading", -2.28, -79.9, None, "Port of loading"),
    _stop(2, "PAMIT", "Manzanillo", "transhipment", 9.36, -79.88, 1297.4, "Transhipment"),
    _stop(3, "BEANR", "Antwerp", "discharge", 51.27, 4.4, 8812.6, "Port of discharge"),
]


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_it_names_every_port_with_its_code_role_and_leg_distance():
    texts = _texts(route_schematic_svg(ROUTE))
    for expected in (
        "Guayaquil",
        "ECGYE",
        "Port of loading",
        "Manzanillo",
        "PAMIT",
        "Transhipment",
        "Antwerp",
        "BEANR",
        "Port of discharge",
        "1,297 km",
        "8,813 km",
    ):
        assert expected in texts, expected


def test_it_tells_roles_apart_by_shape_not_only_colour():
    svg = route_schematic_svg(ROUTE)
    assert '<rect class="route-node route-node-loading"' in svg
    assert '<circle class="route-node route-node-transhipment"' in svg
    assert '<polygon class="route-node route-node-discharge"' in svg


def test_it_escapes_names_from_the_data():
    hostile = [
        _stop(1, "ECGYE", "<script>alert(1)</script>", "loading", 0, 0),
        _stop(2, "PAMIT", 'A "quoted" & port', "discharge", 10, 10, 1500.0),
    ]
    for svg in (route_schematic_svg(hostile), route_map_svg(hostile)):
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg
        assert "&amp; port" in svg


def test_it_uses_no_inline_styles():
    for svg in (route_schematic_svg(ROUTE), route_map_svg(ROUTE)):
        assert "style" not in svg
        assert "<script" not in svg


def test_it_describes_the_route_in_words_for_screen_readers():
    svg = route_schematic_svg(ROUTE)
    description = re.search(r"<desc[^>]*>(.*)</desc>", svg).group(1)
    assert "Manzanillo (PAMIT)" in description
    assert "8,813 km" in description


def test_it_places_ports_by_their_coordinates_on_the_map():
    svg = route_map_svg(ROUTE)
    points = re.search(r'<polyline class="route-path" points="([^"]+)"', svg).group(1)
    (x1, y1), (x2, y2), (x3, y3) = [tuple(map(float, p.split(","))) for p in points.split()]
    # Antwerp lies east and far north of Guayaquil; Manzanillo almost due north.
    assert x3 > x1 + 100 and y3 < y1 - 100
    assert abs(x2 - x1) < 5 and y2 < y1
    for locode in ("ECGYE", "PAMIT", "BEANR"):
        assert locode in svg


def test_it_keeps_a_route_across_the_date_line_in_one_piece():
    pacific = [
        _stop(1, "CNSHA", "Shanghai", "loading", 31.2, 121.5),
        _stop(2, "USLAX", "Los Angeles", "discharge", 33.7, -118.3, 10460.0),
    ]
    points = re.search(r'points="([^"]+)"', route_map_svg(pacific)).group(1)
    (x1, _y1), (x2, _y2) = [tuple(map(float, p.split(","))) for p in points.split()]
    # Eastwards over the Pacific, not westwards across Eurasia and the Atlantic.
    assert x2 > x1
    assert x2 - x1 < 800


def test_it_draws_no_map_for_a_single_port_and_nothing_for_no_route():
    assert route_map_svg(ROUTE[:1]) == ""
    assert route_schematic_svg([]) == ""
    assert "ECGYE" in route_schematic_svg(ROUTE[:1])


def test_it_writes_distances_in_the_active_language():
    with translation.override("fr"):
        label = distance_label(8812.6)
    assert label.replace("\u202f", " ").replace("\xa0", " ") == "8 813 km"
    assert distance_label(None) == "—"


def test_it_builds_stops_in_route_order_from_port_calls(seizure):
    stops = stops_from_port_calls(list(seizure.port_calls.select_related("port"))[::-1])
    assert [s.locode for s in stops] == ["ECGYE", "PAMIT", "BEANR"]
    assert stops[0].role_label == "Port of loading"
    assert stops[0].leg_km is None and stops[2].leg_km > 8000
