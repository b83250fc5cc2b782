"""The ``dcmx`` command and each of its command modules import no heavy stack: web3, eth-tester,
Alembic, SQLAlchemy, FastAPI, tronpy and revm load when a command runs, so that ``dcmx token
--help`` and the start of a verb do not pay for them. Checked in a fresh interpreter, which
imports the modules one after the other and notes what each one brought in (the first module
to bring in a heavy package is the one that names it)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Final

import pytest

from dcmx_adapters.evm.deploy import DEFAULT_BASE_URI
from dcmx_entrypoints import cli
from dcmx_entrypoints.cli import deploy

HEAVY: Final = ("web3", "eth_tester", "alembic", "sqlalchemy", "fastapi", "tronpy", "pyrevm")

LOADED_BY_EACH = """
import importlib, json, sys
heavy = json.loads(sys.argv[1])
found, before = {}, set()
for module in json.loads(sys.argv[2]):
    importlib.import_module(module)
    now = {name for name in heavy if name in sys.modules}
    found[module] = sorted(now - before)
    before = now
print(json.dumps(found))
"""

COMMAND_MODULES: Final = sorted(
    {"dcmx_entrypoints.cli", "dcmx_entrypoints.cli.verbs"}
    | {module for _, module, _ in cli.COMMANDS}
)


def heavy_loaded_by(modules: list[str]) -> dict[str, list[str]]:
    """For each of ``modules``, imported in this order in a fresh interpreter, the heavy
    packages its import brought in."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED_BY_EACH, json.dumps(HEAVY), json.dumps(modules)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


@pytest.fixture(scope="module")
def loaded() -> dict[str, list[str]]:
    return heavy_loaded_by(COMMAND_MODULES)


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_a_command_module_imports_no_heavy_stack(loaded: dict[str, list[str]], module: str) -> None:
    assert loaded[module] == [], f"importing {module} loads {', '.join(loaded[module])}"


def test_every_command_has_its_module_checked() -> None:
    assert {module for _, module, _ in cli.COMMANDS} <= set(COMMAND_MODULES)
    assert "dcmx_entrypoints.cli.verbs.token" in COMMAND_MODULES


def test_the_check_sees_a_module_that_loads_a_heavy_stack() -> None:
    found = heavy_loaded_by(["dcmx_entrypoints.cli", "dcmx_entrypoints.http.app"])
    assert found["dcmx_entrypoints.cli"] == []
    assert "fastapi" in found["dcmx_entrypoints.http.app"]


def test_deploy_offers_the_deployers_own_base_uri() -> None:
    # The command names it without loading the deployer (and web3 with it).
    assert deploy.DEFAULT_BASE_URI == DEFAULT_BASE_URI
