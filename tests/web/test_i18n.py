"""English and Spanish: every string of the pages translated, the catalog compiled, the
language chosen by the browser or the switch on every page, dates and numbers localized."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.fixtures.browser import phone_context, screenshot
from tests.web.test_report_form import form_fields
from tests.web.test_report_page import _resolved, _token

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "neighborhood" / "translations" / "es" / "LC_MESSAGES"
PYBABEL = Path(sys.executable).with_name("pybabel")


def spanish() -> object:
    with (CATALOG / "messages.po").open("rb") as po:
        return read_po(po, locale="es")


def test_every_string_of_the_pages_has_a_spanish_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(PYBABEL), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_",
                    "--no-location",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as source:
        wanted = {m.id for m in read_po(source) if m.id}
    catalog = spanish()
    missing = sorted(str(i) for i in wanted
                     if not (m := catalog.get(i)) or not m.string or m.fuzzy
                     or (isinstance(m.string, tuple) and not all(m.string)))
    assert not missing, f"run `make translations` and translate: {missing[:20]}"


def test_spanish_translations_keep_every_placeholder():
    problems = []
    for message in spanish():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)s|\{\w+\}", ids[0]))
        for string in strings:
            if set(re.findall(r"%\(\w+\)s|\{\w+\}", string)) != wanted:
                problems.append((ids[0], string))
    assert not problems, problems


def test_the_compiled_catalog_matches_the_translations():
    def plain(value):  # read_mo gives plural forms as lists, read_po as tuples
        return tuple(value) if isinstance(value, (list, tuple)) else value

    with (CATALOG / "messages.mo").open("rb") as mo:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(mo) if m.id}
    written = {plain(m.id): plain(m.string) for m in spanish()
               if m.id and m.string and not m.fuzzy}
    assert compiled == written, "run `make translations` to compile the catalog"


# --- choosing the language --------------------------------------------------------------


def test_a_spanish_browser_gets_spanish_pages(client, lifecycle_city):
    html = client.get("/reports/new", headers={"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}
                      ).get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Report a problem" not in html


def test_an_english_or_unknown_browser_gets_english(client, lifecycle_city):
    for header in ("en-US,en;q=0.9", "de-DE", ""):
        html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
        assert '<html lang="en">' in html and "Report a problem" in html


def test_the_switch_remembers_the_choice_over_the_browsers_language(client, lifecycle_city):
    response = client.get("/language/es?next=/reports/new")
    assert response.status_code == 303 and response.headers["Location"] == "/reports/new"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = client.get("/reports/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in html
    client.get("/language/en?next=/")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil",
                                    "javascript:alert(1)"])
def test_the_switch_never_redirects_off_the_site(client, target):
    response = client.get("/language/es", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_ignored(client):
    response = client.get("/language/xx?next=/")
    assert response.status_code == 303 and "Set-Cookie" not in response.headers


def test_dates_and_numbers_follow_the_language(client, lifecycle_city, dummy_report_body):
    report_id = client.post("/api/v1/reports", json=dummy_report_body).json["id"]
    english = client.get(f"/reports/{report_id}", headers={"Accept-Language": "en"}
                         ).get_data(as_text=True)
    spanish_page = client.get(f"/reports/{report_id}", headers={"Accept-Language": "es"}
                              ).get_data(as_text=True)
    month = re.search(r'<time datetime="[^"]+">([^<]+)</time>', english).group(1)
    mes = re.search(r'<time datetime="[^"]+">([^<]+)</time>', spanish_page).group(1)
    assert month != mes  # e.g. "Nov 22, 2026, 3:04:05 AM" and "22 nov 2026, 3:04:05"


# --- messages from services and validation ---------------------------------------------


def test_a_refused_action_is_explained_in_spanish(client, lifecycle_city, create_account,
                                                  dummy_report_body):
    report_id = _resolved(client, create_account, dummy_report_body)
    client.set_cookie("lang", "es")
    html = client.get(f"/reports/{report_id}").get_data(as_text=True)
    page = client.post(f"/reports/{report_id}/support", data={"csrf_token": _token(html)},
                       follow_redirects=True).get_data(as_text=True)
    assert "Solo los reportes abiertos reciben apoyo; reábralo si el problema ha vuelto." in page
    assert "Only open reports take support" not in page


def test_form_errors_are_shown_in_spanish(client, lifecycle_city):
    client.set_cookie("lang", "es")
    body = form_fields(client, category="street_light_outage", lat="42.3550", lon="-71.0656",
                       **{"contact.email": "not-an-address"})
    response = client.post("/reports/new", data=body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Falta este dato obligatorio." in html  # the description
    assert "No es un correo electrónico válido." in html
    assert "Missing data" not in html and "Not a valid email" not in html


def test_api_messages_follow_the_accept_language_header(client, lifecycle_city,
                                                        dummy_report_body):
    bad = dummy_report_body | {"lat": 95, "category": "no_such_thing"}
    english = client.post("/api/v1/reports", json=bad).json
    spanish_answer = client.post("/api/v1/reports", json=bad,
                                 headers={"Accept-Language": "es"}).json
    assert english["message"] == "The request has invalid fields."
    assert english["errors"]["json"]["lat"] == [
        "Must be greater than or equal to -90 and less than or equal to 90."]
    assert spanish_answer["message"] == "La solicitud tiene campos no válidos."
    assert spanish_answer["errors"]["json"]["lat"] == [
        "Debe ser mayor o igual que -90 y menor o igual que 90."]
    unknown = client.post("/api/v1/reports", json=dummy_report_body | {"category": "nope"},
                          headers={"Accept-Language": "es"}).json
    assert unknown["errors"]["json"]["category"] == ["Categoría desconocida «nope»."]


# --- in Chromium --------------------------------------------------------------------------


def test_the_language_switch_on_a_phone(lifecycle_city, live_server, chromium, playwright):
    live_server.start()
    context, watch = phone_context(chromium, playwright, locale="en-US")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/reports/new")
        assert page.get_attribute("html", "lang") == "en"
        english_title = page.inner_text("h1")
        page.click('nav.lang a[hreflang="es"]')
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == "es"
        assert page.inner_text("h1") != english_title
        strings = page.evaluate("JSON.parse(document.getElementById('i18n').textContent)")
        assert strings["queued"] != "Saved on this phone; it will be sent when you are back online."
        screenshot(page, "report-form-spanish-phone")
        page.goto(live_server.url + "/")
        assert page.get_attribute("html", "lang") == "es"  # remembered
        watch.assert_clean()
    finally:
        context.close()


def test_a_spanish_phone_opens_in_spanish(lifecycle_city, live_server, chromium, playwright):
    live_server.start()
    context, watch = phone_context(chromium, playwright, locale="es-US")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        assert page.get_attribute("html", "lang") == "es"
        watch.assert_clean()
    finally:
        context.close()


def test_why_a_hotspot_map_cannot_be_drawn_is_said_in_spanish(client, lifecycle_city,
                                                              dummy_report_body):
    client.post("/api/v1/reports", json=dummy_report_body)
    code = lifecycle_city["category"]
    english = client.get("/api/v1/hotspots", query_string={"category": code}).json
    spanish_answer = client.get("/api/v1/hotspots", query_string={"category": code},
                                headers={"Accept-Language": "es"}).json
    assert english["message"].startswith("Only 1 reports in this selection")
    assert spanish_answer["message"] == ("Solo hay 1 reportes en esta selección; una prueba de "
                                         "significación necesita al menos 30.")


def test_error_pages_are_in_spanish(client, lifecycle_city):
    client.set_cookie("lang", "es")
    page = client.get("/reports/999999")
    assert page.status_code == 404
    assert "<h1>No encontrado</h1>" in page.text
    assert "No hay ningún reporte público con el número 999999." in page.text
    assert "Not Found" not in page.text and "requested URL" not in page.text
    client.set_cookie("lang", "en")
    english = client.get("/nope").text
    assert "<h1>Not Found</h1>" in english and "the page does not exist" in english
