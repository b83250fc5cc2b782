"""The blocks of a development chain kept beside its state (in-memory ledger, revm): chained by
parent hash, one branch at a time. A reorganization drops the newest blocks and starts a new
branch, so that the blocks mined after it get new hashes even where their content repeats."""

from __future__ import annotations

import hashlib
from typing import Generic, TypeVar

from dcmx_core.exceptions import OutOfRange
from dcmx_core.model.values import ZERO_HASH, Hash32
from dcmx_core.ports import Block

Content = TypeVar("Content")


class BlockLog(Generic[Content]):
    """Block headers, each with whatever the chain keeps per block (``Content``)."""

    def __init__(self, genesis_time: int, genesis: Content) -> None:
        self._branch = 0
        header = Block(0, self._hash(b"genesis", ZERO_HASH, 0), ZERO_HASH, genesis_time)
        self._blocks: list[tuple[Block, Content]] = [(header, genesis)]

    @property
    def branch(self) -> int:
        """How many reorganizations this chain has been through."""
        return self._branch

    def head(self) -> Block:
        return self._blocks[-1][0]

    def block(self, number: int) -> Block:
        return self._blocks[self._index(number)][0]

    def content(self, number: int) -> Content:
        return self._blocks[self._index(number)][1]

    def contents(self, from_block: int, to_block: int) -> list[Content]:
        """The content of blocks ``from_block..to_block`` (inclusive, clipped to the chain)."""
        last = min(to_block, len(self._blocks) - 1)
        return [content for _, content in self._blocks[max(from_block, 0) : last + 1]]

    def seal(self, timestamp: int, tx_id: Hash32 | None, content: Content) -> Block:
        """Add a block on top of the head."""
        header = self.next_header(timestamp, tx_id)
        self.append(header, content)
        return header

    def next_header(self, timestamp: int, tx_id: Hash32 | None) -> Block:
        """The header the next block will have, so that its content can be completed (events
        placed at their positions) before anyone can read the block."""
        parent = self.head()
        number = parent.number + 1
        payload = b"%d:%d:%s" % (self._branch, timestamp, tx_id.raw if tx_id else b"")
        return Block(number, self._hash(payload, parent.hash, number), parent.hash, timestamp)

    def append(self, header: Block, content: Content) -> None:
        """Add a complete block made from ``next_header``."""
        if header.parent_hash != self.head().hash:
            raise ValueError(f"block {header.number} does not follow the head")
        self._blocks.append((header, content))

    def drop(self, depth: int) -> list[Content]:
        """Drop the newest ``depth`` blocks (never the genesis block); return their content,
        oldest first. Later blocks form a new branch."""
        if not 1 <= depth < len(self._blocks):
            raise OutOfRange("depth", depth, f"1 to {len(self._blocks) - 1}")
        dropped = [content for _, content in self._blocks[-depth:]]
        del self._blocks[-depth:]
        self._branch += 1
        return dropped

    def _index(self, number: int) -> int:
        if not 0 <= number < len(self._blocks):
            raise OutOfRange("block number", number, f"0 to {len(self._blocks) - 1}")
        return number

    @staticmethod
    def _hash(payload: bytes, parent: Hash32, number: int) -> Hash32:
        return Hash32(hashlib.sha256(b"block:%d:%s:%s" % (number, parent.raw, payload)).digest())
