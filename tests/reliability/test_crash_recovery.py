"""An indexer process killed with SIGKILL at random moments, again and again, and restarted
each time, leaves PostgreSQL exactly as one clean run does: the same rows in every table,
nothing lost, nothing doubled. So does one killed inside its rollbacks of orphaned blocks, on a
chain that reorganizes as it is indexed.

The default run kills it a few times over a short stream; ``DCMX_LONG_RELIABILITY=1`` (set by
``nox -s reliability``) kills it at least 20 times over 100,000 events while it writes, and 9
times or more inside rollbacks over 100,000 events of a chain that reorganizes 12 times.
"""

from __future__ import annotations

import math
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from dcmx_adapters.sql.tables import Base
from tests.conftest import empty_tables

LONG = bool(os.environ.get("DCMX_LONG_RELIABILITY"))
EVENTS, KILLS, BATCH_BLOCKS = (100_000, 20, 50) if LONG else (8_000, 4, 25)
REORGS, KILLS_IN_ROLLBACKS = (12, 9) if LONG else (4, 2)
BATCHES = EVENTS // 40 // BATCH_BLOCKS  # the stream has 40 events a block
ROOT = Path(__file__).resolve().parents[2]


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_process_left() -> Iterator[None]:
    """Whatever a test leaves running (it failed half way) is killed."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
        process.wait()


class Indexing:
    """An indexer process, its output read line by line as it comes."""

    def __init__(self, url: str, pause: float = 0.0, reorgs: int = 0) -> None:
        module = "tests.reliability.run_indexer"
        command = [sys.executable, "-m", module, url, str(EVENTS), "7", str(BATCH_BLOCKS)]
        self.process = subprocess.Popen(
            [*command, str(pause), str(reorgs)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        STARTED.append(self.process)
        self.lines: queue.Queue[str | None] = queue.Queue()  # None: its output ended
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.process.stdout.close()
        self.lines.put(None)

    def says(self, expected: str, timeout: float = 600) -> None:
        assert self.lines.get(timeout=timeout) == expected

    def silent_for(self, seconds: float) -> bool:
        try:
            self.lines.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def next_rollback(self) -> bool:
        """Wait until a rollback begins (True) or the run ends (False)."""
        while (line := self.lines.get(timeout=600)) not in ("rollback", "done", None):
            pass
        return line == "rollback"

    def rollback_seconds(self) -> float:
        """Let the rollback that began run to its commit; return how long that took."""
        began = time.monotonic()
        while self.lines.get(timeout=600) != "rollback commits":
            pass
        return time.monotonic() - began

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def killed_in_rollback(self) -> bool:
        """Kill it during the rollback that began; return whether the rollback had not yet
        reached its commit."""
        self.kill()
        while (line := self.lines.get(timeout=10)) is not None:
            if line == "rollback commits":
                return False
        return True

    def finish(self) -> None:
        assert self.process.wait(timeout=600) == 0
        seen: list[str] = []
        while not seen or seen[-1] != "done":
            try:
                seen.append(self.lines.get(timeout=5))
            except queue.Empty:
                break
        assert seen[-1:] == ["done"]


Tables = dict[str, tuple[int, str]]


@pytest.fixture(scope="module")
def clean_run(postgresql_url: str, postgresql_engine: Engine) -> tuple[Tables, float]:
    """The tables one uninterrupted run of the stream leaves, and how long it indexed."""
    return clean_index(postgresql_url, postgresql_engine)


def clean_index(url: str, engine: Engine) -> tuple[Tables, float]:
    """The tables one uninterrupted run leaves, and how long it indexed."""
    empty_tables(engine)
    clean = Indexing(url)
    clean.says("ready")
    began = time.monotonic()
    clean.finish()
    seconds = time.monotonic() - began
    found = tables(engine)
    assert found["events"][0] >= EVENTS
    empty_tables(engine)
    return found, seconds


def wait_for_progress(engine: Engine, reached: int, indexing: Indexing) -> int:
    """Wait until the checkpoint is past ``reached`` (or the run has ended); return it."""
    while indexing.process.poll() is None:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT max(block_number) FROM checkpoints"))
            checkpoint = found.scalar_one()
        if checkpoint is not None and checkpoint > reached:
            return int(checkpoint)
        time.sleep(0.01)
    return reached


LEASE_BOOKKEEPING = {"writer_generations"}
"""Counts how often the writer lease was taken, which a killed run does more often."""


def tables(engine: Engine) -> Tables:
    """Each read model's row count and a checksum of its rows in a fixed order."""
    found = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in LEASE_BOOKKEEPING:
                continue
            count, digest = connection.execute(
                text(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    f' FROM "{table.name}" t'
                )
            ).one()
            found[table.name] = (count, digest)
    return found


