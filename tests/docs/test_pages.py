"""The README's tour, the tutorial and the how-to guides, followed as a reader would: every
block, in order, on a fresh data directory, with the project's environment first on PATH.

Each test follows one story (the tutorial's two pages share their chain, as a reader's would)
in a fresh directory that looks like a clone (the project's ``.venv`` and ``samples/`` are
there). What the test has instead of what a page names is said in its ``substitutions``:
free ports for DCMX's well-known ones (other processes on this machine may hold them), and
local nodes for networks the tests may not reach (Nile, a remote EVM node).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from web3 import EthereumTesterProvider, Web3

from dcmx_devnode.local import NodeTime
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.server import serve
from tests.docs.pages import steps_of
from tests.docs.reader import Reader
from tests.evm.test_json_rpc import _JsonRpc
from tests.ops.programs import Ports, program

pytestmark = pytest.mark.skipif(
    not os.environ.get("DCMX_DOCS_PAGES"),
    reason="the pages are followed by nox -s docs (DCMX_DOCS_PAGES=1), beside the site's build",
)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
VENV_BIN = Path(sys.executable).parent
HARDHAT_KEYS = (
    # Hardhat Network's accounts 0, 1 and 2 (its well-known test mnemonic): the EVM guide's
    # operator, artist and buyer, funded on the test's node as Hardhat funds them.
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A directory that looks like a set-up clone: the environment in .venv, the samples."""
    workdir = tmp_path / "clone"
    workdir.mkdir()
    (workdir / ".venv").symlink_to(VENV_BIN.parent)
    (workdir / "samples").symlink_to(ROOT / "samples")
    return workdir


def environment(workdir: Path, **extra: str) -> dict[str, str]:
    """A reader's environment: the project's bin first on PATH, a home and a data directory of
    its own, nothing of DCMX's settings but these."""
    home = workdir.parent / "home"
    home.mkdir(exist_ok=True)
    base = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "COLUMNS": "120",
        "PYTHONPATH": str(ROOT / "src"),
        "DCMX_DATA_DIR": str(workdir.parent / "data"),
    }
    return {**base, **extra}


def ports() -> tuple[dict[str, str], dict[str, str]]:
    """Free ports for the API (8000) and the TRON node (8090): substitutions and settings."""
    api, node = free_port(), free_port()
    substitutions = {
        "127.0.0.1:8000": f"127.0.0.1:{api}",
        "127.0.0.1:8090": f"127.0.0.1:{node}",
        "dcmx node": f"dcmx node --port {node}",
        "--network local": f"--network http://127.0.0.1:{node}",
        "dcmx up --chain tron": f"dcmx up --chain tron --node-port {node}",
    }
    return substitutions, {"DCMX_API_PORT": str(api)}


def follow(
    workdir: Path,
    pages: list[Path],
    env: Mapping[str, str],
    substitutions: Mapping[str, str] | None = None,
) -> Reader:
    shared, settings = ports()
    reader = Reader(workdir, {**settings, **env}, {**shared, **(substitutions or {})})
    try:
        for page in pages:
            reader.follow(page.name, steps_of(page))
    finally:
        reader.close()
    return reader


def test_the_tutorial_on_the_command_line_then_over_http(clone: Path) -> None:
    follow(clone, [DOCS / "tutorial" / "cli.md", DOCS / "tutorial" / "http.md"], environment(clone))


def test_the_readme_tour(clone: Path) -> None:
    reader = follow(clone, [ROOT / "README.md"], environment(clone))
    assert len(reader.not_run) == 2  # the set-up and the whole suite: they install


@pytest.fixture
def database(postgresql_server: URL) -> Iterator[dict[str, str]]:
    """A database of the pages' own name, made unique, dropped at the end; and what turns the
    pages' server (127.0.0.1:5432, user postgres) into the test's."""
    name = f"dcmx_music_{secrets.token_hex(4)}"
    server = postgresql_server
    host, port, user = (
        server.host or "127.0.0.1",
        server.port or 5432,
        server.username or "postgres",
    )
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        yield {
            "dcmx_music": name,
            "-h 127.0.0.1 -U postgres": f"-h {host} -p {port} -U {user}",
            "postgres@127.0.0.1:5432": f"{user}@{host}:{port}",
        }
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_run_on_postgresql(clone: Path, database: dict[str, str]) -> None:
    follow(clone, [DOCS / "how-to" / "postgresql.md"], environment(clone), database)


