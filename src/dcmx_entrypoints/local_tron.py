"""``dcmx up``'s TRON chain: the five contracts on a local TRON node whose journal is the node's
own (``dcmx_devnode.journal``), so that every transaction reaches it, whoever sent it: the
ledger's commands, and what TronWeb, tronpy or ``dcmx deploy`` broadcast on the node's HTTP
port. A restart replays the node's journal; the ledger itself keeps only a few notes in it
(where the platform was deployed, its warps, ``mark``), which the replay hands back in order.

The node dates blocks by the ledger's block times (the node's clock stands where the ledger
sets it, as on every local chain) or by the ledger's clock when that is later: a transaction an
outside client dates by the wall clock then finds a chain whose time has not stood still since
the ledger's last block.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from tronpy import Tron  # type: ignore[import-untyped]

from dcmx_adapters.block_time import BlockTime
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.deploy import DEFAULT_BASE_URI, deploy_platform
from dcmx_adapters.journal import JournalClock, JournaledLedger, JournalError
from dcmx_adapters.tron.chain import TronChain
from dcmx_adapters.tron.ledger import TronLedger
from dcmx_core.model.platform import Deployment
from dcmx_core.model.values import Address
from dcmx_core.ports import Clock
from dcmx_devnode import journal as node_journal
from dcmx_devnode.journal import JournaledNode
from dcmx_devnode.local import FREE_IN_PROCESS, OPERATOR_FUNDS, LocalNode, NodeTime
from dcmx_devnode.provider import LocalTronProvider
from dcmx_entrypoints.demo.cast import demo_cast

NODE_LEVEL: Final = "node"
"""The ``journal`` of the first line of a TRON chain journaled by its node (an earlier ``dcmx up``
journaled only the ledger's commands, and has none)."""
_CONTRACTS: Final = ("token", "music_nft", "compliance", "rewards", "royalties")


class NodeJournaledLedger(JournaledLedger):
    """The TRON ledger on a journaled node: the node journals every change to the chain, so
    this journals nothing of its own but its notes; it shares the node's lock, so that the
    ledger's commands and the node's HTTP clients take turns."""

    def __init__(
        self,
        ledger: TronLedger,
        node: JournaledNode,
        clock: Clock,
        marks: set[str],
        notes: Notes | None = None,
    ) -> None:
        super().__init__(ledger, JournalClock(clock), None)
        self._lock = node.lock
        self.node = node
        self.tron_ledger = ledger
        self.marks = marks
        self.torn_bytes = node.torn_bytes
        self._notes = notes

    @property
    def journal_path(self) -> Path | None:
        return self.node.journal_path

    def follow_journal(self) -> int:
        """Replay what was appended to the node's journal since it was read (the ledger's
        notes included), on a chain opened to be read."""
        return self.node.follow_journal(None if self._notes is None else self._notes.take)

    def warp(self, seconds: int) -> None:
        with self._journaling({}):
            self._ledger.warp(seconds)
            self.node.note({"warp": seconds})

    def mark(self, name: str) -> None:
        with self._lock:
            if self.node.writable:
                self.node.note({"mark": name})
            self.marks.add(name)

    def close(self) -> None:
        self.node.close()

    def holds_transactions(self, first: int, last: int) -> bool:
        """Whether any of blocks ``first`` to ``last`` holds a transaction."""
        with self._lock:
            blocks = (self.node.block(number) for number in range(first, last + 1))
            return any(block is not None and block.entries for block in blocks)

    @contextmanager
    def _journaling(self, entry: dict[str, Any]) -> Iterator[None]:
        # The node journals the change itself, line by line, as it makes it.
        with self._lock:
            if not self.node.writable:
                raise PermissionError("this chain was opened to be read, not changed")
            yield


def start_tron_chain(
    path: Path, genesis: Mapping[str, Any], clock: Clock, *, solidify_depth: int
) -> NodeJournaledLedger:
    """A new local TRON node journaled at ``path`` (its first line holding ``genesis``) with the
    platform deployed by the demo's operator."""
    time = NodeTime()
    described = {**genesis, "journal": NODE_LEVEL}
    node = node_journal.start(
        path,
        _Later(time, clock),
        {"solidify_depth": solidify_depth, "free": FREE_IN_PROCESS},
        described,
    )
    operator = demo_cast(EthCrypto())[0].address
    chain = _chain(node, time)
    chain.fund(operator, OPERATOR_FUNDS)
    chain.set_next_timestamp(BlockTime(clock).next(chain.head().timestamp))
    deployment = deploy_platform(chain, operator, base_uri=DEFAULT_BASE_URI, tron=True)
    node.note({"deployment": _deployment_json(deployment), "admin": operator.to_hex()})
    ledger = TronLedger(chain, deployment, admin=operator, clock=clock)
    return NodeJournaledLedger(ledger, node, clock, set())


def replay_tron_chain(path: Path, clock: Clock, *, writable: bool) -> NodeJournaledLedger:
    """The TRON chain journaled at ``path``, its node rebuilt from the journal."""
    time = NodeTime()
    notes = Notes(time, clock)
    node, _ = node_journal.replay(path, _Later(time, clock), writable=writable, notes=notes.take)
    if notes.ledger is None:
        node.close()
        raise JournalError(path, 1, "it holds no deployment of the platform")
    return NodeJournaledLedger(notes.ledger, node, clock, notes.marks, notes)


class _Later:
    """The later of the time the ledger set the node's clock to and the ledger's clock."""

    def __init__(self, time: NodeTime, clock: Clock) -> None:
        self._time = time
        self._clock = clock

    def __call__(self) -> float:
        return max(self._time(), float(self._clock.now()))


class Notes:
    """The ledger's notes in a node journal, taken in order during the replay (and after it,
    as a reader follows the journal)."""

    def __init__(self, time: NodeTime, clock: Clock) -> None:
        self._time = time
        self._clock = clock
        self.ledger: TronLedger | None = None
        self.marks: set[str] = set()

    def take(self, node: JournaledNode, note: Mapping[str, Any]) -> None:
        if "deployment" in note:
            deployment = _deployment(note["deployment"])
            admin = Address.from_hex(note["admin"])
            chain = _chain(node, self._time)
            self.ledger = TronLedger(chain, deployment, admin=admin, clock=self._clock)
        elif "warp" in note and self.ledger is not None:
            self.ledger.warp(int(note["warp"]))
        elif "mark" in note:
            self.marks.add(str(note["mark"]))


def _chain(node: JournaledNode, time: NodeTime) -> TronChain:
    """The node as the ledger reaches it: tronpy through the in-process provider, which takes
    the node's lock; the demo's cast signs (the node checks every signature)."""
    signers = [someone.signer for someone in demo_cast(EthCrypto())]
    return TronChain(
        Tron(provider=LocalTronProvider(node, node.lock)),
        signers,
        local=LocalNode(node, time),
        poll_seconds=0.01,
    )


def _deployment_json(deployment: Deployment) -> dict[str, Any]:
    addresses = {name: getattr(deployment, name).to_hex() for name in _CONTRACTS}
    return {"chain_id": deployment.chain_id, **addresses}


def _deployment(data: Mapping[str, Any]) -> Deployment:
    addresses = {name: Address.from_hex(data[name]) for name in _CONTRACTS}
    return Deployment(chain_id=int(data["chain_id"]), **addresses)
