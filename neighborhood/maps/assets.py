"""The vendored map libraries (neighborhood/map_assets, pinned from npm): where they are."""

import json
from functools import cache
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parents[1] / "map_assets"


@cache
def versions() -> dict[str, str]:
    """Return the pinned version of each vendored package, by npm name."""
    manifest = json.loads((ASSETS_DIR / "assets.json").read_text(encoding="utf-8"))
    return {p["name"]: p["version"] for p in manifest["packages"]}


def asset_path(package: str, filename: str) -> str:
    """Return the path of a vendored file below map_assets/, e.g. leaflet/1.9.4/leaflet.js."""
    return f"{package}/{versions()[package]}/{filename}"
