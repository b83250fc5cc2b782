"""The ledger state machine on the in-memory ledger: the rules' invariants after every step,
and two in-memory chains (different chain ids, so different addresses and signatures) that must
agree event for event."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_core.ports import Clock, DevLedger
from tests.property.ledger_machine import ADMIN, CRYPTO, LedgerMachine

MACHINE_SETTINGS = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class MemoryLedgerMachine(LedgerMachine):
    def make_ledger(self, spec: Any, clock: Clock) -> DevLedger:
        return MemoryLedger(admin=ADMIN, crypto=CRYPTO, clock=clock, chain_id=spec)


class TwoMemoryChainsMachine(MemoryLedgerMachine):
    ledger_specs = (1337, 7777)


TestMemoryLedger = MemoryLedgerMachine.TestCase
TestMemoryLedger.settings = MACHINE_SETTINGS
TestTwoMemoryChainsAgree = TwoMemoryChainsMachine.TestCase
TestTwoMemoryChainsAgree.settings = MACHINE_SETTINGS
