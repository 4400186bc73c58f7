"""Hotspot benchmarks: Gi* cold and cached, emerging hotspots, esda as the reference, incidents.

    .venv/bin/python bench/hotspots.py --engine spatialite --reports 100000 [--reports 1000000]
    .venv/bin/python bench/hotspots.py --engine postgis --reports 100000

Each size gets a fresh, migrated database (SpatiaLite: a temporary file; PostGIS: a throwaway
server from tests/fixtures/postgres.py) with Boston's neighborhoods and N synthetic street light
outages over 2015: 70 % uniform inside the city, 30 % in 40 Gaussian clusters (sd 80-400 m).
Rows go in as the importer stores them: `insert(Report)` executemany in batches of 10,000.

Every measurement then runs in its own child process, so that its peak resident memory
(ru_maxrss) is its own and not the loader's:

  gi      services.compute for one category, res 9, k = 1 (nothing cached: "cold")
  cached  services.cached_hotspots, second call, each in a fresh app context (new session)
  trend   services.compute with trend=True: 12 monthly steps, cold
  esda    the same Gi* by esda G_Local(transform="B", star=True) on libpysal weights built
          from H3 rings, on the counts of the same GROUP BY; beside it our pure Gi*
  incidents  queries.incident_groups(radius_m=30, min_size=2) over all N reports (all open,
          one category: the worst case, everything is grouped at once). SpatiaLite loads the
          points and runs grouping's DBSCAN (KD-tree); PostGIS runs ST_ClusterDBSCAN in
          EPSG:26919. The first call is split into loading (SQL and rows) and grouping; on
          PostGIS the server backend's peak RSS (VmHWM) is given beside the Python process's

Prints a markdown table row per measurement, and the machine it ran on.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CATEGORY = "street_light_outage"
CITY_TZ = "America/New_York"
BATCH = 10_000
CLUSTERS = 40
CLUSTER_SHARE = 0.3
YEAR = (datetime(2015, 1, 1, 5, tzinfo=UTC), datetime(2016, 1, 1, 5, tzinfo=UTC))
MEASUREMENTS = ("gi", "cached", "trend", "esda", "incidents")


def make_app(url: str):
    from neighborhood import create_app
    from neighborhood.config import TestConfig

    return create_app(TestConfig, DATABASE_URL=url)


# --- loading ---------------------------------------------------------------------------------

def city_shape():
    import shapely
    from shapely import unary_union
    from shapely.geometry import shape

    features = json.loads((ROOT / "neighborhood/demo/data/boston-neighborhoods.geojson")
                          .read_text(encoding="utf-8"))["features"]
    polygon = unary_union([shape(f["geometry"]) for f in features]).buffer(0)
    shapely.prepare(polygon)
    return features, polygon


def synthetic_batches(n: int, polygon, seed: int = 2015):
    """Yield (lon, lat, created_at) arrays in batches: uniform points plus Gaussian clusters."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    west, south, east, north = polygon.bounds

    def uniform(count):
        lon, lat = np.empty(0), np.empty(0)
        while lon.size < count:
            x = rng.uniform(west, east, 3 * count)
            y = rng.uniform(south, north, 3 * count)
            keep = shapely.contains_xy(polygon, x, y)
            lon, lat = np.concatenate([lon, x[keep]]), np.concatenate([lat, y[keep]])
        return lon[:count], lat[:count]

    centres = np.column_stack(uniform(CLUSTERS))
    sigmas = rng.uniform(80, 400, CLUSTERS)  # metres
    weights = rng.dirichlet(np.ones(CLUSTERS))
    span_us = (YEAR[1] - YEAR[0]) // timedelta(microseconds=1)
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        clustered = rng.binomial(size, CLUSTER_SHARE)
        lon, lat = uniform(size - clustered)
        cx, cy = np.empty(0), np.empty(0)
        while cx.size < clustered:
            which = rng.choice(CLUSTERS, clustered, p=weights)
            dy = rng.normal(0, sigmas[which] / 111_320)
            dx = rng.normal(0, sigmas[which] / (111_320 * np.cos(np.radians(centres[which, 1]))))
            x, y = centres[which, 0] + dx, centres[which, 1] + dy
            keep = shapely.contains_xy(polygon, x, y)
            cx, cy = np.concatenate([cx, x[keep]]), np.concatenate([cy, y[keep]])
        lon = np.concatenate([lon, cx[:clustered]])
        lat = np.concatenate([lat, cy[:clustered]])
        offsets = rng.integers(0, span_us, size)
        yield lon, lat, offsets
        done += size


