"""Export benchmarks: the CSV and GeoJSON exports of N public reports, time and peak memory.

    .venv/bin/python bench/exports.py --engine spatialite --reports 100000 --reports 1000000
    .venv/bin/python bench/exports.py --engine postgis --reports 100000 --reports 1000000

Each size gets a fresh, migrated database (SpatiaLite: a temporary file; PostGIS: a throwaway
server from tests/fixtures/postgres.py) with Boston's neighborhoods and N synthetic reports at
the points and times bench/hotspots.py generates (same generator and seed: 70 % uniform inside
the city, 30 % in 40 Gaussian clusters, over 2015). Unlike there, every row is a full report,
so that an export row has its real width: four categories (one sensitive, so generalized),
each routed to a department, its neighborhood, an address, a description of 40-120 characters,
an external_id (source "import"), the reporter's contact (never read), answers on a third of
the street lights, and 60 % resolved or closed with a closed_at. Rows go in as the importer
stores them: `insert(Report)` executemany in batches of 10,000, then ANALYZE.

Every export then runs in its own child process, so that its peak resident memory is its own.
It goes through the app's WSGI interface (Flask's test client, unbuffered): the body is read
piece by piece, as a server would send it, counted and dropped. Memory is read twice: the
process's peak (ru_maxrss, imports included), and the export's own high-water mark: VmHWM
after resetting it (/proc/self/clear_refs) just before the request, beside VmRSS at that point.

  baseline   an export that matches nothing (created_to=2000-01-01): the app, one request
  csv        GET /api/v1/exports/reports.csv, every report
  geojson    GET /api/v1/exports/reports.geojson, every report
  csv_month  the CSV of one month (created_from=2015-06-01&created_to=2015-07-01)

On PostGIS the export's server backend peak RSS (VmHWM, from /proc) is given too.
Prints a markdown table row per measurement, and the machine it ran on.
"""

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import hotspots  # bench/hotspots.py: the generator, the app, the machine (after sys.path)

CATEGORIES = (  # code, name, family, sensitive, department, share of the reports
    ("street_light_outage", "Street light outage", "lighting", False, "PWDx", 0.40),
    ("sign_repair", "Damaged sign", "signs", False, "BTDT", 0.25),
    ("tree_in_park", "Tree in a park", "parks", False, "PARK", 0.20),
    ("unsanitary_food", "Unsanitary food handling", "problem_business", True, "ISD", 0.15),
)
DEPARTMENTS = {"PWDx": "Public Works", "BTDT": "Transportation", "PARK": "Parks and Recreation",
               "ISD": "Inspectional Services"}
STREETS = ("Tremont St", "Washington St", "Boylston St", "Blue Hill Ave", "Centre St",
           "Dorchester Ave", "Commonwealth Ave", "Massachusetts Ave", "Hyde Park Ave")
WORDS = ("the", "lamp", "is", "dark", "again", "since", "Tuesday", "near", "corner", "sign",
         "bent", "tree", "branch", "down", "on", "path", "kitchen", "smell", "door", "night")
MEASUREMENTS = ("baseline", "csv", "geojson", "csv_month")
EXPORTS = "/api/v1/exports"


# --- loading ---------------------------------------------------------------------------------

