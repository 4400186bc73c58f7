"""Load and faults, bounded: gunicorn with 2 workers, 50 concurrent clients, kill -9 a worker.

The full benchmark (throughput, latency) is bench/load.py; this test asserts only the
invariants, never timings: no 5xx or broken connection except while a worker is being
killed and replaced, one report per Idempotency-Key (no loss, no duplicate), a retried key
answered with the same report, one intake step per report, every stored photo decodes.
"""

import asyncio
import time

from bench._common import Gunicorn, LoadPlan, check_invariants, photo_jpeg, run_load, summarize


def test_intake_under_load_survives_a_killed_worker(app, database_url, lifecycle_city,
                                                    tmp_path):
    uploads = app.config["UPLOAD_DIR"]
    server = Gunicorn(database_url, uploads, tmp_path / "gunicorn.log", workers=2,
                      worker_class="sync")
    plan = LoadPlan(clients=50, duration=8.0, photo_share=0.2, retry_share=0.15,
                    twin_share=0.05, seed=3)
    photos = [photo_jpeg(320, 240, seed=i) for i in range(3)]
    killed: dict = {}

    async def kill_one_worker(run):
        await asyncio.sleep(3.0)
        before = server.worker_pids()
        killed["at"] = time.monotonic()
        killed["pid"] = server.kill_worker()
        while True:  # until the master has replaced it
            pids = server.worker_pids()
            if killed["pid"] not in pids and len(pids) >= len(before):
                break
            await asyncio.sleep(0.05)
        killed["back"] = time.monotonic()

    server.start()
    try:
        run = run_load(server.port, plan, photos, on_start=kill_one_worker)
        server.wait_ready()
    finally:
        server.stop()
    assert server.process.returncode == 0, server.output()[-3000:]

    window = (killed["at"], killed["back"] + 1.0)
    summary = summarize(run, window)
    assert killed["pid"] not in server.worker_pids()
    # Nothing failed outside the kill window; inside it only 5xx or broken connections
    # (each sent again with the same key until answered).
    assert summary["errors_outside"] == 0, [o for o in run.outcomes
                                            if o.status is None or o.status >= 500]
    assert set(summary["statuses"]) <= {"201", "conn error", "500", "502", "503"}, \
        summary["statuses"]
    assert summary["submissions"] > 100  # the load was real
    # Retries and twins were answered with the report the key made, and said so.
    replays = [o for o in run.outcomes if o.role == "retry" and o.status == 201]
    assert replays and all(o.replayed for o in replays)

    checked = check_invariants(database_url, uploads, run)
    assert checked["problems"] == []
    assert checked["reports"] == checked["keys"] == len(run.keys)  # no loss, no duplicate
    assert checked["unanswered_keys"] == 0
    assert checked["status_changes"] == checked["reports"]  # one intake step each
    assert checked["photos"] > 0
