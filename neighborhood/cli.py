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


def _fail_on_domain_error(callback):
    """Turn a service's domain error into a clean CLI error (exit code 1, no traceback)."""
    from functools import wraps

    from neighborhood.core.errors import DomainError

    @wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except DomainError as exc:
            transaction.rollback()
            raise click.ClickException(exc.message) from exc
    return run


@click.group("users")
def users():
    """Manage accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", required=True,
              type=click.Choice(["resident", "officer", "staff", "moderator", "admin"]))
@click.option("--department", help="The department (code or name); staff only.")
@click.option("--password", help="At least 10 characters; without it the account signs in "
                                  "with API tokens only.")
@click.option("--name", "display_name", help="Display name (default: the address's user part).")
@with_appcontext
@_fail_on_domain_error
def create_user(email, role, department, password, display_name):
    """Create an account."""
    from neighborhood.accounts.services import create_user as create

    user = create(email, role, display_name=display_name, department=department,
                  password=password)
    transaction.commit()
    click.echo(f"created {user.role} {user.email} (id {user.id})"
               + ("" if password else "; no password: use `flask tokens create`"))


@users.command("list")
@with_appcontext
def list_users():
    """List accounts: id, email, role, department."""
    from neighborhood.accounts.models import User
    from neighborhood.routing.models import Department

    names = dict(db.session.execute(select(Department.id, Department.code)).all())
    for user in db.session.scalars(select(User).order_by(User.id)):
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t"
                   f"{names.get(user.department_id, '-')}{state}")


@click.group("tokens")
def tokens():
    """Manage API bearer tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@with_appcontext
@_fail_on_domain_error
def create_token(email, name):
    """Issue a bearer token; it is printed once, as the last word of the output."""
    from neighborhood.accounts.services import create_token as issue
    from neighborhood.accounts.services import find_user

    token, plain = issue(find_user(email), name)
    transaction.commit()
    click.echo(f"token {token.id} for {email} (store it now; it is not shown again): {plain}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
@_fail_on_domain_error
def revoke_token(token_id):
    """Revoke a token by id; requests with it get 401 from now on."""
    from neighborhood.accounts.services import revoke_token as revoke

    token = revoke(token_id)
    transaction.commit()
    click.echo(f"revoked token {token.id} ({token.name}) of {token.user.email}")


@tokens.command("list")
@with_appcontext
def list_tokens():
    """List tokens (never the tokens themselves): id, account, name, state."""
    from neighborhood.accounts.models import ApiToken

    for token in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        click.echo(f"{token.id}\t{token.user.email}\t{token.name}\t{state}")


@click.group("departments")
def departments():
    """Manage departments and their service areas."""


@departments.command("list")
@with_appcontext
def list_departments():
    """List departments: code, name, contact email."""
    from neighborhood.routing.services import list_departments as listed

    for department in listed():
        click.echo(f"{department.code}\t{department.name}\t{department.email or '-'}")


@departments.command("claim")
@click.argument("department")
@click.argument("geojson", type=click.Path(exists=True, dir_okay=False))
@click.option("--category", help="Category code (default: every category).")
@click.option("--name", help="A name for the area (default: the file's name).")
@with_appcontext
@_fail_on_domain_error
def claim_area(department, geojson, category, name):
    """Let a department take reports inside the polygon(s) of a GeoJSON file."""
    import json
    from pathlib import Path

    from neighborhood.reports.models import Category
    from neighborhood.routing.services import claim_service_area, find_department

    target = find_department(department)
    category_id = None
    if category:
        category_id = db.session.scalar(select(Category.id).where(Category.code == category))
        if category_id is None:
            raise click.BadParameter(f"no category {category!r}", param_hint="--category")
    data = json.loads(Path(geojson).read_text(encoding="utf-8"))
    features = data.get("features") or [data if data.get("type") == "Feature"
                                        else {"geometry": data}]
    for index, feature in enumerate(features, 1):
        label = name or Path(geojson).stem
        area = claim_service_area(target, feature["geometry"], category_id=category_id,
                                  name=label if len(features) == 1 else f"{label} {index}")
        click.echo(f"service area {area.id}: {target.code} takes "
                   f"{category or 'every category'} in {area.name}")
    transaction.commit()


@click.group("hotspots")
def hotspots():
    """Hotspot maps."""


@hotspots.command("rebuild")
@click.option("--days", default=365, show_default=True, help="Window length in days.")
@with_appcontext
def rebuild_hotspots(days):
    """Clear the hotspot cache, then compute and store the standard maps (families, 8/9, trends)."""
    from flask import current_app
    from sqlalchemy import delete

    from neighborhood.spatial.models import HotspotCache

    from neighborhood.spatial.hotspots import NotEnoughData
    from neighborhood.spatial.services import RESOLUTIONS, HotspotQuery, cached_hotspots
    from neighborhood.workflow.states import Family

    queries = [HotspotQuery(family=family, days=days, resolution=resolution, trend=trend)
               for family in (None, *(f.value for f in Family))
               for resolution in RESOLUTIONS for trend in (False, True)]
    stored, refused = 0, []
    started = time.monotonic()
    db.session.execute(delete(HotspotCache))
    with _progress(len(queries), "computing hotspot maps") as bar:
        for query in queries:
            try:
                cached_hotspots(query, current_app.config["CITY_TIMEZONE"])
                stored += 1
            except NotEnoughData as exc:
                refused.append(f"{query.family or 'all'} r{query.resolution}"
                               f"{' trend' if query.trend else ''}: {exc}")
            bar.update(1)
    transaction.commit()
    click.echo(f"stored {stored} maps, {len(refused)} without enough data")
    for line in refused:
        click.echo(f"  {line}")
    click.echo(f"took {time.monotonic() - started:.1f} s")


@click.group("outbox")
def outbox():
    """The notification outbox."""


@outbox.command("drain")
@with_appcontext
def drain():
    """Send the emails that are due (retrying failures with backoff)."""
    from flask import current_app

    from neighborhood.notifications.services import drain_outbox, outbox_counts

    result = drain_outbox(current_app.extensions["notify_sender"])
    counts = outbox_counts()
    click.echo(f"sent: {result.sent}, retry later: {result.retried}, failed: {result.failed}; "
               f"now pending: {counts.get('pending', 0)}, failed in all: "
               f"{counts.get('failed', 0)}")


def init_app(app: Flask) -> None:
    """Register the project's commands on the app."""
    from neighborhood.open311.cli import open311

    for command in (import_311, seed_demo, users, tokens, departments, hotspots, outbox,
                    open311):
        app.cli.add_command(command)
    from neighborhood.ops.cli import init_app as init_ops  # backup, restore, retention
    init_ops(app)
