"""How fast the ``dcmx`` command starts: seconds from exec to the end of ``dcmx --version``,
``dcmx --help``, two verb groups' help (``dcmx token --help``, ``dcmx release --help``) and a
verb that reads the configured ledger (``dcmx token balance Ayla`` on the default in-memory
ledger, in an empty data directory), and from exec to the first HTTP answer of ``dcmx node``.
Three runs of each; the targets are 0.3 s for ``--version``, ``--help`` and a group's help,
well under a second for a verb.

Then how long a verb on the local chain takes, as a whole process: a read verb (``dcmx token
balance``) and a write verb (``dcmx edition mint``) with ``--local-chain``, on the chain a
``dcmx up`` seeds and on that chain grown by ``--grow`` more blocks (500 by default: token
approvals, one a block). Every run starts from a fresh copy of the data directory, so that
every run does the same. A second table splits each verb's time in three, measured inside the
process: the interpreter and the imports (exec to the command's module and the local chain's
loaded), opening the chain (``open_local_chain``: its replay, and whatever it imports), and the
rest of the command.

Run with ``nox -s bench`` (``python -m benchmarks.startup`` alone). The command is the console
script beside this Python, as a user runs it; ``PYTHONPATH`` is passed on, so it measures the
source tree that ``PYTHONPATH`` names. One untimed run of each command comes first, and the
children may write bytecode (``PYTHONDONTWRITEBYTECODE`` is dropped for them): the figures are
those of a warm start, as every start after an installed ``dcmx``'s first.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

RUNS = 3
NODE_ANSWER_TIMEOUT = 60.0
"""Seconds ``dcmx node`` may take to answer before the measure fails."""


def dcmx_command() -> list[str]:
    """The ``dcmx`` console script of the environment this Python belongs to."""
    return [str(Path(sys.executable).parent / "dcmx")]


def child_environment(data_dir: Path | None = None) -> dict[str, str]:
    """This environment without any DCMX_ setting, its data directory ``data_dir`` (else the
    benchmark's own empty one), and bytecode written."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DCMX_")}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment["DCMX_DATA_DIR"] = str(data_dir) if data_dir is not None else DATA_DIR
    return environment


DATA_DIR = tempfile.mkdtemp(prefix="dcmx-startup-")
"""An empty data directory of the benchmark's own: a verb reads no settings of this machine."""


def run_time(*arguments: str, data_dir: Path | None = None) -> float:
    """Seconds from starting ``dcmx ARGUMENTS`` to its exit (which must be a success)."""
    started = time.perf_counter()
    subprocess.run(
        [*dcmx_command(), *arguments],
        check=True,
        stdout=subprocess.DEVNULL,
        env=child_environment(data_dir),
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
    "dcmx release --help (to exit)": lambda: run_time("release", "--help"),
    "dcmx token balance Ayla (to exit)": lambda: run_time("token", "balance", "Ayla"),
    "dcmx node (to first HTTP answer)": node_start_time,
}


# --- verbs on the local chain ---------------------------------------------------------------

UP_READY_TIMEOUT = 300.0
"""Seconds ``dcmx up`` may take to seed the demo day and answer ``/readyz``."""
READ_VERB: tuple[str, ...] = ("token", "balance", "Ayla", "--local-chain")
WRITE_VERB: tuple[str, ...] = ("edition", "mint", "1", "--to", "Ayla", "--local-chain")
VERBS: dict[str, tuple[str, ...]] = {
    "read: " + " ".join(READ_VERB): READ_VERB,
    "write: " + " ".join(WRITE_VERB): WRITE_VERB,
}


def ready(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/readyz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def seed_with_up(data_dir: Path) -> None:
    """A local chain in ``data_dir`` as ``dcmx up`` seeds it (then stopped with Ctrl-C)."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*dcmx_command(), "up", "--port", str(port), "--node-port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_environment(data_dir),
    )
    try:
        while not ready(port):
            if process.poll() is not None:
                raise RuntimeError(f"dcmx up exited with {process.returncode} before it was up")
            if time.perf_counter() - started > UP_READY_TIMEOUT:
                raise RuntimeError(f"dcmx up was not up in {UP_READY_TIMEOUT:g} s")
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)


def grow(data_dir: Path, blocks: int) -> None:
    """``blocks`` more blocks on the local chain in ``data_dir``, one token approval each, made
    through the journaled ledger as a verb makes them."""
    from dcmx_adapters.clock import SystemClock
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_core.commands import Approve
    from dcmx_entrypoints.demo.cast import demo_cast
    from dcmx_entrypoints.local_chain import journal_path, open_local_chain

    operator, spender = (someone.address for someone in demo_cast(EthCrypto())[:2])
    local = open_local_chain(journal_path(data_dir), SystemClock())
    try:
        for amount in range(1, blocks + 1):
            local.ledger.execute(operator, Approve(spender=spender, amount=amount))
    finally:
        local.ledger.close()


@contextmanager
def copy_of(data_dir: Path) -> Iterator[Path]:
    """A fresh copy of ``data_dir`` (its chain and its database), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="dcmx-verb-") as parent:
        copy = Path(parent) / "data"
        shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("*.lock"))
        yield copy


