"""One commit per request, owned by the request boundary; hooks that run after it."""

from collections.abc import Callable

from flask import Flask, g, has_request_context, request
from sqlalchemy import event

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


class AutocommitFlushRefused(RuntimeError):
    """An autocommitted request tried to flush ORM changes (a programming error)."""


def autocommit_if_untouched() -> bool:
    """On PostgreSQL, run the rest of a request autocommitted if it has not used the
    database yet; return whether it does.

    Only for a service whose writes are one statement (report intake): that statement is
    then the request's one commit, without BEGIN and COMMIT, two of intake's four round
    trips. Its reads before it see the latest committed state, as in READ COMMITTED. The
    rest of the request may not flush ORM changes: each would commit on its own.
    Outside a request (the CLI, tests calling services) nothing is autocommitted: there a
    session's transaction may span many services.
    """
    if not has_request_context():
        return False
    session = db.session()
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return False
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    event.listen(session, "before_flush", _refuse_flush)  # this request's session only
    return True


def _refuse_flush(_session, _flush_context, _instances) -> None:
    raise AutocommitFlushRefused(
        "An autocommitted request may not flush ORM changes: each would commit on its "
        "own. Write them in its one statement, or do not autocommit it.")


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
