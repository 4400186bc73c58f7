"""Shared pieces of the HTTP benchmarks (bench/load.py, bench/viewport.py) and the load test.

- seed_city: a migrated database with Boston's neighborhoods, one department and one category
- Gunicorn: the app under gunicorn (gunicorn.conf.py) in its own process group
- an asyncio HTTP/1.1 client on raw sockets (one connection per simulated client): cheap enough
  in CPU that 50+ clients fit in one Python process beside the server on a 2-core machine
- check_invariants: rows == unique keys, one intake step each, every photo file decodes
- machine: the machine description the write-ups in docs/benchmarks.md use
"""

import asyncio
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CATEGORY = "street_light_outage"
REPORTS = "/api/v1/reports"


# --- the city --------------------------------------------------------------------------------

def boston_features() -> list[dict]:
    path = ROOT / "neighborhood/demo/data/boston-neighborhoods.geojson"
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def seed_city(url: str) -> None:
    """Migrate url and store the Boston boundaries, department PWD and one lighting category
    routed to it: the least a city needs for submissions to be located and routed."""
    from flask_migrate import upgrade

    from neighborhood import create_app
    from neighborhood.areas.services import replace_boundaries
    from neighborhood.config import TestConfig
    from neighborhood.extensions import db
    from neighborhood.reports.models import Category
    from neighborhood.routing.models import Department

    app = create_app(TestConfig, DATABASE_URL=url)
    with app.app_context():
        upgrade()
        replace_boundaries(boston_features(), city_name="Boston")
        department = Department(code="PWD", name="Public Works", email="pwd@city.example")
        db.session.add(department)
        db.session.flush()
        db.session.add(Category(code=CATEGORY, name="Street light outage", family="lighting",
                                sla_days=15, default_department_id=department.id))
        db.session.commit()
        db.engine.dispose()


def city_points(n: int, seed: int = 7) -> list[tuple[float, float]]:
    """Return n random (lon, lat) points inside the city (uniform over its area)."""
    import shapely
    from shapely import unary_union
    from shapely.geometry import shape

    polygon = unary_union([shape(f["geometry"]) for f in boston_features()]).buffer(0)
    # Stay 20 m inside: a point on the very edge may round differently in the server's check.
    polygon = polygon.buffer(-0.0002)
    shapely.prepare(polygon)
    rng = random.Random(seed)
    west, south, east, north = polygon.bounds
    points = []
    while len(points) < n:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if shapely.contains_xy(polygon, lon, lat):
            points.append((round(lon, 6), round(lat, 6)))
    return points


# --- the server ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py wsgi:app` on a database, until stop()."""

    def __init__(self, database_url: str, upload_dir: str, log: Path, *,
                 workers: int | None = None, threads: int | None = None,
                 worker_class: str | None = None, app: str = "wsgi:app", **settings: str):
        self.app = app  # the WSGI app gunicorn loads (bench.floor_app:app for the floor)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "UPLOAD_DIR": upload_dir,
                    "SECRET_KEY": "load-test-secret", "BASE_URL": self.url,
                    "NOTIFY_SENDER": "log", "RATELIMIT_ENABLED": "0",
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}", **settings}
        if workers:
            self.env["WEB_CONCURRENCY"] = str(workers)
        if threads:
            self.env["GUNICORN_THREADS"] = str(threads)
        if worker_class:
            self.env["GUNICORN_WORKER_CLASS"] = worker_class
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        """Start the master and wait until every worker answers."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                 self.app], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until the expected number of workers runs and the app answers."""
        deadline = time.monotonic() + timeout
        expected = int(self.env.get("WEB_CONCURRENCY", "0")) or None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.output()[-3000:]}")
            if expected is None or len(self.worker_pids()) >= expected:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                        sock.sendall(b"GET /api/v1/categories HTTP/1.1\r\nHost: x\r\n"
                                     b"Connection: close\r\n\r\n")
                        if sock.recv(12).startswith(b"HTTP/1.1 200"):
                            return
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not ready after {timeout} s:\n{self.output()[-3000:]}")

    def worker_pids(self) -> list[int]:
        """Return the pids of the master's live workers."""
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(p) for p in children.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            return []

    def kill_worker(self) -> int:
        """kill -9 one worker (the master starts another); return its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        """Stop the master (graceful, then SIGKILL of the whole group) and reap it."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


# --- requests --------------------------------------------------------------------------------

