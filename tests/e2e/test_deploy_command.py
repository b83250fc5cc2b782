"""``dcmx deploy`` end to end: on the local TRON node served over HTTP and on an EVM JSON-RPC
node (eth-tester behind a local HTTP server), the five contracts are deployed, wired, verified
and written to the deployment file the settings read, and the demo day then runs on them; a
second run does nothing; mainnet needs --yes-mainnet."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from eth_account import Account
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.providers import HTTPProvider as TronHttp  # type: ignore[import-untyped]
from typer.testing import CliRunner
from web3 import EthereumTesterProvider, Web3

from dcmx_adapters.clock import SystemClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.chain import Web3Chain
from dcmx_adapters.evm.ledger import EvmLedger
from dcmx_adapters.memory.repositories import MemoryProfileRepository
from dcmx_adapters.tron.chain import TronChain
from dcmx_adapters.tron.ledger import TronLedger
from dcmx_core.model.platform import Deployment
from dcmx_core.ports import DevLedger
from dcmx_devnode.local import LocalNode, NodeTime
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.server import serve
from dcmx_entrypoints.cli import app
from dcmx_entrypoints.demo.cast import CAST, person
from dcmx_entrypoints.demo.scenario import DemoResult, run_demo
from dcmx_entrypoints.demo.stacks import memory_stack, operator_person
from dcmx_entrypoints.settings import EvmDeployment, Settings
from tests.evm.test_json_rpc import _JsonRpc

CRYPTO = EthCrypto()
OPERATOR = operator_person(CRYPTO)
CAST_SIGNERS = [p.signer for p in (OPERATOR, *(person(n, CRYPTO) for n in CAST))]
runner = CliRunner()


def deploy(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = runner.invoke(app, ["deploy", *args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return 1, f"{type(result.exception).__name__}: {result.exception}"
    return result.exit_code, result.output


def holdings(result: DemoResult) -> list[tuple[object, ...]]:
    """Who holds what, less the native coin (which pays for energy or gas)."""
    return [
        (h.name, h.usdt, h.dcmx, h.editions, h.pending_native, h.pending_usdt)
        for h in result.holdings
    ]


def demo_on(ledger: DevLedger) -> DemoResult:
    return run_demo(ledger, CRYPTO, SystemClock(), MemoryProfileRepository(), OPERATOR)


@pytest.fixture(scope="module")
def reference() -> DemoResult:
    stack = memory_stack()
    return run_demo(stack.ledger, stack.crypto, stack.clock, stack.profiles, stack.operator)


def deployment_of(settings: Settings, found: EvmDeployment | None, chain_id: int) -> Deployment:
    assert found is not None
    return Deployment(
        chain_id, found.token, found.music_nft, found.compliance, found.rewards, found.royalties
    )


# --- TRON --------------------------------------------------------------------------------------


@pytest.fixture
def tron_node() -> Iterator[tuple[str, LocalTronNode, NodeTime]]:
    clock = NodeTime(time.time())
    # Free: the demo's calls name the energy table's fee limits, TVM energy as java-tron counts
    # it, which the node's revm gas would run out of.
    node = LocalTronNode(solidify_depth=0, clock=clock, free=True)
    node.fund(OPERATOR.address.raw, 10**15)
    with serve(node) as url:
        yield url, node, clock


def test_deploy_on_tron_then_the_demo_runs_on_the_deployed_contracts(
    tmp_path: Path, tron_node: tuple[str, LocalTronNode, NodeTime], reference: DemoResult
) -> None:
    url, node, clock = tron_node
    env = {"DCMX_DATA_DIR": str(tmp_path), "DCMX_TRON_PRIVATE_KEY": OPERATOR.key.hex()}
    code, output = deploy("--chain", "tron", "--network", url, env=env)
    assert code == 0, output
    [path] = (tmp_path / "deployments").glob("tron-*.json")
    assert f"DCMX_TRON_DEPLOYMENT={path}" in output
    assert "code verified" in output
    settings = Settings.load({"DCMX_DATA_DIR": str(tmp_path), "DCMX_TRON_DEPLOYMENT": str(path)})

    chain = TronChain(
        Tron(provider=TronHttp(url)), CAST_SIGNERS, local=LocalNode(node, clock), poll_seconds=0.01
    )
    deployment = deployment_of(settings, settings.tron_deployment, chain.chain_id)
    ledger = TronLedger(chain, deployment, admin=OPERATOR.address, clock=SystemClock())
    assert holdings(demo_on(ledger)) == holdings(reference)


def test_a_second_deploy_with_a_complete_file_does_nothing(
    tmp_path: Path, tron_node: tuple[str, LocalTronNode, NodeTime]
) -> None:
    url, node, _ = tron_node
    env = {"DCMX_DATA_DIR": str(tmp_path), "DCMX_TRON_PRIVATE_KEY": OPERATOR.key.hex()}
    assert deploy("--chain", "tron", "--network", url, env=env)[0] == 0
    head = node.head.number
    code, output = deploy("--chain", "tron", "--network", url, env=env)
    assert code == 0, output
    assert "nothing to do" in output
    assert node.head.number == head


def test_mainnet_needs_yes_mainnet_before_anything_happens(tmp_path: Path) -> None:
    env = {"DCMX_DATA_DIR": str(tmp_path), "DCMX_TRON_PRIVATE_KEY": OPERATOR.key.hex()}
    code, output = deploy("--chain", "tron", "--network", "mainnet", env=env)
    assert code == 2
    assert "--yes-mainnet" in output
    assert not (tmp_path / "deployments").exists()


def test_a_deploy_without_a_key_says_how_to_give_one(
    tmp_path: Path, tron_node: tuple[str, LocalTronNode, NodeTime]
) -> None:
    code, output = deploy(
        "--chain", "tron", "--network", tron_node[0], env={"DCMX_DATA_DIR": str(tmp_path)}
    )
    assert code == 1
    assert "no key to deploy with" in output


# --- EVM ---------------------------------------------------------------------------------------


@pytest.fixture
def evm_node() -> Iterator[tuple[str, EthereumTesterProvider]]:
    provider = EthereumTesterProvider()
    local = Web3(provider)
    for someone in (s.address for s in CAST_SIGNERS):
        local.eth.send_transaction(
            {
                "from": local.eth.accounts[0],
                "to": Web3.to_checksum_address(someone.raw),
                "value": 10**21,
            }
        )
    handler = type("Handler", (_JsonRpc,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", provider
    server.shutdown()
    server.server_close()


def test_deploy_on_evm_with_a_keystore_then_the_demo_runs_on_it(
    tmp_path: Path, evm_node: tuple[str, EthereumTesterProvider], reference: DemoResult
) -> None:
    url, provider = evm_node
    keystore = tmp_path / "operator.json"
    encrypted = Account.encrypt(OPERATOR.key, "s3cret pass", kdf="pbkdf2", iterations=8)
    keystore.write_text(json.dumps(encrypted))
    env = {
        "DCMX_DATA_DIR": str(tmp_path),
        "DCMX_KEYSTORE": str(keystore),
        "DCMX_KEYSTORE_PASSWORD": "s3cret pass",
    }
    code, output = deploy("--chain", "evm", "--rpc", url, env=env)
    assert code == 0, output
    assert "s3cret pass" not in output
    assert OPERATOR.key.hex() not in output
    path = tmp_path / "deployments" / f"evm-{Web3(provider).eth.chain_id}.json"
    assert f"DCMX_EVM_DEPLOYMENT={path}" in output
    settings = Settings.load({"DCMX_DATA_DIR": str(tmp_path), "DCMX_EVM_DEPLOYMENT": str(path)})

    chain = Web3Chain(Web3(provider), CAST_SIGNERS)
    deployment = deployment_of(settings, settings.evm_deployment, chain.chain_id)
    ledger = EvmLedger(chain, deployment, admin=OPERATOR.address, clock=SystemClock())
    assert holdings(demo_on(ledger)) == holdings(reference)
