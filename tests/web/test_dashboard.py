"""The public dashboard (/dashboard): the statistics API's figures on a page that works without
JavaScript, every figure a link to the reports behind it (/dashboard/reports), every table a
CSV, small samples marked in words and never ranked, a neighborhood map with escaped names,
and on the Boston demo a clean, light page on a phone."""

import csv
import html
import io
import json
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from neighborhood.accounts.permissions import Actor, Role
from neighborhood.areas.models import Area
from neighborhood.extensions import db
from neighborhood.maps.render import map_text
from neighborhood.reports.services import Submission, submit_report
from neighborhood.web.dashboard_map import HATCH, NO_DATA_FILL
from neighborhood.workflow.services import TransitionRequest, transition_report
from tests.accountability.scenario import BEACON_HILL, DORCHESTER, build_scenario, local
from tests.fixtures.browser import phone_context, screenshot
from tests.fixtures.weight import BUDGET_BYTES, measure

RANGE = {"from": "2025-02-03", "to": "2025-03-02"}  # the scenario's February, both days in
API_RANGE = {"from": "2025-02-03", "to": "2025-03-03"}  # the API's `to` is exclusive
GROUPS = ("city", "neighborhood", "department", "family", "category")
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_LITERAL = "${alert(1)}"
# A link to the reports behind a figure, and the number it shows (support is not a count of
# reports: its link carries the class "support" and is left out).
FIGURE_LINK = re.compile(r'<a (?:class="fig-value" )?href="(/dashboard/reports\?[^"]+)">'
                         r'(?:n&nbsp;=&nbsp;)?([\d,]+)(?: of them fixed)?</a>')


@pytest.fixture
def scenario(app, lifecycle_city, create_category, create_account):
    """February 2025 in Boston: 15 hand-made reports (tests/accountability/scenario.py)."""
    return build_scenario(app, lifecycle_city, create_category, create_account)


def api(client, **args) -> list[dict]:
    response = client.get("/api/v1/stats", query_string=API_RANGE | args)
    assert response.status_code == 200, response.json
    return response.json


def dashboard(client, expect: int = 200, **args) -> str:
    response = client.get("/dashboard", query_string=RANGE | args)
    assert response.status_code == expect, response.text[:500]
    return response.text


def number(text: str) -> int:
    return int(text.replace(",", ""))


def summary_figure(page: str, figure: str) -> str:
    return re.search(rf'data-figure="{figure}".*?class="fig-value[^"]*"[^>]*>([^<]+)<', page,
                     re.S).group(1)


def group_rows(page: str, table: str = "groups-table") -> dict[str, str]:
    """Return each row of a table by its data-group, as HTML."""
    body = re.search(rf'id="{table}">(.*?)</table>', page, re.S).group(1)
    return dict(re.findall(r'<tr[^>]*data-group="([^"]*)">(.*?)</tr>', body, re.S))


def links(fragment: str) -> list[tuple[str, dict, int]]:
    """Return (url, its query, the number shown) of every figure link in a fragment."""
    found = []
    for url, shown in FIGURE_LINK.findall(fragment):
        url = html.unescape(url)
        found.append((url, parse_qs(urlsplit(url).query), number(shown)))
    return found


def figure_of(fragment: str, figure: str) -> int:
    """Return the number of the first link to a figure's list in a fragment."""
    return next(n for _, query, n in links(fragment) if query["figure"] == [figure])


