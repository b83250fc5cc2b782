"""DCMX_DATABASE_READ_URL names the PostgreSQL replicas the API reads from, and
DCMX_READ_REPLICA_MAX_LAG how far behind the primary one may be; a URL's password is never
shown, and the reads take the replicas in turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcmx_adapters.sql.replicas import InTurn, replica_name
from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.settings import Settings, SettingsError

PRIMARY = "postgresql+psycopg://dcmx:primary-secret@db-primary:5432/dcmx"
REPLICA_A = "postgresql+psycopg://dcmx:replica-secret@db-replica-a:5433/dcmx"
REPLICA_B = "postgresql+psycopg://dcmx:replica-secret@db-replica-b/dcmx"


def load(tmp_path: Path, **variables: str) -> Settings:
    return Settings.load({"DCMX_DATA_DIR": str(tmp_path), **variables})


def test_the_read_urls_are_separated_by_commas(tmp_path: Path) -> None:
    settings = load(
        tmp_path, DCMX_DATABASE_URL=PRIMARY, DCMX_DATABASE_READ_URL=f" {REPLICA_A} ,{REPLICA_B},"
    )
    assert settings.database_read_url == (REPLICA_A, REPLICA_B)


def test_a_settings_file_lists_the_read_urls(tmp_path: Path) -> None:
    config = tmp_path / "dcmx.toml"
    config.write_text(
        f'database_url = "{PRIMARY}"\ndatabase_read_url = ["{REPLICA_A}", "{REPLICA_B}"]\n'
        "read_replica_max_lag = 25\n",
        encoding="utf-8",
    )
    settings = Settings.load({"DCMX_DATA_DIR": str(tmp_path)}, config_file=config)
    assert settings.database_read_url == (REPLICA_A, REPLICA_B)
    assert settings.read_replica_max_lag == 25


def test_no_read_url_reads_from_the_primary(tmp_path: Path) -> None:
    settings = load(tmp_path, DCMX_DATABASE_URL=PRIMARY)
    assert settings.database_read_url == ()
    assert settings.read_replica_max_lag == 10
    container = container_for(settings)
    assert container.read_engines() == []
    container.shutdown_resources()


def test_a_read_url_that_is_not_postgresql_is_refused_by_its_place(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        load(
            tmp_path,
            DCMX_DATABASE_URL=PRIMARY,
            DCMX_DATABASE_READ_URL=f"{REPLICA_A},sqlite:///{tmp_path}/copy.db",
        )
    message = str(refused.value)
    assert message.startswith("DCMX_DATABASE_READ_URL (environment) must be ")
    assert message.endswith("(URL 2 is not PostgreSQL)")
    assert "secret" not in message


def test_a_malformed_read_url_is_refused_without_its_password(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        load(
            tmp_path,
            DCMX_DATABASE_URL=PRIMARY,
            DCMX_DATABASE_READ_URL="mysql://dcmx:replica-secret@db/dcmx",
        )
    message = str(refused.value)
    assert message.endswith("(URL 1 is mysql://dcmx:***@db/dcmx)")
    assert "secret" not in message
    assert "\n" not in message


def test_read_urls_need_a_postgresql_primary(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^DCMX_DATABASE_READ_URL must be empty unless"):
        load(tmp_path, DCMX_DATABASE_READ_URL=REPLICA_A)


def test_the_lag_bound_is_a_whole_number_of_blocks(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^DCMX_READ_REPLICA_MAX_LAG .* at least 0"):
        load(tmp_path, DCMX_READ_REPLICA_MAX_LAG="2.5")


def test_the_container_builds_an_engine_a_replica(tmp_path: Path) -> None:
    settings = load(
        tmp_path, DCMX_DATABASE_URL=PRIMARY, DCMX_DATABASE_READ_URL=f"{REPLICA_A},{REPLICA_B}"
    )
    container = container_for(settings)
    engines = container.read_engines()
    assert [replica_name(str(engine.url)) for engine in engines] == [
        "db-replica-a:5433/dcmx",
        "db-replica-b:5432/dcmx",
    ]
    assert container.engine().url.host == "db-primary"  # writes, indexer, lease, feed
    container.shutdown_resources()


def test_a_replica_is_named_without_its_user_or_password() -> None:
    assert replica_name(REPLICA_A) == "db-replica-a:5433/dcmx"


def test_reads_take_each_replica_in_turn() -> None:
    in_turn = InTurn([lambda: "a", lambda: "b", lambda: "c"])
    assert [in_turn() for _ in range(7)] == ["a", "b", "c", "a", "b", "c", "a"]


def test_reads_in_turn_need_a_replica() -> None:
    with pytest.raises(ValueError, match="at least one replica"):
        InTurn([])
