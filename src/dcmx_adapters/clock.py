"""Clocks: the system's, and one that tests and the demo move by hand."""

from __future__ import annotations

import time

from attrs import define


class SystemClock:
    """Wall-clock time, whole seconds since the Unix epoch (UTC)."""

    def now(self) -> int:
        return int(time.time())


@define
class ManualClock:
    """A clock that stands still until told to move."""

    current: int

    def now(self) -> int:
        return self.current

    def advance(self, seconds: int) -> None:
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} seconds)")
        self.current += seconds