def load(url: str, n: int) -> dict:
    """Migrate a fresh database and insert n synthetic reports; return the timings."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from neighborhood.areas.services import replace_boundaries
    from neighborhood.core.db import utcnow
    from neighborhood.core.spatial import point_element
    from neighborhood.extensions import db
    from neighborhood.reports.models import Category, Report
    from neighborhood.reports.services import h3_cells

    features, polygon = city_shape()
    app = make_app(url)
    with app.app_context():
        upgrade()
        replace_boundaries(features, city_name="Boston")
        category = Category(code=CATEGORY, name="Street light outage", family="lighting",
                            sla_days=15)
        db.session.add(category)
        db.session.commit()
        category_id = category.id
        started = time.perf_counter()
        now = utcnow()
        for lon, lat, offsets in synthetic_batches(n, polygon):
            rows = []
            for x, y, us in zip(lon.tolist(), lat.tolist(), offsets.tolist(), strict=True):
                r8, r9 = h3_cells(x, y)
                rows.append({"category_id": category_id, "description": "Synthetic.",
                             "location": point_element(x, y), "status": "open",
                             "source": "import",
                             "created_at": YEAR[0] + timedelta(microseconds=us),
                             "updated_at": now, "h3_r8": r8, "h3_r9": r9})
            db.session.execute(insert(Report), rows)
            db.session.commit()
        inserted = time.perf_counter() - started
        started = time.perf_counter()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        analyzed = time.perf_counter() - started
        db.engine.dispose()
    return {"insert_s": inserted, "analyze_s": analyzed}


# --- measuring (child processes) -------------------------------------------------------------

def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - started


def measure_gi(app) -> dict:
    from neighborhood.extensions import db
    from neighborhood.spatial import hotspots, services

    query = services.HotspotQuery(category=CATEGORY, resolution=9, k=1)
    runs = []
    for _ in range(3):
        with app.app_context():
            payload, seconds = timed(services.compute, query, CITY_TZ)
            runs.append(seconds)
            db.session.rollback()
    with app.app_context():  # where the time goes, step by step
        end, t_end = timed(services.resolve_end, query)
        selection, t_select = timed(services.select_reports, query, end)
        counts, t_counts = timed(services.cell_counts, selection, 9)
        _, t_gi = timed(hotspots.hotspots, counts, k=1)
    return {"first_s": runs[0], "median_s": statistics.median(runs), "cells": len(counts),
            "reports": payload["reports"],
            "steps_s": {"resolve_end": t_end, "select_reports (stacks)": t_select,
                        "cell_counts (GROUP BY)": t_counts, "Gi* + FDR (pure)": t_gi}}


def measure_cached(app) -> dict:
    from neighborhood.extensions import db
    from neighborhood.spatial import services
    from neighborhood.spatial.models import HotspotCache
    from sqlalchemy import select

    query = services.HotspotQuery(category=CATEGORY, resolution=9, k=1)
    with app.app_context():
        _, storing = timed(services.cached_hotspots, query, CITY_TZ)  # computes and stores
        db.session.commit()
    runs = []
    for _ in range(30):
        with app.app_context():
            _, seconds = timed(services.cached_hotspots, query, CITY_TZ)
            runs.append(seconds)
            db.session.rollback()
    with app.app_context():
        end, t_end = timed(services.resolve_end, query)
        _, t_version = timed(services.data_version)
        row, t_row = timed(db.session.scalar,
                           select(HotspotCache).where(HotspotCache.key == query.key(end)))
        size = len(json.dumps(row.payload))
    return {"first_s": runs[0], "median_s": statistics.median(runs), "payload_kb": size / 1024,
            "steps_s": {"1st call (computes and stores)": storing, "resolve_end": t_end,
                        "data_version": t_version, "load cached row (JSON)": t_row}}


def measure_trend(app) -> dict:
    from neighborhood.extensions import db
    from neighborhood.spatial import emerging, services

    query = services.HotspotQuery(category=CATEGORY, resolution=9, k=1, trend=True)
    runs = []
    for _ in range(2):
        with app.app_context():
            payload, seconds = timed(services.compute, query, CITY_TZ)
            runs.append(seconds)
            db.session.rollback()
    with app.app_context():
        end = services.resolve_end(query)
        selection = services.select_reports(query, end)
        bounds = services.step_bounds(end, query.days, query.step, CITY_TZ)
        cube, t_cube = timed(services.cube_counts, selection, 9, bounds)
        _, t_ehsa = timed(emerging.emerging_hotspots, cube, len(bounds) - 1, k=1)
    return {"first_s": runs[0], "median_s": statistics.median(runs), "steps": payload["steps"],
            "cells": len(payload["cells"]),
            "steps_s": {"cube_counts (GROUP BY)": t_cube,
                        "space-time Gi* + Mann-Kendall (pure)": t_ehsa}}


def measure_esda(app) -> dict:
    import gc
    import warnings

    import h3
    import numpy as np
    from esda.getisord import G_Local
    from libpysal.weights import W

    from neighborhood.spatial import hotspots, services

    query = services.HotspotQuery(category=CATEGORY, resolution=9, k=1)
    with app.app_context():
        selection = services.select_reports(query, services.resolve_end(query))
        counts = services.cell_counts(selection, 9)
    warm = sorted(h3.grid_disk(next(iter(counts)), 1))  # esda/libpysal import lazily: warm up
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G_Local(np.arange(7.0), W({c: [n for n in warm if n != c] for c in warm}, id_order=warm),
                transform="B", star=True, permutations=0)
    gc.collect()  # else a pending full collection over the fresh imports (~130 ms) lands below
    ours, t_ours = timed(hotspots.hotspots, counts, k=1)
    cells = list(ours.cells)
    gc.collect()
    started = time.perf_counter()
    members = set(cells)
    neighbours = {c: [n for n in h3.grid_disk(c, 1) if n in members and n != c] for c in cells}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = W(neighbours, id_order=cells, silence_warnings=True)
        t_weights = time.perf_counter() - started
        y = np.asarray(ours.counts, dtype=float)
        ref, t_glocal = timed(G_Local, y, weights, transform="B", star=True, permutations=0)
    return {"first_s": t_weights + t_glocal, "median_s": t_weights + t_glocal,
            "ours_s": t_ours, "cells": len(cells),
            "max_abs_dz": float(np.max(np.abs(ref.Zs - ours.z))),
            "steps_s": {"libpysal W from H3 rings": t_weights, "G_Local": t_glocal,
                        "ours (weights + Gi* + FDR)": t_ours}}


def _timing(module, name: str, spent: dict[str, float]) -> None:
    """Wrap module.name so that the seconds spent in it add up in spent[name]."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    setattr(module, name, wrapper)