def test_killed_again_and_again_the_index_ends_as_a_clean_run_leaves_it(
    postgresql_url: str, postgresql_engine: Engine, clean_run: tuple[Tables, float]
) -> None:
    clean, indexing_seconds = clean_run
    batch_seconds = indexing_seconds / BATCHES
    rng = random.Random(13)
    kills, reached = 0, -1
    while True:
        indexing = Indexing(postgresql_url)
        indexing.says("ready")
        indexing.says("writer")
        # Once this run has committed a batch of its own, somewhere in the next one: mid-batch,
        # between the data and the checkpoint, while committing.
        reached = wait_for_progress(postgresql_engine, reached, indexing)
        time.sleep(rng.uniform(0, batch_seconds))
        if indexing.process.poll() is not None:
            break
        indexing.kill()
        kills += 1
    indexing.finish()
    again = Indexing(postgresql_url)  # and once more: a finished index stays as it is
    again.finish()
    assert kills >= KILLS, f"only {kills} kills landed before the run finished"
    assert tables(postgresql_engine) == clean
    empty_tables(postgresql_engine)


def test_killed_inside_its_rollbacks_the_index_ends_as_a_clean_run_of_the_final_chain(
    postgresql_url: str, postgresql_engine: Engine, clean_run: tuple[Tables, float]
) -> None:
    clean, _ = clean_run  # of the stream: the final chain, never reorganized
    rng = random.Random(17)
    kills, inside, shortest, let_through = 0, 0, math.inf, True
    indexing = Indexing(postgresql_url, reorgs=REORGS)
    while indexing.next_rollback():
        if let_through:
            # The first rollback runs through, and so does one killed before its commit and
            # done again after the restart: they time how long a rollback takes.
            shortest = min(shortest, indexing.rollback_seconds())
            let_through = False
            continue
        time.sleep(rng.uniform(0, shortest))
        kills += 1
        # One killed after its commit comes back (the restart is shown the orphaned branch
        # again) and is killed again.
        let_through = indexing.killed_in_rollback()
        inside += let_through
        indexing = Indexing(postgresql_url, reorgs=REORGS)
    assert indexing.process.wait(timeout=600) == 0
    again = Indexing(postgresql_url, reorgs=REORGS)  # a finished index stays as it is
    again.finish()
    assert inside >= KILLS_IN_ROLLBACKS, f"only {inside} of {kills} kills landed in a rollback"
    assert tables(postgresql_engine) == clean
    empty_tables(postgresql_engine)


def test_of_two_indexers_one_writes_and_the_other_takes_over_when_it_dies(
    postgresql_url: str, postgresql_engine: Engine, clean_run: tuple[Tables, float]
) -> None:
    clean, _ = clean_run
    first = Indexing(postgresql_url, pause=0.5)  # a slow writer: it is still at it below
    first.says("ready")
    first.says("writer")
    second = Indexing(postgresql_url)
    second.says("ready")
    assert second.silent_for(1.0)  # waiting for the lease
    first.kill()
    died = time.monotonic()
    second.says("writer", timeout=10)
    assert time.monotonic() - died < 5
    second.finish()
    assert tables(postgresql_engine) == clean
    empty_tables(postgresql_engine)
