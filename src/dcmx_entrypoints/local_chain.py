"""The local chain ``dcmx up`` runs: the five contracts on an in-process EVM or on a local TRON
node, journaled in the data directory so that it survives a restart: an EVM chain's journal
holds the ledger's commands (``dcmx_adapters.journal``), a TRON chain's is its node's own
(``local_tron.py``), which holds whatever any client broadcast on the node's HTTP port too.

A replay must stamp every block as the first run did, so every block here takes its time from
the journal's clock: eth-tester's genesis block too (it would take the wall clock), and every
block the ledger itself does not stamp (funding on eth-tester, deploying and minting test
tokens). The TRON node dates blocks and transactions by the ledger's clock alone.

An earlier ``dcmx up`` journaled a TRON chain's ledger commands only. Such a journal is still
replayed to be read (``status``, ``index``, ``serve --local-chain``), but not to go on: its
chain could not take the node's own transactions; ``dcmx up --reset`` sets it aside.

A process that reads the local chain while others change it (``index --follow --local-chain``,
``serve --local-chain``) follows the journal (``following_journal``): every poll it replays
what ``dcmx up`` or a verb appended since, so its head moves and its indexer indexes the new
blocks. It takes no lock (a line still being written waits for the next poll), and stops with
one line when the journal is replaced (``dcmx up --reset``): its read models are of the chain
set aside.

On TRON the indexer reads solidified blocks only; the local node solidifies a block
``TRON_SOLIDIFY_DEPTH`` blocks behind the head, so that what ``dcmx up`` does is final (and
shown) as soon as that many blocks follow it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from dcmx_adapters import journal
from dcmx_adapters.block_time import BlockTime
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.chain import Chain, Log, TxResult
from dcmx_adapters.evm.deploy import deploy_platform
from dcmx_adapters.evm.ledger import EvmLedger
from dcmx_adapters.evm.revm import RevmChain
from dcmx_adapters.journal import JournaledLedger, JournalError
from dcmx_core.model.values import Address
from dcmx_core.ports import Block, Clock, DevLedger
from dcmx_entrypoints.demo.cast import demo_cast
from dcmx_entrypoints.settings import LedgerKind

if TYPE_CHECKING:
    from dcmx_entrypoints.container import Container
    from dcmx_entrypoints.settings import Settings

JOURNAL_FILE: Final = "chain.jsonl"
ADMIN_FUNDS: Final = 10**22
TRON_SOLIDIFY_DEPTH: Final = 1
"""How far behind the head the local TRON node solidifies (TRON's networks: 19 blocks)."""
FOLLOW_SECONDS: Final = 0.5
"""How often a reader of the local chain looks for lines appended to its journal (as often as
``dcmx index --follow`` polls the head)."""

_log = logging.getLogger(__name__)


class LocalEngine(StrEnum):
    REVM = "revm"
    ETH_TESTER = "eth-tester"


LOCAL_KINDS: Final = (LedgerKind.EVM, LedgerKind.TRON)
_NAMED: Final = {LedgerKind.EVM: "an EVM chain", LedgerKind.TRON: "a TRON chain"}


class LocalChainMismatch(ValueError):
    """The local chain in the data directory is not the one asked for."""


def journal_path(data_dir: Path) -> Path:
    return data_dir / JOURNAL_FILE


class ClockStampedChain:
    """A ``Chain`` whose every block is stamped from ``clock`` unless the ledger stamped it."""

    def __init__(self, chain: Chain, clock: Clock) -> None:
        self._chain = chain
        self._clock = clock
        self._stamped = False

    @property
    def chain_id(self) -> int:
        return self._chain.chain_id

    @property
    def is_development(self) -> bool:
        return self._chain.is_development

    def set_next_timestamp(self, timestamp: int) -> None:
        self._chain.set_next_timestamp(timestamp)
        self._stamped = True

    def _stamp(self) -> None:
        if not self._stamped:
            self._chain.set_next_timestamp(max(self._clock.now(), self.head().timestamp + 1))

    def send(self, sender: Address, to: Address | None, data: bytes, value: int = 0) -> TxResult:
        self._stamp()
        try:
            return self._chain.send(sender, to, data, value)
        finally:
            self._stamped = False

    def fund(self, account: Address, amount: int) -> None:
        self._stamp()
        try:
            self._chain.fund(account, amount)
        finally:
            self._stamped = False

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self._stamp()
            try:
                self._chain.mine(1)
            finally:
                self._stamped = False

    def call(self, to: Address, data: bytes, sender: Address | None = None) -> bytes:
        return self._chain.call(to, data, sender)

    def head(self) -> Block:
        return self._chain.head()

    def block(self, number: int) -> Block:
        return self._chain.block(number)

    def logs(self, from_block: int, to_block: int) -> list[Log]:
        return self._chain.logs(from_block, to_block)

    def balance(self, account: Address) -> int:
        return self._chain.balance(account)

    def code(self, account: Address) -> bytes:
        return self._chain.code(account)

    def reorganize(self, depth: int) -> None:
        self._chain.reorganize(depth)


def build_chain(genesis: Mapping[str, Any], clock: Clock) -> DevLedger:
    """The chain a journal's first line describes, freshly deployed, its time from ``clock``."""
    kind = genesis.get("ledger")
    if kind == LedgerKind.TRON:
        return _tron_chain(genesis, clock)
    if kind != LedgerKind.EVM:
        raise ValueError(f"no local chain of kind {kind!r}")
    engine = LocalEngine(str(genesis.get("engine")))
    people = demo_cast(EthCrypto())
    admin = people[0].address
    raw: Chain
    if engine is LocalEngine.REVM:
        raw = RevmChain(genesis_time=clock.now())
    else:
        from dcmx_entrypoints.local_eth_tester import eth_tester_chain

        raw = eth_tester_chain(clock.now(), [p.signer for p in people])
    chain = ClockStampedChain(raw, clock)
    chain.fund(admin, ADMIN_FUNDS)
    chain.set_next_timestamp(BlockTime(clock).next(chain.head().timestamp))
    deployment = deploy_platform(chain, admin)
    return EvmLedger(chain, deployment, admin=admin, clock=clock)


def _tron_chain(genesis: Mapping[str, Any], clock: Clock) -> DevLedger:
    """The five contracts on a fresh local TRON node, deployed by the operator; the node signs
    nothing itself, so the ledger holds the keys of the operator and the demo's cast."""
    from dcmx_devnode.local import local_tron_ledger  # the node loads for a TRON chain alone

    depth = genesis.get("solidify_depth")
    # A refused transaction's block is taken back, so that the journal, which leaves refusals
    # out, replays the same blocks; only a block above the solidified head can be.
    if type(depth) is not int or depth < 1:
        raise ValueError(f"a TRON chain's solidify_depth must be 1 or more, not {depth!r}")
    people = demo_cast(EthCrypto())
    signers = [someone.signer for someone in people]
    return local_tron_ledger(people[0].address, clock, signers=signers, solidify_depth=depth)


def kind_of(path: Path) -> LedgerKind | None:
    """The kind of the local chain journaled at ``path`` (None: there is none yet)."""
    first = journal.first_entry(path)
    if first is None:
        return None
    kind = first.get("ledger")
    if kind not in LOCAL_KINDS:
        raise LocalChainMismatch(f"{path} journals no local chain dcmx up runs: {kind!r}")
    return LedgerKind(kind)


def engine_of(path: Path) -> LocalEngine | None:
    """The EVM engine of the local chain journaled at ``path`` (None: there is none yet, or it
    is a TRON chain)."""
    first = journal.first_entry(path)
    if first is None or first.get("ledger") != LedgerKind.EVM:
        return None
    return LocalEngine(str(first.get("engine")))


@frozen
class LocalChain:
    ledger: JournaledLedger
    kind: LedgerKind
    """``LedgerKind.EVM`` or ``LedgerKind.TRON``."""
    engine: LocalEngine | None
    """The in-process EVM of an EVM chain (None on TRON)."""
    replayed: bool
    """Whether it was rebuilt from its journal (or is new)."""

    @property
    def runs_on(self) -> str:
        """What the chain runs on, in words: ``revm``, ``eth-tester``, ``TRON``."""
        return "TRON" if self.engine is None else self.engine.value


def open_local_chain(
    path: Path,
    clock: Clock,
    *,
    kind: LedgerKind | None = None,
    engine: LocalEngine | None = None,
    writable: bool = True,
) -> LocalChain:
    """The local chain journaled at ``path``, replayed, or a fresh one of ``kind`` (EVM by
    default) on ``engine`` (revm by default) when there is no journal yet (and ``writable``)."""
    if kind is not None and kind not in LOCAL_KINDS:
        raise LocalChainMismatch(f"there is no local {kind.value} chain: evm or tron")
    if kind is LedgerKind.TRON and engine is not None:
        raise LocalChainMismatch("a local TRON chain runs on the TRON node: --engine is for EVM")
    found = kind_of(path)
    if found is None:
        if not writable:
            raise LocalChainMismatch(f"no local chain in {path.parent}: dcmx up starts one")
        return _start(path, clock, kind or LedgerKind.EVM, engine)
    if kind is not None and kind is not found:
        raise LocalChainMismatch(
            f"the local chain in {path.parent} is {_NAMED[found]}, not {_NAMED[kind]}"
        )
    chosen = engine_of(path)
    if engine is not None and engine is not chosen:
        shown = chosen.value if chosen is not None else "the TRON node"
        raise LocalChainMismatch(
            f"the local chain in {path.parent} runs on {shown}, not {engine.value}"
        )
    if found is LedgerKind.TRON:
        from dcmx_devnode.journal import describes_a_node
        from dcmx_entrypoints.local_tron import replay_tron_chain

        if describes_a_node(journal.first_entry(path)):
            tron = replay_tron_chain(path, clock, writable=writable)
            return LocalChain(tron, found, None, True)
    if found is LedgerKind.TRON and writable:
        raise LocalChainMismatch(
            f"the local TRON chain in {path.parent} was journaled by an earlier dcmx up, which "
            "kept only the ledger's commands: it cannot take the transactions of the node's "
            "own clients"
        )
    ledger = journal.replay(path, build_chain, clock, writable=writable)
    return LocalChain(ledger, found, chosen, True)


def _start(path: Path, clock: Clock, kind: LedgerKind, engine: LocalEngine | None) -> LocalChain:
    if kind is LedgerKind.TRON:
        from dcmx_entrypoints.local_tron import start_tron_chain

        genesis: dict[str, Any] = {"ledger": kind.value}
        ledger = start_tron_chain(path, genesis, clock, solidify_depth=TRON_SOLIDIFY_DEPTH)
        return LocalChain(ledger, kind, None, False)
    chosen = engine or LocalEngine.REVM
    genesis = {"ledger": kind.value, "engine": chosen.value}
    return LocalChain(journal.start(path, genesis, build_chain, clock), kind, chosen, False)


def container_on_local_chain(settings: Settings, local: LocalChain) -> Container:
    """A container whose ledger is the given local chain (the contracts on an in-process EVM,
    or on the local TRON node), administered by the demo's operator."""
    import attrs
    from dependency_injector import providers

    from dcmx_entrypoints.container import container_for
    from dcmx_entrypoints.demo.stacks import with_demo_cast
    from dcmx_entrypoints.settings import EvmEngine

    if local.engine is None:
        chosen = attrs.evolve(settings, ledger=LedgerKind.TRON, tron_network="local")
    else:
        chosen = attrs.evolve(settings, ledger=LedgerKind.EVM, evm_engine=EvmEngine(local.engine))
    container = with_demo_cast(container_for(chosen))
    container.ledger.override(providers.Object(local.ledger))
    return container


class JournalFollower(threading.Thread):
    """Replays into a local chain opened to be read what other processes append to its journal,
    every ``poll_seconds`` until ``stop`` is set. A journal it cannot follow (replaced, or a
    line the chain will not replay) stops it: the error is kept in ``error`` and handed to
    ``on_error``."""

    def __init__(
        self,
        ledger: JournaledLedger,
        stop: threading.Event,
        *,
        poll_seconds: float = FOLLOW_SECONDS,
        on_error: Callable[[JournalError], None] | None = None,
    ) -> None:
        super().__init__(name="dcmx-journal-follower", daemon=True)
        self.ledger = ledger
        self.stop = stop
        self.poll_seconds = poll_seconds
        self.on_error = on_error
        self.error: JournalError | None = None

    def run(self) -> None:
        while not self.stop.wait(self.poll_seconds):
            try:
                replayed = self.ledger.follow_journal()
            except JournalError as error:
                self.error = error
                if self.on_error is not None:
                    self.on_error(error)
                return
            if replayed:
                _log.info("journal_followed lines=%d head=%d", replayed, self.ledger.head().number)


@contextmanager
def following_journal(
    ledger: object,
    on_error: Callable[[JournalError], None],
    *,
    poll_seconds: float = FOLLOW_SECONDS,
) -> Iterator[JournalFollower | None]:
    """While inside, a local chain opened to be read follows its journal (``JournalFollower``);
    any other ledger is left as it is (and None is given)."""
    if not isinstance(ledger, JournaledLedger) or ledger.journal_path is not None:
        yield None
        return
    stop = threading.Event()
    follower = JournalFollower(ledger, stop, poll_seconds=poll_seconds, on_error=on_error)
    follower.start()
    try:
        yield follower
    finally:
        stop.set()
        follower.join()
