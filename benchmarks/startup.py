"""How fast the ``dcmx`` command starts: seconds from exec to the end of ``dcmx --version``,
``dcmx --help``, a verb group's help (``dcmx token --help``) and a verb that reads the configured
ledger (``dcmx token balance Ayla`` on the default in-memory ledger, in an empty data directory),
and from exec to the first HTTP answer of ``dcmx node``. Three runs of each; the targets are
0.3 s for ``--version`` and ``--help``, well under a second for a verb.

Run with ``nox -s bench`` (``python -m benchmarks.startup`` alone). The command is the console
script beside this Python, as a user runs it; ``PYTHONPATH`` is passed on, so it measures the
source tree that ``PYTHONPATH`` names. One untimed run of each command comes first, and the
children may write bytecode (``PYTHONDONTWRITEBYTECODE`` is dropped for them): the figures are
those of a warm start, as every start after an installed ``dcmx``'s first.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

RUNS = 3
NODE_ANSWER_TIMEOUT = 60.0
"""Seconds ``dcmx node`` may take to answer before the measure fails."""


def dcmx_command() -> list[str]:
    """The ``dcmx`` console script of the environment this Python belongs to."""
    return [str(Path(sys.executable).parent / "dcmx")]


def child_environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DCMX_")}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment["DCMX_DATA_DIR"] = DATA_DIR
    return environment


DATA_DIR = tempfile.mkdtemp(prefix="dcmx-startup-")
"""An empty data directory of the benchmark's own: a verb reads no settings of this machine."""


def run_time(*arguments: str) -> float:
    """Seconds from starting ``dcmx ARGUMENTS`` to its exit (which must be a success)."""
    started = time.perf_counter()
    subprocess.run(
        [*dcmx_command(), *arguments],
        check=True,
        stdout=subprocess.DEVNULL,
        env=child_environment(),
    )
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    """Whether something on ``port`` answers ``wallet/getnowblock`` with HTTP 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/wallet/getnowblock")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def node_start_time() -> float:
    """Seconds from starting ``dcmx node`` to its first HTTP answer."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*dcmx_command(), "node", "--port", str(port), "--block-time", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_environment(),
    )
    try:
        while not answers(port):
            if process.poll() is not None:
                raise RuntimeError(f"dcmx node exited with {process.returncode} before answering")
            if time.perf_counter() - started > NODE_ANSWER_TIMEOUT:
                raise RuntimeError(f"dcmx node did not answer in {NODE_ANSWER_TIMEOUT:g} s")
            time.sleep(0.01)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(10)


def warm_runs(measure: Callable[[], float], runs: int = RUNS) -> list[float]:
    """``runs`` figures of ``measure``, after one untimed run that leaves the bytecode cache
    warm."""
    measure()
    return [measure() for _ in range(runs)]


MEASURES: dict[str, Callable[[], float]] = {
    "dcmx --version (to exit)": lambda: run_time("--version"),
    "dcmx --help (to exit)": lambda: run_time("--help"),
    "dcmx token --help (to exit)": lambda: run_time("token", "--help"),
    "dcmx token balance Ayla (to exit)": lambda: run_time("token", "balance", "Ayla"),
    "dcmx node (to first HTTP answer)": node_start_time,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    runs = parser.parse_known_args()[0].runs
    table = Table(title="dcmx start time, seconds from exec (warm)", title_justify="left")
    table.add_column("command")
    for run in range(1, runs + 1):
        table.add_column(f"run {run}", justify="right")
    for name, measure in MEASURES.items():
        table.add_row(name, *(f"{figure:.2f}" for figure in warm_runs(measure, runs)))
    Console().print(table)


if __name__ == "__main__":
    main()