def load(url: str, n: int) -> dict:
    """Migrate a fresh database and insert n synthetic full reports; return the timings."""
    import numpy as np
    import shapely
    from flask_migrate import upgrade
    from geoalchemy2.shape import to_shape
    from sqlalchemy import insert, select, text

    from neighborhood.areas.models import Area
    from neighborhood.areas.services import replace_boundaries
    from neighborhood.core.spatial import point_element
    from neighborhood.extensions import db
    from neighborhood.reports.models import Category, Report
    from neighborhood.reports.services import h3_cells
    from neighborhood.routing.models import Department

    features, polygon = hotspots.city_shape()
    app = hotspots.make_app(url)
    rng = np.random.default_rng(311)
    with app.app_context():
        upgrade()
        replace_boundaries(features, city_name="Boston")
        departments = {code: Department(code=code, name=name)
                       for code, name in DEPARTMENTS.items()}
        db.session.add_all(departments.values())
        db.session.flush()
        categories = [Category(code=code, name=name, family=family, sla_days=14,
                               sensitive=sensitive,
                               default_department_id=departments[dept].id)
                      for code, name, family, sensitive, dept, _ in CATEGORIES]
        db.session.add_all(categories)
        db.session.commit()
        category_ids = [c.id for c in categories]
        department_ids = [departments[c[4]].id for c in CATEGORIES]
        shares = [c[5] for c in CATEGORIES]
        areas = db.session.execute(select(Area.id, Area.geom).where(
            Area.kind == "neighborhood")).all()
        area_ids = np.array([a.id for a in areas])
        tree = shapely.STRtree([to_shape(a.geom) for a in areas])
        descriptions = [" ".join(rng.choice(WORDS, int(rng.integers(8, 22)))).capitalize() + "."
                        for _ in range(997)]
        started = time.perf_counter()
        done = 0
        for lon, lat, offsets in hotspots.synthetic_batches(n, polygon):
            size = len(lon)
            hits = tree.query(shapely.points(lon, lat), predicate="covered_by")
            order = np.argsort(-hits[1], kind="stable")  # the lowest area index is assigned last
            area_of = np.full(size, -1)
            area_of[hits[0][order]] = area_ids[hits[1][order]]
            which = rng.choice(len(CATEGORIES), size, p=shares)
            closed = rng.random(size) < 0.6
            description = rng.integers(0, len(descriptions), size)
            rows = []
            for i, (x, y, us) in enumerate(zip(lon.tolist(), lat.tolist(), offsets.tolist(),
                                               strict=True)):
                r8, r9 = h3_cells(x, y)
                k = int(which[i])
                created = hotspots.YEAR[0] + timedelta(microseconds=us)
                is_closed = bool(closed[i])
                rows.append({
                    "category_id": category_ids[k], "department_id": department_ids[k],
                    "description": descriptions[description[i]],
                    "location": point_element(x, y),
                    "address": f"{(done + i) % 1999 + 1} {STREETS[(done + i) % len(STREETS)]}",
                    "status": ("resolved" if i % 3 else "closed") if is_closed else "open",
                    "close_reason": None if not is_closed or i % 3 else "cannot_reproduce",
                    "source": "import", "external_id": f"1010{done + i:08d}",
                    "contact_email": f"resident{done + i}@example.org",
                    "contact_name": "Pat Resident", "contact_phone": "+1 617 555 0100",
                    "created_at": created, "updated_at": created + timedelta(days=3),
                    "closed_at": created + timedelta(days=3) if is_closed else None,
                    "due_at": created + timedelta(days=14),
                    "neighborhood_id": int(area_of[i]) if area_of[i] >= 0 else None,
                    "answers": ({"pole_number": f"C-{i % 9000 + 1000}"}
                                if k == 0 and i % 3 == 0 else None),
                    "h3_r8": r8, "h3_r9": r9})
            db.session.execute(insert(Report), rows)
            db.session.commit()
            done += size
        inserted = time.perf_counter() - started
        started = time.perf_counter()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        analyzed = time.perf_counter() - started
        db.engine.dispose()
    return {"insert_s": inserted, "analyze_s": analyzed}


# --- measuring (child processes) -------------------------------------------------------------

QUERIES = {
    "baseline": ("reports.csv", {"created_to": "2000-01-01"}),
    "csv": ("reports.csv", {}),
    "geojson": ("reports.geojson", {}),
    "csv_month": ("reports.csv", {"created_from": "2015-06-01", "created_to": "2015-07-01"}),
}


