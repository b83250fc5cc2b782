"""Every store of token buckets passes the rate counter contract: this process's own, Redis,
PostgreSQL, and Redis behind the fail-open guard; and what each store does beyond it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import Engine, text

from dcmx_adapters.rate_buckets import FailOpen, InProcessBuckets, Rate, RateCounter
from dcmx_adapters.redis_buckets import RedisBuckets
from dcmx_adapters.sql.rate_buckets import TABLE, PostgresBuckets
from tests.contract.rate_counter_contract import RateCounterContract
from tests.redis_server import forget, shared_url, unique_prefix


class TestInProcessBuckets(RateCounterContract):
    shared = False

    def make_counter(self) -> RateCounter:
        return InProcessBuckets()

    def counter_sharing(self, counter: RateCounter) -> RateCounter:
        return InProcessBuckets()


class RedisStore:
    @pytest.fixture(autouse=True)
    def _redis(self) -> Iterator[None]:
        self.url, self.prefix = shared_url(), unique_prefix()
        yield
        forget(self.url, self.prefix)


class TestRedisBuckets(RedisStore, RateCounterContract):
    def make_counter(self) -> RateCounter:
        return RedisBuckets(self.url, self.prefix)

    def counter_sharing(self, counter: RateCounter) -> RateCounter:
        return RedisBuckets(self.url, self.prefix)

    def test_a_bucket_expires_once_it_would_have_refilled(self) -> None:
        RedisBuckets(self.url, self.prefix).take("k", Rate(60, 10))
        client = redis.Redis.from_url(self.url)
        try:
            assert 10_000 < client.pttl(self.prefix + "k") <= 11_000
        finally:
            client.close()


class TestRedisBehindFailOpen(RedisStore, RateCounterContract):
    def make_counter(self) -> RateCounter:
        return FailOpen(RedisBuckets(self.url, self.prefix))

    def counter_sharing(self, counter: RateCounter) -> RateCounter:
        return FailOpen(RedisBuckets(self.url, self.prefix))


class TestPostgresBuckets(RateCounterContract):
    @pytest.fixture(autouse=True)
    def _database(self, postgresql_engine: Engine) -> None:
        self.engine, self.prefix = postgresql_engine, unique_prefix()

    def make_counter(self) -> RateCounter:
        return PostgresBuckets(self.engine, self.prefix)

    def counter_sharing(self, counter: RateCounter) -> RateCounter:
        return PostgresBuckets(self.engine, self.prefix)

    def test_buckets_idle_past_their_refill_are_forgotten(self) -> None:
        counter = PostgresBuckets(self.engine, self.prefix)
        counter.take("idle", Rate(60_000, 1))  # refilled after a millisecond
        with self.engine.begin() as connection:
            connection.execute(text(f"UPDATE {TABLE} SET forget_at = forget_at - 1"))
        PostgresBuckets(self.engine, self.prefix).take("busy", Rate(1, 1))
        with self.engine.connect() as connection:
            names = connection.execute(
                text(f"SELECT key FROM {TABLE} WHERE key LIKE :p"), {"p": self.prefix + "%"}
            ).scalars()
            assert list(names) == [self.prefix + "busy"]

    def test_the_table_is_unlogged(self) -> None:
        PostgresBuckets(self.engine, self.prefix).take("k", Rate(1, 1))
        with self.engine.connect() as connection:
            persistence = connection.execute(
                text("SELECT relpersistence FROM pg_class WHERE relname = :t"), {"t": TABLE}
            ).scalar_one()
        assert persistence == "u"
