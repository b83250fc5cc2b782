"""The EVM ledger passes the ledger contract on both engines."""

from __future__ import annotations

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.evm.ledger import local_evm_ledger
from dcmx_core.ports import DevLedger
from tests.contract.ledger_contract import LedgerContract
from tests.factories import ADMIN, ALICE, signers

START = 1_767_225_600


class TestEvmLedgerOnEthTester(LedgerContract):
    def make_ledger(self) -> DevLedger:
        ledger = local_evm_ledger(ADMIN, ManualClock(START), signers=signers(0, 1, 2, 3, 4))
        ledger.fund(ALICE, 10**20)  # the contract's only sender besides the admin pays gas
        return ledger


class TestEvmLedgerOnRevm(LedgerContract):
    def make_ledger(self) -> DevLedger:
        return local_evm_ledger(ADMIN, ManualClock(START), engine="revm")
