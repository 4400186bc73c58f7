"""What every page template may call: versioned static URLs, the menu, the JS strings."""

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for
from flask_babel import get_locale, lazy_gettext as _l

from neighborhood.accounts.auth import current_actor
from neighborhood.accounts.permissions import Role
from neighborhood.maps.render import leaflet_files

# Strings the page scripts show, translated on the server (app.js reads them by key).
JS_STRINGS = {
    "queued": _l("Saved on this phone; it will be sent when you are back online."),
    "sending": _l("Sending…"),
    "sent": _l("Sent"),
    "failed": _l("Not accepted"),
    "waiting": _l("Waiting for a connection"),
    "offline": _l("You are offline. Reports are kept on this phone and sent later."),
    "online": _l("Back online."),
    "locating": _l("Finding your location…"),
    "located": _l("Location found. Drag the pin if it is not exact."),
    "no_location": _l("Could not get your location. Tap the map or type an address."),
    "nearby_title": _l("Is it one of these?"),
    "me_too": _l("Me too"),
    "supported": _l("Thank you: your support was added."),
    "view": _l("View"),
    "loading": _l("Loading…"),
    "no_reports": _l("No reports in this area with these filters."),
    "photo_ready": _l("Photo ready"),
    "report": _l("Report"),
    "open": _l("open"),
}


@dataclass(frozen=True)
class NavItem:
    """One entry of the main menu."""

    endpoint: str
    label: str
    url: str


def nav_items() -> list[NavItem]:
    """Return the menu entries this visitor may use, beyond Map and Report."""
    actor, views = current_actor(), current_app.view_functions
    wanted = [("web.dashboard", _l("Dashboard"), True),
              ("web.plans", _l("Plans"), True),
              ("web.staff_queue", _l("Queue"),
               actor.role in (Role.STAFF, Role.MODERATOR, Role.ADMIN)),
              ("web.walk", _l("Walk"), actor.role in (Role.OFFICER, Role.ADMIN)),
              ("web.moderation", _l("Moderation"), actor.role in (Role.MODERATOR, Role.ADMIN))]
    return [NavItem(endpoint, str(label), url_for(endpoint))
            for endpoint, label, allowed in wanted if allowed and endpoint in views]


@cache
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """Return a static file's URL with its content hash, so a changed file gets a new URL."""
    path = Path(current_app.static_folder) / filename
    return url_for("static", filename=filename, v=_digest(str(path)))


def js_strings() -> dict[str, str]:
    """Return the scripts' strings in the page's language."""
    return {key: str(value) for key, value in JS_STRINGS.items()}


def current_locale() -> str:
    """Return the page's language code (en, es)."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    """Expose the helpers to every template."""
    app.jinja_env.globals.update(nav_items=nav_items, static_url=static_url,
                                 js_strings=js_strings, current_locale=current_locale,
                                 map_js=lambda: leaflet_files()["js"],
                                 map_css=lambda: leaflet_files()["css"])
