"""The local chain ``dcmx up`` runs: the five contracts on an in-process EVM, journaled in the
data directory so that it survives a restart (``dcmx_adapters.journal``).

A replay must stamp every block as the first run did, so every block here takes its time from
the journal's clock: eth-tester's genesis block too (it would take the wall clock), and every
block the ledger itself does not stamp (funding on eth-tester, deploying and minting test
tokens).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from attrs import frozen
from eth.vm.forks.cancun.state import get_total_blob_gas
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import get_default_genesis_params
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider

from dcmx_adapters import journal
from dcmx_adapters.block_time import BlockTime
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.chain import Chain, Log, TxResult, Web3Chain
from dcmx_adapters.evm.deploy import deploy_platform
from dcmx_adapters.evm.ledger import EvmLedger
from dcmx_adapters.evm.revm import RevmChain
from dcmx_adapters.journal import JournaledLedger
from dcmx_core.model.values import Address
from dcmx_core.ports import Block, Clock, DevLedger
from dcmx_entrypoints.demo import CAST, Person, person

JOURNAL_FILE: Final = "chain.jsonl"
ADMIN_FUNDS: Final = 10**22


class LocalEngine(StrEnum):
    REVM = "revm"
    ETH_TESTER = "eth-tester"


class LocalChainMismatch(ValueError):
    """The local chain in the data directory is not the one asked for."""


def journal_path(data_dir: Path) -> Path:
    return data_dir / JOURNAL_FILE


def cast(crypto: EthCrypto) -> list[Person]:
    """The operator and the demo's cast: their keys derive from their names, so every start
    has the same accounts."""
    return [person("operator", crypto), *(person(name, crypto) for name in CAST)]


class SeededBackend(PyEVMBackend):  # type: ignore[misc]
    """eth-tester's py-evm with each block's prevrandao derived from its parent's hash (eth-tester
    draws it at random, which would give a replayed block another hash)."""

    def mine_blocks(self, num_blocks: int = 1, coinbase: Any = b"\x00" * 20) -> tuple[bytes, ...]:
        mined = []
        for _ in range(num_blocks):
            parent = self.chain.get_canonical_head().hash
            pending = self.chain.get_block().transactions
            block = self.chain.mine_block(
                coinbase=coinbase,
                mix_hash=hashlib.sha256(b"prevrandao:" + parent).digest(),
                blob_gas_used=sum(get_total_blob_gas(tx) for tx in pending),
            )
            mined.append(block.hash)
        return tuple(mined)


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
    if genesis.get("ledger") != "evm":
        raise ValueError(f"no local chain of kind {genesis.get('ledger')!r}")
    engine = LocalEngine(str(genesis.get("engine")))
    crypto = EthCrypto()
    people = cast(crypto)
    admin = people[0].address
    raw: Chain
    if engine is LocalEngine.REVM:
        raw = RevmChain(genesis_time=clock.now())
    else:
        parameters = get_default_genesis_params({"timestamp": clock.now()})
        tester = EthereumTester(SeededBackend(genesis_parameters=parameters))
        keys = {someone.address: someone.key for someone in people}
        raw = Web3Chain(Web3(EthereumTesterProvider(tester)), keys)
    chain = ClockStampedChain(raw, clock)
    chain.fund(admin, ADMIN_FUNDS)
    chain.set_next_timestamp(BlockTime(clock).next(chain.head().timestamp))
    deployment = deploy_platform(chain, admin)
    return EvmLedger(chain, deployment, admin=admin, clock=clock)


def engine_of(path: Path) -> LocalEngine | None:
    """The engine of the local chain journaled at ``path`` (None: there is none yet)."""
    first = journal.first_entry(path)
    return None if first is None else LocalEngine(str(first.get("engine")))


@frozen
class LocalChain:
    ledger: JournaledLedger
    engine: LocalEngine
    replayed: bool
    """Whether it was rebuilt from its journal (or is new)."""


def open_local_chain(
    path: Path, clock: Clock, *, engine: LocalEngine | None = None, writable: bool = True
) -> LocalChain:
    """The local chain journaled at ``path``, replayed, or a fresh one on ``engine`` (revm by
    default) when there is no journal yet (and ``writable``)."""
    found = engine_of(path)
    if found is None:
        if not writable:
            raise LocalChainMismatch(f"no local chain in {path.parent}: dcmx up starts one")
        chosen = engine or LocalEngine.REVM
        genesis = {"ledger": "evm", "engine": chosen.value}
        return LocalChain(journal.start(path, genesis, build_chain, clock), chosen, False)
    if engine is not None and engine is not found:
        raise LocalChainMismatch(
            f"the local chain in {path.parent} runs on {found.value}, not {engine.value}"
        )
    return LocalChain(journal.replay(path, build_chain, clock, writable=writable), found, True)