def children_cpu() -> float:
    """CPU seconds (user and system) of the children this process has waited for."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def verb_time(data_dir: Path, verb: tuple[str, ...]) -> tuple[float, float]:
    """Seconds from exec to exit of ``dcmx VERB`` on a fresh copy of ``data_dir``, and the CPU
    seconds it took (on a loaded machine the wall time is mostly waiting for a core)."""
    with copy_of(data_dir) as copy:
        before = children_cpu()
        wall = run_time(*verb, data_dir=copy)
        return wall, children_cpu() - before


PHASES_CHILD = """
import sys, time
started = float(sys.argv[1])
import dcmx_entrypoints.cli as cli
import dcmx_entrypoints.cli.verbs.chain
import dcmx_entrypoints.local_chain as local_chain
imported = time.perf_counter()
opening = []
def timed(*args, **kwargs):
    begun = time.perf_counter()
    try:
        return chain_open(*args, **kwargs)
    finally:
        opening.append(time.perf_counter() - begun)
chain_open, local_chain.open_local_chain = local_chain.open_local_chain, timed
sys.argv = ["dcmx", *sys.argv[2:]]
try:
    cli.main()
except SystemExit as exit:
    if exit.code:
        raise
ended = time.perf_counter()
print("PHASES", imported - started, sum(opening), ended - imported - sum(opening), file=sys.stderr)
"""


def verb_phases(data_dir: Path, verb: tuple[str, ...]) -> tuple[float, float, float]:
    """Seconds of one run of ``verb``: the interpreter and imports, opening the chain, and the
    rest of the command (whole-process CLOCK_MONOTONIC readings, taken inside the process)."""
    with copy_of(data_dir) as copy:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", PHASES_CHILD, repr(started), *verb],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=child_environment(copy),
        )
    line = next(line for line in done.stderr.splitlines() if line.startswith("PHASES "))
    imports, opening, rest = (float(part) for part in line.split()[1:])
    return imports, opening, rest


def journal_lines(data_dir: Path) -> int:
    with (data_dir / "chain.jsonl").open("rb") as journal:
        return sum(1 for _ in journal)


def head_block(data_dir: Path) -> int:
    """The head block the journal's last line that names one names."""
    with (data_dir / "chain.jsonl").open("rb") as journal:
        heads = [entry["head"] for entry in map(json.loads, journal) if "head" in entry]
    return int(heads[-1][0])


def verb_tables(runs: int, more_blocks: int) -> None:
    with tempfile.TemporaryDirectory(prefix="dcmx-chains-") as parent:
        demo, grown = Path(parent) / "demo", Path(parent) / "grown"
        seed_with_up(demo)
        shutil.copytree(demo, grown, ignore=shutil.ignore_patterns("*.lock"))
        grow(grown, more_blocks)
        chains = {"demo": demo, f"demo + {more_blocks}": grown}
        wall = Table(
            title="a verb with --local-chain, seconds from exec to exit (CPU seconds), warm, "
            "on a fresh copy",
            title_justify="left",
        )
        wall.add_column("chain")
        wall.add_column("verb")
        for run in range(1, runs + 1):
            wall.add_column(f"run {run}", justify="right")
        split = Table(
            title="where a verb's time goes, seconds: imports / open chain / rest",
            title_justify="left",
        )
        split.add_column("chain")
        split.add_column("verb")
        for run in range(1, runs + 1):
            split.add_column(f"run {run}", justify="right")
        for chain_name, data_dir in chains.items():
            lines = journal_lines(data_dir)
            described = f"{chain_name} (block {head_block(data_dir)}, {lines} lines)"
            for verb_name, verb in VERBS.items():
                verb_time(data_dir, verb)  # leaves the bytecode cache warm
                figures = [verb_time(data_dir, verb) for _ in range(runs)]
                shown = (f"{seconds:.2f} ({cpu:.2f})" for seconds, cpu in figures)
                wall.add_row(described, verb_name, *shown)
                parts = [verb_phases(data_dir, verb) for _ in range(runs)]
                split.add_row(
                    described, verb_name, *(" / ".join(f"{p:.2f}" for p in part) for part in parts)
                )
        Console().print(wall)
        Console().print(split)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--grow", type=int, default=500, help="blocks added to the demo chain")
    parser.add_argument("--verbs-only", action="store_true", help="only the verb tables")
    arguments = parser.parse_known_args()[0]
    runs = arguments.runs
    if not arguments.verbs_only:
        table = Table(title="dcmx start time, seconds from exec (warm)", title_justify="left")
        table.add_column("command")
        for run in range(1, runs + 1):
            table.add_column(f"run {run}", justify="right")
        for name, measure in MEASURES.items():
            table.add_row(name, *(f"{figure:.2f}" for figure in warm_runs(measure, runs)))
        Console().print(table)
    verb_tables(runs, arguments.grow)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
