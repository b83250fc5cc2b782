"""The local node's journal: everything that changes the node's chain is appended to a file as
it happens, and a restart replays the file into a fresh node that ends up with the same chain
(the same block ids, transaction ids, balances, contracts and events).

The journal is JSON lines (``dcmx_adapters.journal`` writes and reads them, a torn last line
included). The first line describes the chain: the node's options and what its owner wants kept
(``dcmx node``'s funded accounts, ``dcmx up``'s ledger). Every other line is one change:
funding, a transaction as it was broadcast (java-tron's JSON, signatures included, whichever
client sent it), a block mined, the block timer opening or closing a block, a warp, a
reorganization; or a note of the node's owner, which the node itself ignores. A change's line
carries the clock readings the node took while making it and the head block it left, so that a
replay, fed the same readings, gives every block its recorded time (and so its id) and can check
that it rebuilt the same head.

Each line is written and fsynced before the change is answered (per entry, not per block): a
client told that its transaction was accepted finds it again after a crash, with or without the
block timer, and no reader on another thread sees a block the journal could lose (the change and
its line happen under the node's lock). A refused transaction changed nothing and is not
journaled, unless it read the clock first: then it may have opened the block being packed,
whose time the next transactions share, and the replay refuses it again.

A node opened to be read follows its journal (``follow_journal``): it replays the lines the
node's owner appended since, as ``dcmx_adapters.journal`` does for a ledger's journal.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from dcmx_adapters.journal import (
    JournalEnd,
    JournalError,
    JournalFile,
    first_entry,
    read_journal,
    read_since,
)
from dcmx_adapters.tron.refusals import Refused
from dcmx_devnode.node import SOLIDIFY_DEPTH, LocalTronNode
from dcmx_devnode.protobuf import parse_address
from dcmx_devnode.records import Receipt
from dcmx_devnode.transaction import Transaction

Json = Any
Notes = Callable[["JournaledNode", Mapping[str, Json]], None]
"""What a replay hands each note of the node's owner to, in order, with the node as it stood."""

FORMAT: Final = "dcmx-tron-node/1"
GENESIS: Final = "genesis"
NOTE: Final = "note"
_NODE_OPTIONS: Final = ("solidify_depth", "chain_id", "free")
_READ_ONLY: Final = "this chain was opened to be read, not changed"


class JournalBroken(RuntimeError):
    """A change could not be written to the journal: the node takes no more changes."""


