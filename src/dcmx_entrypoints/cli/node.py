"""``dcmx node``: the local TRON node on a port, for the tools TRON developers already have
(tronpy, TronWeb, TronBox) and for ``dcmx deploy --network local``."""

from __future__ import annotations

import errno
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, NoReturn

import typer
from attrs import frozen
from rich.console import Console
from rich.table import Table

from dcmx_entrypoints.failures import CommandFailed
from dcmx_entrypoints.stopping import stop_on_signals

if TYPE_CHECKING:  # the node (revm) loads when it runs, not when dcmx reads its options
    from dcmx_devnode.journal import JournaledNode
    from dcmx_devnode.node import LocalTronNode
    from dcmx_devnode.server import DevAccount

NODE_JOURNAL: Final = "node.jsonl"
NODE_OWNER: Final = "dcmx node"
"""What the journal's first line says it was started by (``dcmx up`` journals its own)."""
DEFAULT_ACCOUNTS: Final = 10


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
        int | None,
        typer.Option(
            min=0, max=1_000, help="Funded accounts a new chain starts with (default: 10)."
        ),
    ] = None,
    solidify_depth: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Blocks between the head and the solidified head (TRON's networks: 19; "
            "default: 1, or 0 with --block-time 0, where no block follows without a "
            "transaction).",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            help="Keep the chain in this directory (its journal, node.jsonl) and carry on "
            "from it on the next start (default: in memory only, lost on stop).",
        ),
    ] = None,
    reset: Annotated[
        bool,
        typer.Option(
            help="With --data-dir: set the directory's chain aside (renamed, never deleted) "
            "and start a new one."
        ),
    ] = False,
    free: Annotated[
        bool,
        typer.Option(
            "--free", help="Charge nothing (default: mainnet's fees, bandwidth and energy)."
        ),
    ] = False,
) -> None:
    """Run a local TRON node: java-tron's HTTP API (wallet/..., walletsolidity/...) on revm,
    with funded accounts and a faucet, until Ctrl-C."""
    from dcmx_devnode import journal
    from dcmx_devnode.journal import JournaledNode, JournalInUse

    chain = ChainOptions(accounts, solidify_depth, 1 if block_time > 0 else 0, free)
    if data_dir is None:
        if reset:
            _refuse("--reset sets aside the chain of a --data-dir; without one nothing is kept")
        _serve(_in_memory(chain), host, port, block_time)
        return
    path = data_dir / NODE_JOURNAL
    try:
        with journal.holding(path):
            opened = _journaled(path, chain, reset)
            try:
                _serve(opened, host, port, block_time)
            finally:
                if isinstance(opened.node, JournaledNode):
                    opened.node.close()
    except JournalInUse:
        _refuse(f"the chain in {data_dir} is in use by another process (a dcmx node on it)")
    except OSError as error:  # the directory cannot be made, read or written
        _refuse(f"cannot keep the chain in {data_dir}: {error.strerror or error}")


@frozen
class ChainOptions:
    accounts: int | None
    solidify_depth: int | None
    default_depth: int
    free: bool = False


@frozen
class OpenNode:
    node: LocalTronNode
    funded: list[DevAccount]
    how: str


def _in_memory(chain: ChainOptions) -> OpenNode:
    from dcmx_devnode.node import LocalTronNode
    from dcmx_devnode.server import ACCOUNT_FUNDS, dev_accounts

    depth = chain.solidify_depth if chain.solidify_depth is not None else chain.default_depth
    local = LocalTronNode(solidify_depth=depth, free=chain.free)
    funded = dev_accounts(chain.accounts if chain.accounts is not None else DEFAULT_ACCOUNTS)
    for account in funded:
        local.fund(account.address, ACCOUNT_FUNDS)
    return OpenNode(local, funded, "in memory only (--data-dir keeps it)")


def _journaled(path: Path, chain: ChainOptions, reset: bool) -> OpenNode:
    """The chain journaled at ``path``, replayed, or a new one (``reset``: whatever is there
    set aside first); one line and exit code 2 for a journal that cannot be replayed."""
    from dcmx_adapters.journal import JournalError
    from dcmx_devnode import journal
    from dcmx_devnode.server import dev_accounts

    kept = _set_aside(path) if reset else None
    if _first_entry(path) is None:
        opened = _new(path, chain)
        return OpenNode(opened.node, opened.funded, _how(opened.how, kept))
    try:
        local, genesis = journal.replay(path, time.time)
    except JournalError as error:
        _refuse(
            f"cannot replay the chain in {path.parent}: {error}. dcmx node --reset sets it "
            "aside (renamed, never deleted) and starts a new chain"
        )
    if genesis.get("by") != NODE_OWNER:
        local.close()
        _refuse(
            f"{path} journals a chain of {genesis.get('by') or 'another program'}, not of "
            "dcmx node: use another --data-dir, or --reset to set it aside"
        )
    count = int(genesis.get("accounts", 0))
    _check_same(local, path, chain, count)
    replayed = f"replayed from {path}"
    if local.torn_bytes:
        replayed += f"; a torn last line ({local.torn_bytes} bytes, a crash) was dropped"
    return OpenNode(local, dev_accounts(count), replayed)


