"""Hardhat Network as an EVM node for the tests: one nobody here wrote, so the JSON-RPC adapter
is checked against a real node's answers (error shapes, pending blocks, fees) rather than only
against eth-tester, which shares web3.py's assumptions.

Hardhat 2 is pinned in ``hardhat/package.json`` and its lockfile, installed from the npm
registry with ``npm ci`` (as contracts/compile.py installs solc), and started with
``hardhat node`` on a free loopback port in a process group of its own, which is stopped
whatever happens. Telemetry and prompts are off, so it neither blocks nor reaches out.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache as memoized
from pathlib import Path

from attrs import frozen
from eth_account import Account
from eth_typing import ChecksumAddress

PROJECT = Path(__file__).resolve().parent.parent / "hardhat"
"""The pinned Hardhat: package.json, package-lock.json and hardhat.config.js."""
PROJECT_FILES = ("package.json", "package-lock.json", "hardhat.config.js")
CHAIN_ID = 31337
MNEMONIC = "test test test test test test test test test test test junk"
ACCOUNTS = 20
START_TIMEOUT = 60.0
STOP_GRACE = 5.0
ENVIRONMENT = {
    # No telemetry question (it would wait on stdin); CI: non-interactive, no other prompt.
    "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true",
    "CI": "1",
    "NO_COLOR": "1",  # a plain log, for the tail quoted when the node fails to start
}


@frozen
class HardhatNode:
    """A running node: its JSON-RPC URL, chain id, and the funded accounts Hardhat creates from
    its well-known mnemonic, as (checksummed address, private key) pairs."""

    url: str
    chain_id: int
    accounts: tuple[tuple[ChecksumAddress, bytes], ...]


@contextmanager
def hardhat_node(*, cache: Path | None = None) -> Iterator[HardhatNode]:
    """A fresh Hardhat node for the duration of the ``with`` block.

    ``cache`` is the folder Hardhat is installed into and run from; by default the repository's
    ``hardhat/`` folder (its ``node_modules/`` is git-ignored). Another folder gets copies of the
    pinned files first, for a checkout that must stay untouched.
    """
    folder = install(cache or PROJECT)
    scratch = Path(tempfile.mkdtemp(prefix="dcmx-hardhat-"))
    log_path = scratch / "hardhat.log"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        _tool("node"),
        str(folder / "node_modules" / ".bin" / "hardhat"),
        "node",
        "--hostname",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    try:
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=folder,
                env={**os.environ, **ENVIRONMENT},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so that stop() gets it all
            )
        try:
            _wait_until_ready(process, url, log_path)
            yield HardhatNode(url=url, chain_id=CHAIN_ID, accounts=default_accounts())
        finally:
            _stop(process)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def install(folder: Path) -> Path:
    """Install the pinned Hardhat into ``folder`` unless the installed tree is as new as the
    lockfile: ``npm ci`` writes ``node_modules/.package-lock.json`` after the lockfile, so an
    older or missing one means nothing, or something stale, is installed."""
    folder.mkdir(parents=True, exist_ok=True)
    if folder.resolve() != PROJECT.resolve():
        for name in PROJECT_FILES:
            source, target = PROJECT / name, folder / name
            if not target.exists() or target.read_bytes() != source.read_bytes():
                shutil.copy2(source, target)  # keeps the lockfile's time, for the check below
    installed = folder / "node_modules" / ".package-lock.json"
    lockfile = folder / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lockfile.stat().st_mtime:
        subprocess.run(
            [_tool("npm"), "ci", "--no-audit", "--no-fund"],
            cwd=folder,
            env={**os.environ, **ENVIRONMENT},
            check=True,
        )
    return folder


@memoized
def default_accounts() -> tuple[tuple[ChecksumAddress, bytes], ...]:
    """Hardhat's 20 funded accounts: m/44'/60'/0'/0/i of its public test mnemonic."""
    Account.enable_unaudited_hdwallet_features()
    derived = (
        Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
        for index in range(ACCOUNTS)
    )
    return tuple((account.address, bytes(account.key)) for account in derived)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"Hardhat needs {name} (Node.js) on the PATH")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll ``eth_chainId`` until Hardhat's answer; fail with the log's end if it exits first or
    does not answer in time (the first start after an install compiles nothing but still loads
    a few hundred modules)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"hardhat node exited with {process.returncode} before answering:\n{_tail(log)}"
            )
        chain_id = _chain_id(url)
        if chain_id is not None:
            if chain_id != CHAIN_ID:
                raise RuntimeError(f"{url} answers chain id {chain_id}, not Hardhat's {CHAIN_ID}")
            return
        time.sleep(0.1)
    raise RuntimeError(f"hardhat node did not answer within {START_TIMEOUT:.0f} s:\n{_tail(log)}")


def _chain_id(url: str) -> int | None:
    """The node's chain id, or None while nothing answers yet."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return int(json.load(response)["result"], 16)
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
    ):  # refused, reset, timed out, not JSON-RPC yet
        return None


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group; SIGKILL to whatever of it is left once the node has exited
    or the grace time is up (a group with no one left raises ProcessLookupError)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_GRACE)
    process.wait()


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
