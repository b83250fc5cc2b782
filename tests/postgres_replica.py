"""A PostgreSQL primary and its streaming replica, for the tests of reads served by replicas.

The replica is made as an operator makes one: ``pg_basebackup -R -X stream`` copies the
primary's cluster and writes the settings that make the copy a standby replaying the primary's
write-ahead log, then ``pg_ctl`` starts it on a port of its own.

The primary is a throwaway cluster of this test session too, not the server the other tests
use: a replica copies its primary's whole cluster (every database of every other test run on
the shared server), and a server refuses replication connections unless its ``pg_hba.conf``
has a ``replication`` line, which a test must not write into a server it does not own. A
cluster made by ``initdb -A trust`` allows them from 127.0.0.1. Where PostgreSQL's binaries
are missing, a loud skip (a failure when ``CI`` is set).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from glob import glob
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from tests.postgres import _free_port, _run, _unprivileged_prefix, unavailable

BINARIES = ("initdb", "pg_ctl", "pg_basebackup")
WAIT_SECONDS = 20.0


def replication_binaries() -> dict[str, str] | None:
    """``initdb``, ``pg_ctl`` and ``pg_basebackup``: on the PATH, or in Debian's versioned
    directory (the newest)."""
    on_path = {name: shutil.which(name) for name in BINARIES}
    if all(on_path.values()):
        return {name: str(found) for name, found in on_path.items()}
    for directory in sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if all(Path(directory, name).exists() for name in BINARIES):
            return {name: f"{directory}/{name}" for name in BINARIES}
    return None


@frozen
class Cluster:
    """A cluster of this session: its data directory, port and how to run its ``pg_ctl``."""

    data: Path
    port: int
    socket_dir: Path
    pg_ctl: str
    as_user: tuple[str, ...]

    def url(self, database: str = "postgres") -> URL:
        return make_url(f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.data.parent / f"{self.data.name}.log")
        self._pg_ctl("-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def _pg_ctl(self, *arguments: str) -> None:
        _run([*self.as_user, self.pg_ctl, "-D", str(self.data), *arguments])


@frozen
class StreamingReplica:
    """A primary and its streaming replica, both running."""

    primary: Cluster
    replica: Cluster

    def replica_url(self, database: str) -> str:
        return self.replica.url(database).render_as_string(hide_password=False)

    def primary_url(self, database: str) -> str:
        return self.primary.url(database).render_as_string(hide_password=False)

    def pause_replay(self) -> None:
        """The replica stops replaying the primary's log (it still receives it)."""
        self._on_replica("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self._on_replica("SELECT pg_wal_replay_resume()")

    def caught_up(self) -> None:
        """Wait until the replica has replayed all the primary has written by now."""
        with _connection(self.primary.url()) as primary:
            written = primary.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
        behind = text("SELECT pg_wal_lsn_diff(:written, pg_last_wal_replay_lsn()) > 0")
        with _connection(self.replica.url()) as replica:
            _until(lambda: not replica.execute(behind, {"written": written}).scalar_one())

    def _on_replica(self, statement: str) -> None:
        with _connection(self.replica.url()) as replica:
            replica.execute(text(statement))


@contextmanager
def _connection(url: URL) -> Iterator[Any]:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not catch up in {WAIT_SECONDS:.0f} s")
        time.sleep(0.02)


@contextmanager
def streaming_replica_pair() -> Iterator[StreamingReplica]:
    """A fresh primary and a replica made of it with ``pg_basebackup``, on free ports; both
    stopped and deleted at the end."""
    found = replication_binaries()
    if found is None:
        unavailable("no initdb, pg_ctl and pg_basebackup are installed to make a replica")
        return
    scratch = Path(tempfile.mkdtemp(prefix="dcmx-replication-"))
    try:
        as_user = tuple(_unprivileged_prefix(scratch))
        primary = Cluster(scratch / "primary", _free_port(), scratch, found["pg_ctl"], as_user)
        replica = Cluster(scratch / "replica", _free_port(), scratch, found["pg_ctl"], as_user)
        trusting = ("-U", "postgres", "-A", "trust", "--no-sync")
        _run([*as_user, found["initdb"], "-D", str(primary.data), *trusting])
        primary.start()
        try:
            # -R: the copy starts as a standby of the primary; -X stream: with the log to now.
            source = ("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres")
            copy = ("-D", str(replica.data), "-R", "-X", "stream", "--no-sync")
            _run([*as_user, found["pg_basebackup"], *source, *copy])
            replica.start()
            try:
                yield StreamingReplica(primary, replica)
            finally:
                _stop_if_running(replica)
        finally:
            primary.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _stop_if_running(cluster: Cluster) -> None:
    if (cluster.data / "postmaster.pid").exists():
        cluster.stop()


@pytest.fixture(scope="session")
def streaming_replica() -> Iterator[StreamingReplica]:
    """A primary and its streaming replica for the whole session."""
    with streaming_replica_pair() as pair:
        yield pair
