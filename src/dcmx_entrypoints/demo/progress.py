"""How far the demo day got: each of its steps sends one transaction or so, and a run that
records each step done (``MarkedProgress``, in the chain's journal) can be cut short between
any two and finished later by running the day again, which skips what is done and takes the
values it made (a release id, a token id, a contract address) from the record.

Ctrl-C while a run is recorded waits for the step under way to be recorded, so that a step is
either done and recorded or not begun; a second Ctrl-C stops at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final, Protocol, TypeVar

from dcmx_core.model.values import Address
from dcmx_entrypoints.stopping import stop_on_signals

T = TypeVar("T")
STEP_PREFIX: Final = "demo step "


class Progress(Protocol):
    def done(self, name: str) -> str | None:
        """What step ``name`` recorded when it was done (None: not done; go ahead)."""

    def record(self, name: str, value: str) -> None:
        """Step ``name`` is done and made ``value``."""


class EveryStep:
    """A day run once on a fresh ledger: every step runs, nothing is recorded."""

    def done(self, name: str) -> str | None:
        return None

    def record(self, name: str, value: str) -> None:
        pass


class Marks(Protocol):
    """A chain that keeps marks (its journal's)."""

    marks: set[str]

    def mark(self, name: str) -> None: ...


class MarkedProgress:
    """Each step done is a mark on the chain (``demo step NAME=VALUE``). A stop asked for
    (``stopping`` set, by a signal) is honoured before the next step, as KeyboardInterrupt."""

    def __init__(self, chain: Marks, stopping: threading.Event) -> None:
        self._chain = chain
        self._stopping = stopping
        self._done = dict(
            mark.removeprefix(STEP_PREFIX).partition("=")[::2]
            for mark in chain.marks
            if mark.startswith(STEP_PREFIX)
        )

    @property
    def steps_done(self) -> int:
        return len(self._done)

    def done(self, name: str) -> str | None:
        found = self._done.get(name)
        if found is None and self._stopping.is_set():
            raise KeyboardInterrupt
        return found

    def record(self, name: str, value: str) -> None:
        self._chain.mark(f"{STEP_PREFIX}{name}={value}")
        self._done[name] = value


def once(progress: Progress, name: str, action: Callable[[], object]) -> None:
    """Run step ``name`` unless it is done."""
    if progress.done(name) is None:
        action()
        progress.record(name, "")


def once_int(progress: Progress, name: str, action: Callable[[], int]) -> int:
    """The number step ``name`` made: made now, or as recorded."""
    done = progress.done(name)
    if done is not None:
        return int(done)
    made = action()
    progress.record(name, str(made))
    return made


def once_address(progress: Progress, name: str, action: Callable[[], Address]) -> Address:
    """The address step ``name`` made: made now, or as recorded."""
    done = progress.done(name)
    if done is not None:
        return Address.from_hex(done)
    made = action()
    progress.record(name, made.to_hex())
    return made


@contextmanager
def stopping_between_steps() -> Iterator[threading.Event]:
    """While inside, SIGINT and SIGTERM set the event a ``MarkedProgress`` watches (it stops
    before the next step), and a second signal stops at once; on the way out of a run that
    ends with the event set, KeyboardInterrupt (the stop asked for after the last step)."""
    stopping = threading.Event()
    signals = [0]

    def second_at_once() -> None:
        signals[0] += 1
        if signals[0] > 1:
            raise KeyboardInterrupt

    with stop_on_signals(stopping, second_at_once):
        yield stopping
    if stopping.is_set():
        raise KeyboardInterrupt
