"""``dcmx db``: the read-model database."""

from __future__ import annotations

from typing import Annotated

import typer

db = typer.Typer(help="The read-model database.", no_args_is_help=True)


@db.command("upgrade")
def db_upgrade(
    url: Annotated[
        str | None,
        typer.Option(
            envvar="DCMX_DATABASE_URL",
            help="postgresql+psycopg://… or sqlite:///path (default: $DCMX_DATABASE_URL, "
            "else the SQLite file in the data directory).",
        ),
    ] = None,
) -> None:
    """Bring the database to the newest schema (an empty one gets every table)."""
    from sqlalchemy.exc import OperationalError

    from dcmx_adapters.sql.database import UnsupportedDatabaseUrl, upgrade
    from dcmx_entrypoints.settings import Settings

    if not url:
        settings = Settings.load()
        url = settings.database
        if settings.sqlite_file is not None:
            settings.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(url)
    except UnsupportedDatabaseUrl as error:
        raise typer.BadParameter(str(error)) from None
    except OperationalError as error:
        typer.echo(f"dcmx: cannot reach {_without_password(url)}: {error.orig}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"database at {_without_password(url)} is at the newest schema")


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    """Add ``dcmx db`` to the ``dcmx`` command."""
    app.add_typer(db, name="db")
