"""Read-side queries for reports: public list with filters and keyset paging, public detail."""

import base64
import binascii
from collections import namedtuple
from functools import cache, lru_cache
from itertools import groupby
from operator import itemgetter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from geoalchemy2.shape import to_shape
from sqlalchemy import bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import visitors

from neighborhood.accounts.permissions import Actor, can_view_report
from neighborhood.core.errors import InvalidInput, NotFound
from neighborhood.core.privacy import (PublicLocation, generalize_point, generalized_bbox,
                                        public_location)
from neighborhood.core.spatial import (BBox, Newest, bbox_params, cells_covering,
                                       covering_bbox, distance_metres, intersects_bbox,
                                       intersects_either_bbox, point, within_metres)
from neighborhood.extensions import db
from neighborhood.reports.models import MAX_ID, Category, Photo, Report
from neighborhood.routing.models import Department
from neighborhood.core.db import utcnow
from neighborhood.workflow.states import OPEN_STATUSES, PUBLIC_STATUSES, is_overdue


@dataclass(frozen=True)
class ReportFilter:
    """What a public report list asks for."""

    bbox: BBox | None = None
    categories: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None


def encode_cursor(report_id: int) -> str:
    """Return an opaque cursor that continues after report_id."""
    return base64.urlsafe_b64encode(f"r:{report_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Return the report id a cursor continues after; 422 if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = raw.split(":", 1)
        if kind != "r" or not value.isdigit() or int(value) > MAX_ID:
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput.field("query", "cursor", _("Not a cursor from this API.")) from None


def _aware(moment: datetime, tz: str) -> datetime:
    """Read a naive datetime in the city's time zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))


def _public():
    return select(Report).where(Report.status.in_(_PUBLIC_STATUS_SQL))


# Written into the SQL: an expanding parameter (what a list of values becomes) would be
# re-rendered into the statement at every execution, once per cell of a merged page.
_PUBLIC_STATUS_SQL = [literal_column(f"'{status}'") for status in sorted(PUBLIC_STATUSES)]
assert all(status.isidentifier() for status in PUBLIC_STATUSES)  # nothing to quote


def public_reports_query(flt: ReportFilter, city_tz: str):
    """Return a SELECT of the public reports a filter asks for (unordered, unpaged)."""
    decimals = current_app.config["SENSITIVE_COORDINATE_DECIMALS"]
    values = _filter_params(flt, city_tz, decimals)
    return _filtered(_public(), db.session.get_bind().dialect.name, decimals is not None,
                     frozenset(values), values.__getitem__)


def _filter_params(flt: ReportFilter, city_tz: str, decimals: int | None) -> dict:
    """Return a filter's values by parameter name; which names there are is its shape."""
    values = {}
    if flt.bbox:
        values |= bbox_params("box", flt.bbox)
        public = generalized_bbox(flt.bbox, decimals) if decimals is not None else None
        if public is not None:
            values |= bbox_params("public", public)
            values |= bbox_params("hull", covering_bbox(flt.bbox, public))
    for name in ("categories", "families", "statuses"):
        if getattr(flt, name):
            values[name] = list(getattr(flt, name))
    if flt.created_from:
        values["created_from"] = _aware(flt.created_from, city_tz)
    if flt.created_to:
        values["created_to"] = _aware(flt.created_to, city_tz)
    return values


def _filtered(query, dialect: str, generalizes: bool, names: frozenset, value,
              newest: Newest | None = None, indexed: bool = True):
    """Return query filtered by the named values, each a Python value or a bound parameter."""
    if "box_w" in names:
        query = query.where(_bbox_filter(dialect, generalizes, names, value, newest, indexed))
    if "categories" in names or "families" in names:
        # A sub-query, not a join: the filter is then a WHERE clause alone, which
        # _merged_page_ids moves onto its merged cells.
        chosen = select(Category.id)
        if "categories" in names:
            chosen = chosen.where(Category.code.in_(value("categories")))
        if "families" in names:
            chosen = chosen.where(Category.family.in_(value("families")))
        query = query.where(Report.category_id.in_(chosen))
    if "statuses" in names:
        query = query.where(Report.status.in_(value("statuses")))
    if "created_from" in names:
        query = query.where(Report.created_at >= value("created_from"))
    if "created_to" in names:
        query = query.where(Report.created_at < value("created_to"))
    return query


def _bbox_filter(dialect: str, generalizes: bool, names: frozenset, value,
                 newest: Newest | None = None, indexed: bool = True):
    """Return a filter: the report's public point lies in the box (edges included).

    Sensitive categories are matched on their generalized points (core.privacy), so shrinking
    boxes cannot place one more finely than its public point; the others on their exact
    points. One spatial-index probe serves both (intersects_either_bbox).
    """
    box = _named_bbox("box", value)
    if not generalizes:
        return intersects_bbox(Report.location, Report.id, box, dialect, newest=newest,
                               indexed=indexed)
    public = _named_bbox("public", value) if "public_w" in names else None
    hull = _named_bbox("hull", value) if public is not None else None
    return intersects_either_bbox(Report.location, Report.id, box, public,
                                  _in_sensitive_category(), dialect, hull=hull, newest=newest,
                                  indexed=indexed)


def _named_bbox(name: str, value) -> BBox:
    """Return the box whose sides are the values (or parameters) name_w, name_s, name_e, name_n."""
    return BBox(*(value(f"{name}_{side}") for side in "wsen"))


@cache
def _in_sensitive_category():
    """Return a filter: the report's category is sensitive (built once, as it never changes)."""
    # Its own alias, uncorrelated: the outer query may join category itself.
    sensitive_category = aliased(Category, name="sensitive_category")
    return Report.category_id.in_(select(sensitive_category.id)
                                  .where(sensitive_category.sensitive).correlate(None))


# SQLite's first try at a page reads this many pages' worth of the view's newest candidates.
PAGE_WINDOW = 4


# PostgreSQL reads a view of at most this many H3 cells of this resolution (about 0.1 km²
# each) cell by cell, newest first (_merged_page_ids); a larger view scans its GiST index.
PAGE_CELL_RESOLUTION = 9
PAGE_MOST_CELLS = 48
# The cells are bound in groups of this many (padded with NO_CELL), so that a few statements
# serve every view: each is prepared by psycopg once it is reused, not planned per request.
PAGE_CELL_GROUP = 8
NO_CELL = ""  # no report is in it


def page_rows(connection, flt: ReportFilter, *, limit: int, cursor: str | None, city_tz: str,
              decimals: int | None) -> list:
    """Return a page's rows (one per report and reporter photo, newest first) and one more report.

    SpatiaLite first reads only the view's newest candidates (spatial.Newest): when enough of
    them pass the filter, they hold the page; otherwise it asks again over all of them.
    PostgreSQL reads a small view's cells newest first and stops at the page's end.
    """
    dialect, generalizes = connection.dialect.name, decimals is not None
    params = _page_params(flt, limit=limit, cursor=cursor, city_tz=city_tz, decimals=decimals,
                          dialect=dialect)
    if "cell_0" in params:
        # The merge reads a few hundred index entries, but the planner, which cannot know
        # how few of a cell's reports the box test keeps, may cost a parallel plan lower:
        # its workers take longer to start (20 ms) than the whole read. For this
        # transaction only.
        connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    if dialect == "sqlite" and flt.bbox:
        windowed = params | {"window": PAGE_WINDOW * (limit + 1)}
        rows = connection.execute(_page_statement(dialect, generalizes, frozenset(windowed)),
                                  windowed).all()
        if len({row[0] for row in rows}) > limit:
            return rows
    return connection.execute(_page_statement(dialect, generalizes, frozenset(params)),
                              params).all()


def _page_params(flt: ReportFilter, *, limit: int, cursor: str | None, city_tz: str,
                 decimals: int | None, dialect: str) -> dict:
    """Return the values of a page statement's parameters, by name."""
    params = _filter_params(flt, city_tz, decimals) | {"page_rows": limit + 1}
    if cursor:
        params["before"] = decode_cursor(cursor)
    if dialect == "postgresql" and flt.bbox:
        # Every report the filter can match has its exact point in the hull (or the box).
        reach = _named_bbox("hull" if "hull_w" in params else "box", params.__getitem__)
        cells = cells_covering(reach, PAGE_CELL_RESOLUTION, PAGE_MOST_CELLS)
        if cells:
            cells += [NO_CELL] * (-len(cells) % PAGE_CELL_GROUP)
            params |= {f"cell_{number}": cell for number, cell in enumerate(cells)}
    return params


@lru_cache(maxsize=256)
def _page_statement(dialect: str, generalizes: bool, names: frozenset):
    """Return a page's statement for a shape of parameters: built and keyed once, then reused."""
    page = _page_ids(dialect, generalizes, names).subquery()
    # One row per report and reporter photo; the photo columns are null for a report without.
    return (select(*_FEATURE_COLUMNS, func.ST_X(Report.location).label("lon"),
                   func.ST_Y(Report.location).label("lat"), Category.code, Category.name,
                   Category.family, Category.sensitive, Department.name.label("department"),
                   Photo.key.label("photo_key"), Photo.width.label("photo_width"),
                   Photo.height.label("photo_height"))
            .join_from(page, Report, Report.id == page.c.id)
            # Outer (every report has its category): SQLite then keeps the page first.
            .outerjoin(Category, Category.id == Report.category_id)
            .outerjoin(Department, Department.id == Report.department_id)
            .outerjoin(Photo, (Photo.report_id == Report.id) & (Photo.kind == "report"))
            .order_by(Report.id.desc(), Photo.id))


def _page_ids(dialect: str, generalizes: bool, names: frozenset):
    """Return a SELECT of a page's ids and one more, newest first: index-only on PostGIS."""
    if "cell_0" in names:
        return _merged_page_ids(dialect, generalizes, names)
    newest = None
    if "window" in names:
        newest = Newest(_bound("window"), _bound("before") if "before" in names else None)
    query = _filtered(_public().with_only_columns(Report.id), dialect, generalizes, names,
                      _bound, newest)
    if "before" in names:
        query = query.where(Report.id < _bound("before"))
    return query.order_by(Report.id.desc()).limit(_bound("page_rows"))


def _merged_page_ids(dialect: str, generalizes: bool, names: frozenset):
    """Return _page_ids read cell by cell: each cell's reports newest first, merged.

    PostgreSQL merges the cells' backward scans of ix_report_h3_r9_id (a Merge Append),
    filters them and stops once the page is full: it reads about a page's worth of index
    entries, where the GiST scan reads every report in the view and sorts them. The exact
    tests still decide; the cells (reports.h3_r9, set at intake from the exact point) only
    narrow the rows. The filter is written once, over the merged cells (PostgreSQL pushes it
    down into each cell's scan): the statement is a third as long to send and parse.
    """
    cells = sorted((name for name in names if name.startswith("cell_")),
                   key=lambda name: int(name.removeprefix("cell_")))
    # Each part ordered: the planner then merges them, whatever it guesses a cell holds.
    merged = union_all(*(select(*_CELL_COLUMNS).where(Report.h3_r9 == _bound(cell))
                         .order_by(Report.id.desc()) for cell in cells)).subquery("in_cells")
    page = _filtered(_public().with_only_columns(Report.id), dialect, generalizes, names,
                     _bound, indexed=False)
    if "before" in names:
        page = page.where(Report.id < _bound("before"))
    on_merged = visitors.replacement_traverse(page.whereclause, {}, lambda element: (
        merged.c[element.key] if getattr(element, "table", None) is Report.__table__ else None))
    return (select(merged.c.id).where(on_merged).order_by(merged.c.id.desc())
            .limit(_bound("page_rows")))


# What a public page's filter reads of a report: all in ix_report_h3_r9_id (migration 0009).
_CELL_COLUMNS = (Report.id, Report.location, Report.status, Report.category_id,
                 Report.created_at)


def _bound(name: str):
    """Return the bound parameter of a page statement's value."""
    return bindparam(name, expanding=name in _LIST_PARAMS)


_LIST_PARAMS = frozenset({"categories", "families", "statuses"})


def public_page_ids(flt: ReportFilter, *, limit: int, cursor: str | None, city_tz: str):
    """Return a SELECT of a page's ids and one more, newest first, with the filter's values."""
    decimals = current_app.config["SENSITIVE_COORDINATE_DECIMALS"]
    dialect = db.session.get_bind().dialect.name
    params = _page_params(flt, limit=limit, cursor=cursor, city_tz=city_tz, decimals=decimals,
                          dialect=dialect)
    return _page_ids(dialect, decimals is not None, frozenset(params)).params(params)


# What a public feature reads of a report (report_feature), for the list's plain rows.
_FEATURE_COLUMNS = (Report.id, Report.description, Report.address, Report.status,
                    Report.close_reason, Report.source, Report.created_at, Report.updated_at,
                    Report.closed_at, Report.due_at, Report.external_id, Report.h3_r8,
                    Report.h3_r9, Report.duplicate_of_id, Report.support_count,
                    Report.reopen_count, Report.fixed_count, Report.answers)

# A page statement's row with fast attribute access (a Row's costs about 0.5 us a name).
_PageRow = namedtuple("_PageRow", [column.key for column in _FEATURE_COLUMNS] + [
    "lon", "lat", "code", "name", "family", "sensitive", "department", "photo_key",
    "photo_width", "photo_height"])


def list_public_features(flt: ReportFilter, *, limit: int, cursor: str | None, city_tz: str,
                         photo_url) -> tuple[list[dict], str | None]:
    """Return a page of report_feature's features and the next cursor, without ORM objects."""
    decimals = current_app.config["SENSITIVE_COORDINATE_DECIMALS"]
    rows = page_rows(db.session.connection(), flt, limit=limit, cursor=cursor,
                     city_tz=city_tz, decimals=decimals)
    now = utcnow()
    features = []
    for _id, group in groupby(map(_PageRow._make, rows), key=itemgetter(0)):
        group = list(group)
        r = group[0]  # the report's columns and its category's: code, name, family, sensitive
        photos = [{"height": p.photo_height, "url": photo_url(p.photo_key),
                   "width": p.photo_width} for p in group if p.photo_key is not None]
        features.append(_feature(r, r.lon, r.lat, category=r, department=r.department,
                                 photos=photos, now=now, decimals=decimals))
    next_cursor = encode_cursor(features[limit - 1]["id"]) if len(features) > limit else None
    return features[:limit], next_cursor


def get_public_report(report_id: int) -> Report:
    """Return a public report by id; NotFound for unknown or hidden ones."""
    if report_id > MAX_ID:
        raise NotFound(_("No public report %(number)s.", number=report_id))
    report = db.session.scalar(_public().where(Report.id == report_id)
                               .options(selectinload(Report.photos)))
    if report is None:
        raise NotFound(_("No public report %(number)s.", number=report_id))
    return report


def nearby_open_reports(lon: float, lat: float, category: str, *, radius_m: float,
                        limit: int, decimals: int | None = None) -> list[tuple[Report, float]]:
    """Return open public reports of a category within radius_m of a point, nearest first.

    With `decimals` (SENSITIVE_COORDINATE_DECIMALS), a sensitive category is measured from
    its reports' generalized points, as each is published: the radius, the order and the
    distances say nothing finer, however many points one asks from.
    """
    dialect = db.session.get_bind().dialect.name
    if decimals is not None and db.session.scalar(
            select(Category.sensitive).where(Category.code == category)):
        return _nearby_generalized(lon, lat, category, radius_m=radius_m, limit=limit,
                                   decimals=decimals, dialect=dialect)
    distance = distance_metres(Report.location, lon, lat, dialect).label("distance_m")
    query = (select(Report, distance).join(Report.category)
             .where(Category.code == category, Report.status.in_(sorted(OPEN_STATUSES)),
                    within_metres(Report.location, Report.id, lon, lat, radius_m, dialect))
             .options(selectinload(Report.photos))
             .order_by(distance, Report.id).limit(limit))
    return [(report, float(metres)) for report, metres in db.session.execute(query).unique()]


def _nearby_generalized(lon: float, lat: float, category: str, *, radius_m: float, limit: int,
                        decimals: int, dialect: str) -> list[tuple[Report, float]]:
    """nearby_open_reports on generalized points: rounded here, measured by the database."""
    # A generalized point within radius_m lies in `around`; its exact point within half a
    # rounding step of it (and a hair for the float arithmetic).
    around = BBox.around(lon, lat, radius_m)
    half = 0.5 / 10 ** decimals + 1e-9
    reach = BBox(around.min_lon - half, around.min_lat - half,
                 around.max_lon + half, around.max_lat + half)
    rows = db.session.execute(
        select(Report.id, func.ST_X(Report.location), func.ST_Y(Report.location))
        .join(Report.category)
        .where(Category.code == category, Report.status.in_(sorted(OPEN_STATUSES)),
               intersects_bbox(Report.location, Report.id, reach, dialect))).all()
    places = {report_id: generalize_point(x, y, decimals) for report_id, x, y in rows}
    cells = sorted(set(places.values()))
    if not cells:
        return []
    # One row: the ellipsoidal distance to each generalized point, as the exact path measures.
    metres = db.session.execute(select(*(
        distance_metres(point(x, y, dialect), lon, lat, dialect) for x, y in cells))).one()
    distance = {cell: float(m) for cell, m in zip(cells, metres)}
    found = sorted((distance[place], report_id) for report_id, place in places.items()
                   if distance[place] <= radius_m)[:limit]
    reports = {r.id: r for r in db.session.scalars(
        select(Report).where(Report.id.in_([report_id for _, report_id in found]))
        .options(selectinload(Report.photos)))}
    return [(reports[report_id], m) for m, report_id in found]


def list_categories() -> list[Category]:
    """Return every category, by family then name."""
    return list(db.session.scalars(select(Category).order_by(Category.family, Category.name)))


def public_place(report: Report, *, exact: bool = False) -> PublicLocation:
    """Return where a report may be shown: generalized for sensitive categories unless exact."""
    point = to_shape(report.location)
    decimals = None if exact else current_app.config["SENSITIVE_COORDINATE_DECIMALS"]
    return public_location(point.x, point.y, report.address,
                           sensitive=report.category.sensitive, decimals=decimals)


def report_feature(report: Report, photo_url, now: datetime | None = None, *,
                   exact: bool = False) -> dict:
    """Return the public GeoJSON Feature of a report (no contact, ever).

    Sensitive categories get generalized coordinates and no address unless `exact` (staff).
    """
    point = to_shape(report.location)
    return _feature(report, point.x, point.y, category=report.category,
                    department=report.department.name if report.department else None,
                    photos=[{"url": photo_url(p.key), "width": p.width, "height": p.height}
                            for p in report.reporter_photos],
                    now=now or utcnow(),
                    decimals=None if exact else current_app.config[
                        "SENSITIVE_COORDINATE_DECIMALS"])


def _feature(report, lon: float, lat: float, *, category, department: str | None,
             photos: list[dict], now: datetime, decimals: int | None) -> dict:
    """Return report_feature's dict of a Report or of a row with the same names: one logic."""
    place = public_location(lon, lat, report.address, sensitive=category.sensitive,
                            decimals=decimals)
    return {
        "id": report.id,
        "geometry": {"coordinates": [place.lon, place.lat]},
        "properties": {
            "id": report.id,
            "category": category.code,
            "category_name": category.name,
            "family": category.family,
            "description": report.description,
            "address": place.address,
            "location_generalized": place.generalized,
            "status": report.status,
            "close_reason": report.close_reason,
            "source": report.source,
            "created_at": report.created_at,
            "updated_at": report.updated_at,
            "closed_at": report.closed_at,
            "due_at": report.due_at,
            "external_id": report.external_id,
            "h3_r8": report.h3_r8,
            # A res-9 cell (about 170 m) would narrow a generalized point: withheld with it.
            "h3_r9": None if place.generalized else report.h3_r9,
            "photos": photos,
            "department": department,
            "overdue": is_overdue(report.status, report.due_at, now),
            "support_count": report.support_count,
            "reopen_count": report.reopen_count,
            "fixed_count": report.fixed_count,
            "duplicate_of": report.duplicate_of_id,
            "attributes": report.answers or {},
        },
    }


def photo_is_visible(key: str, actor: Actor) -> bool:
    """Return True if the photo's report is public, or held for review and the actor may see it."""
    row = db.session.execute(select(Report.status, Report.department_id)
                             .join(Photo.report).where(Photo.key == key)).first()
    if row is None:
        return False
    return can_view_report(actor, row.status, row.department_id)
