"""`flask open311 create-key|list-keys|revoke-key`: api_keys for Open311 clients."""

import click
from flask.cli import with_appcontext

from neighborhood.accounts.permissions import Actor, Role
from neighborhood.core import transaction
from neighborhood.core.errors import DomainError

# Whoever runs commands on the server administers it.
CONSOLE = Actor(role=Role.ADMIN)


@click.group("open311")
def open311():
    """Manage Open311 api_keys."""


def _run(action):
    try:
        return action()
    except DomainError as exc:
        transaction.rollback()
        raise click.ClickException(exc.message) from exc


@open311.command("create-key")
@click.argument("name")
@with_appcontext
def create_key(name):
    """Issue an api_key for a client; it is printed once, as the last word of the output."""
    from neighborhood.open311.services import create_api_key

    key, plain = _run(lambda: create_api_key(name, actor=CONSOLE))
    transaction.commit()
    click.echo(f"api_key {key.id} for {key.name} (store it now; it is not shown again): {plain}")


@open311.command("list-keys")
@with_appcontext
def list_keys():
    """List api_keys (never the keys): id, name, prefix, state, last use, reports made."""
    from neighborhood.open311.services import list_api_keys, reports_per_key

    made = reports_per_key()
    keys = list_api_keys(actor=CONSOLE)
    if not keys:
        click.echo("no api_keys yet: `flask open311 create-key NAME`")
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
        click.echo(f"{key.id}\t{key.name}\t{key.prefix}…\t{state}\t{used}\t"
                   f"{made.get(key.id, 0)} reports")


@open311.command("revoke-key")
@click.argument("key", metavar="ID_OR_NAME")
@with_appcontext
def revoke_key(key):
    """Revoke an api_key by id or name; its POSTs get 403 from now on."""
    from neighborhood.open311.services import revoke_api_key

    revoked = _run(lambda: revoke_api_key(key, actor=CONSOLE))
    transaction.commit()
    click.echo(f"revoked api_key {revoked.id} ({revoked.name})")
