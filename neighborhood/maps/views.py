"""Serve the vendored map libraries from our own origin (never a CDN), cached for a year."""

from flask import Blueprint, send_from_directory

from neighborhood.maps.assets import ASSETS_DIR

bp = Blueprint("maps", __name__)
ONE_YEAR = 365 * 24 * 3600  # paths carry the version, so a file never changes under its URL


@bp.get("/map-assets/<path:filename>")
def asset(filename):
    """Return a vendored map file (Leaflet, its plugins, their images)."""
    return send_from_directory(ASSETS_DIR, filename, max_age=ONE_YEAR)
