"""The city map (/map): a GET filter form with a server-rendered list (no JavaScript needed),
a folium map that loads the visible area's reports from the API (never embedded in the page),
hotspot, trend and incident layers, and user text that stays text everywhere."""

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from neighborhood.extensions import db
from neighborhood.reports.models import Report
from tests.fixtures.browser import screenshot

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_LITERAL = "${alert(1)}"


def _submit(client, body, **changes) -> int:
    response = client.post("/api/v1/reports", json=body | changes)
    assert response.status_code == 201, response.json
    return response.json["id"]


def _backdate(app, report_id: int, when: datetime) -> None:
    with app.app_context():
        db.session.get(Report, report_id).created_at = when
        db.session.commit()


def _list_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li data-id="(\d+)"', html)]


@pytest.fixture
def two_families(lifecycle_city, create_category):
    """Street lights (lighting) and damaged signs (signs)."""
    create_category(code="sign_repair", name="Damaged sign", family="signs")
    return lifecycle_city


# ---- The page without JavaScript -------------------------------------------------------

def test_map_page_has_the_filters_the_map_and_the_layer_switches(client, lifecycle_city):
    page = client.get("/map")

    assert page.status_code == 200
    html = page.text
    assert '<form id="map-filters" method="get" action="/map"' in html
    assert 'name="family" value="lighting"' in html
    for status in ("all", "open", "closed"):
        assert f'name="status" value="{status}"' in html
    assert 'type="date" id="from" name="from"' in html and 'id="to" name="to"' in html
    for layer in ("reports", "hotspots", "trends", "incidents"):
        assert f'<input type="checkbox" name="layer" value="{layer}" id="layer-{layer}"' in html
    assert re.search(r'<label class="chip"><input type="checkbox" name="layer" value="hotspots"'
                     r'[^>]*> Hotspots</label>', html)
    name = re.search(r'data-map="(map_[0-9a-f]+)"', html).group(1)
    assert f'<div class="folium-map" id="{name}"' in html
    # Leaflet, the folium script, then (deferred) markercluster and our script, all ours.
    assert html.index("/map-assets/leaflet/1.9.4/leaflet.js") < html.index(f"var {name} = L.map(") \
        < html.index("/map-assets/leaflet.markercluster/1.5.3/leaflet.markercluster.js\" defer") \
        < html.index("/static/js/city-map.js?v=")
    assert "/map-assets/leaflet.markercluster/1.5.3/MarkerCluster.css" in html
    assert "/static/css/map.css?v=" in html
    assert "https://" not in html.replace("https://schema", "")  # no CDN


def test_every_inline_script_carries_the_nonce_and_the_data_blocks_are_json(client,
                                                                             lifecycle_city):
    page = client.get("/map")

    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    for attributes in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.text):
        assert f'nonce="{nonce}"' in attributes or 'type="application/json"' in attributes
    strings = json.loads(re.search(r'<script type="application/json" id="map-strings">(.*?)'
                                   r"</script>", page.text, re.DOTALL).group(1))
    config = json.loads(re.search(r'<script type="application/json" id="map-config">(.*?)'
                                  r"</script>", page.text, re.DOTALL).group(1))
    assert strings["bin_3"] == "Hotspot, 99 % confidence"
    assert strings["pattern_4"] == "Persistent hotspot"
    assert config["api"] == {"reports": "/api/v1/reports", "hotspots": "/api/v1/hotspots",
                             "incidents": "/api/v1/incidents"}
    assert config["reportUrl"] == "/reports/"
    assert config["statusGroups"]["open"] == ["acknowledged", "in_progress", "open"]


