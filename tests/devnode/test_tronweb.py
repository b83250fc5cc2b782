"""TronWeb 6, the JavaScript client most TRON developers use, unmodified, against ``dcmx node``
started as a process: ``tronweb/smoke.js`` reads blocks and accounts, sends TRX, deploys a
contract, calls and sends to it, reads its events from the TronGrid-style event API once
solidified, checks that refusals and reverts reach it as java-tron's, that what a transfer and
a call cost is what the node took, and stakes, delegates and unstakes with Stake 2.0.

TronWeb is pinned in ``tronweb/package.json`` and its lockfile and installed from the npm
registry with ``npm ci`` when the installed tree is missing or older than the lockfile (as
``tests/hardhat_node.py`` installs Hardhat). Off unless ``DCMX_TRONWEB=1`` (``nox -s tronweb``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dcmx_devnode.server import dev_accounts
from tests.e2e.test_operations import STARTUP_SECONDS, dcmx_script, environment, free_port

pytestmark = pytest.mark.skipif(
    os.environ.get("DCMX_TRONWEB") != "1",
    reason="runs TronWeb from npm: nox -s tronweb, or set DCMX_TRONWEB=1",
)

PROJECT = Path(__file__).resolve().parents[2] / "tronweb"
"""The pinned TronWeb (package.json, package-lock.json) and the smoke script."""
SMOKE_SECONDS = 120
STEPS = [
    "isConnected",
    "getNowBlock",
    "getBlock",
    "getAccount",
    "getAccountResources",
    "sendTransaction",
    "transferFee",
    "deployContract",
    "call",
    "send",
    "events",
    "callFee",
    "refusedTransfer",
    "revertedCall",
    "freeze",
    "delegate",
    "unfreeze",
    "done",
]
"""What smoke.js prints, in order, when every step passed."""


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"TronWeb needs {name} (Node.js) on the PATH")
    return found


def install(folder: Path = PROJECT) -> Path:
    """``npm ci`` the pinned TronWeb into ``folder`` unless the installed tree is as new as the
    lockfile (``npm ci`` writes ``node_modules/.package-lock.json`` after it)."""
    installed = folder / "node_modules" / ".package-lock.json"
    lockfile = folder / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lockfile.stat().st_mtime:
        subprocess.run(
            [_tool("npm"), "ci", "--no-audit", "--no-fund"],
            cwd=folder,
            env={**os.environ, "CI": "1", "NO_COLOR": "1"},
            check=True,
            timeout=600,
        )
    return folder


@pytest.fixture(scope="module")
def tronweb() -> Path:
    return install()


@pytest.fixture(scope="module", params=["0.5", "0"], ids=["timer", "per-transaction"])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dcmx node`` on a free port with three funded accounts: a block every half second, or
    a block per transaction (its head is then the first block until a transaction comes)."""
    folder = tmp_path_factory.mktemp("node")
    port = free_port()
    log = folder / "node.out"
    block_time = str(request.param)
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                dcmx_script(),
                "node",
                "--port",
                str(port),
                "--block-time",
                block_time,
                "--accounts",
                "3",
            ],
            env=environment(folder),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_it_answers(process, url, log)
            yield url
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(10) == 130, log.read_text()  # Ctrl-C: told as interrupted


def wait_until_it_answers(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(f"{url}/wallet/getnowblock", timeout=2)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "dcmx node never answered"
            time.sleep(0.2)


def smoke(tronweb: Path, url: str, key: str) -> tuple[int, list[dict[str, Any]], str]:
    """Run smoke.js; its exit status, the steps it printed, and what it said on stderr."""
    done = subprocess.run(
        [_tool("node"), str(tronweb / "smoke.js"), url, key],
        cwd=tronweb,
        capture_output=True,
        text=True,
        timeout=SMOKE_SECONDS,
    )
    steps = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, steps, done.stderr


def test_tronweb_does_everything_a_dapp_does_on_the_node(tronweb: Path, node: str) -> None:
    key = dev_accounts(3)[0].key
    status, steps, stderr = smoke(tronweb, node, key)
    failed = [step for step in steps if not step["ok"]]
    assert not failed, f"{failed}\n{stderr}"
    assert status == 0, stderr
    assert [step["step"] for step in steps] == STEPS
    by_name = {step["step"]: step for step in steps}
    assert by_name["refusedTransfer"]["code"] == "CONTRACT_VALIDATE_ERROR"
    assert by_name["revertedCall"]["receipt"] == "REVERT"
    assert by_name["events"]["event"] == (
        "Transfer(address indexed from, address indexed to, uint256 value)"
    )


def test_a_failing_step_is_reported_and_stops_the_run(tronweb: Path, node: str) -> None:
    unfunded = "11" * 32  # an account nobody funded: TronWeb sees no balance
    status, steps, _ = smoke(tronweb, node, unfunded)
    assert status == 1
    assert steps[-1]["step"] == "getAccount"
    assert steps[-1]["ok"] is False
    assert "no balance" in steps[-1]["error"] or "another address" in steps[-1]["error"]
