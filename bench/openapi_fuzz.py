"""The long contract run: schemathesis over the whole OpenAPI document, in-process.

    .venv/bin/python bench/openapi_fuzz.py --engine spatialite --cases 2000
    .venv/bin/python bench/openapi_fuzz.py --engine postgis --cases 2000

The same harness as tests/api/test_openapi_contract.py (tests/api/contract.py): a fresh,
migrated database (SpatiaLite: a temporary file; PostGIS: a throwaway server from
tests/fixtures/postgres.py), the seeded city, then every operation of /api/openapi.json with
positive and negative data, each case checked for: no 5xx, a status code the operation
documents (not only through `default`), a body only where one is documented, a documented
content type, a body valid against the documented schema, the documented headers.

Rounds run until at least --cases cases were sent: round r fuzzes every operation with
hypothesis seed r, so a run is reproducible. Prints a summary: cases, per-status counts,
per-operation counts and every failure with a curl command that reproduces it. Exits 1 if any
check failed.
"""

import argparse
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def machine(url: str) -> list[str]:
    """Describe the machine and the database the run used."""
    from sqlalchemy import create_engine, text

    from neighborhood.core.db import engine_options, sqlite_dbapi

    info: dict[str, str] = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    lines = [(f"- CPU: {info.get('model name', platform.processor())}, "
              f"{len(os.sched_getaffinity(0))} logical CPUs; RAM {mem_kb / 1024 / 1024:.1f} "
              f"GiB; {platform.system()} {platform.release()}"),
             f"- Python {platform.python_version()}, SQLite {sqlite_dbapi().sqlite_version}"]
    real_url, options = engine_options(url)
    engine = create_engine(real_url, **options)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            lines.append(f"- SpatiaLite {conn.execute(text('SELECT spatialite_version()')).scalar()}")
        else:
            lines.append(f"- PostgreSQL {conn.execute(text('SHOW server_version')).scalar()}, "
                         f"PostGIS {conn.execute(text('SELECT postgis_lib_version()')).scalar()}")
    engine.dispose()
    import hypothesis
    import schemathesis

    lines.append(f"- schemathesis {schemathesis.__version__}, hypothesis {hypothesis.__version__}")
    return lines


def run(url: str, cases: int, uploads: str, offset: int = 0) -> tuple[object, int]:
    """Migrate, seed and fuzz until at least `cases` cases; return the outcome and the rounds."""
    from flask_migrate import upgrade

    from neighborhood import create_app
    from neighborhood.config import TestConfig
    from tests.api import contract

    app = create_app(TestConfig, DATABASE_URL=url, UPLOAD_DIR=uploads)
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    city = contract.seed_city(app)
    print(f"# seeded in {time.perf_counter() - started:.1f} s", flush=True)
    schema = contract.load_schema(app)
    pairs = sum(1 + contract.has_inputs(result.ok()) for result in schema.get_all_operations())
    outcome, rounds, yield_ = contract.Outcome(), 0, 1.0
    while outcome.cases < cases:
        # Operations with few distinct inputs run out of examples early: ask for more per
        # operation in the next round by the share the last round fell short.
        per_pair = max(1, math.ceil((cases - outcome.cases) / pairs / yield_))
        before = outcome.cases
        contract.run_contract(schema, city, max_examples=per_pair, seed_value=offset + rounds,
                              outcome=outcome)
        rounds += 1
        yield_ = max(0.1, (outcome.cases - before) / (per_pair * pairs))
        print(f"# round {rounds} (seed {offset + rounds - 1}, {per_pair} per operation and "
              f"mode): {outcome.cases - before} cases ({outcome.cases} in "
              f"{outcome.seconds:.1f} s)", flush=True)
    return outcome, rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("spatialite", "postgis"), default="spatialite")
    parser.add_argument("--cases", type=int, default=2000, help="at least this many cases")
    parser.add_argument("--seed", type=int, default=0,
                        help="hypothesis seed of the first round (the next rounds count up)")
    args = parser.parse_args()

    import logging

    logging.disable(logging.CRITICAL)  # alembic's lines; 500s are counted, not logged
    tmp = Path(tempfile.mkdtemp(prefix="neighborhood-fuzz-"))
    server, outcome = None, None
    try:
        if args.engine == "postgis":
            from tests.fixtures.postgres import TestPostgres

            server = TestPostgres()
            server.start()
            url = server.create_database("openapi_fuzz")
        else:
            url = f"sqlite:///{tmp / 'fuzz.db'}"
        started = time.perf_counter()
        outcome, rounds = run(url, args.cases, str(tmp / "uploads"), args.seed)
        wall = time.perf_counter() - started
        print()
        print(f"# {args.engine}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {rounds} round(s), "
              f"wall {wall:.1f} s (seeding included)")
        print("\n".join(machine(url)))
        print()
        print(outcome.summary())
        print()
        print("per operation (status: count):")
        for label in sorted(outcome.operations):
            counts = sorted((s, n) for (op, s), n in outcome.statuses.items() if op == label)
            print(f"  {label}: " + ", ".join(f"{s}: {n}" for s, n in counts))
        if outcome.negative_skipped:
            print("no negative data possible (no parameters, no body): "
                  + ", ".join(sorted(outcome.negative_skipped)))
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if outcome is None or outcome.failure_counts else 0)


if __name__ == "__main__":
    main()
