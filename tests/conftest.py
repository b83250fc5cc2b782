"""Fixtures every test directory may use: a PostgreSQL server and this test run's own database
on it (see tests/postgres.py for where the server comes from)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_adapters.sql.tables import Base
from tests.postgres import available_server, scratch_database


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[URL]:
    """The maintenance URL of a PostgreSQL server (skips, or fails on CI, where there is none)."""
    with available_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgresql_url(postgresql_server: URL) -> Iterator[str]:
    """The URL of this test run's own PostgreSQL database, migrated to the newest schema."""
    with scratch_database(postgresql_server) as database:
        url = database.render_as_string(hide_password=False)
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def postgresql_engine(postgresql_url: str) -> Iterator[Engine]:
    engine = create_engine_for(postgresql_url)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    """Remove every row of the read models (the schema stays). DELETE, not TRUNCATE: on the
    few rows a test leaves it takes a millisecond where TRUNCATE takes a hundred."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
