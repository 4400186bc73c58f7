"""Folium maps for our pages: our own Leaflet, the configured tiles, a nonce on every script.

Folium puts popup and tooltip text into JavaScript template literals and HTML unescaped
(a tooltip of `${...}` runs as code); every user-written string goes through `map_text`.
"""

import folium
from flask import current_app, request, url_for
from markupsafe import Markup, escape

from neighborhood.maps.assets import asset_path

STAND_IN_TILES = "/map-tiles/{z}/{x}/{y}.png"
MAX_ZOOM = 19

# Escapes beyond HTML's: a template literal's interpolation, its quote and its escape char.
_LITERAL_ESCAPES = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def map_text(value) -> str:
    """Return user text safe inside a folium popup or tooltip (HTML and JS template literal)."""
    return str(escape("" if value is None else str(value))).translate(_LITERAL_ESCAPES)


def tile_url() -> str:
    """Return the tile URL template: the configured one, or our stand-in tile."""
    return current_app.config["MAP_TILE_URL"] or STAND_IN_TILES


def leaflet_files() -> dict[str, str]:
    """Return the URLs of Leaflet's script and stylesheet on our origin."""
    return {"js": url_for("maps.asset", filename=asset_path("leaflet", "leaflet.js")),
            "css": url_for("maps.asset", filename=asset_path("leaflet", "leaflet.css"))}


def city_map(location=None, zoom: int | None = None, **options) -> folium.Map:
    """Return a folium map on our tiles and our vendored Leaflet (never a CDN)."""
    config = current_app.config
    fmap = folium.Map(location=list(location or config["MAP_CENTER"]),
                      zoom_start=zoom or config["MAP_ZOOM"], tiles=None,
                      width="100%", height="100%", control_scale=True, **options)
    files = leaflet_files()
    fmap.default_js = [("leaflet", files["js"])]  # per instance: the class list stays as is
    fmap.default_css = [("leaflet_css", files["css"])]
    folium.TileLayer(tile_url(), attr=map_text(config["MAP_TILE_ATTRIBUTION"]),
                     max_zoom=MAX_ZOOM, name="map").add_to(fmap)
    return fmap


def embed(fmap: folium.Map) -> dict[str, Markup]:
    """Return the map's element and its script (with the CSP nonce) for a Jinja template.

    Folium's header (its meta viewport forbids zooming, its styles fill the body) is not
    used: the page loads Leaflet itself and sizes the map with our CSS.
    """
    nonce = getattr(request, "csp_nonce", "")  # Flask-Talisman's, for this response
    root = fmap.get_root()
    root.render()
    code = root.script.render().replace("</", "<\\/")  # nothing ends the element early
    return {"name": fmap.get_name(),
            "html": Markup(root.html.render()),
            "script": Markup(f'<script nonce="{escape(nonce)}">{code}</script>')}
