"""One indexer writes a chain's read models at a time: the writer holds a lease, the others
wait for it.

On PostgreSQL the lease is a session-level advisory lock, held by a connection of its own for
as long as the writer lives: when its process dies, PostgreSQL drops the connection and the
lock with it, and a waiting indexer takes over at its next try. On SQLite it is an exclusive
``flock`` on a file beside the database, which the operating system releases the same way.

A connection can die while its process lives on (a terminated backend, a network cut, a
failover), and the lock goes with it. So that a writer which lost its lease writes nothing
more, every taking of a PostgreSQL lease counts up the chain's generation
(``writer_generations``), and the writer's every batch checks, in the transaction that writes
it, that the generation is still its own (``fence``), holding the row while it commits: a
successor's count waits for that commit, and after it the old writer's next batch fails. The
lease's connection is also pinged every ``WATCH_SECONDS``, so a lost lease is noticed at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from dcmx_core.exceptions import WriterLeaseLost

WATCH_SECONDS = 0.5
"""How often the lease's connection is pinged."""

_log = logging.getLogger(__name__)


class Stop(Protocol):
    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


class _Held(Protocol):
    def release(self) -> None: ...
    def fence(self, session: Session) -> None: ...


class WriterLease:
    """The right to write chain ``chain`` into the database of ``engine``."""

    def __init__(self, engine: Engine, chain: str) -> None:
        self._engine, self._chain = engine, chain
        self._held: _Held | None = None

    @property
    def held(self) -> bool:
        return self._held is not None

    def fence(self, session: Session) -> None:
        """Check, inside the transaction of ``session`` about to commit a batch, that this
        lease is still the chain's writer; ``WriterLeaseLost`` otherwise."""
        if self._held is None:
            raise WriterLeaseLost(self._chain, "it is not held")
        self._held.fence(session)

    def acquire(self, stop: Stop, *, poll_seconds: float = 0.5, max_backoff: float = 30.0) -> bool:
        """Wait until the lease is ours (True) or ``stop`` is set (False). A database that
        fails the asking (gone, restarting, the connection terminated) is asked again after a
        pause that doubles up to ``max_backoff``, as the writer retries: a standby outlives
        the database's failures, so that a writer is always there to take over."""
        pause = poll_seconds
        while not stop.is_set():
            try:
                if self.try_acquire():
                    return True
                pause = poll_seconds
            except DBAPIError as error:
                _log.warning(
                    "waiting for the writer lease of %s: the database failed (%s); again in %g s",
                    self._chain,
                    type(error.orig).__name__ if error.orig is not None else type(error).__name__,
                    pause,
                )
                stop.wait(pause)
                pause = min(pause * 2, max_backoff)
                continue
            stop.wait(poll_seconds)
        return False

    def try_acquire(self) -> bool:
        if self._held is None:
            if self._engine.dialect.name == "postgresql":
                self._held = _AdvisoryLock.take(self._engine, self._chain)
            else:
                self._held = _FileLock.take(self._engine.url.database, self._chain)
        return self._held is not None

    def release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.release()

    def __enter__(self) -> WriterLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class _AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection kept for it, the generation its
    taking counted up to, and a thread that pings the connection."""

    def __init__(self, connection: Connection, key: int, chain: str, generation: int) -> None:
        self._connection, self._key = connection, key
        self._chain, self.generation = chain, generation
        self._lost: str | None = None
        self._dead = False
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._watching, name="lease watch", daemon=True)
        self._watch.start()

    @classmethod
    def take(cls, engine: Engine, chain: str) -> _AdvisoryLock | None:
        # A signed 64-bit digest of the chain's name is the lock's key.
        digest = hashlib.blake2b(f"dcmx indexer {chain}".encode(), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
            ).scalar_one()
            if not taken:
                connection.close()
                return None
            generation = connection.execute(_COUNT_UP, {"chain": chain}).scalar_one()
        except DBAPIError:
            connection.invalidate()  # a terminated backend: not to go back into the pool
            connection.close()
            raise
        return cls(connection, key, chain, int(generation))

    def _watching(self) -> None:
        while not self._stop.wait(WATCH_SECONDS):
            try:
                self._connection.execute(text("SELECT 1"))
            except DBAPIError:
                self._dead = True
                self._lost = "its connection died, and its lock with it"
                _log.warning("%s: the writer lease was lost: its connection died", self._chain)
                return

    def fence(self, session: Session) -> None:
        if self._lost is not None:
            raise WriterLeaseLost(self._chain, self._lost)
        # FOR SHARE: a successor counting the generation up waits until this batch commits.
        current = session.execute(_CURRENT, {"chain": self._chain}).scalar_one_or_none()
        if current != self.generation:
            self._lost = f"another indexer took it: generation {current}, not {self.generation}"
            raise WriterLeaseLost(self._chain, self._lost)
        # The checkpoint this batch moves says which writer moved it.
        session.execute(_STAMP, {"chain": self._chain, "generation": self.generation})

    def release(self) -> None:
        self._stop.set()
        self._watch.join()
        try:
            if not self._dead:
                unlock = text("SELECT pg_advisory_unlock(:key)")
                self._connection.execute(unlock, {"key": self._key})
        except DBAPIError:
            self._dead = True
        finally:
            if self._dead:  # the connection died, and the lock with it: not back to the pool
                self._connection.invalidate()
            self._connection.close()


_COUNT_UP = text(
    "INSERT INTO writer_generations (chain, generation) VALUES (:chain, 1) "
    "ON CONFLICT (chain) DO UPDATE SET generation = writer_generations.generation + 1 "
    "RETURNING generation"
)
_STAMP = text("UPDATE checkpoints SET writer_generation = :generation WHERE chain = :chain")
_CURRENT = text("SELECT generation FROM writer_generations WHERE chain = :chain FOR SHARE")


class _FileLock:
    """An exclusive ``flock`` on a file beside an SQLite database (for an in-memory database,
    which lives in one process, a lock of the process)."""

    def __init__(self, handle: IO[bytes] | None, lock: threading.Lock | None = None) -> None:
        self._handle, self._lock = handle, lock

    @classmethod
    def take(cls, database: str | None, chain: str) -> _FileLock | None:
        if database in (None, "", ":memory:"):
            lock = _PROCESS_LOCKS.setdefault(chain, threading.Lock())
            return cls(None, lock) if lock.acquire(blocking=False) else None
        path = Path(f"{database}.{hashlib.sha256(chain.encode()).hexdigest()[:16]}.lock")
        handle = path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return cls(handle)

    def fence(self, session: Session) -> None:
        """An flock is lost only with its process: nothing to check."""

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
        if self._lock is not None:
            self._lock.release()


_PROCESS_LOCKS: dict[str, threading.Lock] = {}
