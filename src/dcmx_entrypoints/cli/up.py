"""``dcmx up``: everything in one process on embedded defaults. A local chain with the five
contracts (an in-process EVM or a local TRON node, journaled in the data directory, so it
survives a restart), the indexer following it into the configured database, and the HTTP API;
the demo day seeded once. On TRON the node's own java-tron HTTP API is served too
(``--node-port``), so that TronWeb, tronpy and ``dcmx deploy`` work on the chain the API
indexes."""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from attrs import frozen
from rich.console import Console
from rich.table import Table

from dcmx_adapters.clock import SystemClock
from dcmx_adapters.journal import JournaledLedger, JournalError
from dcmx_core.exceptions import DcmxError
from dcmx_devnode.server import NodeServer
from dcmx_entrypoints.chain_lock import UP, holding_local_chain
from dcmx_entrypoints.container import Container
from dcmx_entrypoints.demo.cast import CAST, demo_cast
from dcmx_entrypoints.demo.progress import MarkedProgress, stopping_between_steps
from dcmx_entrypoints.demo.scenario import run_demo
from dcmx_entrypoints.demo.stacks import operator_person
from dcmx_entrypoints.http import app_from_container
from dcmx_entrypoints.local_chain import (
    LocalChain,
    LocalChainMismatch,
    LocalEngine,
    journal_path,
    open_local_chain,
)
from dcmx_entrypoints.local_tron import NodeJournaledLedger
from dcmx_entrypoints.running import (
    CommandFailed,
    CommittedProfiles,
    IndexerThread,
    api_server,
    container_on_local_chain,
    listening_socket,
    migrate,
    serve,
    shown_url,
)
from dcmx_entrypoints.settings import LedgerKind, Settings

DEMO_MARK = "demo"
DEMO_STARTED = "demo started"
"""Marked before the demo day is seeded: with it and without ``DEMO_MARK`` the seeding was cut
short (Ctrl-C, a crash), and the chain holds part of the day."""
DEMO_STEPS = "demo steps marked"
"""Marked with ``DEMO_STARTED`` by a seeding that marks each step it does, so that the next
``dcmx up`` finishes the day. A chain started without it (by an earlier version) holds part of
a day that cannot be told apart from the rest: only ``--reset`` starts it over."""
DEFAULT_NODE_PORT: Final = 8090
"""Where a TRON chain's node serves java-tron's HTTP API (java-tron's own port)."""
PRODUCER_POLL_SECONDS = 0.5
INDEXER_POLL_SECONDS = 0.02
"""How often the indexer asks the local chain for its head. The chain is in this process, so
asking costs next to nothing; a block is then readable through the API a median 35-50 ms after
it is made (at the half second ``dcmx index --follow`` polls a node, 330 ms)."""

log = logging.getLogger("dcmx.up")


@frozen
class UpOptions:
    host: str
    port: int
    kind: LedgerKind | None = None
    """The kind of a new local chain (None: the data directory's, else EVM)."""
    engine: LocalEngine | None = None
    demo: bool = True
    reset: bool = False
    node_port: int | None = None
    """Where a TRON chain's node serves java-tron's API (None: ``DEFAULT_NODE_PORT``; 0: not)."""


def run_up(settings: Settings, options: UpOptions, console: Console) -> None:
    """Start everything, serve until SIGINT or SIGTERM, then stop everything in order. The
    local chain is held the whole time: no other process may change it meanwhile."""
    with holding_local_chain(settings.data_dir, UP):
        _run_up(settings, options, console)


def _run_up(settings: Settings, options: UpOptions, console: Console) -> None:
    sock = listening_socket(options.host, options.port)
    try:
        local = _open_chain(settings, options, console)
    except BaseException:
        sock.close()
        raise
    ledger = local.ledger
    try:
        node_api = _node_api(local, options)
    except BaseException:
        ledger.close()
        sock.close()
        raise
    container = container_on_local_chain(settings, local)
    try:
        migrate(container.settings())
        _check_database(container, ledger, options.reset, console)
        seeded = _seed(container, ledger, options.demo, console)
        _introduce(console, container, local, seeded, options, node_api)
        _run(container, local, sock, node_api.server)
    finally:
        if node_api.server is not None:
            node_api.server.stop()
        ledger.close()
        container.shutdown_resources()
        sock.close()


@frozen
class NodeApi:
    """The TRON node's HTTP server, bound but not yet serving (None: not served, for ``why``)."""

    server: NodeServer | None
    why: str = ""