def listed_total(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    total = re.search(r'id="total"><strong>([\d,]+) reports?</strong>', response.text)
    return number(total.group(1)), response.text


def map_features(page: str) -> list[dict]:
    """Return the GeoJSON features folium embedded in the page's map script."""
    start = re.search(r"_add\((?=\{)", page).end()
    data, _ = json.JSONDecoder().raw_decode(page, start)
    return data["features"]


def parse_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="boston-')
    return list(csv.reader(io.StringIO(response.text)))


# --- the page and its form ------------------------------------------------------------------

def test_the_page_is_a_get_form_with_the_newest_12_months_by_default(client, scenario):
    page = client.get("/dashboard").text

    assert '<form class="dash-filters" id="dash-filters" method="get" action="/dashboard"' in page
    for name in ("group_by", "family", "category"):
        assert f'<select id="{name}" name="{name}"' in page
    # The newest report was made on 2025-02-26: the 12 months ending that day.
    assert 'type="date" id="from" name="from" value="2024-02-27"' in page
    assert 'type="date" id="to" name="to" value="2025-02-26"' in page
    assert "From Feb 27, 2024 to Feb 26, 2025" in page
    assert "https://" not in page.replace("https://schema", "")  # no chart or map CDN


def test_without_any_report_the_range_ends_today(client, lifecycle_city):
    page = client.get("/dashboard").text

    today = date.today()  # the city's day may differ by one near midnight
    shown = re.search(r'id="to" name="to" value="([\d-]+)"', page).group(1)
    assert abs((date.fromisoformat(shown) - today).days) <= 1
    assert 'id="empty-state"' in page


@pytest.mark.parametrize("desc, query, field, message", [
    ("a month that does not exist", {"from": "2015-13-01"}, "from",
     "Enter a date as year-month-day, for example 2015-06-30."),
    ("not a date", {"to": "yesterday"}, "to",
     "Enter a date as year-month-day, for example 2015-06-30."),
    ("a year the statistics cannot ask", {"from": "1850-01-01"}, "from",
     "Choose a day from Jan 1, 1970 to Dec 30, 2999."),
    ("the last day the range cannot end after", {"to": "2999-12-31"}, "to",
     "Choose a day from Jan 1, 1970 to Dec 30, 2999."),
    ("days in the wrong order", {"from": "2015-06-30", "to": "2015-06-01"}, "from",
     "The first day must not be after the last day."),
    ("more than three years", {"from": "2010-01-01", "to": "2015-01-01"}, "to",
     "The range may span at most 1,096 days (three years)."),
    ("an unknown grouping", {"group_by": "street"}, "group_by",
     "Choose a grouping from the list."),
    ("an unknown family", {"family": "weather"}, "family", "Choose families from the list."),
    ("an unknown category", {"category": "pothole"}, "category",
     "Choose categories from the list."),
    ("an unknown table", {"format": "csv", "table": "secrets"}, "table",
     "Choose a table from the page."),
])
def test_bad_input_is_a_message_next_to_its_field_never_an_error_page(client, scenario, desc,
                                                                      query, field, message):
    response = client.get("/dashboard", query_string=query)

    assert response.status_code == 422, desc
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.text, desc
    assert 'role="alert">Please check the form' in response.text, desc
    assert 'id="summary"' not in response.text, desc


@pytest.mark.parametrize("desc, query, field", [
    ("an unknown figure", {"figure": "happiness"}, "figure"),
    ("an unknown neighborhood", {"neighborhood": "atlantis"}, "neighborhood"),
    ("an unknown department", {"department": "NOPE"}, "department"),
    ("an unknown status", {"status": "lost"}, "status"),
    ("a bad date", {"from": "2025-02-30"}, "from"),
])
def test_the_report_list_refuses_bad_input_with_a_message(client, scenario, desc, query, field):
    response = client.get("/dashboard/reports", query_string=RANGE | query)

    assert response.status_code == 422, desc
    assert f'<li data-field="{field}">' in response.text, desc
    assert 'id="report-table"' not in response.text, desc


def test_an_empty_range_says_so_instead_of_showing_zeros(client, scenario):
    page = dashboard(client, group_by="neighborhood", **{"from": "2001-01-01",
                                                         "to": "2001-01-31"})

    assert 'id="empty-state"' in page
    assert "nothing to measure" in page
    for absent in ('id="summary"', "<svg", 'id="groups-table"', "<script nonce"):
        assert absent not in page, absent


# --- the figures are the API's --------------------------------------------------------------

@pytest.mark.parametrize("group_by", GROUPS)
def test_the_figures_are_those_of_the_stats_api_for_the_same_range(client, scenario, group_by):
    page = dashboard(client, group_by=group_by)
    [city] = api(client)

    for figure, key in (("opened", "opened"), ("closed", "closed"), ("backlog", "backlog"),
                        ("overdue", "overdue")):
        assert number(summary_figure(page, figure)) == city[key], figure
    summary = re.search(r'id="summary">(.*?)</ul>', page, re.S).group(1)
    assert figure_of(summary, "sla_met") == city["sla_met"]
    assert figure_of(summary, "sla") == city["sla_n"]
    assert figure_of(summary, "reopen") == city["reopen_n"]
    assert figure_of(summary, "acknowledged") == city["acknowledge_n"]
    if group_by == "city":
        assert 'id="groups-table"' not in page
        return
    rows = group_rows(page)
    wanted = api(client, group_by=group_by)
    assert len(rows) == len(wanted)
    for row in wanted:
        cells = rows[row[group_by] if row[group_by] is not None else "none"]
        for figure, key in (("opened", "opened"), ("closed", "closed"), ("backlog", "backlog"),
                            ("overdue", "overdue"), ("acknowledged", "acknowledge_n"),
                            ("sla", "sla_n"), ("reopen", "reopen_n")):
            assert figure_of(cells, figure) == row[key], (group_by, row["name"], figure)


def test_the_filters_narrow_every_figure_as_the_api_does(client, scenario):
    for query in ({"family": "signs"}, {"category": "street_light_outage"},
                  {"from": "2025-02-10", "to": "2025-02-16"}):
        page = client.get("/dashboard", query_string=RANGE | query).text
        api_query = dict(query)
        if "to" in api_query:
            api_query["to"] = (date.fromisoformat(query["to"]) + timedelta(days=1)).isoformat()
        [city] = api(client, **api_query)
        assert number(summary_figure(page, "opened")) == city["opened"], query
        assert number(summary_figure(page, "backlog")) == city["backlog"], query


def test_the_weekly_chart_is_an_svg_with_a_title_and_a_table_of_its_data(client, scenario):
    page = dashboard(client)
    [city] = api(client)

    svg = re.search(r'<svg xmlns="http://www.w3.org/2000/svg"[^>]*class="chart".*?</svg>', page,
                    re.S).group(0)
    assert 'role="img" aria-labelledby="weekly-chart-title weekly-chart-desc"' in svg
    assert '<title id="weekly-chart-title">Reports opened and closed per week</title>' in svg
    assert f"{city['opened']} reports opened and {city['closed']} closed" in svg
    table = re.search(r'id="weekly-table">(.*?)</table>', page, re.S).group(1)
    weeks = re.findall(r'<th scope="row">(\d{4}-W\d\d)</th>.*?<td class="num">(\d+)</td>'
                       r'<td class="num">(\d+)</td>', table, re.S)
    assert [w[0] for w in weeks] == [w["week"] for w in city["weekly"]]
    assert sum(int(w[1]) for w in weeks) == city["opened"]
    assert sum(int(w[2]) for w in weeks) == city["closed"]


def test_groups_are_sorted_on_the_server_by_the_column_asked(client, scenario):
    page = dashboard(client, group_by="neighborhood", sort="opened")

    wanted = sorted(api(client, group_by="neighborhood"), key=lambda r: -r["opened"])
    assert list(group_rows(page)) == [r["neighborhood"] or "none" for r in wanted]
    assert 'aria-sort="descending">Opened' in page
    assert re.search(r'href="/dashboard\?[^"]*sort=backlog[^"]*#groups-heading">Backlog</a>',
                     page)


# --- every figure links to the reports behind it --------------------------------------------

@pytest.mark.parametrize("group_by", GROUPS)
def test_every_figure_links_to_a_list_of_exactly_that_many_reports(client, scenario, group_by):
    page = dashboard(client, group_by=group_by)

    found = links(page)
    assert len(found) >= 10
    for url, query, shown in found:
        total, _ = listed_total(client, url)
        assert total == shown, (group_by, query)


def test_a_neighborhood_list_counts_problem_businesses_but_does_not_list_them(client, scenario):
    page = dashboard(client, group_by="neighborhood")
    dorchester = group_rows(page)["6"]
    url = next(u for u, query, _ in links(dorchester) if query["figure"] == ["backlog"])

    total, listing = listed_total(client, url)

    assert total == figure_of(dorchester, "backlog")
    assert 'id="unlisted">1 of them is about a problem business' in listing
    assert f'data-id="{scenario["r15"]}"' not in listing  # the food report in Dorchester
    assert f'data-id="{scenario["r4"]}"' in listing
    rows = re.findall(r'<tr data-id="(\d+)">', listing)
    assert len(rows) == total - 1


def test_the_list_links_each_report_and_leaves_out_held_ones(client, scenario):
    _total, listing = listed_total(client, "/dashboard/reports?" + "&".join(
        f"{k}={v}" for k, v in (RANGE | {"figure": "opened"}).items()))

    assert f'<a href="/reports/{scenario["r1"]}">#{scenario["r1"]} Street light outage</a>' \
        in listing
    assert f'data-id="{scenario["r10"]}"' not in listing  # held for review
    assert f'data-id="{scenario["r11"]}"' not in listing  # hidden by a moderator
    assert 'href="/dashboard?from=2025-02-03&amp;to=2025-03-02">' in listing  # back, same range


# --- small samples --------------------------------------------------------------------------

@pytest.fixture
def twelve_and_three(app, lifecycle_city, create_account):
    """12 lights resolved in Beacon Hill (1 to 12 days), 3 in Dorchester (1 day), February."""
    account = create_account("staff", department="PWD")
    staff = Actor(account.id, Role.STAFF, lifecycle_city["PWD"])
    with app.app_context():
        for where, count in ((BEACON_HILL, 12), (DORCHESTER, 3)):
            for i in range(count):
                data = {"category": "street_light_outage", "description": f"Lamp {i}.",
                        "lat": where[0], "lon": where[1]}
                report = submit_report(Submission(data=data), now=local(2, 3, 9)).report
                days = i + 1 if where == BEACON_HILL else 1
                transition_report(report.id, staff,
                                  TransitionRequest(to="resolved", note="Fixed."),
                                  now=local(2, 3 + days, 9))
        db.session.commit()


def test_small_samples_are_greyed_marked_in_words_and_never_ranked(client, twelve_and_three):
    page = dashboard(client, group_by="neighborhood", sort="resolve")

    rows = group_rows(page)
    order = list(rows)
    assert order[0] == "30"  # Beacon Hill: the only neighborhood with 10 or more
    assert re.search(r'<td class="num rank">1</td>', rows["30"])
    dorchester = rows["6"]
    assert "few reports (n = 3): not compared" in dorchester
    assert '<span class="few-mark">not ranked</span>' in dorchester
    assert '<td class="num few">' in dorchester
    assert re.search(r'<tr class="few-row" data-group="6">', page)
    assert "few reports" not in rows["30"]
    # Every other neighborhood (no report) is unranked too, after the ranked one.
    assert all("not ranked" in rows[code] for code in order[1:])


def test_the_map_hatches_small_samples_and_leaves_them_out_of_the_scale(client,
                                                                        twelve_and_three):
    page = dashboard(client, metric="median_days")

    colours = {f["properties"]["name"]: f["properties"]["colour"] for f in map_features(page)}
    assert colours["Dorchester"] == HATCH
    assert colours["Beacon Hill"] not in (HATCH, NO_DATA_FILL)
    assert colours["Roxbury"] == NO_DATA_FILL
    legend = re.search(r'id="map-legend">(.*?)</div>', page, re.S).group(1)
    assert "Fewer than 10 reports: not compared" in legend and "No data" in legend
    assert re.search(r"\d days to \d", legend)  # the one class, with its numbers
    table = group_rows(page, "map-table")
    assert "few reports (n = 3): not compared" in table["6"]
    assert ">6.5 days</a>" in table["30"]  # median of 1..12 days


@pytest.mark.parametrize("metric, label", [
    ("within_sla_share", "Share closed within the service level"),
    ("median_days", "Median days to resolve"),
    ("backlog", "Open backlog"),
    ("overdue", "Overdue reports"),
])
def test_the_map_shows_the_chosen_metric_with_a_table_of_the_same_figures(client, scenario,
                                                                         metric, label):
    page = dashboard(client, metric=metric)

    assert f'<option value="{metric}" selected>{label}</option>' in page
    features = map_features(page)
    rows = api(client, group_by="neighborhood")
    assert len(features) == len([r for r in rows if r["neighborhood"]])
    table = group_rows(page, "map-table")
    assert set(table) == {r["neighborhood"] or "none" for r in rows}
    if metric in ("backlog", "overdue"):
        for row in rows:
            assert f">{row[metric]}</a>" in table[row["neighborhood"] or "none"]


# --- CSV ------------------------------------------------------------------------------------

STAT_HEADER = ["opened", "closed", "resolved", "backlog", "overdue", "support", "acknowledge_n",
               "acknowledge_median_hours", "acknowledge_p90_hours", "acknowledge_small_sample",
               "resolve_n", "resolve_median_hours", "resolve_p90_hours",
               "resolve_small_sample", "resolve_rank", "sla_n", "sla_met", "within_sla_share",
               "sla_small_sample", "sla_rank", "reopen_n", "reopened", "reopen_rate",
               "reopen_small_sample"]


@pytest.mark.parametrize("group_by", ("neighborhood", "department", "category"))
def test_the_group_table_downloads_as_csv_with_the_apis_figures(client, scenario, group_by):
    response = client.get("/dashboard", query_string=RANGE | {"group_by": group_by,
                                                              "format": "csv"})

    rows = parse_csv(response)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="boston-dashboard-by-{group_by}-2025-02-03-2025-03-02.csv"')
    assert rows[0] == [group_by, "name", *STAT_HEADER]
    wanted = {r[group_by]: r for r in api(client, group_by=group_by)}
    assert len(rows) == len(wanted) + 1
    for line in rows[1:]:
        row = wanted[line[0] or None]
        cells = dict(zip(rows[0], line))
        for key in ("opened", "closed", "backlog", "overdue", "sla_n", "sla_met"):
            assert int(cells[key]) == row[key], (line[0], key)
        if row["resolve_median_hours"] is None:
            assert cells["resolve_median_hours"] == ""
        else:
            assert float(cells["resolve_median_hours"]) == row["resolve_median_hours"]
        assert cells["resolve_small_sample"] == str(row["resolve_small_sample"]).lower()


def test_every_other_table_downloads_as_csv(client, scenario):
    [city] = api(client)

    def table(name, **args):
        return parse_csv(client.get("/dashboard", query_string=RANGE | args | {
            "format": "csv", "table": name}))

    summary = table("summary")
    assert summary[0] == ["city", "name", *STAT_HEADER]
    assert summary[1][:4] == ["Boston", "Boston", str(city["opened"]), str(city["closed"])]
    weekly = table("weekly")
    assert weekly[0] == ["week", "week_start", "partial", "opened", "closed"]
    assert [w[0] for w in weekly[1:]] == [w["week"] for w in city["weekly"]]
    assert sum(int(w[3]) for w in weekly[1:]) == city["opened"]
    per_group = table("groups_weekly", group_by="family")
    assert per_group[0] == ["family", "name", "week", "week_start", "partial", "opened",
                            "closed"]
    assert sum(int(w[5]) for w in per_group[1:]) == city["opened"]
    oldest = table("oldest")
    assert oldest[0] == ["id", "url", "category", "category_name", "created_at", "due_at",
                         "open_days", "overdue"]
    assert [int(o[0]) for o in oldest[1:]] == [o["id"] for o in
                                               api(client, oldest=10)[0]["oldest_open"]]
    assert oldest[1][1].endswith(f"/reports/{oldest[1][0]}")
    areas = table("neighborhoods", metric="backlog")
    assert areas[0] == ["neighborhood", "name", "metric", "value", "n", "small_sample"]
    backlog = {r["neighborhood"]: r["backlog"] for r in api(client, group_by="neighborhood")}
    assert {a[0]: int(a[3]) for a in areas[1:]} == backlog


def test_the_report_list_downloads_as_csv(client, scenario):
    [city] = api(client)
    response = client.get("/dashboard/reports",
                          query_string=RANGE | {"figure": "closed", "format": "csv"})

    rows = parse_csv(response)
    assert rows[0] == ["id", "url", "category", "category_name", "family", "status",
                       "created_at", "closed_at", "due_at", "overdue", "support_count"]
    assert len(rows) - 1 == city["closed"]
    assert {r[5] for r in rows[1:]} <= {"resolved", "closed"}


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, scenario, create_category,
                                                      dummy_report_body):
    create_category(code="formula", name="=HYPERLINK(\"http://evil.example\",\"x\")",
                    family="other")
    client.post("/api/v1/reports", json=dummy_report_body | {"category": "formula"})
    rows = parse_csv(client.get("/dashboard", query_string={
        "group_by": "category", "format": "csv"}))

    names = [r[1] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


# --- escaping -------------------------------------------------------------------------------

def test_names_are_escaped_in_the_map_tooltip_and_everywhere_else(app, client, scenario,
                                                                  create_category,
                                                                  dummy_report_body):
    evil = f"{XSS_IMG}{XSS_LITERAL}"
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.kind == "neighborhood",
                                                    Area.code == "30"))
        area.name = evil
        db.session.commit()
    create_category(code="evil", name=evil, family="other")
    client.post("/api/v1/reports", json=dummy_report_body | {"category": "evil"})

    for group_by in ("neighborhood", "category"):
        page = client.get("/dashboard", query_string={"group_by": group_by}).text
        assert XSS_IMG not in page, group_by
        script = re.search(r'<script nonce="[^"]*">(.*?)</script>', page, re.S).group(1)
        assert XSS_LITERAL not in script, group_by  # nothing folium could interpolate
        names = [f["properties"]["name"] for f in map_features(page)]
        assert map_text(evil) in names, group_by
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, group_by
    listing = client.get("/dashboard/reports", query_string={"neighborhood": "30"}).text
    assert XSS_IMG not in listing and "&lt;img src=x onerror=alert(1)&gt;" in listing


