"""Routing: departments, service-area claims, and the cached router used at intake."""

from flask_babel import gettext as _
from geoalchemy2.shape import from_shape, to_shape
from shapely import force_2d
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import func, or_, select

from neighborhood.core.errors import InvalidInput, NotFound
from neighborhood.extensions import db
from neighborhood.routing.models import Department, ServiceArea
from neighborhood.routing.rules import Claim, Decision, Router

_cache: dict[str, tuple[tuple, Router]] = {}


def upsert_departments(items: list[dict]) -> dict[str, Department]:
    """Create or update departments by code (name, and email if given); return them by code."""
    existing = {d.code: d for d in db.session.scalars(select(Department))}
    for item in items:
        department = existing.get(item["code"]) or Department(code=item["code"])
        department.name = item["name"]
        if "email" in item:
            department.email = item["email"]
        db.session.add(department)
        existing[department.code] = department
    db.session.flush()
    return existing


def find_department(code_or_name: str) -> Department:
    """Return a department by code or name (case-insensitive); NotFound otherwise."""
    wanted = code_or_name.strip().lower()
    department = db.session.scalar(select(Department).where(or_(
        func.lower(Department.code) == wanted, func.lower(Department.name) == wanted)))
    if department is None:
        raise NotFound(_("No department '%(name)s'.", name=code_or_name))
    return department


def list_departments() -> list[Department]:
    """Return every department, by name."""
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def claim_service_area(department: Department, geometry: dict, *, name: str,
                       category_id: int | None = None) -> ServiceArea:
    """Record that a department takes reports (of one category, or all) inside a polygon."""
    try:
        geom = force_2d(shape(geometry))  # GeoJSON may carry altitudes; areas are flat
    except (KeyError, TypeError, ValueError, AttributeError, ShapelyError) as exc:
        raise InvalidInput.field("json", "geometry", f"Not a GeoJSON geometry: {exc}.") from exc
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon) or geom.is_empty or not geom.is_valid:
        raise InvalidInput.field("json", "geometry", "Must be a valid, non-empty polygon.")
    area = ServiceArea(department=department, category_id=category_id, name=name,
                       geom=from_shape(geom, srid=4326))
    db.session.add(area)
    db.session.flush()
    return area


def router_version() -> tuple:
    """Return the columns of the claims' version: count, last id, last change (one row each)."""
    return (select(func.count(ServiceArea.id)).scalar_subquery(),
            select(func.max(ServiceArea.id)).scalar_subquery(),
            select(func.max(ServiceArea.updated_at)).scalar_subquery())


def router(version: tuple | None = None) -> Router:
    """Return a router over the stored claims, rebuilt only when the claims change.

    version: the values of router_version(), when the caller read them in its own query.
    """
    if version is None:
        version = tuple(db.session.execute(select(*router_version())).one())
    key = str(db.engine.url)
    cached = _cache.get(key)
    if cached and cached[0] == version:
        return cached[1]
    claims = [Claim(a.id, a.department_id, a.category_id, to_shape(a.geom))
              for a in db.session.scalars(select(ServiceArea))]
    built = Router(claims)
    _cache[key] = (version, built)
    return built


def route(category, lon: float, lat: float, fallback_code: str | None = None, *,
          version: tuple | None = None) -> Decision:
    """Return the department a new report of this category at (lon, lat) goes to.

    version: router_version()'s values, if the caller already read them.
    """
    fallback = None
    if fallback_code:
        fallback = db.session.scalar(select(Department.id).where(Department.code == fallback_code))
    return router(version).choose_department(category.id, lon, lat, category.default_department_id,
                                      fallback)