def photo_jpeg(width: int, height: int, seed: int = 1) -> bytes:
    """Return a JPEG that compresses like a photo (gradients plus noise), not a flat colour."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1),
                     (x + y) * 127 // max(width + height - 2, 1)], axis=-1)
    pixels = np.clip(base + rng.normal(0, 18, base.shape), 0, 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def report_body(point: tuple[float, float], n: int) -> dict:
    lon, lat = point
    return {"category": CATEGORY, "description": f"Street light {n} is dark.",
            "lat": lat, "lon": lon, "contact": {"email": f"resident{n % 997}@example.org"}}


def json_request(body: dict, key: str, host: str) -> bytes:
    raw = json.dumps(body).encode()
    head = (f"POST {REPORTS} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(raw)}\r\nIdempotency-Key: \"{key}\"\r\n"
            "Accept: application/json\r\n\r\n")
    return head.encode() + raw


def multipart_request(body: dict, photo: bytes, key: str, host: str) -> bytes:
    boundary = uuid.uuid4().hex
    parts = []
    fields = {"category": body["category"], "description": body["description"],
              "lat": str(body["lat"]), "lon": str(body["lon"]),
              "contact.email": body["contact"]["email"]}
    for name, value in fields.items():
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                     f"{value}\r\n".encode())
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; "
                 f"filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".encode()
                 + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    raw = b"".join(parts)
    head = (f"POST {REPORTS} HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(raw)}\r\nIdempotency-Key: \"{key}\"\r\n"
            "Accept: application/json\r\n\r\n")
    return head.encode() + raw


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closed it."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = False

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.used = False

    async def request(self, raw: bytes) -> tuple[int, dict, bytes]:
        """Send one request; return status, headers (lower-case names) and body.

        A connection the server closed while idle (keep-alive timeout) is reopened and the
        request sent again, once: nothing was received for it. Any other failure raises.
        """
        for attempt in (0, 1):
            if self.writer is None:
                await self._open()
            reused = self.used
            try:
                self.writer.write(raw)
                await self.writer.drain()
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
                await self.close()
                partial = getattr(exc, "partial", b"")
                if reused and attempt == 0 and not partial:
                    continue
                raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
            break
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        try:
            if "content-length" in headers:
                body = await self.reader.readexactly(int(headers["content-length"]))
            else:
                body = await self.reader.read()
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
            await self.close()
            raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
        self.used = True
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, headers, body


@dataclass
class Outcome:
    """One HTTP exchange as the client saw it."""

    kind: str  # json | photo
    key: str
    role: str  # first | retry | twin (same key, sent at the same time on another connection)
    scheduled: float  # when it should have been sent (open loop) or was sent (closed loop)
    sent: float
    done: float
    status: int | None  # None: the connection failed
    report_id: int | None = None
    replayed: bool = False
    error: str | None = None

    @property
    def latency(self) -> float:
        return self.done - self.scheduled


@dataclass
class LoadPlan:
    """What the simulated clients do."""

    clients: int = 50
    duration: float = 10.0  # seconds of sending (each client finishes its current request)
    rate: float | None = None  # requests/s over all clients (open loop); None: closed loop
    photo_share: float = 0.0  # share of submissions with one photo
    retry_share: float = 0.1  # share re-sent with the same key after the answer
    twin_share: float = 0.02  # share sent twice at once, same key, on two connections
    max_requests: int | None = None  # stop after this many first submissions (all clients)
    seed: int = 1


@dataclass
class LoadRun:
    """Everything a load run saw."""

    outcomes: list[Outcome] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    keys: set[str] = field(default_factory=set)  # every key some request was sent with


async def _submit(conn: Connection, raw: bytes, kind: str, key: str, role: str,
                  scheduled: float, run: LoadRun, retry_failures: bool = True) -> Outcome:
    """Send one submission; on a failed connection, send it again (same key) until answered."""
    while True:
        sent = time.monotonic()
        try:
            status, headers, body = await conn.request(raw)
        except ConnectionError as exc:
            run.outcomes.append(Outcome(kind, key, role, scheduled, sent, time.monotonic(),
                                        None, error=str(exc)))
            if not retry_failures:
                return run.outcomes[-1]
            await asyncio.sleep(0.05)
            role = "resend"
            continue
        report_id = None
        if status == 201:
            report_id = json.loads(body)["id"]
        outcome = Outcome(kind, key, role, scheduled, sent, time.monotonic(), status, report_id,
                          headers.get("idempotent-replayed") == "true",
                          None if status < 400 else body[:300].decode(errors="replace"))
        run.outcomes.append(outcome)
        if status >= 500 and retry_failures:
            await asyncio.sleep(0.05)
            role = "resend"
            continue
        return outcome


async def _client(number: int, port: int, plan: LoadPlan, run: LoadRun, points, photos,
                  counter) -> None:
    rng = random.Random(plan.seed * 1000 + number)
    conn, twin_conn = Connection(port), Connection(port)
    host = f"127.0.0.1:{port}"
    interval = plan.clients / plan.rate if plan.rate else 0.0
    next_at = run.started + (rng.random() * interval)
    try:
        while True:
            now = time.monotonic()
            if now - run.started >= plan.duration:
                break
            if plan.max_requests is not None and counter[0] >= plan.max_requests:
                break
            n = counter[0] = counter[0] + 1
            if plan.rate:
                if next_at > now:
                    await asyncio.sleep(next_at - now)
                scheduled = next_at
                next_at += interval
            else:
                scheduled = time.monotonic()
            key = str(uuid.UUID(int=rng.getrandbits(128)))
            run.keys.add(key)
            body = report_body(points[n % len(points)], n)
            if rng.random() < plan.photo_share:
                kind, raw = "photo", multipart_request(body, photos[n % len(photos)], key, host)
            else:
                kind, raw = "json", json_request(body, key, host)
            if rng.random() < plan.twin_share:
                await asyncio.gather(
                    _submit(conn, raw, kind, key, "first", scheduled, run),
                    _submit(twin_conn, raw, kind, key, "twin", scheduled, run))
            else:
                await _submit(conn, raw, kind, key, "first", scheduled, run)
            if rng.random() < plan.retry_share:
                await _submit(conn, raw, kind, key, "retry", time.monotonic(), run)
    finally:
        await conn.close()
        await twin_conn.close()


async def run_load_async(port: int, plan: LoadPlan, photos: list[bytes],
                         on_start=None) -> LoadRun:
    points = city_points(2000, seed=plan.seed)
    run = LoadRun(started=time.monotonic())
    counter = [0]
    tasks = [asyncio.create_task(_client(i, port, plan, run, points, photos, counter))
             for i in range(plan.clients)]
    if on_start is not None:
        tasks.append(asyncio.create_task(on_start(run)))
    await asyncio.gather(*tasks)
    run.ended = time.monotonic()
    return run


def run_load(port: int, plan: LoadPlan, photos: list[bytes] = (), on_start=None) -> LoadRun:
    """Run the load in an event loop of its own thread: the caller's thread may already run
    one (Playwright's sync API keeps a loop in pytest's main thread once a browser test ran)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run,
                           run_load_async(port, plan, list(photos), on_start)).result()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- checking --------------------------------------------------------------------------------

