"""Load and faults: report intake under gunicorn with 50+ concurrent clients, and a kill -9.

    .venv/bin/python bench/load.py --engine spatialite
    .venv/bin/python bench/load.py --engine postgis

A fresh migrated database (SpatiaLite: a temporary file in WAL mode; PostGIS: a throwaway
server from tests/fixtures/postgres.py) with Boston's neighborhoods, one department and one
category; the app under gunicorn (gunicorn.conf.py, workers from --workers); in this process,
--clients simulated clients on raw keep-alive HTTP/1.1 connections (asyncio, one thread).
Every submission carries an Idempotency-Key; 10 % are sent again with the same key after the
answer ("retry"), 2 % twice at the same time on two connections ("twin"). The phases:

  json        closed loop: every client sends its next report as soon as the last is answered:
              the most the server does (throughput), with the latency that queueing gives
  json@rate   open loop at --rate reports/s spread over the clients (the target rate); the
              latency counts from when a request was due, so a late server is not excused
  json@60%    open loop at 60 % of what the json phase achieved: latency at a load the
              server keeps up with
  photo       closed loop, multipart with one photo (--photo, default 1600x1200, ~0.5 MB)
  kill        closed loop, 30 % with a photo; half-way, kill -9 of one worker. A client whose
              connection breaks sends the same request again (same key) until it is answered
  floor       (only when asked: --only floor) the json phase against bench/floor_app.py, a
              Flask app that parses the body and answers without doing intake, under the
              same gunicorn settings: what the server, Flask and the client cost here

Then every invariant is checked on the database and the upload directory: rows == unique
keys, every key answered with one report id, one intake step per report, every photo file
decodes. Prints a markdown row per phase and the machine. Each row also gives the CPU time
per answered request of the app (gunicorn's processes), the database server (PostgreSQL's)
and the client (this process), read from /proc: what bounds the throughput on 2 cores,
whatever else the machine runs (a worker killed during the phase takes its share along).
"""

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (CpuMeter, Gunicorn, LoadPlan, LoadRun, check_invariants,  # noqa: E402
                     machine_lines, photo_jpeg, run_load, seed_city, summarize)

TARGET_RATE = {"spatialite": 300, "postgis": 500}