@pytest.mark.parametrize("desc, query, field, message", [
    ("a month that does not exist", "from=2015-13-01", "from",
     "Enter a date as year-month-day, for example 2015-06-30."),
    ("not a date at all", "to=yesterday", "to",
     "Enter a date as year-month-day, for example 2015-06-30."),
    ("a year the API cannot ask for", "from=1850-01-01", "from",
     "Enter a date as year-month-day, for example 2015-06-30."),
    ("dates in the wrong order", "from=2015-06-30&to=2015-06-01", "from",
     "The first day must not be after the last day."),
    ("an unknown status", "status=lost", "status", "Choose open, closed or all reports."),
    ("an unknown family", "family=lighting&family=weather", "family",
     "Choose families from the list."),
])
def test_filters_are_checked_with_a_message_next_to_the_field(client, lifecycle_city,
                                                             dummy_report_body, desc, query,
                                                             field, message):
    _submit(client, dummy_report_body)

    page = client.get(f"/map?{query}")

    assert page.status_code == 422, desc
    html = page.text
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in html, desc
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error"',
                     html), desc
    assert 'role="alert">Please check the filters' in html, desc
    assert _list_ids(html) == [], desc
    assert "Correct the filters above to see the list." in html, desc
    assert "<details class=\"filters\" open>" in html, desc


def test_the_list_shows_the_filtered_reports_newest_first(app, client, two_families,
                                                          dummy_report_body, create_account):
    light = _submit(client, dummy_report_body, description="Dark lamp")
    sign = _submit(client, dummy_report_body, category="sign_repair", description="Bent sign")
    old = _submit(client, dummy_report_body, description="Old dark lamp")
    fixed = _submit(client, dummy_report_body, description="Fixed lamp")
    _backdate(app, old, datetime(2015, 6, 15, 12, tzinfo=UTC))
    staff = create_account("staff", department="PWD")
    assert client.post(f"/api/v1/reports/{fixed}/transitions", headers=staff.headers,
                       json={"to": "resolved", "note": "Done."}).status_code == 201

    cases = [
        ("everything, newest first", "", [fixed, sign, light, old]),
        ("one family", "family=signs", [sign]),
        ("two families", "family=signs&family=lighting", [fixed, sign, light, old]),
        ("open only", "status=open", [sign, light, old]),
        ("resolved or closed", "status=closed", [fixed]),
        ("a date range, last day included", "from=2015-06-01&to=2015-06-15", [old]),
        ("a range with nothing in it", "from=2015-06-16&to=2015-06-30", []),
        ("from a day on", "family=lighting&status=open&from=2016-01-01", [light]),
    ]
    for desc, query, expected in cases:
        page = client.get(f"/map?{query}")
        assert page.status_code == 200, desc
        assert _list_ids(page.text) == expected, desc
    html = client.get("/map?family=signs").text
    item = html[html.index(f'<li data-id="{sign}">'):]
    item = item[:item.index("</li>")]
    assert f'<a href="/reports/{sign}">' in item and "Damaged sign" in item
    assert '<span class="status s-open">Open</span>' in item
    assert "Tremont St &amp; Boylston St" in item and "Bent sign" in item
    assert re.search(r'<time datetime="[^"]+">[A-Z][a-z]{2} \d{1,2}, \d{4}</time>', item)
    assert 'name="family" value="signs" checked' in html
    empty = client.get("/map?from=2015-06-16&to=2015-06-30").text
    assert "No reports match these filters." in empty


def test_the_list_is_paged_and_the_pages_keep_the_filters(client, lifecycle_city,
                                                          dummy_report_body):
    ids = [_submit(client, dummy_report_body, description=f"Lamp {n}") for n in range(53)]

    first = client.get("/map?family=lighting").text
    second = client.get("/map?family=lighting&page=2").text

    assert _list_ids(first) == ids[::-1][:50]
    assert _list_ids(second) == ids[::-1][50:]
    assert "53 reports match, newest first. Page 1 of 2." in first
    assert 'href="/map?family=lighting&amp;page=2#reports-heading"' in first
    assert '<ol class="report-list" start="51">' in second
    assert 'rel="prev" href="/map?family=lighting#reports-heading"' in second
    assert _list_ids(client.get("/map?page=9").text) == ids[::-1][50:]  # past the end: last
    assert _list_ids(client.get("/map?page=x").text) == ids[::-1][:50]


