"""A verb on a local revm chain loads what it runs on and nothing more: no web3 or eth-tester
(revm needs neither), no eth-account (no keystore is opened), no database stack (the verb
reads no read model), no container to wire them, no HTTP client, no TRON client or node, no
server. Together they cost a verb's start seconds; the replay of the demo's chain takes a tenth
of one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dcmx_adapters.clock import SystemClock
from dcmx_entrypoints.local_chain import journal_path, open_local_chain
from tests.e2e.test_operations import environment

RUN_AND_REPORT = """
import json, sys
arguments, report = json.loads(sys.argv[1]), sys.argv[2]
sys.argv = ["dcmx", *arguments]
from dcmx_entrypoints.cli import main
code = 0
try:
    main()
except SystemExit as exit:
    code = exit.code or 0
with open(report, "w") as file:
    json.dump({"code": code, "modules": sorted(sys.modules)}, file)
"""

NOT_FOR_A_REVM_VERB = {
    "web3",
    "eth_tester",
    "eth",  # py-evm
    "eth_account",
    "alembic",
    "sqlalchemy",
    "psycopg",
    "tronpy",
    "dcmx_devnode",
    "uvicorn",
    "requests",
    "dcmx_entrypoints.running",
    "dcmx_entrypoints.http.app",
    "dependency_injector",
    "dcmx_entrypoints.container",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding a fresh local revm chain (no demo day: what loads does not
    depend on it)."""
    directory = tmp_path_factory.mktemp("local")
    open_local_chain(journal_path(directory), SystemClock()).ledger.close()
    return directory


def loaded_by(data_dir: Path, *arguments: str) -> set[str]:
    """The modules a fresh interpreter holds after ``dcmx ARGUMENTS`` succeeded in it."""
    report = data_dir / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, json.dumps(arguments), str(report)],
        env=environment(data_dir),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = json.loads(report.read_text())
    assert found["code"] == 0, done.stderr
    return set(found["modules"])


def test_a_write_verb_on_a_revm_chain_loads_neither_web3_nor_the_database(data_dir: Path) -> None:
    loaded = loaded_by(
        data_dir,
        "release",
        "create",
        "--local-chain",
        "--artist",
        "Ayla",
        "--artist-name",
        "Ayla",
        "--title",
        "Imports",
        "--content-hash",
        "0x" + "11" * 32,
        "--royalty-bps",
        "500",
        "--max-editions",
        "3",
        "--split",
        "Ayla=10000",
    )
    assert "pyrevm" in loaded
    assert not loaded & NOT_FOR_A_REVM_VERB


def test_a_read_verb_on_a_revm_chain_loads_neither_web3_nor_the_database(data_dir: Path) -> None:
    loaded = loaded_by(data_dir, "token", "balance", "Ayla", "--local-chain")
    assert "pyrevm" in loaded
    assert not loaded & NOT_FOR_A_REVM_VERB
