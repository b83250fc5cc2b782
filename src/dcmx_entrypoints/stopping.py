"""Stopping a long-running command on SIGINT or SIGTERM, in order instead of by an exception.
Light on purpose (the standard library only): ``dcmx node`` starts with it.

SIGTERM is an orderly stop: the command ends as it would have. SIGINT (Ctrl-C) stops in the
same order, then ends the command as interrupted (one line, exit code 130)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from dcmx_entrypoints.failures import CommandFailed

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(
    stop: threading.Event, also: Callable[[], None] | None = None
) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM set ``stop`` (and call ``also``) instead of killing.
    Once out, a SIGINT that came is raised as KeyboardInterrupt, in place of what the stop
    made of the command (its end, or a failure that says it was stopped)."""
    interrupted = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGINT:
            interrupted.set()
        stop.set()
        if also is not None:
            also()

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield
    except CommandFailed:
        if not interrupted.is_set():
            raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if interrupted.is_set():
        raise KeyboardInterrupt
