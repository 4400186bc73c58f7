"""Viewport reads: GET /api/v1/reports?bbox for 1 km x 1 km views at 1 M reports.

    .venv/bin/python bench/viewport.py --engine spatialite [--reports 1000000]
    .venv/bin/python bench/viewport.py --engine postgis

A fresh migrated database with N synthetic reports (bench/hotspots.py's generator and loader:
70 % uniform over Boston, 30 % in 40 clusters, all open, one category), then --views random
1 km x 1 km views centred inside the city. For each view, in one run and interleaved, so that
the machine's state is the same for all of them:

  api sql      the SQL the API runs for the view (queries.page_rows: the ids of the newest
               101, the default page of 100 plus one to know if there is a next page, then
               their rows and photos; on SpatiaLite first among the view's newest candidates,
               on PostGIS cell by cell), executed on the engine through SQLAlchemy Core,
               every row fetched, and committed as the app commits a request
  bbox ids     the minimal index query: id, x, y of every report in the view, no limit
  api http     GET /api/v1/reports?bbox=... on the app under gunicorn (one sync worker), over a
               fresh local TCP connection, body read completely (100 GeoJSON features)
  no index     the same two SQL statements without the spatial index. PostGIS: inside a
               transaction that drops the GiST index idx_report_location and the cells'
               index ix_report_h3_r9_id, rolled back afterwards; the page is then read
               without cells. SpatiaLite: the statements built without their explicit R*Tree
               sub-query (SQLite never uses the R*Tree by itself), exact predicate only

Every view is run once to warm the caches, then --rounds times; the no-index queries run once
per view on the first --slow-views views. Prints p50/p90 per measurement, the ratios and the
machine.
"""

import argparse
import contextlib
import functools
import http.client
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import Gunicorn, city_points, machine_lines, percentile  # noqa: E402

METRES_PER_DEGREE = 111_320.0


def view_boxes(n: int, seed: int) -> list[tuple[float, float, float, float]]:
    """Return n 1 km x 1 km boxes (west, south, east, north) centred on points in the city."""
    boxes = []
    for lon, lat in city_points(n, seed=seed):
        dlat = 500 / METRES_PER_DEGREE
        dlon = 500 / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        boxes.append((lon - dlon, lat - dlat, lon + dlon, lat + dlat))
    return boxes


def api_sql(conn, box, decimals):
    """Run the API's SQL for a box (queries.page_rows, as list_public_features); its rows."""
    from neighborhood.core import spatial
    from neighborhood.reports import queries

    return queries.page_rows(conn, queries.ReportFilter(bbox=spatial.BBox(*box)), limit=100,
                             cursor=None, city_tz="UTC", decimals=decimals)


def bbox_ids(dialect: str, box):
    """Return the minimal index query for a box: id, x, y of every report in it."""
    from sqlalchemy import func, select

    from neighborhood.core import spatial
    from neighborhood.reports.models import Report

    where = spatial.intersects_bbox(Report.location, Report.id, spatial.BBox(*box), dialect)
    return select(Report.id, func.ST_X(Report.location), func.ST_Y(Report.location)).where(where)


@contextlib.contextmanager
def without_spatial_index(conn, dialect: str):
    """Run the statements built and executed inside without the spatial index.

    PostGIS: drop the GiST index idx_report_location and the cells' index inside conn's
    transaction (back at rollback), and read the page without cells. SpatiaLite: build them
    without their explicit R*Tree sub-query (core.spatial._rtree_candidates), which is what
    SQLite does without the spatial index: it never uses the R*Tree by itself. The API's
    cached statements are rebuilt either way.
    """
    from unittest import mock

    from sqlalchemy import text, true

    from neighborhood.core import spatial
    from neighborhood.reports import queries

    if dialect == "postgresql":
        # The view's cells (ix_report_h3_r9_id) are a spatial index too: without them the
        # API reads the page as it does for a view of too many cells.
        conn.execute(text("DROP INDEX idx_report_location"))
        conn.execute(text("DROP INDEX ix_report_h3_r9_id"))
        without = mock.patch.object(queries, "PAGE_MOST_CELLS", 0)
    else:
        without = mock.patch.object(spatial, "_rtree_candidates", lambda *a: true())
    queries._page_statement.cache_clear()
    try:
        with without:
            yield
    finally:
        queries._page_statement.cache_clear()


def vacuum(url: str) -> float:
    """VACUUM the loaded table, as autovacuum soon would: index-only scans need it. Seconds."""
    from sqlalchemy import create_engine

    from neighborhood.core.db import engine_options

    real_url, options = engine_options(url)
    engine = create_engine(real_url, isolation_level="AUTOCOMMIT", **options)
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM report")
    engine.dispose()
    return time.perf_counter() - started


def timed_fetch(conn, stmt) -> tuple[float, int]:
    started = time.perf_counter()
    rows = stmt(conn) if callable(stmt) else conn.execute(stmt).fetchall()
    return time.perf_counter() - started, len(rows)


