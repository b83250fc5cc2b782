"""While the shared store of the rate limits cannot be reached, the API counts in each process
instead, says so in one log line, asks the store again every few seconds, and goes back to it
once it answers (with a log line too)."""

from __future__ import annotations

import logging
import time

import pytest
import redis
from sqlalchemy import create_engine

from dcmx_adapters.rate_buckets import FailOpen, Rate, StoreUnreachable
from dcmx_adapters.redis_buckets import RedisBuckets
from dcmx_adapters.sql.rate_buckets import PostgresBuckets
from tests.redis_server import free_port, own_redis, unique_prefix

RATE = Rate(60, 2)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Refusing:
    """A shared store that is down: counts how often it is asked."""

    name = "redis"

    def __init__(self) -> None:
        self.asked = 0

    def take(self, key: str, rate: Rate) -> float:
        self.asked += 1
        raise StoreUnreachable(self.name, "Connection refused.")


def fallbacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "dcmx.rate_limits"]


def test_a_redis_on_a_closed_port_gives_way_to_counting_in_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    counter = FailOpen(RedisBuckets(f"redis://127.0.0.1:{free_port()}/0", "p:"))
    with caplog.at_level(logging.WARNING):
        assert [counter.take("k", RATE) for _ in range(3)][:2] == [0, 0]
        assert counter.take("k", RATE) > 0  # still limited, in this process
    assert counter.name == "in-process"
    [line] = fallbacks(caplog)
    assert line.startswith('rate_limits=in-process reason="redis unreachable: ')
    assert "Connection refused" in line


def test_the_store_is_asked_again_at_most_every_retry_seconds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down, clock = Refusing(), Clock()
    counter = FailOpen(down, retry_seconds=5, now=clock)
    with caplog.at_level(logging.WARNING):
        for _ in range(10):
            counter.take("k", Rate(600, 100))
        assert down.asked == 1
        clock.now += 5
        for _ in range(10):
            counter.take("k", Rate(600, 100))
    assert down.asked == 2
    assert len(fallbacks(caplog)) == 1


def test_a_redis_that_goes_away_and_comes_back(caplog: pytest.LogCaptureFixture) -> None:
    prefix = unique_prefix()
    with own_redis() as server, caplog.at_level(logging.WARNING):
        counter = FailOpen(RedisBuckets(server.url, prefix), retry_seconds=0.2)
        assert counter.take("k", RATE) == 0
        assert redis.Redis.from_url(server.url).exists(prefix + "k")
        server.stop()
        assert counter.take("k", RATE) == 0  # answered in process: a full bucket there
        assert counter.name == "in-process"
        server.start()  # the same port, empty
        assert counter.take("k", RATE) == 0  # within retry_seconds: still in process
        assert counter.take("k", RATE) > 0
        time.sleep(0.25)
        assert counter.take("k", RATE) == 0  # Redis again, where the bucket is new
        assert counter.name == "redis"
        assert redis.Redis.from_url(server.url).exists(prefix + "k")
    gone, back = fallbacks(caplog)
    assert gone.startswith('rate_limits=in-process reason="redis unreachable: ')
    assert back == 'rate_limits=redis reason="redis answers again"'


def test_a_database_that_cannot_be_reached_is_unreachable() -> None:
    engine = create_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
        connect_args={"connect_timeout": 2},
    )
    try:
        with pytest.raises(StoreUnreachable, match=r"^postgresql unreachable: "):
            PostgresBuckets(engine, "p:").take("k", RATE)
    finally:
        engine.dispose()