def _node_api(local: LocalChain, options: UpOptions) -> NodeApi:
    """The TRON node's HTTP server on its port. A port asked for that is taken is one line;
    the default port taken (another node on it) is said at start, and the rest runs."""
    if not isinstance(local.ledger, NodeJournaledLedger):
        if options.node_port:
            what = "an EVM chain" if local.engine is not None else "a TRON chain read only"
            raise CommandFailed(f"--node-port serves a TRON chain's node; this one is {what}")
        return NodeApi(None)
    port = DEFAULT_NODE_PORT if options.node_port is None else options.node_port
    if port == 0:
        return NodeApi(None, "not served (--node-port 0)")
    node = local.ledger.node
    try:
        return NodeApi(NodeServer(node, options.host, port, lock=node.lock))
    except OSError as error:
        reason = "the port is taken" if error.errno == errno.EADDRINUSE else error.strerror
        where = f"{_host_in_url(options.host)}:{port}"
        if options.node_port is None:
            return NodeApi(None, f"not served: {where}: {reason} (--node-port chooses another)")
        raise CommandFailed(
            f"cannot serve the TRON node's API on {where}: {reason} "
            "(--node-port chooses another port, --node-port 0 serves none)"
        ) from None


def _open_chain(settings: Settings, options: UpOptions, console: Console) -> LocalChain:
    path = journal_path(settings.data_dir)
    try:
        local = open_local_chain(path, SystemClock(), kind=options.kind, engine=options.engine)
    except (JournalError, LocalChainMismatch) as error:
        if not options.reset:
            raise CommandFailed(
                f"cannot start the local chain: {error}. dcmx up --reset starts a new chain "
                "and keeps this one's journal and database aside"
            ) from None
        return _start_over(settings, options, console)
    marks = local.ledger.marks
    if DEMO_STARTED in marks and DEMO_MARK not in marks and options.demo:
        if not options.reset and DEMO_STEPS in marks:
            return local  # the seeding finishes what is missing
        if not options.reset:
            local.ledger.close()
            raise CommandFailed(
                "the demo day was cut short while it was being seeded, and the chain holds part "
                "of it: dcmx up --reset starts a new chain and keeps this one's journal and "
                "database aside (--no-demo runs this chain as it is)"
            )
        local.ledger.close()
        return _start_over(settings, options, console)
    return local


def _start_over(settings: Settings, options: UpOptions, console: Console) -> LocalChain:
    path = journal_path(settings.data_dir)
    kept = [*_set_aside(path), *_set_aside_database(settings)]
    console.print(f"started over; kept aside: {', '.join(str(k) for k in kept)}")
    return open_local_chain(path, SystemClock(), kind=options.kind, engine=options.engine)


def _check_database(
    container: Container, ledger: JournaledLedger, reset: bool, console: Console
) -> None:
    """The database's checkpoint must be a block of this chain: a chain that differs would
    leave read models of another chain beside this one's."""
    chain = container.chain()
    with container.unit_of_work() as uow:
        checkpoint = uow.checkpoints.get_checkpoint(chain)
    if checkpoint is None:
        return
    head = ledger.head().number
    here = ledger.block(checkpoint.block_number).hash if checkpoint.block_number <= head else None
    if here == checkpoint.block_hash:
        return
    settings = container.settings()
    ours = "no such block" if here is None else here.to_hex()
    problem = (
        f"the local chain does not match the database at {shown_url(settings.database)}: "
        f"block {checkpoint.block_number} is {checkpoint.block_hash.to_hex()} there, {ours} here"
    )
    if not reset:
        raise CommandFailed(
            f"{problem}. dcmx up --reset keeps that database aside and indexes the chain "
            "from scratch into a fresh one"
        )
    container.shutdown_resources()
    kept = _set_aside_database(settings)
    if not kept:
        raise CommandFailed(f"{problem}; --reset sets aside SQLite files only: use an empty one")
    console.print(f"{problem}; kept it aside as {kept[0]} and indexing from scratch")
    migrate(settings)


def _seed(container: Container, ledger: JournaledLedger, wanted: bool, console: Console) -> bool:
    """Seed the demo day once per chain, step by step, each step marked on the chain: one cut
    short is finished by the next run. Ctrl-C (or SIGTERM) stops between two steps, a second
    one at once. Whether the day is in."""
    if DEMO_MARK in ledger.marks:
        return True
    if not wanted:
        return False
    crypto = container.crypto()
    profiles = CommittedProfiles(container.unit_of_work)
    if DEMO_STARTED not in ledger.marks:
        ledger.mark(DEMO_STARTED)
        ledger.mark(DEMO_STEPS)
    with stopping_between_steps() as stopping:
        progress = MarkedProgress(ledger, stopping)
        if progress.steps_done:
            console.print(f"finishing the demo day cut short ({progress.steps_done} steps in)")
        try:
            run_demo(ledger, crypto, SystemClock(), profiles, operator_person(crypto), progress)
        except DcmxError as error:
            raise CommandFailed(
                f"seeding the demo data failed ({error}); start with --no-demo, or over with "
                "--reset"
            ) from None
        ledger.mark(DEMO_MARK)
    return True


