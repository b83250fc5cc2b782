"""The demo end to end: the scripted day on the in-memory stack gives exactly the expected
holdings and payouts, conserves every coin and token, and runs from the `dcmx` command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from attrs import define, field
from typer.testing import CliRunner

from dcmx_core import __version__
from dcmx_core.events import PayoutWithdrawn
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.values import Address
from dcmx_entrypoints.cli import app
from dcmx_entrypoints.demo.scenario import DemoResult, Holding, run_demo
from dcmx_entrypoints.demo.stacks import DemoStack, evm_stack, memory_stack

START = 1_767_225_600
COIN = 10**18
USDT = 10**6
DCMX = 10**18


@define
class Minted:
    """What the scenario created out of thin air: funded coin and minted payment tokens."""

    native: int = 0
    tokens: dict[Address, int] = field(factory=dict)


@define
class Demo:
    stack: DemoStack
    result: DemoResult
    minted: Minted

    @property
    def usdt(self) -> Address:
        assert self.result.usdt is not None
        return self.result.usdt

    def holding(self, name: str) -> Holding:
        return next(h for h in self.result.holdings if h.name == name)

    def withdrawn(self) -> dict[tuple[str, str], int]:
        """Every withdrawal, by (person, "coin" or "USDT")."""
        names = {h.address: h.name for h in self.result.holdings}
        ledger = self.stack.ledger
        return {
            (names[e.recipient], "coin" if e.currency == NATIVE else "USDT"): e.amount
            for e in ledger.events(0, ledger.head().number)
            if isinstance(e, PayoutWithdrawn)
        }


@pytest.fixture(scope="module")
def demo() -> Demo:
    stack = memory_stack(start=START)
    minted = Minted()
    ledger = stack.ledger
    fund, mint_payment_token = ledger.fund, ledger.mint_payment_token

    def counted_fund(account: Address, amount: int) -> None:
        minted.native += amount
        fund(account, amount)

    def counted_mint(token: Address, account: Address, amount: int) -> None:
        minted.tokens[token] = minted.tokens.get(token, 0) + amount
        mint_payment_token(token, account, amount)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ledger, "fund", counted_fund)
        patch.setattr(ledger, "mint_payment_token", counted_mint)
        result = run_demo(ledger, stack.crypto, stack.clock, stack.profiles, stack.operator)
    return Demo(stack, result, minted)


# --- the numbers ----------------------------------------------------------------------------


def test_everyone_withdraws_exactly_what_the_sales_and_royalties_owed(demo: Demo) -> None:
    assert demo.withdrawn() == {
        ("Ayla", "coin"): 7_375 * COIN // 10_000,
        ("Ayla", "USDT"): 24_375 * USDT // 100,
        ("Bo", "coin"): 4_425 * COIN // 10_000,
        ("Bo", "USDT"): 14_625 * USDT // 100,
        ("Cy", "coin"): 295 * COIN // 1_000,
        ("Cy", "USDT"): 975 * USDT // 10,
        ("Dee", "coin"): 175 * COIN // 100,
        ("operator", "coin"): 75 * COIN // 1_000,
        ("operator", "USDT"): 125 * USDT // 10,
    }


@pytest.mark.parametrize(
    ("name", "native", "usdt", "dcmx", "editions"),
    [
        ("Ayla", 10 * COIN + 7_375 * COIN // 10_000, 24_375 * USDT // 100, 0, 0),
        ("Bo", 10 * COIN + 4_425 * COIN // 10_000, 14_625 * USDT // 100, 0, 0),
        ("Cy", 10 * COIN + 295 * COIN // 1_000, 975 * USDT // 10, 0, 0),
        ("Dee", 10 * COIN - COIN + 175 * COIN // 100, 2_000 * USDT, 60 * DCMX, 0),
        ("Eli", 10 * COIN - 2 * COIN, 2_000 * USDT - 500 * USDT, 0, 2),
        ("Mkt", 11 * COIN - 3 * COIN // 10, 0, 0, 0),
        ("Vera", 10 * COIN, 0, 0, 0),
        ("operator", 10 * COIN + 75 * COIN // 1_000, 125 * USDT // 10, 0, 0),
    ],
)
def test_final_holdings(
    demo: Demo, name: str, native: int, usdt: int, dcmx: int, editions: int
) -> None:
    holding = demo.holding(name)
    assert (holding.native, holding.usdt, holding.dcmx, holding.editions) == (
        native,
        usdt,
        dcmx,
        editions,
    )


def test_nobody_is_owed_anything_after_withdrawing(demo: Demo) -> None:
    assert all(h.pending_native == h.pending_usdt == 0 for h in demo.result.holdings)


def test_eli_holds_both_editions(demo: Demo) -> None:
    assert demo.holding("Eli").editions == demo.stack.ledger.release(1).minted == 2


def test_the_dcmx_supply_is_the_one_paid_claim(demo: Demo) -> None:
    assert demo.result.total_supply == demo.stack.ledger.total_supply() == 60 * DCMX


def test_eli_is_erased_and_the_erasure_recorded(demo: Demo) -> None:
    eli = demo.holding("Eli").address
    erasure = demo.stack.profiles.erasure(eli)
    assert demo.stack.profiles.get_profile(eli) is None
    assert erasure is not None
    assert demo.stack.ledger.deletion_request(erasure.request_id).processed_at is not None


# --- conservation ---------------------------------------------------------------------------


def test_native_coin_is_conserved_across_the_accounts(demo: Demo) -> None:
    native = demo.stack.ledger.platform.native
    assert sum(h.native for h in demo.result.holdings) == demo.minted.native == 81 * COIN
    assert sum(native.values()) == demo.minted.native


def test_usdt_is_conserved_across_the_accounts(demo: Demo) -> None:
    balances = demo.stack.ledger.platform.payment_tokens[demo.usdt].balances
    assert sum(h.usdt for h in demo.result.holdings) == demo.minted.tokens[demo.usdt]
    assert sum(balances.values()) == demo.minted.tokens[demo.usdt] == 4_000 * USDT


def test_nothing_is_stuck_in_the_distributor(demo: Demo) -> None:
    ledger = demo.stack.ledger
    distributor = ledger.deployment.royalties
    assert ledger.native_balance(distributor) == 0
    assert ledger.balance_in(demo.usdt, distributor) == 0
    assert ledger.token_balance(distributor) == 0


# --- the command ----------------------------------------------------------------------------


def test_the_cli_prints_its_version() -> None:
    outcome = CliRunner().invoke(app, ["--version"])
    assert outcome.exit_code == 0
    assert outcome.output.strip() == f"dcmx {__version__}"


def test_the_cli_demo_prints_the_tables_and_the_supply() -> None:
    outcome = CliRunner().invoke(app, ["demo"])
    assert outcome.exit_code == 0, outcome.output
    assert "What happened" in outcome.output
    assert "Final balances" in outcome.output
    assert "DCMX total supply: 60" in outcome.output


def test_the_installed_dcmx_command_runs_the_demo() -> None:
    beside_python = Path(sys.executable).parent / "dcmx"
    script = str(beside_python) if beside_python.exists() else shutil.which("dcmx")
    assert script is not None, "the dcmx console script is not installed"
    completed = subprocess.run(
        [script, "demo"], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "DCMX total supply: 60" in completed.stdout


@pytest.mark.parametrize("engine", ["eth-tester", "revm"])
def test_the_demo_runs_on_the_contracts_with_the_same_outcome(engine: str) -> None:
    on_memory = memory_stack(start=START)
    on_evm = evm_stack(engine=engine, start=START)
    expected = run_demo(*_parts(on_memory))
    actual = run_demo(*_parts(on_evm))
    assert [s.what for s in actual.steps] == [s.what for s in expected.steps]
    for mine, theirs in zip(actual.holdings, expected.holdings, strict=True):
        assert (mine.name, mine.usdt, mine.dcmx, mine.editions) == (
            theirs.name,
            theirs.usdt,
            theirs.dcmx,
            theirs.editions,
        )
        assert (mine.pending_native, mine.pending_usdt) == (0, 0)
    assert actual.total_supply == expected.total_supply


def test_the_cli_runs_the_demo_on_the_contracts() -> None:
    result = CliRunner().invoke(app, ["demo", "--ledger", "evm", "--engine", "revm"])
    assert result.exit_code == 0, result.output
    assert "DCMX total supply: 60" in result.output


def _parts(stack: DemoStack) -> tuple[Any, ...]:
    return (stack.ledger, stack.crypto, stack.clock, stack.profiles, stack.operator)
