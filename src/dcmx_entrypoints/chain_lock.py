"""Who may change the local chain: one process at a time.

``dcmx up`` keeps the chain in memory and appends to its journal for as long as it runs, so no
other process may append meanwhile: its lines would be missing from the running chain, and the
next replay would find a journal that no chain ever executed. Every process that changes the
local chain holds an exclusive lock on ``chain.lock`` in the data directory (``flock``, released
by the kernel when the process ends, however it ends) while it opens, replays and appends. The
file names the holder, so a command that finds ``dcmx up`` holding it says so and stops; one
that finds another short command holding it waits its turn. Readers (``index``, ``status``,
``serve --local-chain``) take no lock: a replay ignores a line still being written.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from attrs import frozen

from dcmx_entrypoints.failures import CommandFailed

LOCK_FILE: Final = "chain.lock"
UP: Final = "up"
"""The holder name of ``dcmx up``, which holds the chain until it stops."""
WAIT_SECONDS: Final = 60.0
POLL_SECONDS: Final = 0.05


class LocalChainInUse(CommandFailed):
    """``dcmx up`` (or another process that will not let go soon) holds the local chain."""


@frozen
class Holder:
    pid: int
    name: str

    def line(self) -> str:
        return f"{self.pid} {self.name}\n"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        pid, _, name = text.strip().partition(" ")
        if not pid.isdigit() or not name:
            return None
        return cls(int(pid), name)


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_FILE


@contextmanager
def holding_local_chain(
    data_dir: Path, name: str, *, wait_seconds: float = WAIT_SECONDS
) -> Iterator[None]:
    """Hold the local chain of ``data_dir`` as ``name`` while inside. Refuses at once when
    ``dcmx up`` holds it; waits up to ``wait_seconds`` for any other holder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(data_dir), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, name, wait_seconds)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, Holder(os.getpid(), name).line().encode(), 0)
            yield
        finally:
            # Emptied before it is unlocked: a name in the file always belongs to the holder
            # of the lock, or to one that died holding it.
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, name: str, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _live_holder(fd)
        if holder is not None and holder.name == UP:
            raise LocalChainInUse(f"the local chain is in use by dcmx up (pid {holder.pid})")
        if time.monotonic() >= deadline:
            who = "another process" if holder is None else f"dcmx {holder.name} (pid {holder.pid})"
            raise LocalChainInUse(
                f"the local chain is busy: {who} has held it for over {wait_seconds:g} s "
                f"(dcmx {name} did not wait longer)"
            )
        time.sleep(POLL_SECONDS)


def _live_holder(fd: int) -> Holder | None:
    """The holder the lock file names, if that process is alive (an empty file: the holder has
    just taken the lock and not yet written its name)."""
    holder = Holder.parse(os.pread(fd, 256, 0).decode(errors="replace"))
    if holder is None:
        return None
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return holder
