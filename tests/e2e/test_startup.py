"""``dcmx`` starts with what the chosen command needs and nothing else (``--version`` and
``--help`` with no command's module at all, a group's help with its own module and neither the
domain nor a ledger, ``dcmx node`` without the server stack of the other commands), and Ctrl-C
while it starts prints one line and exits 130, never a traceback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dcmx_entrypoints import cli
from tests.e2e.test_operations import dcmx_script, environment, free_port

LOADED_AFTER = """
import json, sys
arguments, report = json.loads(sys.argv[1]), sys.argv[2]
sys.argv = ["dcmx", *arguments]
from dcmx_entrypoints.cli import main
try:
    main()
except SystemExit:
    pass
with open(report, "w") as file:
    json.dump(sorted(sys.modules), file)
"""

COMMAND_MODULES = {module for _, module, _ in cli.COMMANDS}
SERVER_STACK = {
    "web3",
    "eth_tester",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "uvicorn",
    "dependency_injector",
    "dcmx_entrypoints.container",
    "dcmx_entrypoints.running",
    "dcmx_entrypoints.settings",
}


def loaded_after(tmp_path: Path, *arguments: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``dcmx ARGUMENTS``."""
    report = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", LOADED_AFTER, json.dumps(arguments), str(report)],
        env=environment(tmp_path),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return set(json.loads(report.read_text()))


@pytest.mark.parametrize(
    "arguments", [("--version",), ("--help",), ()], ids=["version", "help", "bare"]
)
def test_the_version_and_the_help_load_no_command(
    tmp_path: Path, arguments: tuple[str, ...]
) -> None:
    loaded = loaded_after(tmp_path, *arguments)
    assert "dcmx_entrypoints.cli" in loaded
    assert not loaded & (COMMAND_MODULES | SERVER_STACK)
    assert not {"dcmx_adapters", "dcmx_devnode", "tronpy", "eth_keys"} & loaded


def test_the_node_loads_its_own_stack_only(tmp_path: Path) -> None:
    loaded = loaded_after(tmp_path, "node", "--help")
    assert "dcmx_entrypoints.cli.node" in loaded
    assert not loaded & (COMMAND_MODULES - {"dcmx_entrypoints.cli.node"})
    assert not loaded & SERVER_STACK
    # The node speaks HTTP; it is no client of one.
    assert not loaded & {"tronpy", "eth_account", "eth_abi", "requests", "httpx"}


@pytest.mark.parametrize(
    ("group", "module"),
    [
        ("token", "dcmx_entrypoints.cli.verbs.token"),
        ("release", "dcmx_entrypoints.cli.verbs.music"),
    ],
)
def test_a_groups_help_loads_its_module_and_no_stack(
    tmp_path: Path, group: str, module: str
) -> None:
    loaded = loaded_after(tmp_path, group, "--help")
    assert module in loaded
    assert not loaded & SERVER_STACK
    # Neither a ledger nor the domain's rules: the help is made of the options alone.
    assert not loaded & {"dcmx_adapters", "dcmx_devnode", "tronpy", "pyrevm", "eth_keys"}
    assert not {name for name in loaded if name.startswith("dcmx_core.")}


# Points of the start at which Ctrl-C comes: the first import time line (python -X importtime
# prints one as each module is loaded) that names the module sends SIGINT.
INTERRUPTIONS = [
    pytest.param(("node",), "typer._click.core", id="node-while-dcmx-loads"),
    pytest.param(("node",), "rich.console", id="node-while-its-module-loads"),
    pytest.param(("status",), "sqlalchemy", id="status-while-its-stack-loads"),
]


def loaded_module(line: str) -> str | None:
    """The module an import time line names (None: the line is something else)."""
    if not line.startswith("import time:"):
        return None
    return line.rsplit("|", 1)[-1].strip()


@pytest.mark.parametrize(("arguments", "trigger"), INTERRUPTIONS)
def test_ctrl_c_at_start_says_interrupted_and_exits_130(
    tmp_path: Path, arguments: tuple[str, ...], trigger: str
) -> None:
    if arguments == ("node",):
        arguments = ("node", "--port", str(free_port()), "--block-time", "0")
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", dcmx_script(), *arguments],
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = []
    try:
        for line in process.stderr:
            seen.append(line)
            if loaded_module(line) == trigger:
                process.send_signal(signal.SIGINT)
                break
        _, rest = process.communicate(timeout=60)
    finally:
        process.kill()
    lines = [*seen, *rest.splitlines(keepends=True)]
    said = [line for line in lines if not line.startswith("import time:")]
    assert loaded_module(seen[-1]) == trigger, f"{trigger} was never loaded"
    assert "Traceback" not in "".join(said)
    assert [line.strip() for line in said] == ["dcmx: interrupted"]
    assert process.returncode == 130