def http_get(port: int, path: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
        status = response.status
    finally:
        conn.close()
    return time.perf_counter() - started, status, len(body)


def fmt(seconds: list[float]) -> str:
    return (f"{percentile(seconds, 50) * 1000:,.2f} ms | {percentile(seconds, 90) * 1000:,.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("spatialite", "postgis"), default="spatialite")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--views", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--slow-views", type=int, default=10,
                        help="views measured without the index (each takes a full scan)")
    parser.add_argument("--db", help="SpatiaLite: keep the loaded database at this path and "
                                     "reuse it when it exists")
    parser.add_argument("--url", help="measure an already loaded database (DATABASE_URL)")
    args = parser.parse_args()

    import logging

    logging.disable(logging.INFO)
    from hotspots import load
    from sqlalchemy import create_engine, text

    from neighborhood.core.db import configure_engine, engine_options

    tmp = Path(tempfile.mkdtemp(prefix="neighborhood-viewport-"))
    server = web = engine = None
    try:
        if args.url:
            url, fresh = args.url, False
        elif args.engine == "postgis":
            from tests.fixtures.postgres import TestPostgres

            server = TestPostgres()
            server.start()
            url = server.create_database("viewport")
            fresh = True
        else:
            path = Path(args.db) if args.db else tmp / "viewport.db"
            fresh = not path.exists()
            url = f"sqlite:///{path}"
        if fresh:
            loaded = load(url, args.reports)
            print(f"# {args.engine}: {args.reports:,} reports inserted in "
                  f"{loaded['insert_s']:.0f} s, ANALYZE {loaded['analyze_s']:.1f} s", flush=True)
            if args.engine == "postgis":
                print(f"# VACUUM {vacuum(url):.1f} s", flush=True)
        real_url, options = engine_options(url)
        engine = create_engine(real_url, **options)
        configure_engine(engine)
        dialect = engine.dialect.name
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM report")).scalar()
            conn.rollback()
        described = machine_lines()
        web = Gunicorn(url, str(tmp / "uploads"), tmp / "gunicorn.log", workers=1)
        web.start()

        boxes = view_boxes(args.views, seed=11)
        from neighborhood import create_app
        from neighborhood.config import TestConfig
        from neighborhood.extensions import db

        app = create_app(TestConfig, DATABASE_URL=url)
        decimals = app.config["SENSITIVE_COORDINATE_DECIMALS"]
        with app.app_context():
            db.engine.dispose()
        plans = [(box, functools.partial(api_sql, box=box, decimals=decimals),
                  bbox_ids(dialect, box)) for box in boxes]
        runs = {"api sql": [], "bbox ids": [], "api http": []}
        in_view, returned = [], []
        for round_ in range(args.rounds + 1):  # round 0 warms the caches
            for box, api, ids in plans:
                with engine.connect() as conn:
                    t_api, n_api = timed_fetch(conn, api)
                    t_ids, n_ids = timed_fetch(conn, ids)
                    # Ended as the app ends a request that succeeded: psycopg forgets its
                    # prepared statements at a rollback.
                    conn.commit()
                path = "/api/v1/reports?bbox=" + ",".join(f"{v:.6f}" for v in box)
                t_http, status, size = http_get(web.port, path)
                assert status == 200, (status, path)
                if round_:
                    runs["api sql"].append(t_api)
                    runs["bbox ids"].append(t_ids)
                    runs["api http"].append(t_http)
                else:
                    in_view.append(n_ids)
                    returned.append(n_api)
        web.stop()

        slow = {"api sql": [], "bbox ids": []}
        with engine.connect() as conn:
            with without_spatial_index(conn, dialect):
                for box in boxes[:args.slow_views]:
                    t_api, n_api = timed_fetch(conn, functools.partial(api_sql, box=box,
                                                                       decimals=decimals))
                    t_ids, n_ids = timed_fetch(conn, bbox_ids(dialect, box))
                    assert "idx_report_location" not in str(bbox_ids(dialect, box))
                    slow["api sql"].append(t_api)
                    slow["bbox ids"].append(t_ids)
            conn.rollback()  # PostGIS: the index is back
        with engine.connect() as conn:  # the index is back, and used again
            if dialect == "postgresql":
                assert conn.execute(text(
                    "SELECT count(*) FROM pg_indexes WHERE indexname IN "
                    "('idx_report_location', 'ix_report_h3_r9_id')")).scalar() == 2
            assert timed_fetch(conn, plans[0][2])[1] == in_view[0]
            conn.rollback()

        print()
        print("\n".join(described))
        print(f"- {total:,} reports; {args.views} views of 1 km x 1 km; reports in a view: "
              f"median {statistics.median(in_view):,.0f}, min {min(in_view):,}, "
              f"max {max(in_view):,}; the API returns {statistics.median(returned) - 1:,.0f} "
              f"(its page)")
        print()
        print("| engine | measurement | runs | p50 | p90 |")
        print("|---|---|---:|---:|---:|")
        for name, values in runs.items():
            print(f"| {args.engine} | {name} (indexed) | {len(values)} | {fmt(values)} |")
        for name, values in slow.items():
            print(f"| {args.engine} | {name}, no spatial index | {len(values)} | {fmt(values)} |")
        p50 = {k: percentile(v, 50) for k, v in runs.items()}
        p50_slow = {k: percentile(v, 50) for k, v in slow.items()}
        print()
        print(f"- speed-up of the index at p50: api sql {p50_slow['api sql'] / p50['api sql']:,.0f}x, "
              f"bbox ids {p50_slow['bbox ids'] / p50['bbox ids']:,.0f}x")
        print(f"- api http / api sql at p50: {p50['api http'] / p50['api sql']:.1f}x; "
              f"api http / bbox ids: {p50['api http'] / p50['bbox ids']:.1f}x")
        print(f"- load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if web:
            web.stop()
        if engine is not None:
            engine.dispose()
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
