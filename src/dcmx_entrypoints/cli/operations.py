"""The operational verbs of the ``dcmx`` command: ``up``, ``index``, ``serve`` and ``status``.

Each reads the settings once, builds what it needs through the container, and fails with one
line on stderr and a non-zero exit code (``cli.main`` prints it) for every expected failure.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dcmx_entrypoints.failures import CommandFailed

if TYPE_CHECKING:  # each command loads its stack when it runs
    from rich.console import Console

    from dcmx_entrypoints.container import Container

LocalChainOption = Annotated[
    bool,
    typer.Option(
        "--local-chain",
        help="Read the local chain dcmx up keeps in the data directory (replayed from its "
        "journal) instead of the configured ledger.",
    ),
]


class UpEngine(StrEnum):
    revm = "revm"
    eth_tester = "eth-tester"


class UpChain(StrEnum):
    evm = "evm"
    tron = "tron"


def _container(local_chain: bool) -> Container:
    from dcmx_adapters.clock import SystemClock
    from dcmx_entrypoints.container import container_for
    from dcmx_entrypoints.local_chain import LocalChainMismatch, journal_path, open_local_chain
    from dcmx_entrypoints.running import container_on_local_chain
    from dcmx_entrypoints.settings import Settings

    settings = Settings.load()
    if not local_chain:
        return container_for(settings)
    try:
        local = open_local_chain(journal_path(settings.data_dir), SystemClock(), writable=False)
    except LocalChainMismatch as error:
        raise CommandFailed(str(error)) from None
    return container_on_local_chain(settings, local)


HostOption = Annotated[
    str | None, typer.Option(help="Listen on this address (default: DCMX_API_HOST).")
]
PortOption = Annotated[
    int | None,
    typer.Option(min=1, max=65_535, help="Listen on this port (default: DCMX_API_PORT)."),
]


def _stdout() -> Console:
    from rich.console import Console

    # A pipe or a log file gets the full width, not rich's 80-column fallback.
    return Console() if sys.stdout.isatty() else Console(width=120)


def up(
    host: HostOption = None,
    port: PortOption = None,
    chain: Annotated[
        UpChain | None,
        typer.Option(
            help="A new local chain's kind: evm, the contracts on an in-process EVM, or tron, "
            "on a local TRON node (default: the data directory's chain, else evm)."
        ),
    ] = None,
    engine: Annotated[
        UpEngine | None,
        typer.Option(help="The in-process EVM of a new local EVM chain (default: revm)."),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Seed the demo day (once per chain).")
    ] = True,
    reset: Annotated[
        bool,
        typer.Option(
            help="When the local chain cannot be replayed or does not match the database, "
            "set them aside (renamed, never deleted) and start over."
        ),
    ] = False,
    node_port: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=65_535,
            help="On a TRON chain, serve its node's java-tron HTTP API (for TronWeb, tronpy, "
            "dcmx deploy) on this port; 0 serves none (default: 8090).",
        ),
    ] = None,
) -> None:
    """Run a local chain, the indexer following it and the HTTP API, all in one process (on a
    TRON chain, its node's java-tron API too)."""
    if chain is UpChain.tron and engine is not None:
        raise typer.BadParameter("--engine chooses the EVM of an EVM chain, not of a TRON one")
    from dcmx_entrypoints.cli.up import UpOptions, run_up
    from dcmx_entrypoints.local_chain import LocalEngine
    from dcmx_entrypoints.settings import LedgerKind, Settings

    settings = Settings.load()
    options = UpOptions(
        host=host or settings.api_host,
        port=port or settings.api_port,
        kind=LedgerKind(chain.value) if chain is not None else None,
        engine=LocalEngine(engine.value) if engine is not None else None,
        demo=demo,
        reset=reset,
        node_port=node_port,
    )
    run_up(settings, options, _stdout())


def index(
    first: Annotated[
        int | None,
        typer.Option(
            "--from",
            min=0,
            help="The first block (default: the one after the checkpoint, the latest it can be).",
        ),
    ] = None,
    last: Annotated[
        int | None,
        typer.Option("--to", min=0, help="The last block (default: the confirmed head)."),
    ] = None,
    follow: Annotated[
        bool, typer.Option(help="Keep following the head until SIGINT or SIGTERM.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the final status as JSON.")] = (
        False
    ),
    quiet: Annotated[bool, typer.Option(help="No progress bar: plain progress lines.")] = False,
    local_chain: LocalChainOption = False,
) -> None:
    """Index the configured ledger into the configured database (migrated first)."""
    if first is not None and last is not None and first > last:
        raise typer.BadParameter(f"--from {first} is after --to {last}")
    if follow and last is not None:
        raise typer.BadParameter("--follow keeps going past any --to: give one of them")
    from rich.console import Console

    from dcmx_entrypoints.cli.index import IndexRun, run_index, summary
    from dcmx_entrypoints.running import migrate

    container = _container(local_chain)
    migrate(container.settings())
    errors = Console(stderr=True)
    run = IndexRun(first, last, follow, bar=errors.is_terminal and not quiet)
    try:
        record = run_index(container, run, errors)
    finally:
        container.shutdown_resources()
    if as_json:
        typer.echo(json.dumps(record))
    else:
        typer.echo(summary(record))


def serve_api(
    host: HostOption = None,
    port: PortOption = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Serve from this many processes on the one port (about two a CPU core: "
            "each reads the database in place, and waits on it about as long as it computes).",
        ),
    ] = 1,
    local_chain: LocalChainOption = False,
) -> None:
    """Serve the HTTP API over the read models (no indexer: run one beside it)."""
    if workers > 1 and local_chain:
        raise CommandFailed("--workers needs a shared ledger; --local-chain serves one process")
    from dcmx_entrypoints.http import app_from_container
    from dcmx_entrypoints.running import (
        api_server,
        listening_socket,
        serve,
        serve_in_processes,
    )
    from dcmx_entrypoints.settings import KeystoreSetting

    container = _container(local_chain)
    settings = container.settings()
    operator = container.operator_signer()
    if isinstance(operator, KeystoreSetting):  # a wrong password fails now, not at a write
        operator.open()
    host, port = host or settings.api_host, port or settings.api_port
    several = workers > 1
    sock = listening_socket(host, port, shared=several, listen=not several)
    processes = f" from {workers} processes" if several else ""
    try:
        typer.echo(f"serving the DCMX API on http://{host}:{port}{processes} (docs: /docs)")
        if several:
            # Each process builds its own app after the fork: database connections and
            # ledger clients are not shared between processes.
            sys.stdout.flush()
            serve_in_processes(
                lambda: api_server(app_from_container(container, processes=workers)),
                sock,
                workers,
            )
        else:
            # The local chain is opened to be read (dcmx up or the verbs change it): no writes.
            # It follows the chain's journal, to show what dcmx up and the verbs add to it.
            app = app_from_container(container, writes=not local_chain)
            serve(api_server(app), sock, following=container.ledger() if local_chain else None)
    finally:
        sock.close()
        container.shutdown_resources()


