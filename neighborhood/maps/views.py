"""Serve the vendored map libraries from our own origin (never a CDN), and a stand-in tile."""

import io
from functools import cache

from flask import Blueprint, Response, send_from_directory
from PIL import Image, ImageDraw

from neighborhood.maps.assets import ASSETS_DIR

bp = Blueprint("maps", __name__)
ONE_YEAR = 365 * 24 * 3600  # paths carry the version, so a file never changes under its URL
ONE_DAY = 24 * 3600


@bp.get("/map-assets/<path:filename>")
def asset(filename):
    """Return a vendored map file (Leaflet, its plugins, their images)."""
    return send_from_directory(ASSETS_DIR, filename, max_age=ONE_YEAR)


@cache
def _stand_in_png() -> bytes:
    image = Image.new("RGB", (256, 256), (241, 239, 233))
    ImageDraw.Draw(image).rectangle((0, 0, 255, 255), outline=(222, 219, 210))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


@bp.get("/map-tiles/<int:z>/<int:x>/<int:y>.png")
def stand_in_tile(z, x, y):
    """Return a plain tile: the map when no tile server is configured (tests, offline demos)."""
    return Response(_stand_in_png(), mimetype="image/png",
                    headers={"Cache-Control": f"public, max-age={ONE_DAY}"})
