"""``dcmx index``: the indexer run from the command line, with its progress shown as it goes
(a progress bar on a terminal, plain lines otherwise) and a summary at the end."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import requests
from attrs import frozen
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from dcmx_core.services.indexer import Indexer
from dcmx_entrypoints.container import Container
from dcmx_entrypoints.failures import CommandFailed, unreachable
from dcmx_entrypoints.local_chain import following_journal
from dcmx_entrypoints.running import IndexerThread, indexed_block, indexer_for, status_record
from dcmx_entrypoints.stopping import stop_on_signals

TICK_SECONDS = 0.2
LINE_SECONDS = 1.0


@frozen
class IndexRun:
    first: int | None = None
    last: int | None = None
    follow: bool = False
    bar: bool = True
    """A progress bar (on a terminal); plain lines otherwise."""


def run_index(container: Container, run: IndexRun, errors: Console) -> dict[str, Any]:
    """Index from the checkpoint up to ``run.last`` (or the confirmed head, and on as it grows
    when following); return the final status. SIGINT and SIGTERM stop it after the batch in
    flight."""
    chain = _reached(container, errors) if run.follow else container.chain()
    start = _first_block(container, chain, run.first)
    indexer = indexer_for(container, last=run.last)
    stop = threading.Event()
    worker = IndexerThread(indexer, stop, follow=run.follow, lease=container.writer_lease())
    # Following the local chain, what dcmx up and the verbs append to its journal comes in too.
    following = (
        following_journal(
            container.ledger(), lambda _: stop.set(), poll_seconds=worker.poll_seconds
        )
        if run.follow
        else nullcontext(None)
    )
    with stop_on_signals(stop), following as follower, _progress(errors, run.bar) as show:
        worker.start()
        while worker.is_alive():
            show(indexer, start)
            worker.join(TICK_SECONDS)
        show(indexer, start)
    if worker.error is not None:
        raise worker.error
    if follower is not None and follower.error is not None:
        raise CommandFailed(f"stopped following the local chain: {follower.error}")
    return status_record(indexer.status, chain, first=start)


REACH_PAUSE = 0.5
REACH_PAUSE_MAX = 30.0


def _reached(container: Container, errors: Console) -> str:
    """The chain's name, once its node answers: a follower started before its node (or while
    it restarts) tries again after a pause that doubles, as it does once running, and says so
    in one line each time. SIGINT or SIGTERM stops the waiting."""
    stop, pause = threading.Event(), REACH_PAUSE
    with stop_on_signals(stop):
        while True:
            try:
                return container.chain()  # builds the ledger, which asks the node
            except requests.RequestException as error:
                said = f"dcmx: {unreachable(error)}; trying again in {pause:g} s"
                errors.print(said, soft_wrap=True, markup=False, highlight=False)
                if stop.wait(pause):
                    raise CommandFailed("stopped before the node answered") from None
                pause = min(pause * 2, REACH_PAUSE_MAX)


def _first_block(container: Container, chain: str, asked: int | None) -> int:
    """The first block this run indexes: the one after the checkpoint. The read models hold
    every block up to the checkpoint, so a run can start no later; blocks before it are in
    already (indexing them again would write nothing)."""
    indexed = indexed_block(container.unit_of_work(), chain)
    start = 0 if indexed is None else indexed + 1
    if asked is not None and asked > start:
        raise CommandFailed(
            f"--from {asked} would leave blocks {start} to {asked - 1} out of the read models "
            f"of {chain}: the next block to index is {start}"
        )
    return start


class _Show:
    """Draws the progress: ``show(indexer, start)`` on every tick."""

    def __init__(self, console: Console, progress: Progress | None) -> None:
        self._console = console
        self._progress = progress
        self._task: TaskID | None = None
        self._last_line = 0.0
        self._last_said: tuple[int, int] | None = None

    def __call__(self, indexer: Indexer, start: int) -> None:
        status = indexer.status
        target = max(status.head - indexer.settings.confirmations, status.indexed, start - 1)
        total = target - start + 1
        done = max(status.indexed - start + 1, 0)
        rate = f"{status.events_per_second:,.0f}"
        if self._progress is not None:
            if self._task is None:
                self._task = self._progress.add_task("indexing", total=max(total, 1), rate=rate)
            self._progress.update(self._task, total=max(total, 1), completed=done, rate=rate)
            return
        now = time.monotonic()
        said = (done, total)
        if done and said != self._last_said and now - self._last_line >= LINE_SECONDS:
            self._console.print(
                f"indexed {done} of {total} blocks (to block {status.indexed}), "
                f"{status.events} events, {rate} events/s",
                highlight=False,
            )
            self._last_line, self._last_said = now, said


@contextmanager
def _progress(console: Console, bar: bool) -> Iterator[_Show]:
    if not bar:
        yield _Show(console, None)
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("blocks"),
        TextColumn("{task.fields[rate]} events/s"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    with progress:
        yield _Show(console, progress)


def summary(record: dict[str, Any]) -> str:
    """The status in one line, for people."""
    return (
        f"{record['chain']}: {record['blocks']} blocks, {record['events']} events in "
        f"{record['seconds']:.2f} s ({record['events_per_second']:,.0f} events/s); "
        f"indexed to block {record['indexed']}, head {record['head']}, lag {record['lag']}"
    )