@pytest.fixture
def evm_node() -> Iterator[str]:
    """An EVM JSON-RPC node (eth-tester behind a local HTTP server) where Hardhat's first
    accounts are funded, for the pages' Hardhat Network at http://127.0.0.1:8545."""
    provider = EthereumTesterProvider()
    local = Web3(provider)
    for key in HARDHAT_KEYS:
        local.eth.send_transaction(
            {"from": local.eth.accounts[0], "to": Account.from_key(key).address, "value": 10**21}
        )
    handler = type("Handler", (_JsonRpc,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_deploy_to_an_evm_network(clone: Path, evm_node: str) -> None:
    follow(
        clone,
        [DOCS / "how-to" / "deploy-evm.md"],
        environment(clone),
        {"http://127.0.0.1:8545": evm_node},
    )


def test_run_on_several_machines(clone: Path, evm_node: str, database: dict[str, str]) -> None:
    # What the page asks for first: the contracts deployed (as deploy-evm.md does), the
    # database made (as postgresql.md does), HAProxy and Prometheus installed, and the
    # repository's deploy/ files at hand.
    program("haproxy")
    program("prometheus")
    (clone / "deploy").symlink_to(ROOT / "deploy")
    env = environment(clone, DCMX_RATE_LIMIT_PREFIX=f"dcmx-docs:{secrets.token_hex(4)}:")
    deployed = subprocess.run(
        ["dcmx", "deploy", "--chain", "evm", "--rpc", evm_node, "--file", "deployment.json"],
        cwd=clone,
        env={**env, "DCMX_PRIVATE_KEY": HARDHAT_KEYS[0].removeprefix("0x")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    created = subprocess.run(
        ["createdb", *database["-h 127.0.0.1 -U postgres"].split(), database["dcmx_music"]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    machines = Ports.free()
    apis = {f"--port {8001 + i}": f"--port {port}" for i, port in enumerate(machines.apis)}
    reader = follow(
        clone,
        [DOCS / "how-to" / "scale-out.md"],
        env,
        {
            **database,
            "http://127.0.0.1:8545": evm_node,
            **machines.substitutions(),
            **apis,
            "scrape_interval: 15s": "scrape_interval: 1s",
        },
    )
    assert reader.not_run == []


KEYSTORE_PASSWORD = "keystore pass"  # what deploy-tron.md's reader types


@pytest.fixture
def tron_network(clone: Path) -> Iterator[str]:
    """A local TRON node served over HTTP, standing for Nile, with the operator's keystore
    (``operator.json``, as keys.md makes it) funded on it."""
    key = secrets.token_bytes(32)
    keystore = Account.encrypt(key, KEYSTORE_PASSWORD, kdf="pbkdf2", iterations=8)
    (clone / "operator.json").write_text(json.dumps(keystore))
    node = LocalTronNode(solidify_depth=0, clock=NodeTime(time.time()), free=True)
    node.fund(bytes.fromhex(Account.from_key(key).address.removeprefix("0x")), 10**15)
    with serve(node) as url:
        yield url


def test_deploy_to_tron_nile(clone: Path, tron_network: str) -> None:
    follow(
        clone,
        [DOCS / "how-to" / "deploy-tron.md"],
        environment(clone),
        {"NETWORK=nile": f"NETWORK={tron_network}"},
    )


def test_use_the_local_tron_node(clone: Path) -> None:
    reader = follow(clone, [DOCS / "how-to" / "local-tron-node.md"], environment(clone))
    assert len(reader.not_run) == 2  # TronWeb and TronBox: npm packages (nox -s tronweb)


def test_operate_keys(clone: Path) -> None:
    follow(clone, [DOCS / "how-to" / "keys.md"], environment(clone))


def test_back_up_and_restore(clone: Path) -> None:
    follow(clone, [DOCS / "how-to" / "backup.md"], environment(clone))


def test_develop_and_test(clone: Path) -> None:
    # This page works on the clone itself: its sources, tests and configuration.
    for entry in ROOT.iterdir():
        if entry.name not in {".venv", "samples", ".git"} and not entry.name.startswith("."):
            (clone / entry.name).symlink_to(entry)
    reader = follow(clone, [DOCS / "how-to" / "develop.md"], environment(clone))
    assert len(reader.not_run) == 1  # the whole suite