def test_no_report_is_embedded_in_the_page_beyond_the_list_page(client, lifecycle_city,
                                                                dummy_report_body):
    ids = [_submit(client, dummy_report_body, description=f"Lamp number {n:03d}")
           for n in range(55)]

    html = client.get("/map").text

    assert len(_list_ids(html)) == 50
    for n in range(5):  # the five oldest are on page 2 only
        assert f"Lamp number {n:03d}" not in html
        assert f'/reports/{ids[n]}"' not in html
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", html, re.DOTALL))
    assert "Lamp number" not in scripts and "Feature" not in scripts
    assert "42.355" not in scripts and "-71.0656" not in scripts  # no report coordinates


def test_user_text_is_escaped_in_the_list(client, lifecycle_city, dummy_report_body):
    _submit(client, dummy_report_body, description=XSS_IMG, address="<b>Tremont</b> St")
    _submit(client, dummy_report_body, description=XSS_LITERAL)

    html = client.get("/map").text

    listing = html[html.index('<div id="report-list">'):]
    assert XSS_IMG not in html and "<b>Tremont</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in listing
    assert "&lt;b&gt;Tremont&lt;/b&gt; St" in listing
    assert XSS_LITERAL in listing  # plain text in HTML: no template literal ever sees it
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", html, re.DOTALL))
    assert "alert(1)" not in scripts


def test_held_reports_are_not_listed_and_sensitive_ones_hide_their_address(
        client, lifecycle_city, create_category, create_account, dummy_report_body):
    create_category(code="unsanitary_food", name="Unsanitary food", family="problem_business",
                    sensitive=True)
    held = _submit(client, dummy_report_body, category="unsanitary_food")
    published = _submit(client, dummy_report_body, category="unsanitary_food")
    moderator = create_account("moderator")
    assert client.post(f"/api/v1/reports/{published}/transitions", headers=moderator.headers,
                       json={"to": "open"}).status_code == 201

    html = client.get("/map?family=problem_business").text

    assert _list_ids(html) == [published]
    assert "Tremont St" not in html and "No address given" in html
    assert held not in _list_ids(client.get("/map").text)


def test_the_list_view_has_no_map_and_links_back(client, lifecycle_city, dummy_report_body):
    report_id = _submit(client, dummy_report_body)

    html = client.get("/map?view=list&status=open").text

    assert _list_ids(html) == [report_id]
    assert "folium-map" not in html and "city-map.js" not in html and "L.map(" not in html
    assert '<input type="hidden" name="view" value="list">' in html
    assert '<a href="/map?status=open">Show the map</a>' in html
    assert '<a href="/map?status=open&amp;view=list">Show as a list only' in \
        client.get("/map?status=open").text


# ---- The map in a real browser, on the Boston demo ------------------------------------

MAP_NAME = "() => document.getElementById('city-map').dataset.map"
MARKER_IDS = """name => {
  const ids = [];
  window[name].eachLayer(layer => {
    if (layer instanceof L.MarkerClusterGroup) {
      layer.getLayers().forEach(marker => ids.push(marker.feature.id));
    }
  });
  return ids.sort((a, b) => a - b);
}"""
BOUNDS = """name => { const b = window[name].getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"""
LOADED = "() => !document.getElementById('city-map').hasAttribute('aria-busy')"


def _is_reports(request) -> bool:
    return urlsplit(request.url).path == "/api/v1/reports"


def _query(url: str) -> dict:
    return parse_qs(urlsplit(url).query)


def _bbox(url: str) -> list[float]:
    return [float(v) for v in _query(url)["bbox"][0].split(",")]


def _open_map(page, url: str):
    """Load the map and wait for its first reports; return the first API request."""
    with page.expect_request(_is_reports) as first:
        page.goto(url)
    page.wait_for_function(LOADED)
    return first.value


def _list_all(page) -> list[int]:
    """Show the whole list (it grows 50 at a time) and return its report ids."""
    more = page.locator("#report-list button.list-more")
    while more.count() and more.is_visible():
        more.click()
    return sorted(int(i) for i in page.locator("#report-list li").evaluate_all(
        "items => items.map(item => item.dataset.id)"))


def _reports_answers(responses: list, since: int = 0) -> list:
    return [r for r in responses if _is_reports(r.request)][since:]


@pytest.fixture
def map_page(phone):
    """A phone page, its Watch, and every response it received (in order)."""
    context, watch = phone
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    return page, watch, responses