def fmt_row(engine: str, phase: str, s: dict, note: str = "") -> str:
    statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(s["statuses"].items()))
    return (f"| {engine} | {phase} | {s['submissions']:,} | {s['per_s']:,.0f}/s | "
            f"{s['p50_ms']:.1f} ms | {s['p90_ms']:.1f} ms | {s['p99_ms']:.1f} ms | "
            f"{s['max_ms']:.0f} ms | {statuses}{'; ' + note if note else ''} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("spatialite", "postgis"), default="spatialite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--worker-class", default=None)
    parser.add_argument("--rate", type=float, default=None,
                        help="open-loop rate of the json@rate phase (default: the target)")
    parser.add_argument("--photo", default="1600x1200", help="photo size WxH")
    parser.add_argument("--only", action="append",
                        choices=("json", "json@rate", "json@60%", "photo", "kill", "floor"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    import logging

    logging.disable(logging.INFO)
    phases = args.only or ["json", "json@rate", "json@60%", "photo", "kill"]
    tmp = Path(tempfile.mkdtemp(prefix="neighborhood-load-"))
    uploads = tmp / "uploads"
    uploads.mkdir()
    server = web = floor = None
    try:
        if args.engine == "postgis":
            from tests.fixtures.postgres import TestPostgres

            server = TestPostgres()
            server.start()
            url = server.create_database("load")
        else:
            url = f"sqlite:///{tmp / 'load.db'}"
        seed_city(url)
        described = machine_lines()
        web = Gunicorn(url, str(uploads), tmp / "gunicorn.log", workers=args.workers,
                       threads=args.threads, worker_class=args.worker_class)
        web.start()
        workers = len(web.worker_pids())
        roots = {"app": web.process.pid}
        if server:
            roots["database"] = int((server.data / "postmaster.pid").read_text().split()[0])
        meter = CpuMeter(roots)
        width, height = (int(v) for v in args.photo.split("x"))
        photos = [photo_jpeg(width, height, seed=i) for i in range(4)]
        print(f"# {args.engine}: gunicorn {workers} workers "
              f"({web.env.get('GUNICORN_WORKER_CLASS', 'sync')}, "
              f"threads {web.env.get('GUNICORN_THREADS', '1')}), {args.clients} clients, "
              f"{args.duration:.0f} s per phase, photo {width}x{height} "
              f"({sum(map(len, photos)) / len(photos) / 1024:,.0f} KiB)", flush=True)
        header = ["| engine | phase | submissions | per second | p50 | p90 | p99 | max | "
                  "answers |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        rows = []
        every = LoadRun()
        measured: dict[str, float] = {}
        seed = 1
        for phase in phases:
            seed += 1
            plan = LoadPlan(clients=args.clients, duration=args.duration, seed=seed)
            kill_window = None
            note = ""
            on_start = None
            if phase == "json@rate":
                plan.rate = args.rate or TARGET_RATE[args.engine]
                note = f"open loop at {plan.rate:,.0f}/s"
            elif phase == "json@60%":  # a rate the server keeps up with: latency, no queue
                plan.rate = 0.6 * measured.get("json", TARGET_RATE[args.engine])
                note = f"open loop at {plan.rate:,.0f}/s (60 % of the closed-loop rate)"
            elif phase == "photo":
                plan.photo_share = 1.0
            elif phase == "kill":
                plan.photo_share = 0.3
                killed = {}

                async def on_start(run, killed=killed, plan=plan):
                    await asyncio.sleep(plan.duration / 2)
                    killed["at"] = time.monotonic()
                    killed["pid"] = web.kill_worker()
                    # Until the master has a full set of workers again, plus a second.
                    while len(web.worker_pids()) < workers or killed["pid"] in web.worker_pids():
                        await asyncio.sleep(0.05)
                    killed["back"] = time.monotonic()

            target, phase_meter = web, meter
            if phase == "floor":
                floor = Gunicorn(url, str(uploads), tmp / "floor.log", workers=args.workers,
                                 threads=args.threads, worker_class=args.worker_class,
                                 app="bench.floor_app:app")
                floor.start()
                target, phase_meter = floor, CpuMeter({"app": floor.process.pid})
                note = "bench/floor_app.py: no intake, no database"
            load_before = os.getloadavg()[0]
            phase_meter.start()
            client_before = time.process_time()
            run = run_load(target.port, plan, photos, on_start=on_start)
            cpu = phase_meter.stop() | {"client": time.process_time() - client_before}
            if phase == "floor":
                floor.stop()
            if phase == "kill":
                kill_window = (killed["at"], killed["back"] + 1.0)
                web.wait_ready()
            s = summarize(run, kill_window)
            measured[phase] = s["per_s"]
            if phase == "kill":
                note = (f"worker {killed['pid']} killed at {killed['at'] - run.started:.1f} s, "
                        f"replaced after {(killed['back'] - killed['at']) * 1000:,.0f} ms; "
                        f"failed exchanges (then sent again) in the window: "
                        f"{s['errors_in_kill_window']}, outside it: {s['errors_outside']}")
            elif s["errors_outside"]:
                note += f"; {s['errors_outside']} failed exchanges"
            answered = sum(s["statuses"].values())
            note += "; CPU per answer: " + ", ".join(
                f"{name} {spent / answered * 1000:.2f} ms" for name, spent in cpu.items())
            note += (f"; {s['replays']} retries/twins answered 201, "
                     f"{s['replayed_flag']} marked Idempotent-Replayed; load "
                     f"{load_before:.1f}→{os.getloadavg()[0]:.1f}")
            rows.append(fmt_row(args.engine, phase, s, note.lstrip("; ")))
            print(rows[-1], flush=True)
            if phase != "floor":  # the floor app stores nothing
                every.outcomes.extend(run.outcomes)
                every.keys |= run.keys
        web.stop()
        checked = check_invariants(url, str(uploads), every)
        print()
        print("\n".join(described))
        print()
        print("\n".join(header + rows))
        print()
        print("invariants: " + json.dumps({k: v for k, v in checked.items()}))
        if checked["problems"]:
            sys.exit(1)
    finally:
        for running in (web, floor):
            if running:
                running.stop()
        if server:
            server.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
