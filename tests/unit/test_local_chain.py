"""The local chain of ``dcmx up``: the contracts on an in-process EVM or on the local TRON node,
rebuilt from its journal with the same blocks (the same hashes) on either engine and on TRON,
whatever the time of the replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.journal import JournaledLedger
from dcmx_adapters.memory.repositories import MemoryProfileRepository
from dcmx_adapters.tron.ledger import TronLedger
from dcmx_core.commands import RegisterDocument, Transfer
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.enums import DocumentType
from dcmx_core.model.values import Hash32
from dcmx_core.ports import Block
from dcmx_entrypoints.cli.up import solidify
from dcmx_entrypoints.demo.cast import demo_cast
from dcmx_entrypoints.demo.scenario import run_demo
from dcmx_entrypoints.local_chain import (
    TRON_SOLIDIFY_DEPTH,
    LocalChainMismatch,
    LocalEngine,
    engine_of,
    kind_of,
    open_local_chain,
)
from dcmx_entrypoints.settings import LedgerKind

START = 1_767_225_600


class TickingClock(ManualClock):
    def now(self) -> int:
        self.current += 1
        return self.current


def blocks(path: Path, clock: ManualClock) -> list[Block]:
    local = open_local_chain(path, clock, writable=False)
    ledger = local.ledger
    return [ledger.block(n) for n in range(ledger.head().number + 1)]


@pytest.mark.parametrize("engine", list(LocalEngine))
def test_the_local_chain_replays_to_the_same_blocks(tmp_path: Path, engine: LocalEngine) -> None:
    path = tmp_path / "chain.jsonl"
    operator, ayla, *_ = demo_cast(EthCrypto())
    local = open_local_chain(path, TickingClock(START), engine=engine)
    ledger = local.ledger
    ledger.fund(ayla.address, 10**18)
    with pytest.raises(DcmxError):
        ledger.execute(ayla.address, Transfer(operator.address, 1))
    token = ledger.deploy_payment_token("USDT")  # a block the ledger does not stamp itself
    ledger.mint_payment_token(token, ayla.address, 100)
    ledger.warp(600)
    ledger.execute(
        operator.address, RegisterDocument(DocumentType.TERMS_OF_SERVICE, 1, Hash32.of(b"t"))
    )
    ledger.mine(2)
    expected = [ledger.block(n) for n in range(ledger.head().number + 1)]
    ledger.close()

    assert not local.replayed
    assert engine_of(path) is engine
    assert blocks(path, TickingClock(START + 86_400)) == expected


def test_a_local_chain_on_one_engine_is_not_opened_on_the_other(tmp_path: Path) -> None:
    path = tmp_path / "chain.jsonl"
    open_local_chain(path, TickingClock(START), engine=LocalEngine.REVM).ledger.close()

    with pytest.raises(LocalChainMismatch, match="runs on revm"):
        open_local_chain(path, TickingClock(START), engine=LocalEngine.ETH_TESTER)


def test_there_is_nothing_to_read_before_a_chain_was_started(tmp_path: Path) -> None:
    with pytest.raises(LocalChainMismatch, match="dcmx up starts one"):
        open_local_chain(tmp_path / "chain.jsonl", TickingClock(START), writable=False)


# --- on the local TRON node -----------------------------------------------------------------


def busy_tron_day(ledger: JournaledLedger) -> None:
    """Every kind of operation a TRON chain journals, a refusal among them."""
    operator, ayla, *_ = demo_cast(EthCrypto())
    ledger.fund(ayla.address, 10**9)
    with pytest.raises(DcmxError):
        ledger.execute(ayla.address, Transfer(operator.address, 1))
    token = ledger.deploy_payment_token("USDT")
    ledger.mint_payment_token(token, ayla.address, 100)
    ledger.warp(600)
    ledger.execute(
        operator.address, RegisterDocument(DocumentType.TERMS_OF_SERVICE, 1, Hash32.of(b"t"))
    )
    ledger.mine(2)


def test_a_tron_local_chain_replays_to_the_same_blocks(tmp_path: Path) -> None:
    path = tmp_path / "chain.jsonl"
    local = open_local_chain(path, TickingClock(START), kind=LedgerKind.TRON)
    busy_tron_day(local.ledger)
    expected = [local.ledger.block(n) for n in range(local.ledger.head().number + 1)]
    local.ledger.close()

    assert (local.kind, local.engine, local.replayed) == (LedgerKind.TRON, None, False)
    assert kind_of(path) is LedgerKind.TRON
    assert engine_of(path) is None
    # A day later, by a clock that reads differently: the journal's readings decide.
    assert blocks(path, TickingClock(START + 86_400)) == expected


def test_a_tron_local_chain_replays_the_demo_day_to_the_same_blocks(tmp_path: Path) -> None:
    path = tmp_path / "chain.jsonl"
    local = open_local_chain(path, TickingClock(START), kind=LedgerKind.TRON)
    ledger = local.ledger
    crypto = EthCrypto()
    operator = demo_cast(crypto)[0]
    run_demo(ledger, crypto, TickingClock(START), MemoryProfileRepository(), operator)
    expected = [ledger.block(n) for n in range(ledger.head().number + 1)]
    ledger.close()

    replayed = open_local_chain(path, TickingClock(START + 3_600), writable=False)
    assert replayed.kind is LedgerKind.TRON
    assert replayed.ledger.token_balance(demo_cast(crypto)[4].address) == 60 * 10**18  # Dee's
    assert [replayed.ledger.block(n) for n in range(len(expected))] == expected


def test_a_tron_local_chain_solidifies_a_block_behind_the_head(tmp_path: Path) -> None:
    local = open_local_chain(tmp_path / "chain.jsonl", TickingClock(START), kind=LedgerKind.TRON)
    ledger = local.ledger
    assert isinstance(ledger._ledger, TronLedger)
    head = ledger.head().number
    assert ledger.solidified().head().number == head - TRON_SOLIDIFY_DEPTH
    ledger.close()


def test_solidify_mines_until_every_event_is_solidified_and_then_nothing(tmp_path: Path) -> None:
    local = open_local_chain(tmp_path / "chain.jsonl", TickingClock(START), kind=LedgerKind.TRON)
    ledger = local.ledger
    operator = demo_cast(EthCrypto())[0]
    receipt = ledger.execute(
        operator.address, RegisterDocument(DocumentType.TERMS_OF_SERVICE, 1, Hash32.of(b"t"))
    )
    solidified = ledger.solidified()
    assert solidified.head().number < receipt.block_number

    assert solidify(ledger) == TRON_SOLIDIFY_DEPTH
    assert solidified.head().number == receipt.block_number
    batch = solidified.read(receipt.block_number, receipt.block_number)
    assert [type(e).__name__ for e in batch.events] == ["DocumentRegistered"]
    head = ledger.head().number
    assert solidify(ledger) == 0
    assert ledger.head().number == head
    ledger.close()


def test_a_tron_local_chain_is_not_opened_as_an_evm_one(tmp_path: Path) -> None:
    path = tmp_path / "chain.jsonl"
    open_local_chain(path, TickingClock(START), kind=LedgerKind.TRON).ledger.close()

    with pytest.raises(LocalChainMismatch, match="is a TRON chain, not an EVM chain"):
        open_local_chain(path, TickingClock(START), kind=LedgerKind.EVM)
    with pytest.raises(LocalChainMismatch, match="runs on the TRON node, not revm"):
        open_local_chain(path, TickingClock(START), engine=LocalEngine.REVM)


def test_an_evm_local_chain_is_not_opened_as_a_tron_one(tmp_path: Path) -> None:
    path = tmp_path / "chain.jsonl"
    open_local_chain(path, TickingClock(START), engine=LocalEngine.REVM).ledger.close()

    with pytest.raises(LocalChainMismatch, match="is an EVM chain, not a TRON chain"):
        open_local_chain(path, TickingClock(START), kind=LedgerKind.TRON)
