"""Stopping a long-running command on SIGINT or SIGTERM, in order instead of by an exception.
Light on purpose (the standard library only): ``dcmx node`` starts with it."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(
    stop: threading.Event, also: Callable[[], None] | None = None
) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM set ``stop`` (and call ``also``) instead of killing."""

    def handle(_signal: int, _frame: FrameType | None) -> None:
        stop.set()
        if also is not None:
            also()

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
