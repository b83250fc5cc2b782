"""The TRON ledger, on the local TRON node through tronpy, passes the ledger contract."""

from __future__ import annotations

from dcmx_adapters.clock import ManualClock
from dcmx_core.ports import DevLedger
from dcmx_devnode.local import local_tron_ledger
from tests.contract.ledger_contract import LedgerContract
from tests.factories import ADMIN, ALICE, signers

START = 1_767_225_600


class TestTronLedgerOnTheLocalNode(LedgerContract):
    def make_ledger(self) -> DevLedger:
        ledger = local_tron_ledger(ADMIN, ManualClock(START), signers=signers(0, 1, 2, 3, 4))
        ledger.fund(ALICE, 10**20)  # TRON refuses a sender that does not exist yet
        return ledger
