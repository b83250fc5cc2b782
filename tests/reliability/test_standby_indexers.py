"""One, two and three indexer processes follow one chain into one PostgreSQL database, as
``dcmx index --follow`` does, while the test terminates exactly the writer lease's connection,
the writing connections, or every connection of theirs, again and again, during the backfill
and at the head. At every moment at most one process commits — read from the database's own
records: each batch stamps its writer's generation (fencing token) on the checkpoint it moves,
and a trigger the test adds logs every stamp in commit order, so a stale writer committing after
its successor would show as a generation going down — nobody stops (no false "needs a
rebuild"), and the tables end as one clean run leaves them."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from benchmarks.event_stream import event_stream
from tests.conftest import empty_tables
from tests.reliability.run_follower import CHAIN
from tests.reliability.test_crash_recovery import Tables, tables

LONG = bool(os.environ.get("DCMX_LONG_RELIABILITY"))
"""Full length (``nox -s reliability``): one, two and three followers, 20 terminations over
40,000 events; with the suite: two followers, 5 terminations over 6,000."""
EVENTS, TERMINATIONS = (40_000, 20) if LONG else (6_000, 5)
BATCH_BLOCKS, PAUSE = 5, 0.15
APPLICATION = "dcmx-standby-test"
"""The followers' connections say this (libpq's PGAPPNAME): only theirs are ended, never the
test's own or another test's."""
ROOT = Path(__file__).resolve().parents[2]
HEAD = len(list(event_stream(EVENTS, per_block=40, accounts=500, seed=11))) - 1

LOG = """
CREATE TABLE IF NOT EXISTS test_checkpoint_stamps (
    seq bigserial PRIMARY KEY, generation bigint NOT NULL, block_number bigint NOT NULL
);
CREATE OR REPLACE FUNCTION test_log_checkpoint_stamp() RETURNS trigger AS $$
BEGIN
    INSERT INTO test_checkpoint_stamps (generation, block_number)
    VALUES (NEW.writer_generation, NEW.block_number);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS test_checkpoint_stamp ON checkpoints;
CREATE TRIGGER test_checkpoint_stamp AFTER UPDATE OF writer_generation ON checkpoints
    FOR EACH ROW WHEN (NEW.writer_generation IS NOT NULL)
    EXECUTE FUNCTION test_log_checkpoint_stamp();
"""
UNLOG = """
DROP TRIGGER IF EXISTS test_checkpoint_stamp ON checkpoints;
DROP FUNCTION IF EXISTS test_log_checkpoint_stamp();
DROP TABLE IF EXISTS test_checkpoint_stamps;
"""


class Follower:
    def __init__(self, url: str, log: Path) -> None:
        self.log = log
        command = [sys.executable, "-m", "tests.reliability.run_follower", url, str(EVENTS)]
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [*command, "11", str(BATCH_BLOCKS), str(PAUSE)],
                cwd=ROOT,
                env={**os.environ, "PGAPPNAME": APPLICATION},
                stdout=subprocess.DEVNULL,
                stderr=output,
            )

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def said(self) -> str:
        return self.log.read_text()


@pytest.fixture
def followers(postgresql_url: str, tmp_path: Path) -> Iterator[list[Follower]]:
    started: list[Follower] = []
    yield started
    for follower in started:
        if follower.process.poll() is None:
            follower.process.kill()
        follower.process.wait()


def checkpoint(engine: Engine) -> int | None:
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT block_number FROM checkpoints WHERE chain = :chain"), {"chain": CHAIN}
        ).scalar_one_or_none()
    return None if found is None else int(found)


def wait_for_head(engine: Engine, followers: list[Follower], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while checkpoint(engine) != HEAD:
        for follower in followers:
            assert follower.process.poll() is None, f"a follower stopped: {follower.said()}"
        assert time.monotonic() < deadline, f"the index never reached block {HEAD}"
        time.sleep(0.1)


def terminate(engine: Engine, which: str) -> int:
    """End the lease's connection, the other (writing) connections, or all of the followers'
    connections to this database; how many were ended."""
    lease = "pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)"
    chosen = {"lease": lease, "writing": f"NOT {lease}", "all": "true"}[which]
    with engine.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :application "
                f"AND {chosen}"
            ),
            {"application": APPLICATION},
        ).scalar_one()
    return int(ended)


def without_stamps(found: Tables, engine: Engine) -> Tables:
    """The tables, with the checkpoints compared by block alone (a fenced writer stamps its
    generation on them; a clean run's generation differs)."""
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT count(*), md5(string_agg(chain || block_number, '|')) FROM checkpoints")
        ).one()
    return {**found, "checkpoints": (int(row[0]), str(row[1]))}


@pytest.fixture(scope="module")
def clean(
    postgresql_url: str, postgresql_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Tables:
    empty_tables(postgresql_engine)
    follower = Follower(postgresql_url, tmp_path_factory.mktemp("clean") / "clean.log")
    try:
        wait_for_head(postgresql_engine, [follower])
        assert follower.stop() == 0, follower.said()
    finally:
        if follower.process.poll() is None:
            follower.process.kill()
    found = without_stamps(tables(postgresql_engine), postgresql_engine)
    empty_tables(postgresql_engine)
    return found


@pytest.mark.parametrize("count", [1, 2, 3] if LONG else [2])
def test_at_most_one_indexer_commits_whatever_connections_are_ended(
    count: int,
    clean: Tables,
    postgresql_url: str,
    postgresql_engine: Engine,
    followers: list[Follower],
    tmp_path: Path,
) -> None:
    empty_tables(postgresql_engine)
    with postgresql_engine.begin() as connection:
        connection.execute(text(LOG))
    try:
        rng = random.Random(count)
        followers += [Follower(postgresql_url, tmp_path / f"{n}.log") for n in range(count)]
        deadline = time.monotonic() + 60
        while checkpoint(postgresql_engine) is None:  # a writer has begun the backfill
            assert time.monotonic() < deadline, "no follower began to write"
            time.sleep(0.05)
        ended = 0
        for n in range(TERMINATIONS):
            time.sleep(rng.uniform(0.2, 0.6))
            ended += terminate(postgresql_engine, ("lease", "writing", "all")[n % 3])
        # And once more at the head, when the backfill is over.
        wait_for_head(postgresql_engine, followers)
        ended += terminate(postgresql_engine, "lease")
        time.sleep(1.5)
        wait_for_head(postgresql_engine, followers)
        assert ended >= TERMINATIONS
        with postgresql_engine.connect() as connection:
            stamps = connection.execute(
                text("SELECT generation, block_number FROM test_checkpoint_stamps ORDER BY seq")
            ).all()
        generations = [g for g, _ in stamps]
        assert generations == sorted(generations), "a stale writer committed after its successor"
        assert len(set(generations)) > 1  # the lease did change hands
        for follower in followers:
            assert follower.stop() == 0, follower.said()
            assert "rebuild" not in follower.said()
        assert without_stamps(tables(postgresql_engine), postgresql_engine) == clean
    finally:
        with postgresql_engine.begin() as connection:
            connection.execute(text(UNLOG))
        empty_tables(postgresql_engine)
