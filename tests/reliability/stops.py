"""Stop signals for stopping an indexer part way, where a test wants it."""

from __future__ import annotations

from dcmx_core.services.indexer import Indexer


class StopAt:
    """A stop signal that is set once the indexer has reached ``block``."""

    def __init__(self, indexer: Indexer, block: int) -> None:
        self.indexer, self.block = indexer, block

    def is_set(self) -> bool:
        return self.indexer.status.indexed >= self.block

    def wait(self, timeout: float | None = None) -> bool:
        return self.is_set()