def check_invariants(database_url: str, upload_dir: str, run: LoadRun) -> dict:
    """Compare what the clients saw with what the database and the upload directory hold.

    Returns counts and a list of problems (empty: every invariant holds).
    """
    from PIL import Image
    from sqlalchemy import create_engine, text

    from neighborhood.core.db import configure_engine, engine_options
    from neighborhood.reports.storage import LocalPhotoStore

    problems: list[str] = []
    answered = [o for o in run.outcomes if o.status == 201]
    id_by_key: dict[str, int] = {}
    for o in answered:
        if id_by_key.setdefault(o.key, o.report_id) != o.report_id:
            problems.append(f"key {o.key} answered with reports {id_by_key[o.key]} and "
                            f"{o.report_id}")
    unanswered = run.keys - set(id_by_key)

    url, options = engine_options(database_url)
    engine = create_engine(url, **options)
    configure_engine(engine)
    try:
        with engine.connect() as conn:
            keys = dict(conn.execute(text(
                "SELECT key, report_id FROM idempotency_key")).all())
            reports = conn.execute(text("SELECT count(*) FROM report")).scalar()
            intake = dict(conn.execute(text(
                "SELECT r.id, count(s.id) FROM report r LEFT JOIN status_change s "
                "ON s.report_id = r.id AND s.from_status IS NULL AND s.kind = 'status' "
                "GROUP BY r.id")).all())
            steps = conn.execute(text("SELECT count(*) FROM status_change")).scalar()
            photo_rows = conn.execute(text("SELECT key, report_id FROM photo")).all()
            photo_reports = {r for _, r in photo_rows}
            conn.rollback()
    finally:
        engine.dispose()

    if reports != len(keys):
        problems.append(f"{reports} reports but {len(keys)} idempotency keys")
    if set(keys) - run.keys:
        problems.append(f"keys in the database no client sent: {len(set(keys) - run.keys)}")
    lost = [k for k in id_by_key if k not in keys]
    if lost:
        problems.append(f"{len(lost)} keys answered 201 but not stored (lost), e.g. {lost[:3]}")
    wrong = [k for k, rid in id_by_key.items() if k in keys and keys[k] != rid]
    if wrong:
        problems.append(f"{len(wrong)} keys answered with another report than the stored one")
    bad_timeline = {rid: n for rid, n in intake.items() if n != 1}
    if bad_timeline:
        problems.append(f"{len(bad_timeline)} reports without exactly one intake step, e.g. "
                        f"{list(bad_timeline.items())[:3]}")
    photo_kinds = {o.key for o in answered if o.kind == "photo"}
    missing_photos = [k for k in photo_kinds if keys.get(k) not in photo_reports]
    if missing_photos:
        problems.append(f"{len(missing_photos)} photo submissions stored without their photo")
    store = LocalPhotoStore(upload_dir)
    unreadable = []
    for key, _ in photo_rows:
        try:
            with Image.open(store.path(key)) as image:
                image.load()
        except Exception as exc:  # noqa: BLE001 - reported below
            unreadable.append(f"{key}: {exc}")
    if unreadable:
        problems.append(f"{len(unreadable)} photos unreadable, e.g. {unreadable[:3]}")
    stored_files = {p.stem for p in Path(upload_dir).glob("*/*.jpg")}
    orphans = stored_files - {k for k, _ in photo_rows}
    return {"reports": reports, "keys": len(keys), "sent_keys": len(run.keys),
            "unanswered_keys": len(unanswered), "status_changes": steps,
            "photos": len(photo_rows), "orphan_files": len(orphans), "problems": problems}


