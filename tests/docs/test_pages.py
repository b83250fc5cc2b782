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
import sys
import threading
from collections.abc import Iterator, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from web3 import EthereumTesterProvider, Web3

from tests.docs.pages import steps_of
from tests.docs.reader import Reader
from tests.evm.test_json_rpc import _JsonRpc

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
        "--chain tron": f"--chain tron --node-port {node}",
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