def test_reports_load_for_the_visible_area_and_follow_the_map(demo_server, map_page):
    page, watch, responses = map_page
    first = _open_map(page, demo_server.url + "/map")

    name = page.evaluate(MAP_NAME)
    west, south, east, north = _bbox(first.url)
    assert west < -71.0656 < east and south < 42.3300 < north  # the demo city's middle
    assert [round(v, 5) for v in page.evaluate(BOUNDS, name)] == [west, south, east, north]
    assert _query(first.url)["limit"] == ["500"]
    markers = page.evaluate(MARKER_IDS, name)
    assert len(markers) == 2000  # capped, and the page says so
    assert "Showing the 2,000 most recently added reports" in page.inner_text("#map-status")
    assert page.locator("#report-list li").count() == 50
    assert "Showing 50 of 2,000." in page.inner_text("#report-list")
    screenshot(page, "map-phone")

    # Panning with the keyboard asks for the new area.
    page.focus(f"#{name}")
    with page.expect_request(lambda r: _is_reports(r) and _bbox(r.url) != [west, south, east,
                                                                         north]) as panned:
        page.keyboard.press("ArrowRight")
    assert _bbox(panned.value.url)[0] > west
    page.wait_for_function(LOADED)

    # Close in on Boston Common: every report there is a marker and a list item, once.
    seen = len(_reports_answers(responses))
    with page.expect_request(_is_reports):
        page.evaluate("name => window[name].setView([42.3550, -71.0656], 17)", name)
    page.wait_for_function(LOADED)
    features = [f for r in _reports_answers(responses, seen) if r.ok
                and _bbox(r.url) == [round(v, 5) for v in page.evaluate(BOUNDS, name)]
                for f in r.json()["features"]]
    api_ids = sorted(f["id"] for f in features)
    assert 0 < len(api_ids) < 2000
    assert page.evaluate(MARKER_IDS, name) == api_ids
    assert _list_all(page) == api_ids
    item = page.locator(f'#report-list li[data-id="{features[0]["id"]}"]')
    assert item.locator("a").get_attribute("href") == f"/reports/{features[0]['id']}"
    assert features[0]["properties"]["category_name"] in item.inner_text()
    watch.assert_clean()


def test_the_family_filter_changes_the_results(demo_server, map_page):
    page, watch, responses = map_page
    _open_map(page, demo_server.url + "/map")
    name = page.evaluate(MAP_NAME)

    page.click("details.filters summary")
    seen = len(_reports_answers(responses))
    with page.expect_request(lambda r: _is_reports(r) and "family" in _query(r.url)) as asked:
        page.check('input[name="family"][value="parks"]')
    page.wait_for_function(LOADED)

    assert _query(asked.value.url)["family"] == ["parks"]
    features = [f for r in _reports_answers(responses, seen) if r.ok for f in r.json()["features"]]
    assert features and {f["properties"]["family"] for f in features} == {"parks"}
    assert page.evaluate(MARKER_IDS, name) == sorted(f["id"] for f in features)
    assert _list_all(page) == sorted(f["id"] for f in features)
    assert "family=parks" in page.url  # a reload or a shared link keeps the filter
    watch.assert_clean()

    # A link with a filter the server refuses: the message stays, nothing loads until a change.
    seen = len(_reports_answers(responses))
    page.goto(demo_server.url + "/map?family=parks&family=weather")
    page.wait_for_timeout(800)
    assert page.locator("#family-error").inner_text() == "Choose families from the list."
    assert _reports_answers(responses, seen) == []
    with page.expect_request(_is_reports) as asked:
        page.check('input[name="family"][value="signs"]')
    assert _query(asked.value.url)["family"] == ["parks", "signs"]
    assert page.locator("#filter-errors").is_hidden()
    page.wait_for_function(LOADED)
    assert watch.console_errors == [  # Chromium logs the page's own 422, nothing else
        "Failed to load resource: the server responded with a status of 422 "
        "(UNPROCESSABLE ENTITY)"]
    watch.console_errors.clear()
    watch.assert_clean()


