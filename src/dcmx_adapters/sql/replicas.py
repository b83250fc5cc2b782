"""PostgreSQL streaming replicas the API reads from: their engines, their names, and reads
taken by each in turn.

A replica is a copy of the primary that PostgreSQL keeps up to date by replaying the primary's
write-ahead log; it answers reads and refuses writes. What the API serves from one is consistent
with the checkpoint it has replayed, read in the same statement as the data (``CheckpointAlong``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy import Engine, make_url

from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.pool import WaitCountedQueuePool

REPLICA_POOL_SIZE = 4
"""Connections a replica's pool keeps: the reads run one at a time on the event loop of a
process, beside a readiness check and a metrics scrape."""

CONNECT_SECONDS = 3
"""The longest a connection to a replica may take before the replica counts as unreachable
(a host that drops packets would otherwise hold a read, or ``/readyz``, for minutes)."""

T = TypeVar("T")


def replica_engine(url: str) -> Engine:
    """An engine for the replica at ``url``, whose pool counts the requests waiting for a
    connection and gives up connecting after ``CONNECT_SECONDS``."""
    return create_engine_for(
        url,
        pool_size=REPLICA_POOL_SIZE,
        poolclass=WaitCountedQueuePool,
        connect_args={"connect_timeout": CONNECT_SECONDS},
    )


def replica_name(url: str) -> str:
    """How a replica is named in messages and metrics: ``host:port/database``, never with its
    user or password."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


class InTurn(Generic[T]):
    """Calls one of ``makers`` a call, each in turn (round robin): the reads of a process
    spread evenly over the replicas."""

    def __init__(self, makers: Sequence[Callable[[], T]]) -> None:
        if not makers:
            raise ValueError("reads in turn need at least one replica")
        self._makers = tuple(makers)
        # next() on a count is one step under the GIL: threads never take the same turn.
        self._turns = itertools.count()

    def __call__(self) -> T:
        return self._makers[next(self._turns) % len(self._makers)]()
