"""One commit per request, owned by the request boundary; hooks that run after it."""

from collections.abc import Callable

from flask import Flask, g

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


def init_app(app: Flask) -> None:
    """Commit successful requests and roll back failed ones; services only flush."""

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
