"""Areas: store the city's boundaries, and give a cached locator for points."""

from geoalchemy2.shape import from_shape, to_shape
from shapely import unary_union
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import delete, func, select

from neighborhood.areas.locator import AreaLocator
from neighborhood.areas.models import Area
from neighborhood.core.db import utcnow
from neighborhood.extensions import db

_cache: dict[str, tuple[tuple, AreaLocator]] = {}


def _multi(geom) -> MultiPolygon:
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    raise ValueError(f"expected a polygon, got {geom.geom_type}")


def replace_boundaries(features: list[dict], *, city_name: str, name_key: str = "name",
                       code_key: str = "neighborhood_id") -> int:
    """Make these GeoJSON features the neighborhoods, and their union the city boundary."""
    wanted: dict[tuple[str, str], tuple[str, MultiPolygon]] = {}
    for feature in features:
        props = feature.get("properties") or {}
        code = str(props.get(code_key) or props[name_key])
        wanted[("neighborhood", code)] = (props[name_key], _multi(shape(feature["geometry"])))
    city = _multi(unary_union([geom for _, geom in wanted.values()]).buffer(0))
    wanted[("city", "city")] = (city_name, city)

    now = utcnow()
    existing = {(a.kind, a.code): a for a in db.session.scalars(select(Area))}
    for key, (name, geom) in wanted.items():
        area = existing.pop(key, None) or Area(kind=key[0], code=key[1])
        area.name, area.geom, area.updated_at = name, from_shape(geom, srid=4326), now
        db.session.add(area)
    stale = [a.id for a in existing.values()]
    if stale:  # reports in a removed neighborhood keep no neighborhood (ON DELETE SET NULL)
        db.session.execute(delete(Area).where(Area.id.in_(stale)))
    db.session.flush()
    return len(wanted) - 1


def locator_version() -> tuple:
    """Return the columns of the areas' version: count, last id, last change (one row each)."""
    return (select(func.count(Area.id)).scalar_subquery(),
            select(func.max(Area.id)).scalar_subquery(),
            select(func.max(Area.updated_at)).scalar_subquery())


def area_locator(version: tuple | None = None) -> AreaLocator:
    """Return a locator for the stored areas, rebuilt only when the areas change.

    version: the values of locator_version(), when the caller read them in its own query.
    """
    if version is None:
        version = tuple(db.session.execute(select(*locator_version())).one())
    key = str(db.engine.url)
    cached = _cache.get(key)
    if cached and cached[0] == version:
        return cached[1]
    city, ids, shapes = None, [], []
    for area in db.session.scalars(select(Area).order_by(Area.id)):
        geom = to_shape(area.geom)
        if area.kind == "city":
            city = geom
        else:
            ids.append(area.id)
            shapes.append(geom)
    locator = AreaLocator(city, ids, shapes)
    _cache[key] = (version, locator)
    return locator

