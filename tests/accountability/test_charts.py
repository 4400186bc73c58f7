"""Server-side SVG charts: valid XML, named by a title and a description, text escaped, empty
series drawn honestly, every coordinate inside the viewBox, colour scales with numbers."""

import re
import xml.etree.ElementTree as ET

import pytest

from neighborhood.accountability.charts import (BLUES, Series, colour_scale, line_chart,
                                                nice_ticks, sparkline, weekly_chart)

NS = {"svg": "http://www.w3.org/2000/svg"}
WEEKS = [f"2015-W{n:02d}" for n in range(1, 54)]
XSS = "<script>alert(1)</script> & \"quotes\" ${x}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # raises on anything that is not well-formed XML


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in root.get("viewBox").split())


def coordinates(root: ET.Element) -> list[tuple[str, float, float]]:
    """Return (element, x, y) for every point an element of the chart is drawn at."""
    found = []
    for el in root.iter():
        tag = el.tag.split("}")[1]
        for xa, ya in (("x", "y"), ("x1", "y1"), ("x2", "y2"), ("cx", "cy")):
            if el.get(xa) is not None:
                found.append((tag, float(el.get(xa)), float(el.get(ya))))
        for pair in (el.get("points") or "").split():
            px, py = pair.split(",")
            found.append((tag, float(px), float(py)))
    return found


def assert_inside(root: ET.Element) -> None:
    x0, y0, width, height = view_box(root)
    for tag, x, y in coordinates(root):
        assert x0 <= x <= x0 + width and y0 <= y <= y0 + height, (tag, x, y)


def assert_named(root: ET.Element, title: str, desc: str | None) -> None:
    assert root.get("role") == "img"
    title_el = root.find("svg:title", NS)
    assert title_el is not None and title_el.text == title
    wanted = [title_el.get("id")]
    if desc:
        desc_el = root.find("svg:desc", NS)
        assert desc_el.text == desc
        wanted.append(desc_el.get("id"))
    assert root.get("aria-labelledby").split() == wanted
    # Sized by its viewBox alone: no fixed width or height that would overflow a phone.
    assert root.get("width") is None and root.get("height") is None