def _export_backend(app) -> int | None:
    """Return the pid of the PostgreSQL backend that is streaming an export, if any."""
    from sqlalchemy import text

    from neighborhood.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return None
        with db.engine.connect() as conn:
            return conn.scalar(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND query LIKE 'FETCH FORWARD%'"))


def _status_mb(field: str) -> float:
    """Return a memory figure of this process from /proc/self/status (VmRSS, VmHWM), in MB."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith(f"{field}:"))
    return int(line.split()[1]) / 1024


def measure(app, what: str) -> dict:
    """Stream one export through the WSGI interface; return its timings, sizes and memory."""
    name, query = QUERIES[what]
    client = app.test_client()
    rss_before = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS: the peak from here on
    started = time.perf_counter()
    response = client.get(f"{EXPORTS}/{name}", query_string=query, buffered=False)
    assert response.status_code == 200, response.status_code
    first = None
    size = lines = pieces = 0
    backend = None
    for piece in response.response:
        if first is None:
            first = time.perf_counter() - started
            backend = _export_backend(app)
        size += len(piece)
        lines += piece.count(b"\n")
        pieces += 1
    response.close()
    seconds = time.perf_counter() - started
    rows = lines - (1 if name.endswith(".csv") else 2)  # the header / the collection's lines
    return {"seconds": seconds, "first_s": first, "bytes": size, "rows": rows,
            "pieces": pieces, "rss_before_mb": rss_before, "export_peak_mb": _status_mb("VmHWM"),
            "backend_peak_mb": hotspots._backend_peak_mb(backend) if backend else None}


def child(url: str, what: str) -> None:
    logging.disable(logging.WARNING)
    app = hotspots.make_app(url)
    result = measure(app, what)
    result["peak_mb"] = hotspots.peak_mb()
    print(json.dumps(result))


def run_child(url: str, what: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", what, "--url", url],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- main ------------------------------------------------------------------------------------

LABELS = {"baseline": "empty export (baseline)", "csv": "CSV, every report",
          "geojson": "GeoJSON, every report", "csv_month": "CSV, one month (June 2015)"}


def row(engine: str, n: int, what: str, r: dict) -> str:
    notes = [f"{r['rows']:,} rows", f"{r['bytes'] / 1e6:,.1f} MB", f"{r['pieces']:,} pieces",
             f"first piece after {r['first_s'] * 1000:,.0f} ms"]
    if r["seconds"] > 0.5 and r["rows"]:
        notes.append(f"{r['rows'] / r['seconds']:,.0f} rows/s")
    if r.get("backend_peak_mb") is not None:
        notes.append(f"server backend peak {r['backend_peak_mb']:,.0f} MB")
    seconds = r["seconds"]
    shown = f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
    during = (f"{r['export_peak_mb']:,.0f} MB (+{r['export_peak_mb'] - r['rss_before_mb']:,.0f} "
              f"over {r['rss_before_mb']:,.0f})")
    return (f"| {engine} | {n:,} | {LABELS[what]} | {shown} | {during} | "
            f"{r['peak_mb']:,.0f} MB | {', '.join(notes)} |")


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
        header = [("| engine | reports | export | time | peak RSS during the export | "
                   "process peak RSS | notes |"), "|---|---:|---|---:|---:|---:|---|"]
        rows, described = [], None
        for n in sizes:
            url = (server.create_database(f"bench_{n}") if server
                   else f"sqlite:///{tmp / f'bench_{n}.db'}")
            loaded = load(url, n)
            print(f"# {args.engine}, {n:,} reports: inserted in {loaded['insert_s']:.1f} s "
                  f"({n / loaded['insert_s']:,.0f} rows/s), ANALYZE {loaded['analyze_s']:.1f} s",
                  flush=True)
            described = described or hotspots.machine({args.engine: url})
            for what in wanted:
                load_average = os.getloadavg()[0]
                rows.append(row(args.engine, n, what, run_child(url, what)))
                print(f"{rows[-1]} (load average {load_average:.1f} before, "
                      f"{os.getloadavg()[0]:.1f} after)", flush=True)
            if not server:
                (tmp / f"bench_{n}.db").unlink()
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
