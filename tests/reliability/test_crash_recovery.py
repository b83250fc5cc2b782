"""An indexer process killed with SIGKILL at random moments, again and again, and restarted
each time, leaves PostgreSQL exactly as one clean run does: the same rows in every table,
nothing lost, nothing doubled.

The default run kills it a few times over a short stream; ``DCMX_LONG_RELIABILITY=1`` (set by
``nox -s reliability``) kills it at least 20 times over 100,000 events.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, text

from dcmx_adapters.sql.tables import Base
from tests.conftest import empty_tables

LONG = bool(os.environ.get("DCMX_LONG_RELIABILITY"))
EVENTS, KILLS, BATCH_BLOCKS = (100_000, 20, 50) if LONG else (8_000, 4, 10)
ROOT = Path(__file__).resolve().parents[2]


def run(url: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.reliability.run_indexer", url, str(EVENTS), "7"]
    return subprocess.Popen(
        [*command, str(BATCH_BLOCKS)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> None:
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0
    assert output.strip() == "done"


def tables(engine: Engine) -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its rows in a fixed order."""
    found = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            count, digest = connection.execute(
                text(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    f' FROM "{table.name}" t'
                )
            ).one()
            found[table.name] = (count, digest)
    return found


def test_killed_again_and_again_the_index_ends_as_a_clean_run_leaves_it(
    postgresql_url: str, postgresql_engine: Engine
) -> None:
    empty_tables(postgresql_engine)
    began = time.monotonic()
    finish(run(postgresql_url))
    clean_seconds = time.monotonic() - began
    clean = tables(postgresql_engine)
    assert clean["events"][0] >= EVENTS

    empty_tables(postgresql_engine)
    rng = random.Random(13)
    kills = 0
    while True:
        process = run(postgresql_url)
        # Somewhere in the run: while starting, mid-batch, while committing.
        time.sleep(rng.uniform(0.2, max(clean_seconds / 2, 0.3)))
        if process.poll() is not None or kills >= KILLS * 2:
            break
        process.send_signal(signal.SIGKILL)
        process.communicate()
        kills += 1
    finish(process)
    finish(run(postgresql_url))  # and once more: a finished index stays as it is
    assert kills >= KILLS, f"only {kills} kills landed before the run finished"
    assert tables(postgresql_engine) == clean
    empty_tables(postgresql_engine)
