"""Draw the dashboard's neighborhood map (folium) of one metric, with its legend and table.

Colours: equal-interval classes of the values (charts.colour_scale), light = low. A median or
share over fewer than 10 reports is hatched grey and left out of the scale (not compared); no
data is white. Every name and value reaches folium through map_text (docs/dashboard.md).
"""

from dataclasses import dataclass

import folium
import numpy as np
import shapely
from flask_babel import format_number
from flask_babel import gettext as _

from neighborhood.accountability import charts
from neighborhood.maps.render import city_map, embed, map_text
from neighborhood.web import queries
from neighborhood.web.dashboard_filters import METRICS, Filters
from neighborhood.web.dashboard_text import group_label, metric_text

SIMPLIFY_DEGREES = 0.0002  # about 20 m: the polygons stay recognisable, the page light
HATCH = "url(#dash-hatch)"  # the page's SVG pattern (dashboard.html): small samples
NO_DATA_FILL = "#ffffff"


@dataclass(frozen=True)
class MapRow:
    """One neighborhood on the map and in its table."""

    code: str | None
    name: str
    value: float | None
    text: str
    n: int | None
    small: bool
    colour: str
    row: dict


def _geometry(geom) -> dict:
    """Return a simplified polygon as GeoJSON with 5 decimals (about 1 m)."""
    simple = shapely.simplify(geom, SIMPLIFY_DEGREES, preserve_topology=True)
    rounded = shapely.transform(simple, lambda xy: np.round(xy, 5))
    return shapely.geometry.mapping(rounded)


def _style(feature: dict) -> dict:
    """Return a neighborhood's style: its class colour; hatched and dashed when a small
    sample, white and dotted without data (never told apart by colour alone)."""
    colour = feature["properties"]["colour"]
    dash = "5 3" if colour == HATCH else "1 4" if colour == NO_DATA_FILL else None
    return {"fillColor": colour, "fillOpacity": 0.85, "color": "#1b1f24",
            "weight": 2 if dash else 1.5, "dashArray": dash}


def choropleth(filters: Filters, rows: list[dict]) -> dict:
    """Return the neighborhood map of the chosen metric, its legend and its table rows."""
    metric = METRICS[filters.metric]
    values = metric.compared(rows)
    scale = charts.colour_scale([v for _row, v, small in values if not small and v is not None])
    table = [MapRow(row["neighborhood"], group_label("neighborhood", row), value,
                    metric_text(metric, value),
                    row[metric.n_field] if metric.n_field else None, small,
                    HATCH if small else NO_DATA_FILL if value is None or not scale
                    else scale.colour(value), row)
             for row, value, small in values]
    by_code = {r.code: r for r in table}
    shapes = queries.neighborhood_shapes()
    features = []
    for index, (code, name, geom) in enumerate(shapes):
        entry = by_code.get(code)
        if entry is None:
            continue
        note = ""
        if entry.n is not None:
            note = (_("%(n)s reports: too few to compare", n=format_number(entry.n))
                    if entry.small else _("%(n)s reports", n=format_number(entry.n)))
        features.append({"type": "Feature", "id": index, "geometry": _geometry(geom),
                         "properties": {"name": map_text(name), "value": map_text(entry.text),
                                        "note": map_text(note), "colour": entry.colour}})
    fmap = None
    if features:
        fmap = city_map(zoom_snap=0.25)  # fit the city closely on a narrow phone
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features}, name="neighborhoods",
            style_function=_style,
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "value", "note"],
                aliases=[map_text(_("Neighborhood")), map_text(metric.label),
                         map_text(_("Sample"))], sticky=True),
        ).add_to(fmap)
        bounds = shapely.bounds(shapely.union_all([geom for _code, _name, geom in shapes]))
        fmap.fit_bounds([(bounds[1], bounds[0]), (bounds[3], bounds[2])])
    legend = [(c.colour, _("%(low)s to %(high)s", low=metric_text(metric, c.low),
                           high=metric_text(metric, c.high))) for c in scale.classes] \
        if scale else []
    return {"metric": metric, "map": embed(fmap) if fmap else None, "legend": legend,
            "rows": table, "sample": metric.n_field is not None,
            "has_small": any(r.small for r in table),
            "has_none": any(r.value is None for r in table)}
