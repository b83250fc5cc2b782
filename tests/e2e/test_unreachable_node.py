"""A node that does not answer, for each kind of networked ledger: every command says so in one
line, naming the node, never with a traceback; ``index --follow`` keeps trying, with a pause
that doubles, until the node answers or it is stopped."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.test_operations import dcmx, dcmx_script, environment, free_port
from tests.factories import address

NAMES = ("token", "music_nft", "compliance", "rewards", "royalties")


def settings(tmp_path: Path, kind: str, url: str) -> dict[str, str]:
    deployment = tmp_path / "deployment.json"
    if kind == "evm":
        found = {n: address(20 + i).to_hex() for i, n in enumerate(NAMES)}
        deployment.write_text(json.dumps(found))
        chosen = {"DCMX_LEDGER": "evm", "DCMX_EVM_RPC_URL": url}
        return chosen | {"DCMX_EVM_DEPLOYMENT": str(deployment)}
    found = {n: address(20 + i).to_base58() for i, n in enumerate(NAMES)}
    deployment.write_text(json.dumps(found))
    chosen = {"DCMX_LEDGER": "tron", "DCMX_TRON_NETWORK": url}
    return chosen | {"DCMX_TRON_DEPLOYMENT": str(deployment)}


@pytest.fixture(scope="module", params=["evm", "tron"])
def unreachable(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, str]]:
    """Settings naming a node at a closed port; the database is there: only the node is not."""
    folder = tmp_path_factory.mktemp(request.param)
    url = f"http://127.0.0.1:{free_port()}"
    env = environment(folder, **settings(folder, request.param, url))
    assert dcmx("db", "upgrade", env=env).returncode == 0
    return url, env


@pytest.mark.parametrize(
    "command",
    [("status",), ("index",), ("token", "balance", "0x" + "11" * 20), ("serve",)],
    ids=["status", "index", "a verb", "serve"],
)
def test_every_command_says_so_in_one_line(
    unreachable: tuple[str, dict[str, str]], command: tuple[str, ...]
) -> None:
    url, env = unreachable
    if command == ("serve",):
        command = ("serve", "--port", str(free_port()))
    done = dcmx(*command, env=env)
    assert done.returncode == 1, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert url in lines[0]
    assert "cannot be reached" in lines[0]


def test_index_follow_keeps_trying_a_node_that_does_not_answer(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env = environment(tmp_path, **settings(tmp_path, "evm", url))
    process = subprocess.Popen(
        [dcmx_script(), "index", "--follow", "--quiet"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        time.sleep(8)  # start-up, then tries after 0.5, 1 and 2 s
        assert process.poll() is None, "it gave up"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    tries = [line for line in stderr.splitlines() if "trying again" in line]
    assert len(tries) >= 3, stderr
    assert tries[:3] == [
        f"dcmx: the node at {url}/ cannot be reached (ConnectionError); trying again in {pause} s"
        for pause in ("0.5", "1", "2")
    ]
    assert "Traceback" not in stderr
