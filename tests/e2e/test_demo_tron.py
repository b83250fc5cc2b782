"""The demo on the local TRON node: the scripted day gives the in-memory day's outcome, through
tronpy all the way, and runs from the `dcmx` command, which writes its addresses as TRON does."""

from __future__ import annotations

from typing import Any

import attrs
from typer.testing import CliRunner

from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.tron.ledger import TronLedger
from dcmx_entrypoints.cli import app
from dcmx_entrypoints.demo.cast import CAST, person
from dcmx_entrypoints.demo.scenario import run_demo
from dcmx_entrypoints.demo.stacks import DemoStack, memory_stack, tron_stack

START = 1_767_225_600


def _parts(stack: DemoStack) -> tuple[Any, ...]:
    return (stack.ledger, stack.crypto, stack.clock, stack.profiles, stack.operator)


def test_the_demo_runs_on_tron_with_the_same_outcome() -> None:
    on_memory = memory_stack(start=START)
    on_tron = tron_stack(start=START)
    firsts = (on_tron.ledger.head().number + 1, on_memory.ledger.head().number + 1)
    expected = run_demo(*_parts(on_memory))
    actual = run_demo(*_parts(on_tron))

    assert isinstance(on_tron.ledger, TronLedger)
    assert [s.what for s in actual.steps] == [s.what for s in expected.steps]
    # Energy is free on the local node, so even the coin balances agree, but for the operator's:
    # the node funded it to deploy the platform.
    assert actual.holdings[:-1] == expected.holdings[:-1]
    operator, expected_operator = actual.holdings[-1], expected.holdings[-1]
    assert attrs.evolve(operator, native=0) == attrs.evolve(expected_operator, native=0)
    assert actual.total_supply == expected.total_supply
    # What the demo did, after what deploying the platform did on each.
    assert _kinds(on_tron, firsts[0]) == _kinds(on_memory, firsts[1])


def _kinds(stack: DemoStack, first: int) -> list[str]:
    """The kinds of the events from block ``first`` on."""
    ledger = stack.ledger
    return [type(e).__name__ for e in ledger.events(first, ledger.head().number)]


def test_the_cli_runs_the_demo_on_tron() -> None:
    result = CliRunner().invoke(app, ["demo", "--ledger", "tron"])
    assert result.exit_code == 0, result.output
    assert "Final balances" in result.output
    assert "DCMX total supply: 60" in result.output


def _shortened(text: str) -> str:
    return f"{text[:6]}…{text[-4:]}"


def test_the_cli_writes_the_tron_demo_addresses_in_base58() -> None:
    crypto = EthCrypto()
    people = [person(name, crypto) for name in (*CAST, "operator")]

    result = CliRunner().invoke(app, ["demo", "--ledger", "tron"])

    assert result.exit_code == 0, result.output
    for someone in people:
        assert _shortened(someone.address.to_base58()) in result.output
    assert "0x" not in result.output


def test_the_cli_writes_the_evm_and_memory_demo_addresses_in_hex() -> None:
    crypto = EthCrypto()
    people = [person(name, crypto) for name in (*CAST, "operator")]
    for ledger in ("memory", "evm"):
        result = CliRunner().invoke(app, ["demo", "--ledger", ledger, "--engine", "revm"])

        assert result.exit_code == 0, result.output
        for someone in people:
            assert _shortened(someone.address.to_checksum_hex(crypto.keccak256)) in result.output
            assert _shortened(someone.address.to_base58()) not in result.output
