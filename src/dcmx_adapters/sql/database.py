"""Engines for the read models, and migrating a database to the newest schema.

``create_engine_for`` is the one place that knows how each database is connected to; it reads
no environment: the URL is whatever the container was configured with (``DCMX_DATABASE_URL``).
"""

from __future__ import annotations

import json
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
URL_SETTING = "DCMX_DATABASE_URL"
_JSON = partial(json.dumps, separators=(",", ":"))


class UnsupportedDatabaseUrl(ValueError):
    """A database URL that is neither PostgreSQL through psycopg 3 nor SQLite."""

    def __init__(self, shown: str) -> None:
        super().__init__(
            f"{URL_SETTING} must be postgresql+psycopg://user:password@host:port/database "
            f"or sqlite:///path/to/file.db, not {shown}"
        )
        self.shown = shown


def create_engine_for(url: str, **options: Any) -> Engine:
    """An engine for ``url``: PostgreSQL (``postgresql+psycopg://``) with a connection pool that
    checks a connection that has rested before lending it, or SQLite (``sqlite:///path``) with
    foreign keys on, the WAL journal, and transactions that begin when the unit of work begins.
    ``options`` go to SQLAlchemy's ``create_engine`` (``pool_size``, ``echo``...)."""
    parsed = _parse(url)
    if parsed.drivername == "postgresql+psycopg":
        engine = create_engine(parsed, json_serializer=_JSON, **options)
        _ping_after_idle(engine)
        return engine
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return _sqlite_engine(parsed, options)
    raise UnsupportedDatabaseUrl(parsed.render_as_string(hide_password=True))


def reading_engine(engine: Engine) -> Engine:
    """``engine`` for reads that are one statement each: on PostgreSQL its connections (the
    same pool) run in autocommit, so a read is its one statement, without a ``BEGIN`` and a
    ``ROLLBACK`` round trip around it; the statement sees one snapshot all the same. SQLite's
    transactions cost no round trip: there it is ``engine`` itself."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


PING_AFTER_IDLE = 1.0
"""Seconds a pooled connection may rest before it is checked (``SELECT 1``) on its way out."""


def _ping_after_idle(engine: Engine) -> None:
    """Check a connection before lending it when it has rested a while: one the server closed
    (a restart, an idle timeout) is replaced, not handed to a request. A connection back from
    work a moment ago is lent unchecked, so a busy pool costs no extra round trip a checkout;
    should the server go away meanwhile, the statement that finds out invalidates the pool."""

    @event.listens_for(engine, "checkin")
    def _rested(_dbapi_connection: Any, record: Any) -> None:
        record.info["rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        rested_since = record.info.get("rested_since")
        if rested_since is None or time.monotonic() - rested_since < PING_AFTER_IDLE:
            return  # new, or just back from work
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error  # the pool connects anew


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        # The text may hold a password: show at most its scheme.
        scheme = url.split("://", 1)[0] if "://" in url else None
        shown = f"a URL of scheme {scheme!r}" if scheme else "text that is not a URL"
        raise UnsupportedDatabaseUrl(shown) from None
    except ValueError:  # SQLAlchemy reads the port as an int, and says no more than that
        scheme = url.split("://", 1)[0]
        raise UnsupportedDatabaseUrl(f"a {scheme} URL whose port is not a number") from None


def _sqlite_engine(url: URL, options: dict[str, Any]) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    if in_memory:
        # One connection, or every connection would see its own empty database.
        options = {"poolclass": StaticPool, **options}
    # The pool may hand a connection to another thread than the one that opened it.
    connect_args = {"check_same_thread": False, **options.pop("connect_args", {})}
    engine = create_engine(url, json_serializer=_JSON, connect_args=connect_args, **options)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def alembic_config(url: str) -> Config:
    """The Alembic configuration of the migrations shipped in this package, for ``url``."""
    from alembic.config import Config  # Alembic loads to migrate, not with every engine

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    # Config values are interpolated: a literal % (an escaped password) must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (the newest schema by default)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` back to ``revision`` (``base``: no tables at all)."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def refusal_reason(error: Exception) -> str:
    """What the database said, in the driver's own first line: never the statement (which can
    name a client) nor SQLAlchemy's wrapper around it."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
