"""The contracts on TRON against the rules: the ledger state machine drives the in-memory ledger
and the five contracts on the local TRON node (through tronpy: built, signed, broadcast, waited
for, decoded) side by side; they must agree on every event, every refusal and the whole
observable state after every step.

The default run is short, with the fixed tour beside it, which carries out every kind of
command; ``DCMX_LONG_DIFFERENTIAL=1`` runs it long, as for the EVM.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_adapters.signing import KeySigner
from dcmx_core.ports import Clock, DevLedger
from dcmx_devnode.local import local_tron_ledger
from tests.property.ledger_machine import ADMIN, CRYPTO, KEYS, LedgerMachine
from tests.property.ledger_tour import EVERY_COMMAND, tour

LONG = os.environ.get("DCMX_LONG_DIFFERENTIAL") == "1"


class MemoryVersusTron(LedgerMachine):
    ledger_specs = ("memory", "tron")

    def make_ledger(self, spec: Any, clock: Clock) -> DevLedger:
        if spec == "memory":
            return MemoryLedger(admin=ADMIN, crypto=CRYPTO, clock=clock)
        return local_tron_ledger(ADMIN, clock, signers=[KeySigner(k) for k in KEYS])


def test_tron_carries_out_every_kind_of_command_as_the_rules_do() -> None:
    machine = MemoryVersusTron()
    tour(machine)
    assert set(machine.carried_out) == EVERY_COMMAND
    assert sum(machine.refused.values()) >= 25


TestContractsAgreeOnTron = MemoryVersusTron.TestCase
TestContractsAgreeOnTron.settings = settings(
    max_examples=100 if LONG else 4,
    stateful_step_count=60 if LONG else 30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
