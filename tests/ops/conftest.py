"""One deployment of the several-machines guide for the tests of this directory: an EVM node
with the contracts deployed, a PostgreSQL database, an indexer, three ``dcmx serve`` processes
counting rate limits in Redis, and HAProxy in front of them from the shipped configuration."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from attrs import define
from eth_account import Account
from sqlalchemy.engine import URL
from web3 import EthereumTesterProvider, Web3
from web3.types import TxParams, Wei

from tests.e2e.test_operations import dcmx_script
from tests.evm.test_json_rpc import _JsonRpc
from tests.ops.programs import API_NAMES, Ports, Program, program, start_haproxy, wait_for_states
from tests.postgres import scratch_database
from tests.redis_server import forget, shared_url, unique_prefix

OPERATOR_KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
"""Hardhat Network's account 0, funded on the test's node as Hardhat funds it."""
SIGNED_PER_MINUTE = 10


@define
class Fleet:
    """The running deployment: ``apis[i]`` serves on ``ports.apis[i]`` and reaches the node
    through ``doors[i]``, HAProxy on ``ports.balancer``."""

    workdir: Path
    node: EvmNode
    doors: list[str]
    """Each API process's own address of the node."""
    ports: Ports
    env: dict[str, str]
    indexer: Program
    apis: list[Program]
    balancer: Program

    @property
    def url(self) -> str:
        """The balancer's address: what clients use."""
        return f"http://127.0.0.1:{self.ports.balancer}"

    def api_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports.apis[index]}"

    def start_api(self, index: int, **settings: str) -> Program:
        """``dcmx serve`` again on the port of API ``index``, with ``settings`` over the
        fleet's."""
        door = {"DCMX_EVM_RPC_URL": self.doors[index]}
        self.apis[index] = serve(self.workdir, self.ports, index, {**self.env, **door, **settings})
        return self.apis[index]

    def restore(self, index: int) -> None:
        """API ``index`` as the fleet started it, and in the balancer again."""
        self.apis[index].stop()
        self.start_api(index).wait_until_answers(f"{self.api_url(index)}/readyz")
        wait_for_states(self.ports.stats, {API_NAMES[index]: "UP"})


@define
class EvmNode:
    """An EVM JSON-RPC node: eth-tester behind HTTP servers on threads (its doors), all over
    one chain."""

    provider: EthereumTesterProvider
    doors: dict[str, ThreadingHTTPServer]

    def open_door(self, port: int = 0) -> str:
        """An address of the node (on ``port``, or a free one), until it is closed."""
        handler = type("Handler", (_JsonRpc,), {"provider": self.provider})
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        self.doors[url] = server
        return url

    def close_door(self, url: str) -> None:
        server = self.doors.pop(url)
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def evm_node() -> Iterator[EvmNode]:
    """An EVM node where the operator is funded."""
    provider = EthereumTesterProvider()
    local = Web3(provider)
    operator = Account.from_key(OPERATOR_KEY).address
    funding: TxParams = {"from": local.eth.accounts[0], "to": operator, "value": Wei(10**21)}
    local.eth.send_transaction(funding)
    node = EvmNode(provider, {})
    try:
        yield node
    finally:
        for url in list(node.doors):
            node.close_door(url)


def serve(workdir: Path, ports: Ports, index: int, env: Mapping[str, str]) -> Program:
    """``dcmx serve`` on the port of API ``index`` (``env`` names its door to the node)."""
    port = str(ports.apis[index])
    command = [dcmx_script(), "serve", "--host", "127.0.0.1", "--port", port]
    return Program.start(command, workdir / f"{API_NAMES[index]}.log", env)


def run_dcmx(*arguments: str, env: Mapping[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [dcmx_script(), *arguments],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def settings(workdir: Path, node: str, database: URL, redis: str, prefix: str) -> dict[str, str]:
    """This process's environment without DCMX_ settings, and the fleet's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCMX_")}
    return {
        **env,
        "DCMX_DATA_DIR": str(workdir / "data"),
        "DCMX_LEDGER": "evm",
        "DCMX_EVM_RPC_URL": node,
        "DCMX_EVM_DEPLOYMENT": str(workdir / "deployment.json"),
        "DCMX_PRIVATE_KEY": OPERATOR_KEY,
        "DCMX_DATABASE_URL": database.render_as_string(hide_password=False),
        "DCMX_RATE_LIMIT_URL": redis,
        "DCMX_RATE_LIMIT_PREFIX": prefix,
        "DCMX_RATE_SIGNED_PER_MINUTE": str(SIGNED_PER_MINUTE),
        "DCMX_RATE_SIGNED_BURST": str(SIGNED_PER_MINUTE),
    }


@pytest.fixture(scope="session")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, evm_node: EvmNode, postgresql_server: URL
) -> Iterator[Fleet]:
    program("haproxy")
    workdir = tmp_path_factory.mktemp("machines")
    redis, prefix = shared_url(), unique_prefix()
    rpc = evm_node.open_door()
    doors = [evm_node.open_door() for _ in API_NAMES]
    with scratch_database(postgresql_server) as database:
        env = settings(workdir, rpc, database, redis, prefix)
        # As the EVM guide deploys: before any setting names the deployment.
        unset = ("DCMX_LEDGER", "DCMX_EVM_DEPLOYMENT")
        deploying = {k: v for k, v in env.items() if k not in unset}
        deploy = ("deploy", "--chain", "evm", "--rpc", rpc, "--file", "deployment.json")
        run_dcmx(*deploy, env=deploying, cwd=workdir)
        run_dcmx("db", "upgrade", env=env, cwd=workdir)
        ports = Ports.free()
        indexer = Program.start([dcmx_script(), "index", "--follow"], workdir / "index.log", env)
        apis: list[Program] = []
        others = [indexer]
        try:
            for index, door in enumerate(doors):
                apis.append(serve(workdir, ports, index, {**env, "DCMX_EVM_RPC_URL": door}))
            for api, port in zip(apis, ports.apis, strict=True):
                api.wait_until_answers(f"http://127.0.0.1:{port}/readyz")
            balancer = start_haproxy(workdir, ports)
            others.append(balancer)
            wait_for_states(ports.stats, dict.fromkeys(API_NAMES, "UP"))
            # The fleet replaces what it restarts in ``apis``: all are stopped below.
            yield Fleet(workdir, evm_node, doors, ports, env, indexer, apis, balancer)
        finally:
            for running in [*apis, *others]:
                running.stop()
            forget(redis, prefix)