# --- summaries -------------------------------------------------------------------------------

def summarize(run: LoadRun, kill_window: tuple[float, float] | None = None) -> dict:
    """Throughput and latency of the first submissions; status counts; errors by window."""
    firsts = [o for o in run.outcomes if o.role == "first" and o.status == 201]
    span = run.ended - run.started
    latencies = [o.latency for o in firsts]
    statuses: dict[str, int] = {}
    for o in run.outcomes:
        label = str(o.status) if o.status is not None else "conn error"
        statuses[label] = statuses.get(label, 0) + 1
    inside = outside = 0
    for o in run.outcomes:
        if o.status is None or o.status >= 500:
            if kill_window and kill_window[0] <= o.done <= kill_window[1]:
                inside += 1
            else:
                outside += 1
    replays = [o for o in run.outcomes if o.role in ("retry", "twin") and o.status == 201]
    return {
        "submissions": len(firsts), "seconds": span,
        "per_s": len(firsts) / span if span else 0.0,
        "all_per_s": sum(1 for o in run.outcomes if o.status is not None) / span if span else 0,
        "p50_ms": percentile(latencies, 50) * 1000 if latencies else None,
        "p90_ms": percentile(latencies, 90) * 1000 if latencies else None,
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else None,
        "max_ms": max(latencies) * 1000 if latencies else None,
        "statuses": statuses, "errors_in_kill_window": inside, "errors_outside": outside,
        "replays": len(replays), "replayed_flag": sum(o.replayed for o in replays),
    }


def machine_lines() -> list[str]:
    """CPU, memory, OS, Python, SQLite (bench/hotspots.py's lines), gunicorn and the load."""
    import gunicorn

    from bench.hotspots import machine

    return machine({}) + [
        f"- gunicorn {gunicorn.__version__}",
        f"- load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"]


def process_tree(pid: int) -> list[int]:
    """Return pid and its descendants' pids (from /proc; empty if pid is gone)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = Path(f"/proc/{current}/task").iterdir()
            children = [int(c) for task in tasks
                        for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        found.append(current)
        todo.extend(children)
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """Return the user + system CPU seconds each live process has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


class CpuMeter:
    """CPU used during a phase by process trees (the app server, the database server)."""

    def __init__(self, roots: dict[str, int]):
        self.roots = roots
        self.before: dict[str, dict[int, float]] = {}

    def start(self) -> None:
        self.before = {name: cpu_seconds(process_tree(pid)) for name, pid in self.roots.items()}

    def stop(self) -> dict[str, float]:
        """Return CPU seconds per tree since start (processes born meanwhile count whole)."""
        spent = {}
        for name, pid in self.roots.items():
            now = cpu_seconds(process_tree(pid))
            spent[name] = sum(t - self.before[name].get(p, 0.0) for p, t in now.items())
        return spent
