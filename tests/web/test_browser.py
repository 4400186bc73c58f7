"""Real Chromium on a phone-sized screen: today's pages load with no console errors and ask
no host but ours; the guard that proves it does catch an outside request."""

from neighborhood.maps.assets import asset_path
from tests.fixtures.browser import screenshot


def test_the_guard_catches_a_request_to_another_host(phone):
    context, watch = phone
    page = context.new_page()
    page.set_content('<img src="http://tiles.example.com/1/2/3.png" alt="">')
    page.wait_for_timeout(200)
    assert watch.outside_requests == ["http://tiles.example.com/1/2/3.png"]


def test_home_and_report_pages_load_clean_on_a_phone(app, client, lifecycle_city,
                                                     dummy_report_body, live_server, phone):
    report_id = client.post("/api/v1/reports", json=dummy_report_body).json["id"]
    live_server.start()
    context, watch = phone
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.title()
    screenshot(page, "home-phone")
    page.goto(f"{live_server.url}/reports/{report_id}")
    assert "The lamp at the corner is dark." in page.inner_text("main")
    assert "resident@example.org" not in page.content()
    screenshot(page, "report-phone")
    leaflet = page.evaluate("url => fetch(url).then(r => r.status)",
                            f"{live_server.url}/map-assets/{asset_path('leaflet', 'leaflet.js')}")
    assert leaflet == 200
    watch.assert_clean()
