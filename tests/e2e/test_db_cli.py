"""`dcmx db upgrade`: an empty database named by DCMX_DATABASE_URL (or --url) gets the schema."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.tables import Base
from dcmx_entrypoints.cli import app
from tests.postgres import scratch_database


def tables_of(url: str) -> set[str]:
    engine = create_engine_for(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_db_upgrade_creates_every_table_in_an_empty_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dcmx.db'}"
    result = CliRunner().invoke(app, ["db", "upgrade"], env={"DCMX_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert set(Base.metadata.tables) <= tables_of(url)


def test_db_upgrade_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dcmx.db'}"
    for _ in range(2):
        result = CliRunner().invoke(app, ["db", "upgrade", "--url", url])
        assert result.exit_code == 0, result.output


def test_db_upgrade_migrates_postgresql(postgresql_server: URL) -> None:
    with scratch_database(postgresql_server) as database:
        url = database.render_as_string(hide_password=False)
        result = CliRunner().invoke(app, ["db", "upgrade", "--url", url])
        assert result.exit_code == 0, result.output
        assert set(Base.metadata.tables) <= tables_of(url)


def test_db_upgrade_without_a_url_migrates_the_sqlite_file_in_the_data_directory(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "not yet made"
    env = {"DCMX_DATABASE_URL": "", "DCMX_DATA_DIR": str(data_dir), "DCMX_CONFIG": ""}
    result = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert set(Base.metadata.tables) <= tables_of(f"sqlite:///{data_dir / 'dcmx.sqlite3'}")


def test_db_upgrade_refuses_a_url_of_another_kind() -> None:
    arguments = ["db", "upgrade", "--url", "mysql://somewhere/db"]
    result = CliRunner().invoke(app, arguments, env={"DCMX_DATABASE_URL": ""})
    assert result.exit_code != 0
    assert "postgresql+psycopg://" in result.output.replace("\n", " ").replace("│", "")


def test_db_upgrade_says_when_the_server_does_not_answer() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
    result = CliRunner().invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 1
    assert "cannot reach" in result.output
