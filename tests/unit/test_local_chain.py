"""The local chain of ``dcmx up``: the contracts on an in-process EVM, rebuilt from its journal
with the same blocks (the same hashes) on either engine, whatever the time of the replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_core.commands import RegisterDocument, Transfer
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.enums import DocumentType
from dcmx_core.model.values import Hash32
from dcmx_core.ports import Block
from dcmx_entrypoints.local_chain import (
    LocalChainMismatch,
    LocalEngine,
    cast,
    engine_of,
    open_local_chain,
)

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
    operator, ayla, *_ = cast(EthCrypto())
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
