"""The dashboard's and the PDF's charts: readable without colour, escaped, deterministic."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Group, String

from casetracker.reporting import charts

SVG = "{http://www.w3.org/2000/svg}"

FUNNEL = [
    {"label": "Logged", "value": 1000, "note": "100 %"},
    {"label": "Referred", "value": 812, "note": "81 %"},
    {"label": "Acknowledged", "value": 406, "note": "41 %"},
    {"label": "Convicted", "value": 0, "note": None},
]

TIMES = [
    {"label": "Acknowledged", "q1": 6, "median": 12, "q3": 30, "n": 80},
    {"label": "Charged", "q1": None, "median": 95, "q3": None, "n": 1},
    {"label": "Convicted", "q1": None, "median": None, "q3": None, "n": 0},
]


def parse_markup(markup: str) -> ET.Element:
    # The markup is this module's own output, not a document from outside.
    return ET.fromstring(markup)  # noqa: S314


def parse(chart) -> ET.Element:
    return parse_markup(str(charts.svg(chart)))


def texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(f"{SVG}text")]


def rects(root: ET.Element, css: str) -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}rect") if el.get("class") == css]


def strings(node) -> list[str]:
    """Every text of a reportlab drawing, however deeply grouped."""
    found = []
    for child in getattr(node, "contents", []):
        if isinstance(child, String):
            found.append(child.text)
        elif isinstance(child, Group):
            found.extend(strings(child))
    return found


def pdf(chart) -> bytes:
    return renderPDF.drawToString(charts.drawing(chart, 480), invariant=1)


# --- bar chart -----------------------------------------------------------------------------


def test_each_bar_has_its_label_and_its_number_written_beside_it():
    root = parse(charts.bar_chart(FUNNEL, title="Funnel"))
    written = texts(root)
    for label in ("Logged", "Referred", "Acknowledged", "Convicted"):
        assert label in written
    assert "1,000 (100 %)" in written
    assert "812 (81 %)" in written
    assert "0" in written  # no note: the number alone


def test_bar_lengths_are_proportional_to_the_values():
    root = parse(charts.bar_chart(FUNNEL, title="Funnel"))
    widths = [float(r.get("width")) for r in rects(root, "chart-bar")]
    assert len(widths) == 4
    assert widths[0] > 100
    assert widths[1] / widths[0] == pytest.approx(0.812, abs=0.002)
    assert widths[2] / widths[0] == pytest.approx(0.406, abs=0.002)
    assert widths[3] == 0


def test_the_svg_is_self_contained_and_accessible():
    markup = str(charts.svg(charts.bar_chart(FUNNEL, title="Funnel")))
    root = parse_markup(markup)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 640 ")
    assert root.find(f"{SVG}title").text == "Funnel"
    description = root.find(f"{SVG}desc").text
    assert "Referred: 812 (81 %)" in description
    assert "Convicted: 0" in description
    for forbidden in ("<script", "style=", "<style", "http://fonts", "href", "@import"):
        assert forbidden not in markup


def test_bars_are_told_apart_without_colour():
    markup = str(charts.svg(charts.bar_chart(FUNNEL, title="Funnel")))
    root = parse_markup(markup)
    # Black and greys only: every colour has equal red, green and blue.
    colours = {el.get(attr) for el in root.iter() for attr in ("fill", "stroke") if el.get(attr)}
    for colour in colours - {"none"}:
        assert colour[1:3] == colour[3:5] == colour[5:7], colour
    # Each bar is outlined in black, so it shows on a grey printout too.
    assert all(r.get("stroke") == "#000000" for r in rects(root, "chart-bar"))


def test_labels_from_data_are_escaped():
    rows = [{"label": '<script>alert(1)</script>"&', "value": 3, "note": "<b>1 %</b>"}]
    markup = str(charts.svg(charts.bar_chart(rows, title="A & <B>")))
    assert "<script>" not in markup
    assert "<b>" not in markup
    root = parse_markup(markup)  # still well-formed XML
    assert '<script>alert(1)</script>"&' in texts(root)
    assert "3 (<b>1 %</b>)" in texts(root)
    assert root.find(f"{SVG}title").text == "A & <B>"


def test_a_long_label_is_cut_and_kept_whole_in_the_row_title():
    label = "Réseau démantelé après une longue enquête internationale"
    root = parse(charts.bar_chart([{"label": label, "value": 5}], title="Outcomes"))
    shown = [t for t in texts(root) if t.startswith("Réseau")]
    assert shown == [label[: charts.LABEL_CHARS - 1].rstrip() + "…"]
    assert len(shown[0]) <= charts.LABEL_CHARS
    row = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-row")
    assert row.find(f"{SVG}title").text == f"{label}: 5"


def test_non_ascii_labels_come_through_in_svg_and_pdf():
    rows = [{"label": "Réseau démantelé", "value": 7}, {"label": "Acusados", "value": 1234}]
    chart = charts.bar_chart(rows, title="Resultados año")
    assert {"Réseau démantelé", "Acusados", "1,234"} <= set(texts(parse(chart)))
    assert {"Réseau démantelé", "Acusados", "1,234"} <= set(strings(charts.drawing(chart, 400)))
    assert pdf(chart).startswith(b"%PDF")


def test_empty_rows_give_a_no_data_chart():
    chart = charts.bar_chart([], title="Flags")
    root = parse(chart)
    assert texts(root) == ["Flags", "No data"]
    assert rects(root, "chart-bar") == []
    assert "No data" in strings(charts.drawing(chart, 400))


def test_all_values_zero_draws_empty_bars_with_their_numbers():
    rows = [{"label": "Arrested", "value": 0}, {"label": "Charged", "value": 0}]
    root = parse(charts.bar_chart(rows, title="Rungs"))
    assert [float(r.get("width")) for r in rects(root, "chart-bar")] == [0, 0]
    assert texts(root).count("0") == 2


def test_height_grows_with_the_rows():
    few = charts.bar_chart(FUNNEL[:2], title="Funnel")
    many = charts.bar_chart([{"label": f"Unit {i}", "value": i} for i in range(40)], title="Units")
    assert many.height - few.height == 38 * charts.ROW_HEIGHT
    bars = rects(parse(many), "chart-bar")
    ys = [float(r.get("y")) for r in bars]
    assert ys == sorted(ys) and len(set(ys)) == 40  # one line each, none overlapping
    assert max(ys) + float(bars[-1].get("height")) <= many.height


def test_the_caller_formats_the_numbers():
    chart = charts.bar_chart(
        [{"label": "Confiscated", "value": 1234.5}], title="Assets", value_format="€{:.2f}".format
    )
    assert "€1234.50" in texts(parse(chart))


def test_default_number_groups_thousands_and_keeps_real_fractions():
    assert charts.default_number(1234567) == "1,234,567"
    assert charts.default_number(12.0) == "12"
    assert charts.default_number(6.5) == "6.5"


@pytest.mark.parametrize(
    ("language", "shown", "python"),
    [
        ("en", ["1,234.5", "n=1,234", "2,000"], "1\xa0234"),
        # Django's fr and es formats: a non-breaking space groups, a comma marks the tenth.
        ("fr", ["1\xa0234,5", "n=1\xa0234", "2\xa0000"], "1,234"),
        ("es", ["1\xa0234,5", "n=1\xa0234", "2\xa0000"], "1,234"),
    ],
)
def test_numbers_are_written_in_the_readers_language(language, shown, python):
    times = [{"label": "Charged", "q1": 1234.5, "median": 1300, "q3": 1400, "n": 1234}]
    with translation.override(language):
        written = " ".join(
            texts(parse(charts.quartile_chart(times, title="Time", unit_label="d")))
            + texts(parse(charts.bar_chart([{"label": "Logged", "value": 2000}], title="F")))
        )
    for figure in shown:
        assert figure in written
    assert python not in written


# --- quartile chart ------------------------------------------------------------------------


def test_quartile_rows_write_median_spread_and_count():
    root = parse(charts.quartile_chart(TIMES, title="Time to each rung", unit_label="d"))
    written = texts(root)
    assert "median 12 d (6–30), n=80" in written
    assert "median 95 d, n=1" in written
    assert "not reached, n=0" in written
    description = root.find(f"{SVG}desc").text
    assert "Convicted: not reached, n=0" in description


def test_the_quartile_box_spans_q1_to_q3_with_the_median_tick_inside():
    root = parse(charts.quartile_chart(TIMES, title="Time", unit_label="d"))
    boxes = rects(root, "chart-box")
    assert len(boxes) == 2  # the row not reached has no box
    box = boxes[0]
    x, width = float(box.get("x")), float(box.get("width"))
    ticks = [el for el in root.iter(f"{SVG}line") if el.get("class") == "chart-median"]
    median_x = float(ticks[0].get("x1"))
    # 6, 12 and 30 days on one linear scale: the median sits a quarter of the box along.
    assert (median_x - x) / width == pytest.approx(6 / 24, abs=0.01)
    # The single seizure's tick stands at 95 d, on the same scale as the box.
    single = float(ticks[1].get("x1"))
    assert (single - x) / width == pytest.approx((95 - 6) / 24, abs=0.01)
    # The box is hatched, so it differs from the tick by its pattern, not its hue.
    hatch = [el for el in root.iter(f"{SVG}line") if el.get("class") == "chart-hatch"]
    assert hatch


def test_the_quartile_axis_has_round_ticks_and_the_unit():
    root = parse(charts.quartile_chart(TIMES, title="Time", unit_label="d"))
    ticks = [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "chart-tick"]
    assert ticks == ["0", "50", "100 d"]


def test_quartile_chart_with_nothing_reached_has_no_scale():
    rows = [{"label": "Convicted", "q1": None, "median": None, "q3": None, "n": 0}]
    root = parse(charts.quartile_chart(rows, title="Time", unit_label="d"))
    assert "not reached, n=0" in texts(root)
    assert rects(root, "chart-box") == []
    assert not [el for el in root.iter(f"{SVG}text") if el.get("class") == "chart-tick"]


def test_quartile_chart_empty_rows():
    assert texts(parse(charts.quartile_chart([], title="Time", unit_label="d"))) == [
        "Time",
        "No data",
    ]


# --- reportlab -------------------------------------------------------------------------------


def test_the_drawing_carries_the_same_texts_as_the_svg():
    for chart in (
        charts.bar_chart(FUNNEL, title="Funnel"),
        charts.quartile_chart(TIMES, title="Time", unit_label="d"),
    ):
        assert sorted(strings(charts.drawing(chart, 480))) == sorted(texts(parse(chart)))


def test_the_drawing_is_scaled_to_the_width_asked():
    chart = charts.bar_chart(FUNNEL, title="Funnel")
    small = charts.drawing(chart, 320)
    assert small.width == 320
    assert small.height == pytest.approx(chart.height / 2)


def test_the_same_rows_give_the_same_pdf_bytes_and_svg():
    first = charts.quartile_chart(TIMES, title="Time", unit_label="d")
    again = charts.quartile_chart([dict(row) for row in TIMES], title="Time", unit_label="d")
    assert pdf(first) == pdf(again)
    assert charts.svg(first) == charts.svg(again)
    different = charts.quartile_chart(TIMES[:1], title="Time", unit_label="d")
    assert pdf(different) != pdf(first)


def test_two_different_charts_on_one_page_do_not_share_ids():
    a = parse(charts.bar_chart(FUNNEL, title="Funnel"))
    b = parse(charts.bar_chart(FUNNEL[:2], title="Funnel"))
    assert a.get("aria-labelledby") != b.get("aria-labelledby")
