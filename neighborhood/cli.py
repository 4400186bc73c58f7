"""Flask commands: thin wrappers that parse arguments and call services."""

import sys
import time

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from neighborhood.core import transaction
from neighborhood.extensions import db


def _progress(total: int | None, label: str):
    return click.progressbar(length=total, label=label, file=sys.stderr,
                             show_pos=True, show_percent=True, width=30)


def _echo_summary(summary, started: float) -> None:
    for line in summary.lines():
        click.echo(line)
    click.echo(f"took {time.monotonic() - started:.1f} s")


@click.command("import-311")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--preset", default="boston", show_default=True,
              help="Built-in preset name, or a preset JSON file (see docs/importing.md).")
@click.option("--map", "map_file", type=click.Path(exists=True, dir_okay=False),
              help="A preset JSON file; the same as --preset PATH.")
@with_appcontext
def import_311(files, preset, map_file):
    """Import 311 CSV exports (plain or gzipped); re-importing updates, never duplicates."""
    from neighborhood.importers.csv311 import PresetError, count_rows, load_preset
    from neighborhood.importers.services import import_files

    try:
        chosen = load_preset(map_file or preset)
    except PresetError as exc:
        raise click.UsageError(str(exc)) from exc
    started = time.monotonic()
    with _progress(count_rows(files), f"importing {len(files)} file(s)") as bar:
        summary = import_files(files, chosen, bar.update)
    transaction.commit()
    _echo_summary(summary, started)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when reports already exist.")
@with_appcontext
def seed_demo(if_empty):
    """Load the Boston 2015 demo city (categories, neighborhoods, boundary, reports)."""
    from neighborhood.demo.services import demo_csv_files
    from neighborhood.demo.services import seed_demo as load_demo
    from neighborhood.importers.csv311 import count_rows
    from neighborhood.reports.models import Report

    if if_empty and db.session.scalar(select(func.count(Report.id))):
        click.echo("the database already holds reports; nothing to do")
        return
    started = time.monotonic()
    with _progress(count_rows(demo_csv_files()), "loading the Boston 2015 demo") as bar:
        summary = load_demo(bar.update)
    transaction.commit()
    _echo_summary(summary, started)


def init_app(app: Flask) -> None:
    """Register the project's commands on the app."""
    for command in (import_311, seed_demo):
        app.cli.add_command(command)