def test_hotspot_trend_and_incident_layers_draw_with_their_legends(demo_server, map_page):
    page, watch, _ = map_page
    _open_map(page, demo_server.url + "/map?family=lighting")

    with page.expect_response(lambda r: urlsplit(r.url).path == "/api/v1/hotspots") as hot:
        page.check("#layer-hotspots")
    assert _query(hot.value.url) == {"family": ["lighting"]}
    significant = [f for f in hot.value.json()["features"] if f["properties"]["bin"]]
    legend = page.locator("#legend-hotspots")
    legend.get_by_text("Hotspot, 99 % confidence").wait_for()
    assert page.locator("path.nb-hex:not(.nb-trend)").count() == len(significant) > 0
    text = legend.inner_text()
    assert "Family: Street lighting." in text
    bins = {b: sum(f["properties"]["bin"] == b for f in significant) for b in (3, 2, 1)}
    assert f"Hotspot, 99 % confidence: {bins[3]} hexagons" in text
    assert "Cold: striped fill, dashed edge." in text  # not colour alone
    assert legend.locator(".swatch.bin-3").count() == 1
    screenshot(page, "map-phone-hotspots")

    with page.expect_response(lambda r: urlsplit(r.url).path == "/api/v1/hotspots") as trend:
        page.check("#layer-trends")
    patterns = [f["properties"] for f in trend.value.json()["features"]
                if f["properties"].get("pattern")]
    page.locator("#legend-trends .legend-list").wait_for()
    assert page.locator("path.nb-trend").count() == len(patterns) > 0
    assert page.locator(".nb-trend-label").count() == len(patterns)
    trends_text = page.inner_text("#legend-trends")
    for props in patterns:
        assert props["pattern_name"].capitalize() in trends_text

    with page.expect_request(lambda r: urlsplit(r.url).path == "/api/v1/incidents") as groups:
        page.check("#layer-incidents")
    assert "bbox" in _query(groups.value.url)
    page.locator("#legend-incidents").get_by_text("Open reports of one category").wait_for()
    page.wait_for_function("() => !/Loading/.test(document.querySelector("
                           "'#legend-incidents').textContent)")
    assert "incident group" in page.inner_text("#legend-incidents")
    assert _query(page.url)["layer"] == ["reports", "hotspots", "trends", "incidents"]
    watch.assert_clean()


OPEN_POPUP = """([name, id]) => window[name].eachLayer(layer => {
  if (!(layer instanceof L.MarkerClusterGroup)) { return; }
  const marker = layer.getLayers().find(m => m.feature.id === id);
  layer.zoomToShowLayer(marker, () => marker.openPopup());
})"""


def test_a_malicious_description_is_inert_in_the_popup(app, client, demo_server, map_page):
    page, watch, _ = map_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    body = {"category": "street_light_outage", "address": "<b>Main</b> St"}
    places = {XSS_IMG: (42.3300, -71.0800), XSS_LITERAL: (42.3304, -71.0800)}  # 44 m apart
    ids = {text: _submit(client, body, description=text, lat=lat, lon=lon)
           for text, (lat, lon) in places.items()}
    _open_map(page, demo_server.url + "/map?family=lighting")
    name = page.evaluate(MAP_NAME)

    popup = page.locator(".leaflet-popup-content")
    for text, report_id in ids.items():
        page.evaluate("name => window[name].closePopup()", name)
        popup.wait_for(state="detached")
        with page.expect_request(_is_reports):
            page.evaluate("([name, lat, lon]) => window[name].setView([lat, lon], 19)",
                          [name, *places[text]])
        page.wait_for_function(LOADED)
        page.evaluate(OPEN_POPUP, [name, report_id])
        popup.wait_for()
        assert text in popup.inner_text()
        assert "<b>Main</b> St" in popup.inner_text()
        assert popup.locator("img, b").count() == 0
        assert popup.locator("a").get_attribute("href") == f"/reports/{report_id}"
        item = page.locator(f'#report-list li[data-id="{report_id}"]')
        assert text in item.inner_text() and item.locator("img, b").count() == 0
    page.wait_for_timeout(300)  # an onerror would have fired by now
    assert dialogs == []
    watch.assert_clean()
