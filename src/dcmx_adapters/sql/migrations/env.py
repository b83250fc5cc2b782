"""Alembic's environment for the read models: the URL comes from the Alembic configuration
(``dcmx_adapters.sql.database.upgrade`` puts it there); nothing is read from the environment."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.tables import Base


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        # SQLite alters a table by copying it; later migrations need Alembic's batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("the Alembic configuration names no database (sqlalchemy.url)")
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