def test_every_inline_script_carries_the_nonce(client, scenario):
    response = client.get("/dashboard", query_string=RANGE)

    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.text)
    assert scripts
    for attributes in scripts:
        assert f'nonce="{nonce}"' in attributes or 'type="application/json"' in attributes


# --- the Boston demo ------------------------------------------------------------------------

def test_the_boston_demo_on_a_phone(app, client, demo_server, chromium, playwright):
    """The 2015 demo: the default range is 2015, figures equal the API's, links add up; in
    Chromium at phone size the page is clean, the map and the chart draw, and it is light."""
    page = client.get("/dashboard").text
    assert 'id="from" name="from" value="2015-01-01"' in page
    assert 'id="to" name="to" value="2015-12-31"' in page
    year = {"from": "2015-01-01", "to": "2016-01-01"}
    [city] = client.get("/api/v1/stats", query_string=year).json
    for figure in ("opened", "closed", "backlog", "overdue"):
        assert number(summary_figure(page, figure)) == city[figure], figure
    assert summary_figure(page, "sla") == f"{city['within_sla_share'] * 100:.1f}%"
    by_department = client.get("/dashboard", query_string={"group_by": "department"}).text
    rows = group_rows(by_department)
    for row in client.get("/api/v1/stats", query_string=year | {"group_by": "department"}).json:
        cells = rows[row["department"] or "none"]
        assert figure_of(cells, "opened") == row["opened"], row["name"]
        assert figure_of(cells, "overdue") == row["overdue"], row["name"]
    busiest = max((r for r in rows.values()), key=lambda cells: figure_of(cells, "backlog"))
    url = next(u for u, query, _ in links(busiest) if query["figure"] == ["backlog"])
    total, listing = listed_total(client, url)
    assert total == figure_of(busiest, "backlog") and total > 50
    assert 'rel="next"' in listing  # paged

    context, watch = phone_context(chromium, playwright)
    try:
        browser_page = context.new_page()
        browser_page.goto(demo_server.url + "/dashboard?group_by=neighborhood")
        shapes = browser_page.locator("#dash-map path.leaflet-interactive")
        shapes.first.wait_for()
        assert shapes.count() == len(group_rows(browser_page.content(), "map-table")) - \
            ("none" in group_rows(browser_page.content(), "map-table"))
        assert browser_page.locator("svg.chart title").text_content() == \
            "Reports opened and closed per week"
        assert browser_page.evaluate(
            "document.querySelector('svg.chart').getBoundingClientRect().right"
            " <= document.documentElement.clientWidth")
        shapes.nth(3).hover()
        browser_page.locator(".leaflet-tooltip").wait_for()
        assert "Share closed within the service level" in \
            browser_page.locator(".leaflet-tooltip").inner_text()
        screenshot(browser_page, "dashboard-phone")
        watch.assert_clean()
    finally:
        context.close()
    weight = measure(chromium, playwright.devices["Pixel 7"], demo_server.url + "/dashboard")
    assert weight.status == 200 and weight.outside == []
    assert weight.sent <= BUDGET_BYTES, sorted(weight.files, key=lambda f: -f[2])[:5]
