"""The in-memory ledger passes the ledger contract, and is deterministic."""

from __future__ import annotations

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_core import commands as c
from dcmx_core.ports import DevLedger
from tests.contract.ledger_contract import LedgerContract
from tests.factories import ADMIN, ALICE

START = 1_767_225_600


def memory_ledger(chain_id: int = 1337) -> MemoryLedger:
    return MemoryLedger(
        admin=ADMIN, crypto=EthCrypto(), clock=ManualClock(START), chain_id=chain_id
    )


class TestMemoryLedger(LedgerContract):
    def make_ledger(self) -> DevLedger:
        return memory_ledger()


def test_the_same_history_gives_the_same_block_hashes() -> None:
    one, two = memory_ledger(), memory_ledger()
    for ledger in (one, two):
        ledger.execute(ADMIN, c.AddMinter(ALICE))
        ledger.mine(2)
    assert [one.block(n) for n in range(4)] == [two.block(n) for n in range(4)]


def test_chains_with_different_ids_deploy_to_different_addresses() -> None:
    assert memory_ledger(1).deployment.addresses != memory_ledger(2).deployment.addresses


def test_blocks_are_stamped_by_the_clock() -> None:
    clock = ManualClock(START)
    ledger = MemoryLedger(admin=ADMIN, crypto=EthCrypto(), clock=clock)
    clock.advance(42)
    ledger.mine(1)
    assert ledger.head().timestamp == START + 42
