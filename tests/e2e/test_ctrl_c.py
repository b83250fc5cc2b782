"""Ctrl-C anywhere in a command prints at most one line (``dcmx: interrupted``) and exits
130: while a long-running command runs (it stops in order first), and while it starts (see
also ``test_startup.py``). SIGTERM stays an orderly stop with exit code 0 (``test_operations``)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_operations import dcmx_script, environment, free_port
from tests.e2e.test_startup import loaded_module

RUNNING = [
    pytest.param(("node", "--block-time", "0"), "/wallet/getnowblock", id="node"),
    pytest.param(("serve",), "/healthz", id="serve"),
    pytest.param(("index", "--follow"), None, id="index-follow"),
]


def _said_after(process: subprocess.Popen[str], sig: int) -> tuple[int, list[str]]:
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    return process.returncode, err.splitlines()


def _running(tmp_path: Path, arguments: tuple[str, ...], path: str | None) -> subprocess.Popen[str]:
    port = free_port()
    if arguments[0] == "serve":  # a server serves a database that holds the read models
        upgrade = [dcmx_script(), "db", "upgrade"]
        subprocess.run(upgrade, env=environment(tmp_path / "data"), check=True, timeout=60)
    if path is not None:
        arguments = (*arguments, "--port", str(port))
    process = subprocess.Popen(
        [dcmx_script(), *arguments],
        env=environment(tmp_path / "data"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 45
    while True:
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "it never got going"
        if path is None:
            if (tmp_path / "data" / "dcmx.sqlite3").exists():
                time.sleep(1.0)  # migrated: now indexing and following
                return process
        else:
            try:
                httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2)
                return process
            except httpx.TransportError:
                pass
        time.sleep(0.1)


@pytest.mark.parametrize(("arguments", "path"), RUNNING)
def test_ctrl_c_while_running_stops_says_one_line_and_exits_130(
    tmp_path: Path, arguments: tuple[str, ...], path: str | None
) -> None:
    process = _running(tmp_path, arguments, path)
    try:
        code, said = _said_after(process, signal.SIGINT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 130, said
    assert said[-1] == "dcmx: interrupted", said
    assert not any("Traceback" in line or "Error" in line for line in said), said
    # ``index --follow`` prints its progress as it goes: nothing else after Ctrl-C.
    assert all(line.startswith("indexed ") for line in said[:-1]), said


STARTING = [
    pytest.param(("serve",), "uvicorn", id="serve-while-the-server-loads"),
    pytest.param(("index", "--follow"), "sqlalchemy", id="index-while-its-stack-loads"),
    pytest.param(("token", "balance", "Ayla"), "dcmx_core.services", id="verb-while-it-loads"),
]


@pytest.mark.parametrize(("arguments", "trigger"), STARTING)
def test_ctrl_c_while_starting_says_one_line_and_exits_130(
    tmp_path: Path, arguments: tuple[str, ...], trigger: str
) -> None:
    if arguments == ("serve",):
        arguments = ("serve", "--port", str(free_port()))
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", dcmx_script(), *arguments],
        env=environment(tmp_path / "data"),
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
    said = [
        line.strip() for line in [*seen, *rest.splitlines()] if not line.startswith("import time:")
    ]
    assert loaded_module(seen[-1]) == trigger, f"{trigger} was never loaded"
    assert said == ["dcmx: interrupted"], said
    assert process.returncode == 130
