"""The weight budget: the map page and the report form load at most 250 KB (gzip) before
map tiles, and nothing from any host but ours. Figures: bench/page_weight.py."""

from tests.fixtures.weight import BUDGET_BYTES, measure


def test_the_map_and_the_form_load_within_the_budget_from_our_host_only(
        demo_server, chromium, playwright):
    for path in ("/map", "/reports/new"):
        weight = measure(chromium, playwright.devices["Pixel 7"], demo_server.url + path)
        assert weight.status == 200
        # the page itself counts; handlers finish in any order, so no position is assumed
        assert path in [name for name, _raw, _sent in weight.files]
        assert weight.sent < weight.raw  # compressed on the way
        assert weight.sent <= BUDGET_BYTES, (path, sorted(weight.files, key=lambda f: -f[2])[:5])
        assert weight.outside == []
