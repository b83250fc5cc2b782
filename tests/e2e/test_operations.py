"""The operational verbs of the installed ``dcmx`` command, run as processes: ``up`` serves the
demo day over HTTP and survives a restart with the same data and no second demo day; ``index``
and ``status`` work on its database; ``serve`` answers; every failure is one line and a
non-zero exit code."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from attrs import define, field

from dcmx_adapters.crypto import EthCrypto
from dcmx_entrypoints.demo.cast import person

DCMX = 10**18
STARTUP_SECONDS = 45
STOP_SECONDS = 5


def dcmx_script() -> str:
    beside_python = Path(sys.executable).parent / "dcmx"
    script = str(beside_python) if beside_python.exists() else shutil.which("dcmx")
    assert script is not None, "the dcmx console script is not installed"
    return script


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any DCMX_ setting, but these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCMX_")}
    return {**env, "DCMX_DATA_DIR": str(data_dir), **settings}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dcmx(*arguments: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [dcmx_script(), *arguments],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@define
class Server:
    """A ``dcmx`` process serving HTTP on ``port``."""

    process: subprocess.Popen[str]
    port: int
    output: IO[str]
    started: float = field(factory=time.monotonic)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_until(self, path: str) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"it exited early: {self.printed()}"
            try:
                if httpx.get(self.url(path), timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{path} never answered 200: {self.printed()}")

    def get(self, path: str) -> Any:
        answer = httpx.get(self.url(path), timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def every_item(self, path: str) -> list[Any]:
        """Every item of a paged list, following ``next`` page by page."""
        items: list[Any] = []
        page = self.get(f"{path}?limit=100")
        items += page["items"]
        while page["next"] is not None:
            page = self.get(f"{path}?limit=100&after={page['next']}")
            items += page["items"]
        return items

    def terminate(self) -> tuple[int, float]:
        """SIGTERM; the exit code and how long it took to exit."""
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=STOP_SECONDS * 3)
        return code, time.monotonic() - began

    def printed(self) -> str:
        self.output.flush()
        return Path(self.output.name).read_text()


def start(tmp_path: Path, name: str, *arguments: str, env: Mapping[str, str]) -> Server:
    port = free_port()
    output = (tmp_path / f"{name}.out").open("w")
    process = subprocess.Popen(
        [dcmx_script(), *arguments, "--port", str(port)],
        env=dict(env),
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Server(process, port, output)


@define
class Run:
    """What one run of ``dcmx up`` served, and how it stopped."""

    printed: str
    releases: list[dict[str, Any]]
    dee_balance: str
    dee_claims: int
    events: int
    exit_code: int
    stop_seconds: float


DEE = person("Dee", EthCrypto())
OPERATOR = person("operator", EthCrypto())


def run_up(tmp_path: Path, name: str, env: Mapping[str, str]) -> Run:
    server = start(tmp_path, name, "up", env=env)
    try:
        server.wait_until("/readyz")
        dee = DEE.address.to_hex()
        run = Run(
            printed="",
            releases=server.get("/v1/releases")["items"],
            dee_balance=server.get(f"/v1/accounts/{dee}/balance")["amount"],
            dee_claims=len(server.get(f"/v1/accounts/{dee}/claims")["items"]),
            events=len(server.every_item("/v1/events")),
            exit_code=-1,
            stop_seconds=-1.0,
        )
        run.exit_code, run.stop_seconds = server.terminate()
        run.printed = server.printed()
        return run
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        server.output.close()


@define
class Stack:
    data_dir: Path
    env: dict[str, str]
    first: Run
    second: Run


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """``dcmx up`` on a fresh data directory, stopped, and started again."""
    tmp_path = tmp_path_factory.mktemp("up")
    data_dir = tmp_path / "data"
    env = environment(data_dir)
    first = run_up(tmp_path, "first", env)
    second = run_up(tmp_path, "second", env)
    return Stack(data_dir, env, first, second)


# --- dcmx up --------------------------------------------------------------------------------


def test_up_serves_the_demo_day_over_http(stack: Stack) -> None:
    assert [r["title"] for r in stack.first.releases] == ["Midnight Static"]
    assert stack.first.dee_balance == str(60 * DCMX)
    assert stack.first.dee_claims == 1


def test_up_stops_on_sigterm_with_exit_code_zero_within_seconds(stack: Stack) -> None:
    for run in (stack.first, stack.second):
        assert run.exit_code == 0, run.printed
        assert run.stop_seconds < STOP_SECONDS


def test_up_serves_the_same_data_after_a_restart_without_a_second_demo_day(stack: Stack) -> None:
    assert stack.second.releases == stack.first.releases
    assert stack.second.dee_balance == stack.first.dee_balance
    assert stack.second.dee_claims == stack.first.dee_claims == 1
    assert stack.second.events == stack.first.events > 0
    assert "replayed from" in stack.second.printed


def test_up_prints_where_to_find_the_api_and_the_accounts_but_no_key(stack: Stack) -> None:
    printed = stack.first.printed
    assert "http://127.0.0.1:" in printed
    assert "/docs" in printed
    keccak = EthCrypto().keccak256
    for someone in (OPERATOR, DEE):
        assert someone.name in printed
        assert someone.address.to_checksum_hex(keccak) in printed
        assert someone.key.hex() not in printed.lower()


# --- dcmx index and dcmx status on its data -------------------------------------------------


def test_status_reports_the_chain_and_the_database_of_up(stack: Stack) -> None:
    result = dcmx("status", "--local-chain", "--json", env=stack.env)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["indexed"] == status["head"] > 0
    assert status["lag"] == 0
    assert status["database_reachable"] is True
    assert status["schema_current"] is True


def test_index_backfills_a_fresh_database_in_a_block_range_then_to_the_head(
    stack: Stack, tmp_path: Path
) -> None:
    env = {**stack.env, "DCMX_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    part = dcmx("index", "--local-chain", "--json", "--to", "20", env=env)
    assert part.returncode == 0, part.stderr
    first = json.loads(part.stdout)
    assert (first["indexed"], first["blocks"]) == (20, 21)
    assert first["events"] > 0

    rest = dcmx("index", "--local-chain", "--json", env=env)
    assert rest.returncode == 0, rest.stderr
    second = json.loads(rest.stdout)
    assert second["indexed"] == second["head"]
    assert second["blocks"] == second["head"] - 20
    assert first["events"] + second["events"] == stack.first.events


def test_index_refuses_a_range_that_would_leave_a_gap(stack: Stack, tmp_path: Path) -> None:
    env = {**stack.env, "DCMX_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    result = dcmx("index", "--local-chain", "--from", "5", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "dcmx: --from 5 would leave blocks 0 to 4 out of the read models of evm:31337: "
        "the next block to index is 0"
    ]


def test_index_follow_stops_on_sigterm_with_exit_code_zero(stack: Stack, tmp_path: Path) -> None:
    env = {**stack.env, "DCMX_DATABASE_URL": f"sqlite:///{tmp_path / 'follow.sqlite3'}"}
    process = subprocess.Popen(
        [dcmx_script(), "index", "--local-chain", "--follow", "--quiet", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        progress = process.stderr.readline()  # a progress line: it is indexing, signals handled
        assert progress.startswith("indexed "), progress
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=STOP_SECONDS * 3)
        assert process.returncode == 0
        assert time.monotonic() - began < STOP_SECONDS
        assert json.loads(stdout)["indexed"] >= 0
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


# --- dcmx serve -----------------------------------------------------------------------------


def test_serve_answers_healthz_and_stops_on_sigterm(tmp_path: Path) -> None:
    server = start(tmp_path, "serve", "serve", env=environment(tmp_path / "data"))
    try:
        server.wait_until("/healthz")
        assert server.get("/healthz") == {"status": "ok"}
        code, seconds = server.terminate()
        assert code == 0, server.printed()
        assert seconds < STOP_SECONDS
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        server.output.close()


def children_of(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue  # it exited while we looked
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def wait_for_children(pid: int, count: int, other_than: set[int] = frozenset()) -> set[int]:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        children = children_of(pid)
        if len(children) == count and not children & other_than:
            return children
        time.sleep(0.1)
    raise AssertionError(f"{pid} has {children_of(pid)}, not {count} new server processes")


@pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree from /proc")
def test_serve_from_several_processes_replaces_a_dead_one_and_stops_them_all(
    tmp_path: Path,
) -> None:
    env = environment(tmp_path)
    assert dcmx("db", "upgrade", env=env).returncode == 0
    server = start(tmp_path, "serve", "serve", "--workers", "2", env=env)
    try:
        server.wait_until("/healthz")
        first = wait_for_children(server.process.pid, 2)
        # The port answers, whichever process the kernel gives each connection to.
        for _ in range(20):
            assert server.get("/v1/stats")["releases"] == 0
        killed = first.pop()
        os.kill(killed, signal.SIGKILL)
        replaced = wait_for_children(server.process.pid, 2, other_than={killed})
        assert first < replaced
        server.wait_until("/healthz")
        code, seconds = server.terminate()
        assert code == 0, server.printed()
        assert seconds < STOP_SECONDS
        assert "from 2 processes" in server.printed()
        # It waited for every server process before it exited.
        assert not [pid for pid in replaced if Path(f"/proc/{pid}").exists()]
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        server.output.close()


def test_serve_refuses_several_processes_over_the_local_chain(tmp_path: Path) -> None:
    result = dcmx("serve", "--workers", "2", "--local-chain", env=environment(tmp_path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "dcmx: --workers needs a shared ledger; --local-chain serves one process"
    ]


# --- failures: one line, non-zero ------------------------------------------------------------


def test_a_bad_setting_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    result = dcmx("up", env=environment(tmp_path, DCMX_API_PORT="eighty"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "dcmx: DCMX_API_PORT (environment) must be an integer from 1 to 65535, not 'eighty'"
    ]


def test_an_unreachable_database_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    url = "postgresql+psycopg://dcmx@127.0.0.1:1/dcmx"
    result = dcmx("status", env=environment(tmp_path, DCMX_DATABASE_URL=url))
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("dcmx: cannot reach the database at postgresql+psycopg://dcmx@")


def test_a_taken_port_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = dcmx("up", "--port", str(port), env=environment(tmp_path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"dcmx: cannot listen on 127.0.0.1:{port}: the port is taken"
    ]
