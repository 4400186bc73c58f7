"""Accessibility checks we can make without a third-party engine: the palette's contrast
(WCAG 2.1 AA), and in Chromium on every main page: a language, one h1, a name for every
control, alt text for every image, zooming allowed, a skip link that moves focus."""

import re
from pathlib import Path

import pytest

from tests.fixtures.browser import phone_context

CSS = Path(__file__).resolve().parents[2] / "neighborhood" / "static" / "css" / "app.css"


def luminance(hex_colour: str) -> float:
    """Return the WCAG relative luminance of #rrggbb."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """Return the WCAG contrast ratio of two colours."""
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def palette() -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS.read_text()))


def test_the_contrast_helper_matches_known_ratios():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just below AA


@pytest.mark.parametrize("foreground, background", [
    ("ink", "bg"), ("muted", "bg"), ("accent", "bg"), ("accent-ink", "accent"),
    ("ink", "soft"), ("muted", "soft"), ("accent", "soft"), ("bad", "bg"), ("ok", "bg"),
])
def test_text_colours_meet_wcag_aa_on_their_backgrounds(foreground, background):
    colours = palette()
    assert contrast(colours[foreground], colours[background]) >= 4.5


PAGE_CHECKS = """() => {
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const name = el => (el.labels && el.labels.length) || el.getAttribute('aria-label')
    || el.getAttribute('aria-labelledby') || el.getAttribute('title');
  const controls = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden' && visible(el));
  const buttons = [...document.querySelectorAll('button')].filter(visible);
  return {
    lang: document.documentElement.lang,
    h1: document.querySelectorAll('h1').length,
    unnamed: controls.filter(el => !name(el)).map(el => el.name || el.id),
    emptyButtons: buttons.filter(b => !b.textContent.trim() && !b.getAttribute('aria-label')).length,
    noAlt: [...document.images].filter(img => !img.hasAttribute('alt')).map(img => img.src)
      .filter(src => src.indexOf('/map-tiles/') < 0 && src.indexOf('/map-assets/') < 0),
    viewport: document.querySelector('meta[name=viewport]').content,
  };
}"""


def test_the_main_pages_pass_the_basic_checks_on_a_phone(client, lifecycle_city,
                                                         dummy_report_body, live_server,
                                                         chromium, playwright):
    report_id = client.post("/api/v1/reports", json=dummy_report_body).json["id"]
    live_server.start()
    context, watch = phone_context(chromium, playwright)
    try:
        page = context.new_page()
        for path in ("/", "/reports/new", f"/reports/{report_id}", "/map", "/login"):
            page.goto(live_server.url + path)
            found = page.evaluate(PAGE_CHECKS)
            assert found["lang"] in ("en", "es"), path
            assert found["h1"] == 1, path
            assert found["unnamed"] == [], path
            assert found["emptyButtons"] == 0, path
            assert found["noAlt"] == [], path
            assert "user-scalable=no" not in found["viewport"], path
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.className") == "skip", path
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "main", path
        watch.assert_clean()
    finally:
        context.close()