def _backend_peak_mb(pid: int) -> float | None:
    """Return a local PostgreSQL backend's peak RSS (VmHWM, shared buffers it touched included)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) / 1024 for line in status.splitlines()
                 if line.startswith("VmHWM:")), None)


def measure_incidents(app) -> dict:
    from sqlalchemy import text

    from neighborhood.extensions import db
    from neighborhood.spatial import grouping, queries
    from neighborhood.workflow.states import OPEN_STATUSES

    # The split of each call: queries.group_incidents (pure path) and incidents_from_labels
    # (both paths) are timed in place; the rest of the call is the SELECT and its rows.
    spent: dict[str, float] = {}
    for module, name in ((queries, "group_incidents"), (queries, "incidents_from_labels"),
                         (grouping, "dbscan_labels"), (grouping, "incidents_from_labels")):
        _timing(module, name, spent)
    runs, splits, backend_mb, counts = [], [], None, None
    for _ in range(3):
        spent.clear()
        with app.app_context():
            dialect = db.session.get_bind().dialect.name
            backend = (db.session.scalar(text("SELECT pg_backend_pid()"))
                       if dialect == "postgresql" else None)  # same connection as the query
            groups, seconds = timed(queries.incident_groups, CATEGORY, radius_m=30, min_size=2,
                                    dialect=dialect, statuses=OPEN_STATUSES)
            if backend is not None:
                peak = _backend_peak_mb(backend)
                backend_mb = max(backend_mb or 0.0, peak) if peak is not None else backend_mb
            db.session.rollback()
        runs.append(seconds)
        splits.append(dict(spent))
        sizes = [g.size for g in groups]
        counts = counts or {"groups": len(groups), "grouped": sum(sizes),
                            "largest": max(sizes, default=0), "peak_first_mb": peak_mb()}
        del groups, sizes  # not alive during the next call
        if seconds > 60:  # one slow call is enough to know
            break
    first = splits[0]
    if dialect == "sqlite":
        grouping_s = first["group_incidents"]
        steps = {"load (SELECT + rows)": runs[0] - grouping_s,
                 "grouping (pure, total)": grouping_s,
                 "of which dbscan_labels (KD-tree + components)": first["dbscan_labels"],
                 "incidents_from_labels": first["incidents_from_labels"]}
    else:
        steps = {"ST_ClusterDBSCAN query (SQL + rows)": runs[0] - first["incidents_from_labels"],
                 "incidents_from_labels": first["incidents_from_labels"]}
    return {"first_s": runs[0], "median_s": statistics.median(runs), "runs": len(runs),
            "backend_peak_mb": backend_mb, "steps_s": steps} | counts


def child(url: str, what: str) -> None:
    import logging

    logging.disable(logging.WARNING)
    app = make_app(url)
    result = {"measure_gi": measure_gi, "measure_cached": measure_cached,
              "measure_trend": measure_trend, "measure_esda": measure_esda,
              "measure_incidents": measure_incidents}[f"measure_{what}"](app)
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


def run_child(url: str, what: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", what, "--url", url],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the machine -----------------------------------------------------------------------------

def machine(url_by_engine: dict[str, str]) -> list[str]:
    from sqlalchemy import create_engine, text

    from neighborhood.core.db import engine_options, sqlite_dbapi

    info: dict[str, str] = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    cpu = (f"{info.get('model name', platform.processor())} (family {info.get('cpu family')}, "
           f"model {info.get('model')}, {float(info.get('cpu MHz', 0)):,.0f} MHz"
           f"{', virtual machine' if 'hypervisor' in info.get('flags', '').split() else ''})")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    lines = [f"- CPU: {cpu}, {os.cpu_count()} logical CPUs (nproc {len(os.sched_getaffinity(0))})",
             f"- RAM: {mem_kb / 1024 / 1024:.1f} GiB; {platform.system()} {platform.release()}",
             f"- Python {platform.python_version()}, SQLite {sqlite_dbapi().sqlite_version}"]
    for engine, url in url_by_engine.items():
        real_url, options = engine_options(url)
        eng = create_engine(real_url, **options)
        with eng.connect() as conn:
            if engine == "spatialite":
                version = conn.execute(text("SELECT spatialite_version()")).scalar()
                lines.append(f"- SpatiaLite {version}")
            else:
                pg = conn.execute(text("SHOW server_version")).scalar()
                postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar()
                lines.append(f"- PostgreSQL {pg}, PostGIS {postgis} (throwaway server: fsync, "
                             "synchronous_commit and full_page_writes off; default memory "
                             "settings)")
        eng.dispose()
    return lines


# --- main ------------------------------------------------------------------------------------

LABELS = {"gi": "Gi* map, cold", "cached": "Gi* map, cached (2nd call)",
          "trend": "emerging hotspots, 12 months, cold", "esda": "esda G_Local + libpysal W",
          "incidents": "incident groups, 30 m, min 2"}


def row(engine: str, n: int, what: str, r: dict) -> str:
    steps = "; ".join(f"{k} {v * 1000:,.0f} ms" if v >= 0.01 else f"{k} {v * 1000:.1f} ms"
                      for k, v in r["steps_s"].items())
    extra = []
    if "cells" in r:
        extra.append(f"{r['cells']:,} cells")
    if "max_abs_dz" in r:
        extra.append(f"max abs(z - z_esda) {r['max_abs_dz']:.1e}")
    if "payload_kb" in r:
        extra.append(f"payload {r['payload_kb']:,.0f} KiB")
    if "groups" in r:
        extra.append(f"{r['groups']:,} groups holding {r['grouped']:,} reports "
                     f"(largest {r['largest']:,})")
        extra.append(f"Python peak after the 1st call {r['peak_first_mb']:,.0f} MB")
        if r.get("backend_peak_mb") is not None:
            extra.append(f"server backend peak {r['backend_peak_mb']:,.0f} MB")
        if r["runs"] != 3:
            extra.append(f"median of {r['runs']}")
    first = r["first_s"]
    fmt = (lambda s: f"{s * 1000:.1f} ms") if r["median_s"] < 1 else (lambda s: f"{s:.2f} s")
    return (f"| {engine} | {n:,} | {LABELS[what]} | {fmt(first)} | {fmt(r['median_s'])} | "
            f"{r['peak_mb']:,.0f} MB | {', '.join(extra)}; {steps} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("spatialite", "postgis"), default="spatialite")
    parser.add_argument("--reports", type=int, action="append",
                        help="number of reports (repeat for several sizes; default 100000)")
    parser.add_argument("--only", choices=MEASUREMENTS, action="append",
                        help="run only these measurements (repeatable)")
    parser.add_argument("--child", choices=MEASUREMENTS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.url, args.child)
        return

    import logging

    logging.disable(logging.INFO)  # alembic's migration lines
    sizes = args.reports or [100_000]
    wanted = args.only or list(MEASUREMENTS)
    server = None
    tmp = Path(tempfile.mkdtemp(prefix="neighborhood-bench-"))
    try:
        if args.engine == "postgis":
            from tests.fixtures.postgres import TestPostgres

            server = TestPostgres()
            server.start()
        header = ["| engine | reports | measurement | first | median | peak RSS | notes |",
                  "|---|---:|---|---:|---:|---:|---|"]
        rows, described = [], None
        for n in sizes:
            url = (server.create_database(f"bench_{n}") if server
                   else f"sqlite:///{tmp / f'bench_{n}.db'}")
            loaded = load(url, n)
            print(f"# {args.engine}, {n:,} reports: inserted in {loaded['insert_s']:.1f} s "
                  f"({n / loaded['insert_s']:,.0f} rows/s), ANALYZE {loaded['analyze_s']:.1f} s",
                  flush=True)
            described = described or machine({args.engine: url})
            for what in wanted:
                rows.append(row(args.engine, n, what, run_child(url, what)))
                print(rows[-1], flush=True)
        print()
        print("\n".join(described))
        print()
        print("\n".join(header + rows))
    finally:
        if server:
            server.stop()
        for path in tmp.glob("*"):
            path.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
