"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app` (see docs/operations.md).

The environment overrides each default: GUNICORN_BIND, WEB_CONCURRENCY (workers),
GUNICORN_WORKER_CLASS (sync or gthread), GUNICORN_THREADS, GUNICORN_TIMEOUT,
GUNICORN_MAX_REQUESTS.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The app is CPU-bound Python with short waits on the database: one process per core. More
# only share the cores' caches: on 2 cores, 2 workers answered more submissions than 3 in
# all 3 pairs of runs on SpatiaLite and half of 6 on PostGIS, with a higher median (420/s
# against 360/s); 4 answered fewer than 3 (docs/benchmarks.md, "Load and faults").
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is killed with its worker (photos take < 1 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# No preload: each worker creates the app, its database pool and SpatiaLite connections after
# the fork, so no connection is ever shared between processes.
preload_app = False
# A worker restarted now and then returns memory fragmented by photo decoding. Not often:
# a new worker spends about a second of CPU starting the app, and on 2 cores that stalls
# everyone (every 10,000 requests, p99 at 200 submissions/s was over a second; never, 69 ms).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
# Requests are refused above these sizes before the app reads them.
limit_request_line = 8190
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