def _introduce(
    console: Console,
    container: Container,
    local: LocalChain,
    seeded: bool,
    options: UpOptions,
    node_api: NodeApi,
) -> None:
    url = f"http://{_host_in_url(options.host)}:{options.port}"
    path = local.ledger.journal_path
    how = f"replayed from {path}" if local.replayed else f"new, journaled in {path}"
    head = local.ledger.head().number
    console.print(
        f"DCMX is up: the five contracts on a local {local.runs_on} chain at block {head} ({how})"
    )
    if local.kind is LedgerKind.TRON:
        solid = local.ledger.solidified().head().number
        console.print(f"  indexing  solidified blocks (block {solid} is solidified)")
    console.print(f"  API       {url}")
    console.print(f"  docs      {url}/docs")
    if node_api.server is not None:
        node = node_api.server.url.rstrip("/")
        console.print(f"  TRON node {node} (java-tron's HTTP API: TronWeb, tronpy, dcmx deploy)")
    elif node_api.why:
        console.print(f"  TRON node {node_api.why}")
    console.print(f"  database  {shown_url(container.settings().database)}")
    keccak = container.crypto().keccak256
    accounts = Table(title="Accounts (keys derive from the names)", title_justify="left")
    accounts.add_column("name")
    accounts.add_column("address")
    people = demo_cast(container.crypto())
    tron = local.kind is LedgerKind.TRON
    for someone in people if seeded else people[:1]:
        address = someone.address
        accounts.add_row(
            someone.name, address.to_base58() if tron else address.to_checksum_hex(keccak)
        )
    console.print(accounts)
    if not seeded:
        console.print("no demo data (--no-demo); the demo cast is " + ", ".join(CAST))
    console.print("Ctrl-C stops it.")
    console.file.flush()


def _host_in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _run(
    container: Container,
    local: LocalChain,
    sock: socket.socket,
    node_server: NodeServer | None,
) -> None:
    app = app_from_container(container)
    server = api_server(app)
    stop = threading.Event()

    def failed(_error: BaseException) -> None:
        server.should_exit = True

    indexer = IndexerThread(
        container.indexer(),
        stop,
        follow=True,
        poll_seconds=INDEXER_POLL_SECONDS,
        on_error=failed,
        lease=container.writer_lease(),
    )
    # On TRON the indexer reads solidified blocks: the node must go on making blocks.
    producer = (
        BlockProducer(local.ledger, stop, on_error=failed)
        if local.kind is LedgerKind.TRON
        else None
    )
    threads = [indexer] if producer is None else [indexer, producer]
    for thread in threads:
        thread.start()
    if node_server is not None:
        node_server.start()
    try:
        serve(server, sock)
    finally:
        if node_server is not None:
            node_server.stop()  # no more clients: the chain's last blocks are journaled
        stop.set()
        for thread in threads:
            thread.join()
    if indexer.error is not None:
        raise CommandFailed(f"the indexer stopped: {indexer.error}")
    if producer is not None and producer.error is not None:
        raise CommandFailed(f"the local TRON node stopped making blocks: {producer.error}")


def solidify(ledger: JournaledLedger) -> int:
    """Mine empty blocks on top of blocks that hold transactions (events, on a chain journaled
    by an earlier dcmx up) but are not solidified yet, until they are; how many were mined. A
    TRON network's blocks keep coming and solidify what lies below them; the local node makes
    blocks only when asked. Blocks of transactions without events are solidified too: clients
    of the node's API (``dcmx deploy``, tronpy's ``wait(solid=True)``) wait for them."""
    solid = ledger.solidified().head().number
    head = ledger.head().number
    if head <= solid:
        return 0
    if isinstance(ledger, NodeJournaledLedger):
        pending = ledger.holds_transactions(solid + 1, head)
    else:
        pending = bool(ledger.events(solid + 1, head))
    if not pending:
        return 0
    ledger.mine(head - solid)
    return head - solid


class BlockProducer(threading.Thread):
    """Solidifies what the local TRON chain does (``solidify``), at once and then every
    ``poll_seconds`` until ``stop`` is set; what stopped it with an error is kept in ``error``."""

    def __init__(
        self,
        ledger: JournaledLedger,
        stop: threading.Event,
        *,
        poll_seconds: float = PRODUCER_POLL_SECONDS,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__(name="dcmx-block-producer")
        self.ledger = ledger
        self.stop = stop
        self.poll_seconds = poll_seconds
        self.on_error = on_error
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                mined = solidify(self.ledger)
                if mined:
                    log.info("blocks_mined count=%d reason=solidify", mined)
                self.stop.wait(self.poll_seconds)
        except Exception as error:
            self.error = error
            if self.on_error is not None:
                self.on_error(error)


def _set_aside(path: Path) -> list[Path]:
    """Rename ``path`` out of the way (never delete it); the new name, when there was one."""
    if not path.exists():
        return []
    aside = path.with_name(f"{path.name}.{time.strftime('%Y%m%dT%H%M%S')}.old")
    path.rename(aside)
    return [aside]


def _set_aside_database(settings: Settings) -> list[Path]:
    sqlite_file = settings.sqlite_file
    if sqlite_file is None:
        return []
    kept = _set_aside(sqlite_file)
    for suffix in ("-wal", "-shm"):
        companion = sqlite_file.with_name(sqlite_file.name + suffix)
        if kept and companion.exists():
            companion.rename(kept[0].with_name(kept[0].name + suffix))
    return kept