def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
    local_chain: LocalChainOption = False,
) -> None:
    """Where the chain is, where the read models are, and whether the database is healthy."""
    container = _container(local_chain)
    try:
        record = _status_record(container)
    finally:
        container.shutdown_resources()
    if as_json:
        typer.echo(json.dumps(record))
        return
    from rich.table import Table

    table = Table(title="DCMX status", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value")
    for name, value in record.items():
        table.add_row(name.replace("_", " "), "-" if value is None else str(value))
    _stdout().print(table)


def _status_record(container: Container) -> dict[str, Any]:
    from dcmx_entrypoints.running import database_health, indexed_block

    health = database_health(container)
    chain = container.chain()
    try:
        head = container.ledger().head().number
    except Exception as error:  # any ledger: a node that does not answer, a bad reply
        raise CommandFailed(f"cannot reach the ledger: {type(error).__name__}: {error}") from None
    indexed = indexed_block(container.unit_of_work(), chain) if health.revision else None
    return {
        "chain": chain,
        "head": head,
        "indexed": indexed,
        "lag": head - (-1 if indexed is None else indexed),
        "database": health.url,
        "database_reachable": True,
        "schema_revision": health.revision,
        "schema_newest": health.newest,
        "schema_current": health.current,
    }


def register(app: typer.Typer) -> None:
    """Add the operational verbs to the ``dcmx`` command."""
    app.command()(up)
    app.command()(index)
    app.command("serve")(serve_api)
    app.command()(status)
