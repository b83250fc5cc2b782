"""When the next block is stamped, the same way on every development chain."""

from __future__ import annotations

from attrs import define

from dcmx_core.exceptions import OutOfRange
from dcmx_core.ports import Clock


@define
class BlockTime:
    """Block times follow the clock, strictly increase, and can be moved forward (``warp``)."""

    clock: Clock
    offset: int = 0
    not_before: int = 0

    def next(self, head_timestamp: int) -> int:
        """The timestamp of the block after one stamped ``head_timestamp``."""
        return max(self.clock.now() + self.offset, head_timestamp + 1, self.not_before)

    def warp(self, seconds: int, head_timestamp: int) -> None:
        """The next block comes at least ``seconds`` after the head, and the chain's clock
        runs that much ahead from then on."""
        if seconds < 0:
            raise OutOfRange("seconds", seconds, "0 or more")
        self.offset += seconds
        self.not_before = max(self.not_before, head_timestamp + seconds)