def _first_entry(path: Path) -> dict[str, object] | None:
    """The journal's first line (None: no chain yet); one line and exit 2 for garbage."""
    from dcmx_adapters.journal import JournalError, first_entry

    try:
        return first_entry(path)
    except JournalError as error:
        _refuse(
            f"cannot replay the chain in {path.parent}: {error}. dcmx node --reset sets it "
            "aside (renamed, never deleted) and starts a new chain"
        )


def _new(path: Path, chain: ChainOptions) -> OpenNode:
    from dcmx_devnode import journal
    from dcmx_devnode.server import ACCOUNT_FUNDS, dev_accounts

    depth = chain.solidify_depth if chain.solidify_depth is not None else chain.default_depth
    count = chain.accounts if chain.accounts is not None else DEFAULT_ACCOUNTS
    described = {"by": NODE_OWNER, "accounts": count}
    options = {"solidify_depth": depth, "free": chain.free}
    local = journal.start(path, time.time, options, described)
    funded = dev_accounts(count)
    for account in funded:
        local.fund(account.address, ACCOUNT_FUNDS)
    return OpenNode(local, funded, f"new, journaled in {path}")


def _check_same(local: JournaledNode, path: Path, chain: ChainOptions, count: int) -> None:
    """A replayed chain keeps what it was started with: options that say otherwise are refused
    rather than ignored."""
    problem = None
    if chain.solidify_depth is not None and chain.solidify_depth != local.solidify_depth:
        blocks = "block" if local.solidify_depth == 1 else "blocks"
        problem = (
            f"solidifies {local.solidify_depth} {blocks} behind the head, "
            f"not {chain.solidify_depth}"
        )
    elif chain.accounts is not None and chain.accounts != count:
        problem = f"started with {count} funded accounts, not {chain.accounts}"
    elif chain.free and not local.free:
        problem = "charges what mainnet charges, not nothing (--free)"
    if problem is not None:
        local.close()
        _refuse(
            f"the chain in {path.parent} {problem}: leave the option out, or start a new "
            "chain with --reset"
        )


def _how(how: str, kept: Path | None) -> str:
    return how if kept is None else f"{how}; the old chain kept aside as {kept}"


def _set_aside(path: Path) -> Path | None:
    """Rename the journal out of the way (never delete it); its new name, when there was one."""
    if not path.exists():
        return None
    aside = path.with_name(f"{path.name}.{time.strftime('%Y%m%dT%H%M%S')}.old")
    path.rename(aside)
    return aside


def _serve(opened: OpenNode, host: str, port: int, block_time: float) -> None:
    from dcmx_devnode.journal import JournaledNode
    from dcmx_devnode.server import NodeServer

    lock = opened.node.lock if isinstance(opened.node, JournaledNode) else None
    try:
        server = NodeServer(opened.node, host, port, block_time, opened.funded, lock=lock)
    except OSError as error:
        reason = "the port is taken" if error.errno == errno.EADDRINUSE else error.strerror
        raise CommandFailed(f"cannot listen on {host}:{port}: {reason}") from None
    _introduce(server.url, opened.funded, block_time, opened.node.solidify_depth, opened.how)
    stop = threading.Event()
    server.start()
    try:
        with stop_on_signals(stop):
            stop.wait()
    finally:
        server.stop()


def _refuse(line: str) -> NoReturn:
    """One line on stderr and exit code 2: the chain the command was pointed at cannot be run."""
    print(f"dcmx: {line}", file=sys.stderr)
    raise typer.Exit(2)


def _introduce(url: str, funded: list[DevAccount], block_time: float, depth: int, how: str) -> None:
    from dcmx_devnode.server import ACCOUNT_FUNDS, ACCOUNTS_PATH, FAUCET_PATH, TRX

    console = Console() if sys.stdout.isatty() else Console(width=140)
    blocks = f"a block every {block_time:g} s" if block_time else "a block per transaction"
    console.print(f"a local TRON node at {url} ({blocks}, solidified {depth} behind the head)")
    console.print(f"  chain   {how}")
    console.print(f'  faucet  POST {url}{FAUCET_PATH} {{"address": "T…", "amount": <sun>}}')
    if funded:
        console.print(f"  keys    GET {url}{ACCOUNTS_PATH} (TronBox's tronbox test reads them)")
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
