"""``dcmx up --chain tron`` serves its node's java-tron HTTP API beside the DCMX API: tronpy,
unchanged, reads the chain and broadcasts a TRX transfer there; the indexer follows the chain
past that block; ``dcmx deploy`` deploys the contracts there (waiting for solidification);
after a restart the transfer is still there, in the same block."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from attrs import define
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]
from tronpy.providers import HTTPProvider  # type: ignore[import-untyped]

from dcmx_adapters.crypto import EthCrypto
from dcmx_entrypoints.demo.cast import person
from tests.e2e.test_operations import (
    STARTUP_SECONDS,
    Server,
    dcmx,
    environment,
    free_port,
    start,
)

TRX = 1_000_000
OPERATOR = person("operator", EthCrypto())
RECEIVER = PrivateKey(bytes(31) + b"\x71").public_key.to_base58check_address()


def node_get(url: str, path: str, **params: Any) -> Any:
    return httpx.get(f"{url}/{path}", params=params, timeout=10).json()


def indexed_past(server: Server, block: int) -> int:
    """Wait until the indexer's checkpoint reaches ``block``; the checkpoint."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        indexed = httpx.get(server.url("/readyz"), timeout=5).json().get("indexed")
        if indexed is not None and indexed >= block:
            return int(indexed)
        time.sleep(0.2)
    raise AssertionError(f"the indexer never reached block {block}: {server.printed()}")


@define
class Sent:
    txid: str
    block: int
    block_id: str
    now_block: dict[str, Any]
    indexed: int
    deployed: subprocess.CompletedProcess[str]
    printed: str
    exit_code: int


@define
class Restarted:
    transaction: dict[str, Any]
    block_id: str
    balance: int
    printed: str


@define
class Runs:
    first: Sent
    second: Restarted


def up(folder: Path, name: str, env: dict[str, str], node_port: int, *options: str) -> Server:
    server = start(
        folder, name, "up", "--no-demo", "--node-port", str(node_port), *options, env=env
    )
    server.wait_until("/readyz")
    return server


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    folder = tmp_path_factory.mktemp("up-tron-node")
    env = environment(folder / "data")
    node_port = free_port()
    node = f"http://127.0.0.1:{node_port}"
    server = up(folder, "first", env, node_port, "--chain", "tron")
    try:
        now_block = node_get(node, "wallet/getnowblock")
        tron = Tron(provider=HTTPProvider(node))
        built = tron.trx.transfer(OPERATOR.address.to_base58(), RECEIVER, 7 * TRX).build()
        info = (
            built.sign(PrivateKey(OPERATOR.key))
            .broadcast()
            .wait(timeout=30, interval=0.2, solid=True)
        )
        block = int(info["blockNumber"])
        block_id = node_get(node, "wallet/getblockbynum", num=block)["blockID"]
        indexed = indexed_past(server, block)
        deploying = environment(folder / "deployer", DCMX_TRON_PRIVATE_KEY=OPERATOR.key.hex())
        deployed = dcmx("deploy", "--chain", "tron", "--network", node, env=deploying)
        exit_code, _ = server.terminate()
        first = Sent(
            info["id"], block, block_id, now_block, indexed, deployed, server.printed(), exit_code
        )
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        server.output.close()
    again_port = free_port()
    again = f"http://127.0.0.1:{again_port}"
    server = up(folder, "second", env, again_port)
    try:
        second = Restarted(
            node_get(again, "wallet/gettransactionbyid", value=first.txid),
            node_get(again, "wallet/getblockbynum", num=first.block)["blockID"],
            Tron(provider=HTTPProvider(again)).get_account_balance(RECEIVER),
            server.printed(),
        )
        server.terminate()
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        server.output.close()
    return Runs(first, second)


def test_the_node_answers_java_trons_api_on_its_port(runs: Runs) -> None:
    header = runs.first.now_block["block_header"]["raw_data"]
    assert header["number"] >= 1
    assert runs.first.now_block["blockID"].startswith(f"{header['number']:016x}")
    assert "TRON node http://127.0.0.1:" in runs.first.printed


def test_a_transfer_broadcast_by_tronpy_is_solidified_and_indexed_past(runs: Runs) -> None:
    assert runs.first.indexed >= runs.first.block
    assert runs.first.exit_code == 0


def test_dcmx_deploy_deploys_on_the_node_of_dcmx_up(runs: Runs) -> None:
    assert runs.first.deployed.returncode == 0, runs.first.deployed.stderr
    assert "code verified" in runs.first.deployed.stdout


def test_a_transfer_broadcast_by_tronpy_survives_a_restart(runs: Runs) -> None:
    assert "replayed from" in runs.second.printed
    assert runs.second.transaction["txID"] == runs.first.txid
    assert runs.second.block_id == runs.first.block_id
    assert runs.second.balance == 7


@pytest.mark.skipif(
    os.environ.get("DCMX_TRONWEB") != "1",
    reason="runs TronWeb from npm: nox -s tronweb, or set DCMX_TRONWEB=1",
)
def test_tronweb_does_everything_a_dapp_does_on_the_node_of_dcmx_up(tmp_path: Path) -> None:
    from tests.devnode.test_tronweb import STEPS, install, smoke

    tronweb = install()
    node_port = free_port()
    server = up(tmp_path, "tronweb", environment(tmp_path / "data"), node_port, "--chain", "tron")
    try:
        status, steps, stderr = smoke(tronweb, f"http://127.0.0.1:{node_port}", OPERATOR.key.hex())
    finally:
        server.terminate()
        server.output.close()
    assert [step for step in steps if not step["ok"]] == [], stderr
    assert status == 0, stderr
    assert [step["step"] for step in steps] == STEPS
