"""The ``dcmx`` command."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from typing import Annotated, NoReturn

import requests
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from dcmx_adapters.journal import JournalError
from dcmx_adapters.sql.database import UnsupportedDatabaseUrl, upgrade
from dcmx_core import __version__
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.values import Address, Keccak
from dcmx_entrypoints import apikeys_cli, deploying, node_cli, operations, verbs
from dcmx_entrypoints.demo.scenario import DemoResult, run_demo
from dcmx_entrypoints.demo.stacks import evm_stack, memory_stack, tron_stack
from dcmx_entrypoints.failures import CommandFailed, unreachable
from dcmx_entrypoints.settings import Settings, SettingsError
from dcmx_entrypoints.units import format_units

app = typer.Typer(
    help="DCMX Core: the Web3 back end of the DCMX music platform.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dcmx {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """DCMX Core: the Web3 back end of the DCMX music platform."""


class LedgerChoice(StrEnum):
    memory = "memory"
    evm = "evm"
    tron = "tron"


class EngineChoice(StrEnum):
    eth_tester = "eth-tester"
    revm = "revm"


@app.command()
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


db = typer.Typer(help="The read-model database.", no_args_is_help=True)
app.add_typer(db, name="db")


@db.command("upgrade")
def db_upgrade(
    url: Annotated[
        str | None,
        typer.Option(
            envvar="DCMX_DATABASE_URL",
            help="postgresql+psycopg://… or sqlite:///path (default: $DCMX_DATABASE_URL, "
            "else the SQLite file in the data directory).",
        ),
    ] = None,
) -> None:
    """Bring the database to the newest schema (an empty one gets every table)."""
    if not url:
        settings = Settings.load()
        url = settings.database
        if settings.sqlite_file is not None:
            settings.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(url)
    except UnsupportedDatabaseUrl as error:
        raise typer.BadParameter(str(error)) from None
    except OperationalError as error:
        typer.echo(f"dcmx: cannot reach {_without_password(url)}: {error.orig}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"database at {_without_password(url)} is at the newest schema")


def _without_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


operations.register(app)
verbs.register(app)
deploying.register(app)
apikeys_cli.register(app)
node_cli.register(app)


def main() -> None:
    """Console-script entry: expected failures (a refusal, a bad setting, a database or port
    that is not there) become one line on stderr and a non-zero exit code."""
    logging.basicConfig(format="dcmx: %(levelname)s: %(message)s", level=logging.WARNING)
    try:
        code = app(prog_name="dcmx", standalone_mode=False)
    except typer.TyperException as error:  # the command line is wrong: where, and why
        _usage_failure(error)
    except typer.Abort:
        print("dcmx: aborted", file=sys.stderr)
        sys.exit(1)
    except SettingsError as error:
        print(f"dcmx: {_one_line(error)}", file=sys.stderr)
        sys.exit(2)
    except (DcmxError, CommandFailed, JournalError) as error:
        print(f"dcmx: {_one_line(error)}", file=sys.stderr)
        sys.exit(1)
    except requests.RequestException as error:
        print(f"dcmx: {unreachable(error)}", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _usage_failure(error: typer.TyperException) -> NoReturn:
    message = error.format_message()
    # A group called bare shows its help (typer itself tells this error by its name).
    if type(error).__name__ == "NoArgsIsHelpError":
        if message.strip():
            print(message, file=sys.stderr)
        sys.exit(error.exit_code)
    context = getattr(error, "ctx", None)
    path = context.command_path.partition(" ")[2] if context is not None else ""
    where = f"{path}: " if path else ""
    print(f"dcmx: {where}{' '.join(message.split())}", file=sys.stderr)
    sys.exit(error.exit_code)


def _one_line(error: Exception) -> str:
    # Driver messages (psycopg's) can run over several lines.
    return " ".join(str(error).split())
