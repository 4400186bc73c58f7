"""Intake CPU, profiled: the Python cost of one JSON report submission, in one process.

    .venv/bin/python bench/profile_intake.py --engine spatialite
    .venv/bin/python bench/profile_intake.py --engine postgis      # a throwaway server
    # options: --requests 2000 --warmup 200 --top 30 --sort cumulative|tottime --no-profile
#          --dump FILE (the cProfile stats, for pstats or snakeviz)

A fresh migrated database (SpatiaLite: a temporary file; PostGIS: tests/fixtures/postgres.py)
with Boston's neighborhoods, one department and one category routed to it (bench/_common.py's
seed_city); the app as gunicorn builds it (production Config, RATELIMIT_ENABLED off); then
--requests submissions of bench/load.py's bodies (a random point in the city, a new
Idempotency-Key each) through Flask's test client: the whole WSGI path, without a socket.

Prints the CPU time per request (time.process_time: CPU, not wall time, so a busy machine
inflates it little), the SQL statements per request (SQLAlchemy before_cursor_execute,
BEGIN and COMMIT included when the driver goes through a cursor), then a second, profiled
pass (cProfile) and its top entries. On PostGIS the server's own CPU is not counted.

--compare-autocommit (PostGIS) instead alternates blocks of submissions with intake
autocommitted (as it runs) and in a transaction (BEGIN ... COMMIT), in one process, and
prints the app's and PostgreSQL's CPU per request of each and their ratio per pair of
blocks: pairs run seconds apart, so the VM's changing speed cancels out.
"""

import argparse
import cProfile
import gc
import io
import json
import logging
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPORTS, ROOT, CpuMeter, city_points, report_body, seed_city

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def make_app(url: str, upload_dir: str):
    from neighborhood import create_app

    return create_app(DATABASE_URL=url, RATELIMIT_ENABLED=False, UPLOAD_DIR=upload_dir,
                      SECRET_KEY="profile-intake-secret", NOTIFY_SENDER="log",
                      BASE_URL="http://127.0.0.1")


def submit(client, body: dict) -> None:
    response = client.post(REPORTS, data=json.dumps(body), headers={
        "Content-Type": "application/json", "Accept": "application/json",
        "Idempotency-Key": f'"{uuid.uuid4()}"'})
    if response.status_code != 201:
        raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)[:500]}")
    response.close()


def run(client, bodies: list[dict]) -> float:
    """Send the bodies; return CPU seconds."""
    gc.collect()
    start = time.process_time()
    for body in bodies:
        submit(client, body)
    return time.process_time() - start


def compare_autocommit(client, bodies: list[dict], postmaster: int, rounds: int) -> None:
    """Print app and PostgreSQL CPU per request with and without the autocommitted intake."""
    from neighborhood.core import transaction

    autocommit = transaction.autocommit_if_untouched
    meter = CpuMeter({"database": postmaster})
    size = len(bodies) // (2 * rounds)
    blocks = iter(bodies[n:n + size] for n in range(0, 2 * rounds * size, size))
    spent = {"autocommitted": [], "transaction": []}
    try:
        for n in range(rounds):
            for mode in (("autocommitted", "transaction") if n % 2 == 0
                         else ("transaction", "autocommitted")):
                transaction.autocommit_if_untouched = (
                    autocommit if mode == "autocommitted" else lambda: False)
                block = next(blocks)
                meter.start()
                app_cpu = run(client, block)
                database = meter.stop()["database"]
                spent[mode].append((app_cpu / size * 1000, database / size * 1000))
    finally:
        transaction.autocommit_if_untouched = autocommit
    print(f"# {rounds} pairs of blocks of {size} JSON submissions, CPU per request (median)")
    for mode, rows in spent.items():
        print(f"{mode:>14}: app {statistics.median(a for a, _ in rows):.3f} ms, "
              f"PostgreSQL {statistics.median(d for _, d in rows):.3f} ms")
    pairs = list(zip(spent["autocommitted"], spent["transaction"]))
    print("autocommitted / transaction, median of the pairs: app "
          f"{statistics.median(a[0] / t[0] for a, t in pairs):.3f}, PostgreSQL "
          f"{statistics.median(a[1] / t[1] for a, t in pairs if t[1]):.3f} "
          "(PostgreSQL's CPU is counted in clock ticks of 10 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("spatialite", "postgis"), default="spatialite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--dump", help="also write the cProfile stats to this file (pstats)")
    parser.add_argument("--compare-autocommit", type=int, metavar="PAIRS", default=0,
                        help="PostGIS: alternate PAIRS pairs of blocks of --requests / PAIRS "
                        "/ 2 submissions with and without the autocommitted intake")
    args = parser.parse_args()
    if args.compare_autocommit and args.engine != "postgis":
        parser.error("--compare-autocommit needs --engine postgis")

    logging.disable(logging.INFO)
    tmp = Path(tempfile.mkdtemp(prefix="neighborhood-intake-"))
    (tmp / "uploads").mkdir()
    server = None
    try:
        if args.engine == "postgis":
            from tests.fixtures.postgres import TestPostgres

            server = TestPostgres()
            server.start()
            url = server.create_database("intake")
        else:
            url = f"sqlite:///{tmp / 'intake.db'}"
        seed_city(url)
        app = make_app(url, str(tmp / "uploads"))
        points = city_points(args.warmup + 2 * args.requests, seed=3)
        bodies = [report_body(p, n) for n, p in enumerate(points)]
        warm, timed, profiled = (bodies[:args.warmup],
                                 bodies[args.warmup:args.warmup + args.requests],
                                 bodies[args.warmup + args.requests:])

        from sqlalchemy import event

        from neighborhood.extensions import db

        with app.app_context():
            engine = db.engine
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        client = app.test_client()
        run(client, warm)
        if args.compare_autocommit:
            postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
            compare_autocommit(client, timed + profiled, postmaster, args.compare_autocommit)
            return
        event.listen(engine, "before_cursor_execute", count)
        cpu = run(client, timed)
        event.remove(engine, "before_cursor_execute", count)
        per_request = len(statements) / len(timed)
        print(f"# {args.engine}: {len(timed):,} JSON submissions (after {len(warm)} warm-up)")
        print(f"CPU per request: {cpu / len(timed) * 1000:.3f} ms "
              f"({cpu:.2f} s process time)")
        print(f"SQL statements per request: {per_request:.2f}")
        print("statements of the last request:")
        last = round(per_request)
        for statement in statements[-last:]:
            print("   ", " ".join(statement.split())[:150])

        if not args.no_profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not waits on the server
            gc.collect()
            profiler.enable()
            for body in profiled:
                submit(client, body)
            profiler.disable()
            if args.dump:
                profiler.dump_stats(args.dump)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(args.sort).print_stats(args.top)
            print(f"\n# cProfile of {len(profiled):,} more submissions, top {args.top} by "
                  f"{args.sort} (the profiler slows everything down several times)")
            print(out.getvalue())
        with app.app_context():
            db.engine.dispose()
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
