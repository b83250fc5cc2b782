"""Engines: PostgreSQL through psycopg 3 with a checked pool, SQLite with foreign keys and the
WAL journal, and a clear refusal of anything else that names the setting and hides secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from dcmx_adapters.sql import database
from dcmx_adapters.sql.database import UnsupportedDatabaseUrl, create_engine_for, upgrade
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.read_models import Checkpoint
from tests.factories import digest


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root:hunter2@localhost/dcmx",
        "postgresql://dcmx:hunter2@localhost/dcmx",
        "postgresql+psycopg2://dcmx:hunter2@localhost/dcmx",
        "not a url hunter2",
        "",
    ],
)
def test_a_url_of_another_database_is_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseUrl, match="DCMX_DATABASE_URL") as refused:
        create_engine_for(url)
    assert "hunter2" not in str(refused.value)
    assert "postgresql+psycopg://" in str(refused.value)


def pragma(engine: Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_enforces_foreign_keys_and_journals_ahead(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'dcmx.db'}")
    assert (pragma(engine, "foreign_keys"), pragma(engine, "journal_mode")) == (1, "wal")
    engine.dispose()


def test_sqlite_in_memory_is_one_database_for_the_whole_engine() -> None:
    engine = create_engine_for("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _end_session(url: str, backend: int) -> None:
    """The server ends one session, as a restart or an idle timeout would."""
    admin = create_engine_for(url, poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    admin.dispose()


def test_postgresql_replaces_a_rested_connection_the_server_closed(
    postgresql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine_for(postgresql_url, pool_size=1)
    closed = _backend(engine)
    _end_session(postgresql_url, closed)
    monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)  # it has rested long enough
    assert _backend(engine) != closed
    engine.dispose()


def test_postgresql_lends_a_connection_back_from_work_unchecked(postgresql_url: str) -> None:
    engine = create_engine_for(postgresql_url, pool_size=1)
    closed = _backend(engine)
    _end_session(postgresql_url, closed)
    # Just back from work: lent without a round trip, so the statement finds the loss...
    with pytest.raises(OperationalError):
        _backend(engine)
    # ...and the pool it invalidated connects anew.
    assert _backend(engine) != closed
    engine.dispose()


def test_options_reach_sqlalchemy(postgresql_url: str) -> None:
    engine = create_engine_for(postgresql_url, pool_size=2, max_overflow=0)
    assert engine.pool.size() == 2  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == 0  # type: ignore[attr-defined]
    engine.dispose()


def test_a_sqlite_file_upgraded_by_url_serves_a_unit_of_work(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'indexer.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    with SqlUnitOfWork(engine) as uow:
        uow.checkpoints.set_checkpoint(Checkpoint("evm:1", 1, digest("one")))
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.checkpoints.get_checkpoint("evm:1") == Checkpoint("evm:1", 1, digest("one"))
    engine.dispose()
