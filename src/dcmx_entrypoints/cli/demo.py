"""``dcmx demo``: a scripted day on a fresh ledger, and who holds what at its end."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from dcmx_core.model.values import Address, Keccak
from dcmx_entrypoints.units import format_units

if TYPE_CHECKING:  # the ledgers load when the demo runs
    from dcmx_entrypoints.demo.scenario import DemoResult


class LedgerChoice(StrEnum):
    memory = "memory"
    evm = "evm"
    tron = "tron"


class EngineChoice(StrEnum):
    eth_tester = "eth-tester"
    revm = "revm"


def demo(
    ledger: Annotated[
        LedgerChoice,
        typer.Option(
            help="memory: the rules themselves; evm: the five contracts; tron: the five "
            "contracts on a local TRON node."
        ),
    ] = LedgerChoice.memory,
    engine: Annotated[
        EngineChoice, typer.Option(help="The in-process EVM for --ledger evm.")
    ] = EngineChoice.eth_tester,
    start: Annotated[
        int,
        typer.Option(help="Block time of the first block (Unix seconds); reproducible runs."),
    ] = 1_767_225_600,
) -> None:
    """Run a scripted day on a fresh ledger and print what happened and who holds what."""
    from dcmx_entrypoints.demo.scenario import run_demo
    from dcmx_entrypoints.demo.stacks import evm_stack, memory_stack, tron_stack

    if ledger is LedgerChoice.memory:
        stack = memory_stack(start=start)
    elif ledger is LedgerChoice.tron:
        stack = tron_stack(start=start)
    else:
        stack = evm_stack(engine=engine.value, start=start)
    result = run_demo(stack.ledger, stack.crypto, stack.clock, stack.profiles, stack.operator)
    # A pipe or a log file gets the full width, not rich's 80-column fallback.
    console = Console() if sys.stdout.isatty() else Console(width=120)
    _print_demo(console, result, stack.crypto.keccak256, tron=ledger is LedgerChoice.tron)


def _short(address: Address, keccak: Keccak, *, tron: bool) -> str:
    """The address as its chain writes it (base58check ``T…`` on TRON), shortened."""
    text = address.to_base58() if tron else address.to_checksum_hex(keccak)
    return f"{text[:6]}…{text[-4:]}"


def _print_demo(console: Console, result: DemoResult, keccak: Keccak, *, tron: bool) -> None:
    steps = Table(title="What happened", title_justify="left")
    steps.add_column("block", justify="right")
    steps.add_column("event")
    for step in result.steps:
        steps.add_row(str(step.block), step.what)
    console.print(steps)

    balances = Table(title="Final balances", title_justify="left")
    for name, justify in (
        ("account", "left"),
        ("address", "left"),
        ("coin", "right"),
        ("USDT", "right"),
        ("DCMX", "right"),
        ("NFTs", "right"),
        ("owed coin", "right"),
        ("owed USDT", "right"),
    ):
        balances.add_column(name, justify=justify)  # type: ignore[arg-type]
    for h in result.holdings:
        balances.add_row(
            h.name,
            _short(h.address, keccak, tron=tron),
            format_units(h.native, 18),
            format_units(h.usdt, 6),
            format_units(h.dcmx, 18),
            str(h.editions),
            format_units(h.pending_native, 18),
            format_units(h.pending_usdt, 6),
        )
    console.print(balances)
    console.print(f"DCMX total supply: {format_units(result.total_supply, 18)}")


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the ``dcmx`` command."""
    app.command()(demo)
