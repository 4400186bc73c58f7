"""`flask backup PATH`, `flask restore PATH [--force]`, `flask retention anonymize`.

Thin: parse arguments, call ops.services, print progress (stderr) and a summary (stdout).
"""

import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from neighborhood.core import transaction
from neighborhood.core.errors import DomainError


class _ProgressBar:
    """A progress bar opened on the first report, when the total is known."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label,
                                         file=sys.stderr, show_pos=True, show_percent=True,
                                         width=30)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _step(message: str) -> None:
    click.echo(message, err=True)


def _run(label: str, action):
    """Run a service with a progress bar; a domain error becomes a clean CLI error."""
    bar = _ProgressBar(label)
    started = time.monotonic()
    try:
        summary = action(bar)
    except DomainError as exc:
        bar.close()
        transaction.rollback()
        raise click.ClickException(exc.message) from exc
    bar.close()
    for line in summary.lines():
        click.echo(line)
    click.echo(f"took {time.monotonic() - started:.1f} s")
    return summary


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path):
    """Back up the database to a new file PATH, safely while the app runs.

    SQLite: an online copy (SQLite backup API) checked with integrity_check.
    PostgreSQL: a pg_dump custom-format archive (pg_dump from PATH or PG_BIN).
    """
    from neighborhood.ops.services import backup_database

    _run("backing up", lambda bar: backup_database(path, on_progress=bar, on_step=_step))


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Restore even while other connections (the running app) use the database.")
@with_appcontext
def restore(path, force):
    """Replace the database's content with the backup at PATH (made by `flask backup`).

    Refused while the app uses the database, unless --force. PostgreSQL: pg_restore
    --clean --if-exists, in one transaction.
    """
    from neighborhood.ops.services import restore_database

    _run("restoring", lambda bar: restore_database(path, force=force, on_progress=bar,
                                                   on_step=_step))


@click.group("retention")
def retention():
    """Retention of personal data."""


@retention.command("anonymize")
@click.option("--days", type=click.IntRange(min=1),
              help="Retention period in days (default: REPORTER_CONTACT_RETENTION_DAYS, 365).")
@click.option("--dry-run", is_flag=True, help="Count what would be cleared; change nothing.")
@with_appcontext
def anonymize(days, dry_run):
    """Clear reporters' contacts of reports older than the retention period, remove the
    followers of reports closed before it and email follows never confirmed within
    FOLLOW_CONFIRM_DAYS (7), and delete the sent (or failed) outbox emails older than it.
    Timeline notes are left as they are. Safe to run again (daily from cron)."""
    from neighborhood.ops.services import anonymize_contacts

    days = days or current_app.config["REPORTER_CONTACT_RETENTION_DAYS"]

    def run(_bar):
        counts = anonymize_contacts(days, dry_run=dry_run)
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
        return counts

    click.echo(f"retention period: {days} days; unconfirmed follows: "
               f"{current_app.config['FOLLOW_CONFIRM_DAYS']} days", err=True)
    _run("anonymizing", run)


def init_app(app: Flask) -> None:
    """Register the operations commands on the app."""
    for command in (backup, restore, retention):
        app.cli.add_command(command)