CASES = [
    ("a year of weeks", WEEKS, [list(range(53)), [n // 2 for n in range(53)]]),
    ("one week", WEEKS[:1], [[4], [2]]),
    ("a gap in the closed series", WEEKS[:6], [[1, 2, 3, 4, 5, 6], [0, None, 2, None, 1, 1]]),
    ("all zero", WEEKS[:4], [[0, 0, 0, 0], [0, 0, 0, 0]]),
    ("large counts", WEEKS[:3], [[12_345, 9_000, 15_697], [1, 2, 3]]),
    ("fractions", WEEKS[:3], [[0.25, 0.5, 0.125], [0.9, 0.1, 0.4]]),
]


@pytest.mark.parametrize("desc, weeks, values", CASES, ids=[c[0] for c in CASES])
def test_the_weekly_chart_is_valid_svg_named_and_inside_its_viewbox(desc, weeks, values):
    svg = weekly_chart(weeks, *values, title="Opened and closed per week",
                       desc="Reports per ISO week.", ident="weekly")
    root = parse(svg)
    assert_named(root, "Opened and closed per week", "Reports per ISO week.")
    assert_inside(root)
    texts = [t.text for t in root.iter(f"{{{NS['svg']}}}text")]
    assert "Opened" in texts and "Closed" in texts, desc  # the legend says it in words
    assert weeks[0] in texts and weeks[-1] in texts, desc
    assert len([t for t in texts if t.startswith("2015-W")]) <= 5, desc


def test_the_lines_differ_by_dash_pattern_not_colour_alone():
    root = parse(weekly_chart(WEEKS[:3], [1, 2, 3], [3, 2, 1], title="t", desc="d"))
    lines = root.findall(".//svg:polyline", NS)
    assert len(lines) == 2
    assert lines[0].get("stroke-dasharray") is None
    assert lines[1].get("stroke-dasharray")


def test_higher_values_are_drawn_higher():
    root = parse(weekly_chart(WEEKS[:3], [0, 5, 10], [0, 0, 0], title="t", desc="d"))
    points = [tuple(map(float, p.split(","))) for p in
              root.find(".//svg:polyline", NS).get("points").split()]
    assert points[0][1] > points[1][1] > points[2][1]  # SVG's y grows downwards
    assert points[0][0] < points[1][0] < points[2][0]


def test_a_gap_breaks_the_line():
    root = parse(line_chart(WEEKS[:5], [Series("a", [1, 2, None, 3, 4])], title="t", desc="d"))
    assert len(root.findall(".//svg:polyline", NS)) == 2


@pytest.mark.parametrize("desc, weeks, values", [
    ("no weeks", [], [[], []]),
    ("weeks without any value", WEEKS[:3], [[None, None, None], [None, None, None]]),
])
def test_an_empty_chart_says_so_and_keeps_its_title(desc, weeks, values):
    root = parse(weekly_chart(weeks, *values, title="Nothing", desc="No reports.",
                              no_data="No reports in this range"))
    assert_named(root, "Nothing", "No reports.")
    assert_inside(root)
    assert root.findall(".//svg:polyline", NS) == []
    assert "No reports in this range" in [t.text for t in root.iter(f"{{{NS['svg']}}}text")]


def test_every_text_is_escaped():
    svg = weekly_chart([XSS, "W2"], [1, 2], [2, 1], title=XSS, desc=XSS, names=(XSS, XSS),
                       ident='x" onload="alert(1)')
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find("svg:title", NS).text == XSS
    assert root.find("svg:desc", NS).text == XSS
    assert XSS in [t.text for t in root.iter(f"{{{NS['svg']}}}text")]
    assert root.get("onload") is None
    assert root.find("svg:title", NS).get("id") == 'x" onload="alert(1)-title'


def test_tick_labels_use_the_given_number_format():
    root = parse(weekly_chart(WEEKS[:2], [12_000, 15_697], [0, 1], title="t", desc="d",
                              number=lambda v: f"{v:,.0f}".replace(",", ".")))
    texts = [t.text for t in root.iter(f"{{{NS['svg']}}}text")]
    assert "15.000" in texts or "20.000" in texts


def test_ids_are_stable_and_differ_between_charts():
    one = weekly_chart(WEEKS[:2], [1, 2], [2, 1], title="a", desc="d")
    assert one == weekly_chart(WEEKS[:2], [1, 2], [2, 1], title="a", desc="d")
    other = weekly_chart(WEEKS[:2], [1, 3], [2, 1], title="a", desc="d")
    assert parse(one).find("svg:title", NS).get("id") != \
        parse(other).find("svg:title", NS).get("id")


@pytest.mark.parametrize("top, integers, wanted", [
    (10, False, [0, 5, 10]),
    (1, True, [0, 1]),
    (0.83, False, [0, 0.5, 1]),
    (437, True, [0, 200, 400, 600]),
    (0, True, [0, 1]),
])
def test_ticks_are_round_and_reach_the_top(top, integers, wanted):
    assert nice_ticks(top, integers=integers) == wanted


# --- sparklines -------------------------------------------------------------------------

SPARKS = [
    ("rising", [1, 2, 3, 4], None),
    ("with a target above", [2.79, 3.1, 3.48], 2.5),
    ("one value", [0.8], 0.85),
    ("flat", [5, 5, 5], None),
    ("gaps", [1, None, 3, None, 2], None),
    ("negative and large", [-1e6, 0, 1e6], 0),
]


@pytest.mark.parametrize("desc, values, target", SPARKS, ids=[s[0] for s in SPARKS])
def test_a_sparkline_is_valid_named_and_inside_its_viewbox(desc, values, target):
    root = parse(sparkline(values, title="Backlog", desc="From 34 to 277.", target=target))
    assert_named(root, "Backlog", "From 34 to 277.")
    assert_inside(root)
    assert root.findall(".//svg:circle", NS), desc  # the last value is marked


def test_a_sparkline_draws_its_target_dashed_and_every_isolated_value():
    root = parse(sparkline([1, None, 3, 4], title="t", target=2))
    dashed = [el for el in root.iter() if el.get("stroke-dasharray")]
    assert len(dashed) == 1
    assert len(root.findall(".//svg:polyline", NS)) == 1
    assert len(root.findall(".//svg:circle", NS)) == 2  # the lone first value and the last


def test_a_sparkline_without_values_keeps_its_name():
    root = parse(sparkline([None, None], title="No data yet", desc="Nothing measured."))
    assert_named(root, "No data yet", "Nothing measured.")
    assert root.findall(".//svg:polyline", NS) == []
    assert_inside(root)
    parse(sparkline([], title="empty"))


def test_a_sparkline_without_a_description_is_named_by_its_title_only():
    root = parse(sparkline([1, 2], title="Only a title"))
    assert_named(root, "Only a title", None)


def test_a_sparkline_escapes_its_text():
    svg = sparkline([1, 2], title=XSS, desc=XSS)
    assert "<script>" not in svg
    assert parse(svg).find("svg:title", NS).text == XSS


def test_the_sparkline_scales_to_its_given_size():
    root = parse(sparkline([1, 5, 2], title="t", width=160, height=40))
    assert view_box(root) == (0, 0, 160, 40)
    assert_inside(root)
    assert re.search(r'class="sparkline"', str(sparkline([1], title="t")))


# --- colour scales ----------------------------------------------------------------------

def test_a_colour_scale_has_equal_classes_from_the_lowest_to_the_highest_value():
    scale = colour_scale([1, 2, 3, 4, 5, 6, 7, 8, 9, 11])
    assert [c.colour for c in scale.classes] == list(BLUES)
    assert scale.classes[0].low == 1 and scale.classes[-1].high == 11
    assert [c.high - c.low for c in scale.classes] == pytest.approx([2] * 5)
    assert scale.colour(1) == BLUES[0] and scale.colour(11) == BLUES[-1]
    assert scale.colour(2.99) == BLUES[0] and scale.colour(3) == BLUES[1]


def test_few_distinct_values_get_as_many_classes_light_and_dark():
    scale = colour_scale([0.5, 0.5, 0.9])
    assert [c.colour for c in scale.classes] == [BLUES[0], BLUES[-1]]
    assert scale.colour(0.5) == BLUES[0] and scale.colour(0.9) == BLUES[-1]


def test_one_value_gets_one_class_and_no_value_no_scale():
    assert [c.colour for c in colour_scale([7, 7]).classes] == [BLUES[2]]
    assert colour_scale([]) is None
    assert colour_scale([None, float("nan")]) is None
