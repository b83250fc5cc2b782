"""Checkpoints of a pyrevm journal that a chain may keep for as long as it likes.

revm counts the checkpoints taken and not yet committed or reverted, and past 1,024 it halts
every call with ``CallTooDeep``, though a checkpoint is only a position in the journal. A chain
that keeps one for each block (to revert to on a reorganization) would stop working after
1,024 blocks. So each checkpoint is released from the count as soon as it is taken, and a
revert puts one back: the count stays at the one taken when the journal is opened.
"""

from __future__ import annotations

from pyrevm import EVM, JournalCheckpoint


class Checkpoints:
    """The checkpoints of ``evm``'s journal; take and revert them only through here."""

    def __init__(self, evm: EVM) -> None:
        self._evm = evm
        evm.snapshot()

    def take(self) -> JournalCheckpoint:
        checkpoint = self._evm.snapshot()
        self._evm.commit()
        return checkpoint

    def revert(self, checkpoint: JournalCheckpoint) -> None:
        """Undo every change since ``checkpoint`` (later checkpoints go with them)."""
        self._evm.revert(checkpoint)
        self._evm.snapshot()
