"""Where the rate limits are counted, as the settings choose: DCMX_RATE_LIMIT_URL names Redis,
PostgreSQL or the process itself; left empty, PostgreSQL when several processes serve on it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from dcmx_adapters.rate_buckets import FailOpen, InProcessBuckets
from dcmx_adapters.redis_buckets import RedisBuckets
from dcmx_adapters.sql.rate_buckets import PostgresBuckets
from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.settings import Settings, SettingsError

POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def load(tmp_path: Path, **variables: str) -> Settings:
    return Settings.load({"DCMX_DATA_DIR": str(tmp_path), **variables})


def test_counting_in_process_is_the_default(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.rate_limit_url == ""
    assert isinstance(container_for(settings).rate_counter(), InProcessBuckets)


def test_a_redis_url_counts_in_redis_under_the_prefix(tmp_path: Path) -> None:
    settings = load(
        tmp_path, DCMX_RATE_LIMIT_URL="redis://127.0.0.1:6379/3", DCMX_RATE_LIMIT_PREFIX="eu:"
    )
    counter = container_for(settings).rate_counter()
    assert isinstance(counter, FailOpen)
    assert isinstance(counter.shared, RedisBuckets)
    assert counter.shared.prefix == "eu:"


def test_several_processes_on_postgresql_count_there(tmp_path: Path) -> None:
    settings = load(tmp_path, DCMX_DATABASE_URL=POSTGRESQL)
    container = container_for(settings)
    assert isinstance(container.rate_counter(processes=1), InProcessBuckets)
    counter = container.rate_counter(processes=4)
    assert isinstance(counter, FailOpen)
    assert isinstance(counter.shared, PostgresBuckets)
    container.shutdown_resources()


def test_in_process_may_be_chosen_for_several_processes(tmp_path: Path) -> None:
    settings = load(tmp_path, DCMX_DATABASE_URL=POSTGRESQL, DCMX_RATE_LIMIT_URL="in-process")
    assert isinstance(container_for(settings).rate_counter(processes=4), InProcessBuckets)


def test_several_processes_on_sqlite_count_apart_and_say_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        counter = container_for(load(tmp_path)).rate_counter(processes=3)
    assert isinstance(counter, InProcessBuckets)
    assert 'rate_limits=in-process reason="3 processes count apart' in caplog.text


def test_postgresql_needs_a_postgresql_database(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^DCMX_RATE_LIMIT_URL .*must be redis://"):
        load(tmp_path, DCMX_RATE_LIMIT_URL="postgresql")
    assert load(tmp_path, DCMX_RATE_LIMIT_URL="PostgreSQL", DCMX_DATABASE_URL=POSTGRESQL)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379", "redis://", "memcached://u:secret@host", "nonsense"]
)
def test_a_url_of_no_store_is_refused_without_showing_it(tmp_path: Path, url: str) -> None:
    with pytest.raises(SettingsError, match=r"^DCMX_RATE_LIMIT_URL") as refused:
        load(tmp_path, DCMX_RATE_LIMIT_URL=url)
    assert "secret" not in str(refused.value)


def test_an_empty_prefix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^DCMX_RATE_LIMIT_PREFIX"):
        load(tmp_path, DCMX_RATE_LIMIT_PREFIX=" ")
