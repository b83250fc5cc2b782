"""The read models' connection pool as an operator watches it: how many connections it keeps,
how many it may open, how many are lent out, and how many requests wait for one.

SQLAlchemy's ``QueuePool`` tells the first three; ``WaitCountedQueuePool`` counts the fourth,
the requests inside its checkout that have not got a connection yet (a free one is handed at
once, so a request shows there only while the pool is exhausted or opening a connection).
"""

from __future__ import annotations

import threading
from typing import Any

from attrs import frozen
from sqlalchemy.pool import ConnectionPoolEntry, Pool, QueuePool


class WaitCountedQueuePool(QueuePool):
    """A ``QueuePool`` that knows how many requests wait for a connection, and its most."""

    def __init__(self, creator: Any, **options: Any) -> None:
        super().__init__(creator, **options)
        self.max_overflow: int = options.get("max_overflow", 10)
        self._waiting = 0
        self._waiting_lock = threading.Lock()
        self._asking = threading.local()

    @property
    def waiting(self) -> int:
        """Requests that asked for a connection and have not got one yet."""
        return self._waiting

    def _do_get(self) -> ConnectionPoolEntry:
        if getattr(self._asking, "now", False):  # QueuePool asks itself again: one request
            return super()._do_get()
        self._asking.now = True
        with self._waiting_lock:
            self._waiting += 1
        try:
            return super()._do_get()
        finally:
            self._asking.now = False
            with self._waiting_lock:
                self._waiting -= 1


@frozen
class PoolFigures:
    size: int
    """Connections the pool keeps open."""
    connections_max: int | None
    """The most it opens at once (None: no bound)."""
    in_use: int
    """Connections lent out now."""
    waiting: int | None
    """Requests waiting for a connection (None: the pool does not count them)."""


def pool_figures(pool: Pool) -> PoolFigures | None:
    """What ``pool`` tells of itself; None for a pool of one shared connection (an in-memory
    SQLite database), which has nothing to tell."""
    if not isinstance(pool, QueuePool):
        return None
    size, in_use = pool.size(), pool.checkedout()
    if not isinstance(pool, WaitCountedQueuePool):
        return PoolFigures(size=size, connections_max=None, in_use=in_use, waiting=None)
    overflow = pool.max_overflow
    bounded = overflow >= 0 and size > 0
    return PoolFigures(
        size=size,
        connections_max=size + overflow if bounded else None,
        in_use=in_use,
        waiting=pool.waiting,
    )