class JournalInUse(RuntimeError):
    """Another process holds the journal."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is in use by another process")
        self.path = path


class NodeClock:
    """The node's clock as the journal needs it: while a change is being made it keeps the
    readings it gives, and during a replay it gives the readings the journal recorded."""

    def __init__(self, live: Callable[[], float]) -> None:
        self._live = live
        self._taken: list[float] | None = None
        self._script: list[float] | None = None

    def __call__(self) -> float:
        if self._script is not None:
            if not self._script:
                raise JournalBroken("the replay read the clock more often than the first run")
            value = self._script.pop(0)
        else:
            value = self._live()
        if self._taken is not None:
            self._taken.append(value)
        return value

    def begin(self, script: list[float] | None) -> None:
        """Keep the readings from now on; take them from ``script`` when one is given."""
        self._taken = []
        self._script = list(script) if script is not None else None

    def end(self) -> tuple[list[float], int]:
        """The readings taken since ``begin``, and how many scripted ones were left untaken."""
        taken, left = self._taken or [], len(self._script or [])
        self._taken = self._script = None
        return taken, left


class JournaledNode(LocalTronNode):
    """A local node that journals every change to its chain (``journal`` None: a node opened
    to be read, which refuses changes). ``lock`` is the one lock everything that reads or
    changes the node takes: the HTTP server, the in-process provider and the changes here."""

    def __init__(
        self, clock: NodeClock, journal: JournalFile | None, options: Mapping[str, Json]
    ) -> None:
        super().__init__(
            solidify_depth=int(options.get("solidify_depth", SOLIDIFY_DEPTH)),
            chain_id=options.get("chain_id"),
            # A journal that does not say charged nothing: the node was free before it charged.
            free=bool(options.get("free", True)),
            clock=clock,
        )
        self.lock = threading.RLock()
        self.torn_bytes = 0
        """How much of a torn last line the replay dropped (0: none)."""
        self._node_clock = clock
        self._journal = journal
        self._changing = 0
        self._script: list[float] | None = None
        self._broken: str | None = None
        self._followed: tuple[Path, JournalEnd] | None = None
        """The journal a node opened to be read was replayed from, and how far."""

    @property
    def journal_path(self) -> Path | None:
        return None if self._journal is None else self._journal.path

    def follow_journal(self, notes: Notes | None = None) -> int:
        """Replay what another process appended to the journal since this node, opened to be
        read, last read it (its owner's notes handed to ``notes``); how many lines that was.
        ``JournalReplaced`` when the journal no longer extends it."""
        with self.lock:
            if self._followed is None:
                return 0
            path, end = self._followed
            entries, reached = read_since(path, end)
            for number, entry in entries:
                try:
                    _replay_entry(path, number, self, entry, notes)
                except JournalError:
                    self._followed = None  # the node is not the journal's now: stop here
                    raise
            self._followed = (path, reached)
            return len(entries)

    @property
    def writable(self) -> bool:
        return self._journal is not None

    def close(self) -> None:
        with self.lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None

    # --- the changes ------------------------------------------------------------------------

    def fund(self, address: str | bytes, sun: int) -> None:
        account = _account(address)
        with self._change({"op": "fund", "address": account.hex(), "sun": sun}):
            super().fund(account, sun)

    def broadcast(self, tx: Transaction) -> Receipt:
        entry = {"op": "broadcast", "tx": _transaction_json(tx)}
        with self._change(entry):
            return super().broadcast(tx)

    def mine(self, blocks: int = 1) -> None:
        with self._change({"op": "mine", "blocks": blocks}):
            super().mine(blocks)

    def warp(self, seconds: float) -> None:
        with self._change({"op": "warp", "seconds": seconds}):
            super().warp(seconds)

    def reorganize(self, depth: int) -> None:
        with self._change({"op": "reorganize", "depth": depth}):
            super().reorganize(depth)

    def drop_head(self) -> None:
        with self._change({"op": "drop_head"}):
            super().drop_head()

    def start_block(self) -> None:
        with self._change({"op": "start_block"}):
            super().start_block()

    def finish_block(self, *, even_empty: bool = False) -> None:
        with self.lock:
            if self._packing is None and not even_empty:
                return  # nothing to mine: nothing to journal
            with self._change({"op": "finish_block", "even_empty": even_empty}):
                super().finish_block(even_empty=even_empty)

    def note(self, note: Mapping[str, Json]) -> None:
        """Journal a note of the node's owner (the node ignores it; a replay hands it back)."""
        with self.lock:
            self._check_writable()
            self._write({"op": NOTE, "note": dict(note)})

    @contextmanager
    def _change(self, entry: dict[str, Json]) -> Iterator[None]:
        """Make a change under the lock and journal it; what it does inside (``drop_head``
        reorganizes, a block timer's tick mines) is part of its line, not lines of its own."""
        with self.lock:
            if self._changing:
                self._changing += 1
                try:
                    yield
                finally:
                    self._changing -= 1
                return
            if self._script is None:
                self._check_writable()
            self._node_clock.begin(self._script)
            self._changing = 1
            try:
                yield
            except Refused as refusal:
                readings, _ = self._node_clock.end()
                if readings and self._script is None:  # it may have opened the packed block
                    self._write({**entry, "refused": refusal.code, "clock": readings})
                raise
            except BaseException:
                self._node_clock.end()
                raise
            finally:
                self._changing = 0
            readings, left = self._node_clock.end()
            if self._script is not None:
                if left:
                    raise JournalBroken(f"the replay read the clock {left} times less")
                return
            self._write({**entry, "clock": readings, "head": self._head()})

    def _check_writable(self) -> None:
        if self._broken is not None:
            raise JournalBroken(self._broken)
        if self._journal is None:
            raise PermissionError(_READ_ONLY)

    def _write(self, entry: Mapping[str, Json]) -> None:
        assert self._journal is not None
        try:
            self._journal.append(entry)
        except OSError as error:
            self._broken = (
                f"the journal {self._journal.path} could not be written ({error.strerror}): "
                "the node takes no more changes; restart it"
            )
            raise JournalBroken(self._broken) from None

    def _head(self) -> list[Json]:
        return [self.head.number, self.head.block_id.hex()]

    # --- replaying --------------------------------------------------------------------------

    def _replay(self, entry: Mapping[str, Json], readings: list[float]) -> None:
        """Make the change ``entry`` journaled, the clock reading ``readings``."""
        self._script = readings
        try:
            _apply(self, entry)
        finally:
            self._script = None


def _apply(node: JournaledNode, entry: Mapping[str, Json]) -> None:
    op = entry["op"]
    if op == "fund":
        node.fund(bytes.fromhex(entry["address"]), _int(entry["sun"]))
    elif op == "broadcast":
        _rebroadcast(node, entry)
    elif op == "mine":
        node.mine(_int(entry["blocks"]))
    elif op == "warp":
        node.warp(float(entry["seconds"]))
    elif op == "reorganize":
        node.reorganize(_int(entry["depth"]))
    elif op == "drop_head":
        node.drop_head()
    elif op == "start_block":
        node.start_block()
    elif op == "finish_block":
        node.finish_block(even_empty=bool(entry["even_empty"]))
    else:
        raise ValueError(f"no change is called {op!r}")


def _rebroadcast(node: JournaledNode, entry: Mapping[str, Json]) -> None:
    tx = Transaction.from_json(entry["tx"])
    if tx.raw_bytes.hex() != entry["tx"].get("raw_data_hex"):
        raise ValueError("its raw_data does not serialize to its raw_data_hex")
    refused = entry.get("refused")
    try:
        node.broadcast(tx)
    except Refused as refusal:
        if refusal.code == refused:
            return
        raise
    if refused is not None:
        raise JournalBroken(f"the node refused it the first time ({refused}), not on replay")


def _transaction_json(tx: Transaction) -> dict[str, Json]:
    """The transaction as java-tron's JSON: ``raw_data``, ``raw_data_hex``, ``signature``."""
    return {
        "raw_data": tx.raw_data,
        "raw_data_hex": tx.raw_bytes.hex(),
        "signature": [signature.hex() for signature in tx.signatures],
    }


def _account(address: str | bytes) -> bytes:
    """A TRON address in any of the forms ``LocalTronNode.fund`` takes, as its 21 bytes."""
    if isinstance(address, bytes):
        return address if len(address) == 21 else b"\x41" + address
    if address.startswith("0x"):
        return b"\x41" + bytes.fromhex(address[2:])
    return parse_address(address)


def _int(value: Json) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an integer, got {value!r}")
    return value


# --- starting and replaying -----------------------------------------------------------------


def start(
    path: Path,
    live: Callable[[], float],
    options: Mapping[str, Json],
    described: Mapping[str, Json],
) -> JournaledNode:
    """A fresh node with ``options`` (``solidify_depth``, ``chain_id``, ``free``),
    journaled in a new file at ``path`` whose first line holds ``described`` too."""
    if first_entry(path) is not None:
        raise FileExistsError(f"{path} already holds a journal")
    chosen = {name: options[name] for name in _NODE_OPTIONS if name in options}
    journal = JournalFile(path, good_length=0)  # drops a first line torn by a crash
    node = JournaledNode(NodeClock(live), journal, chosen)
    genesis = {**described, "op": GENESIS, "format": FORMAT, "node": chosen}
    node._write({**genesis, "head": node._head()})
    return node


def describes_a_node(entry: Mapping[str, Json] | None) -> bool:
    """Whether a journal's first line is a node journal's."""
    return entry is not None and entry.get("format") == FORMAT


def replay(
    path: Path,
    live: Callable[[], float],
    *,
    writable: bool = True,
    notes: Notes | None = None,
) -> tuple[JournaledNode, dict[str, Json]]:
    """The node the journal at ``path`` describes, rebuilt by replaying every change into a
    fresh one, and the journal's first line; further changes are journaled when ``writable``.
    Any line that cannot be replayed, or leaves another head than the first run's, raises
    ``JournalError`` naming it."""
    entries, end = read_journal(path)
    genesis = entries[0] if entries else None
    if genesis is None or genesis.get("op") != GENESIS or not describes_a_node(genesis):
        raise JournalError(path, 1, "not the journal of a local TRON node")
    options = genesis.get("node")
    if not isinstance(options, dict):
        raise JournalError(path, 1, "it does not give the node's options")
    node = JournaledNode(NodeClock(live), None, options)
    _check_head(path, 1, node, genesis)
    for number, entry in enumerate(entries[1:], start=2):
        _replay_entry(path, number, node, entry, notes)
    node.torn_bytes = path.stat().st_size - end.length
    if writable:
        node._journal = JournalFile(path, good_length=end.length)
    else:
        node._followed = (path, end)
    return node, genesis


def _replay_entry(
    path: Path, number: int, node: JournaledNode, entry: Mapping[str, Json], notes: Notes | None
) -> None:
    """Make the change the journal's line ``number`` records (or hand its note to ``notes``)."""
    if entry["op"] == NOTE:
        if notes is not None:
            notes(node, entry.get("note", {}))
        return
    readings = entry.get("clock", [])
    if not isinstance(readings, list) or not all(type(r) in (int, float) for r in readings):
        raise JournalError(path, number, "its clock readings are not a list of numbers")
    try:
        node._replay(entry, readings)
    except (KeyError, TypeError, ValueError) as error:
        raise JournalError(path, number, f"cannot read it: {error}") from None
    except Exception as error:
        raise JournalError(path, number, f"the replay went another way: {error}") from None
    _check_head(path, number, node, entry)


def _check_head(path: Path, line: int, node: JournaledNode, entry: Mapping[str, Json]) -> None:
    expected = entry.get("head")
    if expected is not None and node._head() != expected:
        raise JournalError(
            path,
            line,
            f"the replay's head block is {node._head()[0]} {node._head()[1]}, the journal's "
            f"is {expected[0]} {expected[1]}: this journal is not this node's chain",
        )


@contextmanager
def holding(path: Path) -> Iterator[None]:
    """Hold the journal at ``path`` for this process alone while inside (``flock`` on a
    ``.lock`` file beside it, released by the kernel however the process ends); a journal
    another process holds raises ``JournalInUse``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JournalInUse(path) from None
        yield
    finally:
        os.close(fd)
