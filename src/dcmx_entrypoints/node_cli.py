"""``dcmx node``: the local TRON node on a port, for the tools TRON developers already have
(tronpy, TronWeb, TronBox) and for ``dcmx deploy --network local``."""

from __future__ import annotations

import errno
import sys
import threading
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.server import (
    ACCOUNT_FUNDS,
    FAUCET_PATH,
    TRX,
    DevAccount,
    NodeServer,
    dev_accounts,
)
from dcmx_entrypoints.running import CommandFailed, stop_on_signals


def node(
    host: Annotated[str, typer.Option(help="Listen on this address.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65_535, help="Listen on this port (java-tron's is 8090).")
    ] = 8090,
    block_time: Annotated[
        float,
        typer.Option(
            min=0, help="Seconds between blocks, empty or not (0: a block per transaction)."
        ),
    ] = 3.0,
    accounts: Annotated[
        int, typer.Option(min=0, max=1_000, help="Funded accounts to start with.")
    ] = 10,
    solidify_depth: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Blocks between the head and the solidified head (TRON's networks: 19; "
            "default: 1, or 0 with --block-time 0, where no block follows without a "
            "transaction).",
        ),
    ] = None,
    free: Annotated[
        bool,
        typer.Option(
            "--free", help="Charge nothing (default: mainnet's fees, bandwidth and energy)."
        ),
    ] = False,
) -> None:
    """Run a local TRON node: java-tron's HTTP API (wallet/..., walletsolidity/...) on revm,
    with funded accounts and a faucet, until Ctrl-C."""
    depth = solidify_depth if solidify_depth is not None else (1 if block_time > 0 else 0)
    local = LocalTronNode(solidify_depth=depth, free=free)
    funded = dev_accounts(accounts)
    for account in funded:
        local.fund(account.address, ACCOUNT_FUNDS)
    try:
        server = NodeServer(local, host, port, block_time)
    except OSError as error:
        reason = "the port is taken" if error.errno == errno.EADDRINUSE else error.strerror
        raise CommandFailed(f"cannot listen on {host}:{port}: {reason}") from None
    _introduce(server.url, funded, block_time, depth)
    stop = threading.Event()
    server.start()
    try:
        with stop_on_signals(stop):
            stop.wait()
    finally:
        server.stop()


def _introduce(url: str, funded: list[DevAccount], block_time: float, depth: int) -> None:
    console = Console() if sys.stdout.isatty() else Console(width=140)
    blocks = f"a block every {block_time:g} s" if block_time else "a block per transaction"
    console.print(f"a local TRON node at {url} ({blocks}, solidified {depth} behind the head)")
    console.print(f'  faucet  POST {url}{FAUCET_PATH} {{"address": "T…", "amount": <sun>}}')
    if funded:
        table = Table(
            title=f"Accounts ({ACCOUNT_FUNDS // TRX:,} TRX each; publicly known keys: "
            "a local chain's only)",
            title_justify="left",
        )
        table.add_column("address")
        table.add_column("private key")
        for account in funded:
            table.add_row(account.address, account.key)
        console.print(table)
    console.print("Ctrl-C stops it.")
    console.file.flush()


def register(app: typer.Typer) -> None:
    """Add ``node`` to the ``dcmx`` command."""
    app.command()(node)
