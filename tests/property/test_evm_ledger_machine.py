"""The contracts against the rules: the ledger state machine drives the in-memory ledger and the
five Solidity contracts side by side, and they must agree on every event, every refusal and
the whole observable state after every step.

revm runs the random machine: short in the default suite, at least 10,000 steps in
``nox -s differential``. eth-tester (py-evm, through web3.py) runs a few hundred view calls a
second, so the default suite takes it on the fixed tour, which carries out every kind of
command; its random machine runs in ``nox -s differential``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from dcmx_adapters.evm.ledger import local_evm_ledger
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_adapters.signing import KeySigner
from dcmx_core.ports import Clock, DevLedger
from tests.property.ledger_machine import ADMIN, CRYPTO, KEYS, LedgerMachine
from tests.property.ledger_tour import EVERY_COMMAND, tour

LONG = os.environ.get("DCMX_LONG_DIFFERENTIAL") == "1"


class MemoryVersusEvm(LedgerMachine):
    exact_refusals = False

    def make_ledger(self, spec: Any, clock: Clock) -> DevLedger:
        if spec == "memory":
            return MemoryLedger(admin=ADMIN, crypto=CRYPTO, clock=clock)
        return local_evm_ledger(ADMIN, clock, engine=spec, signers=[KeySigner(k) for k in KEYS])


class MemoryVersusEthTester(MemoryVersusEvm):
    ledger_specs = ("memory", "eth-tester")


class MemoryVersusRevm(MemoryVersusEvm):
    ledger_specs = ("memory", "revm")
    exact_refusals = True


def test_eth_tester_carries_out_every_kind_of_command_as_the_rules_do() -> None:
    machine = MemoryVersusEthTester()
    tour(machine, check_every_section=False)
    assert set(machine.carried_out) == EVERY_COMMAND
    assert sum(machine.refused.values()) >= 25


def test_revm_carries_out_every_kind_of_command_as_the_rules_do() -> None:
    machine = MemoryVersusRevm()
    tour(machine)
    assert set(machine.carried_out) == EVERY_COMMAND
    assert sum(machine.refused.values()) >= 25


TestContractsAgreeOnEthTester = pytest.mark.skipif(
    not LONG, reason="eth-tester's random run is in `nox -s differential`; its tour runs here"
)(MemoryVersusEthTester.TestCase)
TestContractsAgreeOnEthTester.settings = settings(
    max_examples=8,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

TestContractsAgreeOnRevm = MemoryVersusRevm.TestCase
TestContractsAgreeOnRevm.settings = settings(
    max_examples=200 if LONG else 25,
    stateful_step_count=60 if LONG else 40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.skipif(not LONG, reason="the long differential run is `nox -s differential`")
def test_the_long_run_took_at_least_10000_steps() -> None:
    print(f"revm differential run: {MemoryVersusRevm.steps_taken:,} steps")
    assert MemoryVersusRevm.steps_taken >= 10_000
