"""One commit per request, owned by the request boundary; hooks that run after it."""

from collections.abc import Callable

from flask import Flask, g, request

from neighborhood.core import writer_queue
from neighborhood.extensions import db


def after_commit(callback: Callable[[], None]) -> None:
    """Run callback once the current request's transaction has committed."""
    g.setdefault("_after_commit", []).append(callback)


def on_rollback(callback: Callable[[], None]) -> None:
    """Run callback if the current request's transaction is rolled back (undo side files)."""
    g.setdefault("_on_rollback", []).append(callback)


def _run(name: str) -> None:
    for callback in g.pop(name, []):
        callback()


def commit() -> None:
    """Commit the session, then run the after-commit hooks (outside requests too)."""
    try:
        if db.session().in_transaction():  # a view may have committed already (intake does)
            db.session.commit()
    except Exception:
        rollback()
        raise
    g.pop("_on_rollback", None)
    _run("_after_commit")


def rollback() -> None:
    """Roll the session back, then run the rollback hooks."""
    db.session.rollback()
    g.pop("_after_commit", None)
    _run("_on_rollback")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    """Commit successful requests and roll back failed ones; services only flush."""

    def _reads_first():
        # A GET reads: on SQLite it takes no write lock, so reads run side by side with each
        # other and with writers. What a GET writes (a cached hotspot map, an API token's
        # last use, a follow confirmed by link) is written from the latest state and needs
        # no earlier read to hold: core.writer_queue.
        if request.method in SAFE_METHODS:
            g._reads_first = writer_queue.set_reads_first(True)

    # First of all before_request hooks: the ones after it (signed-in user) may read.
    app.before_request_funcs.setdefault(None, []).insert(0, _reads_first)

    @app.after_request
    def _finish(response):
        if response.status_code < 400:
            commit()
        else:
            rollback()
        return response

    @app.teardown_request
    def _abandon(exc):
        if exc is not None or g.get("_on_rollback"):
            rollback()
        token = g.pop("_reads_first", None)
        if token is not None:
            writer_queue.reset_reads_first(token)
