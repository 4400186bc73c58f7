"""The city map (/map): reports of the visible area loaded from the API as you pan."""

from flask import render_template

from neighborhood.maps.render import city_map as folium_city_map, embed
from neighborhood.web.blueprint import bp


@bp.get("/map")
def city_map():
    """Show the city map with its filters and the list of the same reports."""
    return render_template("web/map.html", map=embed(folium_city_map()))
