"""Where the indexer's time goes: the real ``Indexer`` and ``SqlUnitOfWork`` with a clock on
each stage, and the process's peak resident size.

Reading and checking run on the indexer's reader thread while the previous batch is written, so
the stages overlap and their sum exceeds the wall time; what each costs is still its own.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from attrs import define, field, frozen
from sqlalchemy import Engine, event

from benchmarks.event_stream import StreamLedger
from dcmx_adapters.sql.event_json import encode_event_text, kind_of
from dcmx_adapters.sql.projections import SetWiseProjection
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core import events as e
from dcmx_core.ports import Block, EventBatch
from dcmx_core.read_models import StoredEvent
from dcmx_core.services.indexer import Indexer, _Batch


@define
class Stages:
    """Seconds spent in each stage, the CPU seconds of the thread that ran it, and for the
    stages that talk to the database the CPU seconds its backends spent meanwhile (once a
    ``clock`` is given)."""

    seconds: dict[str, float] = field(factory=lambda: defaultdict(float))
    cpu: dict[str, float] = field(factory=lambda: defaultdict(float))
    database: dict[str, float] = field(factory=lambda: defaultdict(float))
    clock: BackendClock | None = None

    @contextmanager
    def timing(self, stage: str, *, database: bool = False) -> Iterator[None]:
        clock = self.clock if database else None
        backend = clock.seconds() if clock else 0.0
        began, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - began
            self.cpu[stage] += time.thread_time() - cpu
            if clock is not None:
                self.database[stage] += clock.seconds() - backend


class TimedLedger(StreamLedger):
    def __init__(self, blocks: list[tuple[Block, list[e.DomainEvent]]], stages: Stages) -> None:
        super().__init__(blocks)
        self.stages = stages

    def read(self, from_block: int, to_block: int) -> EventBatch:
        with self.stages.timing("read (ledger)"):
            return super().read(from_block, to_block)


class TimedIndexer(Indexer):
    """The indexer, with the reader thread's stage and the whole write of a batch timed."""

    stages: Stages

    def _read(self, first: int, last: int) -> _Batch:
        with self.stages.timing("read, check (reader thread)"):
            return super()._read(first, last)

    def _write(self, batch: _Batch) -> int:
        with self.stages.timing("write a batch (all below)", database=True):
            return super()._write(batch)


STATISTICS = "ANALYZE once caught up"


@frozen
class WriteStages:
    """The names a timed unit of work gives the stages of writing a batch."""

    copy: str = "  raw events: encode and COPY"
    project: str = "  projections, figures (set-wise)"
    commit: str = "  checkpoint, block hashes and commit"
    statistics: str = STATISTICS


class TimedUnitOfWork(SqlUnitOfWork):
    """The SQL unit of work with its raw events' write, projections, commit and statistics
    timed, under ``names``."""

    def __init__(self, bind: Any, stages: Stages, names: WriteStages = WriteStages()) -> None:
        super().__init__(bind)
        self.stages, self.names = stages, names

    def __enter__(self) -> TimedUnitOfWork:
        super().__enter__()
        self.events = _TimedEvents(self.events, self.stages, self.names.copy)  # type: ignore[assignment]
        return self

    def project(self, events: Sequence[e.DomainEvent]) -> None:
        with self.stages.timing(self.names.project, database=True):
            super().project(events)

    def commit(self) -> None:
        with self.stages.timing(self.names.commit, database=True):
            super().commit()

    def refresh_statistics(self) -> None:
        with self.stages.timing(self.names.statistics, database=True):
            super().refresh_statistics()


class _TimedEvents:
    def __init__(self, events: Any, stages: Stages, name: str) -> None:
        self._events, self._stages, self._name = events, stages, name

    def add(self, chain: str, events: Sequence[StoredEvent]) -> int:
        with self._stages.timing(self._name, database=True):
            return int(self._events.add(chain, events))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._events, name)


def alone(events: list[e.DomainEvent]) -> dict[str, float]:
    """The Python stages again, alone on one thread over the same events, in CPU seconds (what
    a loaded machine changes least): the columns the set-wise projections hand PostgreSQL,
    with the figures, and encoding the raw events' rows (what the COPY above interleaves with
    PostgreSQL's work)."""
    found: dict[str, float] = {}
    projection = SetWiseProjection(_Unanswered())  # type: ignore[arg-type]
    found["CPU: projection columns alone"] = _seconds(lambda: projection.project(events))
    found["CPU: encode raw events alone"] = _seconds(
        lambda: [(kind_of(ev), encode_event_text(ev, placed_at=ev.position)) for ev in events]
    )
    return found


class _Unanswered:
    """A cursor that sends nothing: what building a statement's parameters costs alone. It
    says every row it was given a key for was there (the first parameter holds the keys: a
    list, or an array literal of numbers)."""

    description = None
    rowcount = 0

    def execute(self, statement: bytes, params: list[Any]) -> None:
        keys = params[0]
        if isinstance(keys, str):
            self.rowcount = 0 if keys == "{}" else keys.count(",") + 1
        else:
            self.rowcount = len(keys)

    def fetchall(self) -> list[Any]:
        return []


def _seconds(work: Callable[[], object]) -> float:
    began = time.process_time()
    work()
    return time.process_time() - began


def reset_peak_memory() -> int:
    """Start the peak resident size (``VmHWM``) over from the current size (Linux); return
    the current size in bytes."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass
    return _status("VmRSS")


def peak_memory() -> int:
    """The process's peak resident size in bytes since the last reset."""
    return _status("VmHWM")


def _status(name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{name} is not in /proc/self/status")


class BackendClock:
    """The CPU seconds of the PostgreSQL backends serving an engine's connections, read from
    ``/proc`` (the server runs on this machine): how much of the work was the database's."""

    def __init__(self, engine: Engine) -> None:
        self._pids: set[int] = set()
        event.listen(engine, "connect", self._connected)

    def _connected(self, connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        self._pids.add(int(cursor.fetchone()[0]))
        cursor.close()

    def seconds(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self._pids:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a backend whose connection was closed
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks
