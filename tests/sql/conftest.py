"""An empty database of each kind, for the tests of the schema and the engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from dcmx_adapters.sql.database import create_engine_for, upgrade
from tests.postgres import scratch_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server: URL = request.getfixturevalue("postgresql_server")
    with scratch_database(server) as database:
        yield database.render_as_string(hide_password=False)


@pytest.fixture
def migrated(empty_database_url: str) -> Iterator[Engine]:
    """An engine on that database, migrated to the newest schema."""
    upgrade(empty_database_url)
    engine = create_engine_for(empty_database_url)
    yield engine
    engine.dispose()
