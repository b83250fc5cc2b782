"""``dcmx apikey``: issue, list and revoke the API keys of the operator's write endpoints.

A new key is printed once, on its own line, and never again: only the SHA-256 of its secret is
stored. Nothing else this command prints is secret.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dcmx_core.model.access import ApiKey, Scope, issue_key
from dcmx_core.ports import Clock, UnitOfWork
from dcmx_entrypoints.failures import CommandFailed

apikey = typer.Typer(
    help="API keys of the operator's write endpoints (stored hashed).", no_args_is_help=True
)


@apikey.command("create")
def create(
    name: Annotated[str, typer.Option(help="What the key is for (shown in the list).")],
    scope: Annotated[
        list[Scope],
        typer.Option(help="A scope the key has (repeat for several); admin allows all."),
    ],
) -> None:
    """Issue a key and print it once (it cannot be shown again)."""
    with _api_keys() as (uow, clock):
        try:
            issued = issue_key(name, frozenset(scope), clock.now())
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
        uow.api_keys.add_key(issued.key)
        uow.commit()
    typer.echo(issued.token)
    typer.echo(
        f"key {issued.key.key_id} ({', '.join(_scopes(issued.key))}): store it now, it is not "
        "shown again",
        err=True,
    )


@apikey.command("list")
def list_keys(
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON.")] = False,
) -> None:
    """Every key: id, name, scopes, when it was created and revoked (never a secret)."""
    with _api_keys() as (uow, _clock):
        keys = uow.api_keys.list_keys()
    records = [_record(key) for key in keys]
    if as_json:
        typer.echo(json.dumps(records))
        return
    table = Table(title="API keys", title_justify="left")
    for column in ("id", "name", "scopes", "created", "revoked"):
        table.add_column(column)
    for key in keys:
        revoked = "-" if key.revoked_at is None else _when(key.revoked_at)
        scopes = " ".join(_scopes(key))
        table.add_row(key.key_id, key.name, scopes, _when(key.created_at), revoked)
    Console(width=120).print(table)


@apikey.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see dcmx apikey list).")],
) -> None:
    """Revoke a key: every request with it is refused from now on."""
    with _api_keys() as (uow, clock):
        key = uow.api_keys.revoke_key(key_id.strip(), clock.now())
        uow.commit()
    if key is None:
        raise CommandFailed(f"no API key {key_id!r}")
    revoked = "-" if key.revoked_at is None else _when(key.revoked_at)
    typer.echo(f"key {key.key_id} ({key.name}) revoked at {revoked}")


@contextmanager
def _api_keys() -> Iterator[tuple[UnitOfWork, Clock]]:
    """A unit of work on the configured database (migrated first), and the clock."""
    from dcmx_entrypoints.container import container_for
    from dcmx_entrypoints.running import migrate
    from dcmx_entrypoints.settings import Settings

    settings = Settings.load()
    migrate(settings)
    container = container_for(settings)
    try:
        with container.unit_of_work() as uow:
            yield uow, container.clock()
    finally:
        container.shutdown_resources()


def _when(seconds: int) -> str:
    """A moment as people read it: ISO 8601, UTC (the JSON keeps Unix seconds, for scripts)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _scopes(key: ApiKey) -> list[str]:
    return sorted(scope.value for scope in key.scopes)


def _record(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.key_id,
        "name": key.name,
        "scopes": _scopes(key),
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def register(app: typer.Typer) -> None:
    """Add ``dcmx apikey`` to the ``dcmx`` command."""
    app.add_typer(apikey, name="apikey")
