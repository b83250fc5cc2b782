"""TronBox, the Truffle-like TRON tool, unmodified, against ``dcmx node`` started as a process:
``tronbox migrate`` compiles ``tronbox/contracts`` and deploys them through the node's HTTP API,
and the contracts are then read back from the chain over HTTP; a second ``migrate`` reads the
last migration from the chain and finds nothing to do; ``tronbox test`` runs ``tronbox/test``
with the node's funded accounts.

TronBox would download its compiler (``~/.tronbox/solc/soljson_v<version>.js``); the npm ``solc``
of the same version, pinned beside it, is that file, so each run gets a home folder that holds
it and nothing is downloaded. TronBox and solc are pinned in ``tronbox/package.json`` and its
lockfile and installed with ``npm ci`` as TronWeb is (``tests/devnode/test_tronweb.py``). Off
unless ``DCMX_TRONWEB=1`` (``nox -s tronweb``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_abi.abi import decode
from tronpy.keys import to_base58check_address  # type: ignore[import-untyped]

from dcmx_devnode.server import dev_accounts
from tests.devnode.test_tronweb import install, wait_until_it_answers
from tests.e2e.test_operations import dcmx_script, environment, free_port

pytestmark = pytest.mark.skipif(
    os.environ.get("DCMX_TRONWEB") != "1",
    reason="runs TronBox from npm: nox -s tronweb, or set DCMX_TRONWEB=1",
)

PROJECT = Path(__file__).resolve().parents[2] / "tronbox"
"""The pinned TronBox and solc (package.json, package-lock.json) and a TronBox project."""
SOURCES = ["tronbox-config.js", "contracts", "migrations", "test"]
"""What a TronBox project is made of (TronBox writes build/ beside them)."""
COMMAND_SECONDS = 120
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def tronbox() -> Path:
    return install(PROJECT)


@pytest.fixture(scope="module")
def home(tronbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder whose ``.tronbox/solc`` holds the pinned solcjs under the name TronBox
    looks for, so that TronBox finds its compiler instead of downloading it."""
    solc = tronbox / "node_modules" / "solc"
    version = json.loads((solc / "package.json").read_text())["version"]
    folder = tmp_path_factory.mktemp("home")
    compilers = folder / ".tronbox" / "solc"
    compilers.mkdir(parents=True)
    (compilers / f"soljson_v{version}.js").symlink_to(solc / "soljson.js")
    return folder


@pytest.fixture(scope="module")
def project(tronbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the TronBox project, so that its build/ starts empty and stays out of the
    repository."""
    folder = tmp_path_factory.mktemp("project")
    for name in SOURCES:
        source = tronbox / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            shutil.copy(source, folder / name)
    (folder / "node_modules").symlink_to(tronbox / "node_modules")
    return folder


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dcmx node`` on a free port, a block every half second, three funded accounts."""
    folder = tmp_path_factory.mktemp("node")
    port = free_port()
    log = folder / "node.out"
    command = [dcmx_script(), "node", "--port", str(port), "--block-time", "0.5"]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "--accounts", "3"],
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


def run_tronbox(project: Path, home: Path, url: str, *arguments: str) -> tuple[int, str]:
    """``tronbox ARGUMENTS --network development`` in ``project``; its exit status and what it
    printed (stdout, then stderr), without colours."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("TronBox needs node (Node.js) on the PATH")
    script = project / "node_modules" / "tronbox" / "build" / "tronbox.js"
    env = {key: value for key, value in os.environ.items() if not key.startswith("DCMX_")}
    done = subprocess.run(
        [node, str(script), *arguments, "--network", "development"],
        cwd=project,
        env=env | {"HOME": str(home), "DCMX_NODE_URL": url, "FORCE_COLOR": "0"},
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
    )
    return done.returncode, ANSI.sub("", done.stdout + done.stderr)


@pytest.fixture(scope="module")
def migrated(project: Path, home: Path, node: str) -> tuple[int, str]:
    return run_tronbox(project, home, node, "migrate")


def deployed(project: Path, name: str) -> dict[str, Any]:
    """The artifact TronBox wrote for ``name``, with the address it deployed it at (under
    ``networks``, by the configured ``network_id``)."""
    artifact: dict[str, Any] = json.loads(
        (project / "build" / "contracts" / f"{name}.json").read_text()
    )
    return artifact


def address_of(project: Path, name: str) -> str:
    """Where TronBox deployed ``name``, in base58."""
    return str(to_base58check_address(deployed(project, name)["networks"]["*"]["address"]))


def constant(url: str, contract: str, selector: str) -> bytes:
    """What ``selector`` returns, read with ``wallet/triggerconstantcontract``."""
    answer = httpx.post(
        f"{url}/wallet/triggerconstantcontract",
        json={
            "owner_address": dev_accounts(1)[0].address,
            "contract_address": contract,
            "function_selector": selector,
            "visible": True,
        },
    ).json()
    assert answer["result"]["result"] is True, answer
    return bytes.fromhex(answer["constant_result"][0])


def test_tronbox_migrate_compiles_offline_and_exits_0(migrated: tuple[int, str]) -> None:
    status, printed = migrated
    assert status == 0, printed
    assert "Fetching" not in printed  # the pinned solcjs, not a download
    assert "Compiled successfully" in printed
    assert "Saving successful migration to network" in printed


@pytest.mark.parametrize("name", ["Migrations", "Greeter"])
def test_the_migrated_contract_is_on_the_chain_with_its_code(
    migrated: tuple[int, str], project: Path, node: str, name: str
) -> None:
    artifact = deployed(project, name)
    address = artifact["networks"]["*"]["address"]
    on_chain = httpx.post(f"{node}/wallet/getcontract", json={"value": address}).json()
    assert on_chain["contract_address"] == address
    assert on_chain["name"] == name
    assert on_chain["bytecode"].startswith(artifact["bytecode"].removeprefix("0x"))
    owner = dev_accounts(1)[0].address  # TronBox deploys from the node's first account
    assert to_base58check_address(on_chain["origin_address"]) == owner


def test_the_greeter_answers_what_its_migration_gave_it(
    migrated: tuple[int, str], project: Path, node: str
) -> None:
    (greeting,) = decode(["string"], constant(node, address_of(project, "Greeter"), "greeting()"))
    assert greeting == "Hello from TronBox"
    last_migration = constant(node, address_of(project, "Migrations"), "last_completed_migration()")
    (last,) = decode(["uint256"], last_migration)
    assert last == 2


def test_a_second_migrate_finds_the_network_up_to_date(
    migrated: tuple[int, str], project: Path, home: Path, node: str
) -> None:
    status, printed = run_tronbox(project, home, node, "migrate")
    assert status == 0, printed
    assert "Network up to date." in printed
    assert "Deploying" not in printed


def test_tronbox_test_passes_against_the_node(
    migrated: tuple[int, str], project: Path, home: Path, node: str
) -> None:
    status, printed = run_tronbox(project, home, node, "test")
    assert status == 0, printed
    assert "4 passing" in printed
    assert "failing" not in printed


def test_tronbox_migrate_fails_when_no_node_answers(
    migrated: tuple[int, str], project: Path, home: Path
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    status, printed = run_tronbox(project, home, nobody, "migrate", "--reset")
    assert status != 0
    assert "ECONNREFUSED" in printed
