"""``dcmx up --chain tron``, run as a process: the five contracts on the local TRON node, the
demo day indexed from solidified blocks and served over HTTP with base58 addresses; after a
SIGTERM and a restart, the journal replays the same chain and the API serves the same data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from attrs import define

from dcmx_adapters.crypto import EthCrypto
from dcmx_entrypoints.demo.cast import person
from tests.e2e.test_operations import STARTUP_SECONDS, STOP_SECONDS, Server, environment, start

DCMX = 10**18
AYLA = person("Ayla", EthCrypto())
DEE = person("Dee", EthCrypto())
OPERATOR = person("operator", EthCrypto())


@define
class Run:
    """What one run of ``dcmx up --chain tron`` served, and how it stopped."""

    printed: str
    releases: list[dict[str, Any]]
    dee_balance: dict[str, Any]
    events: list[dict[str, Any]]
    exit_code: int
    stop_seconds: float


def wait_for_the_demo_day(server: Server) -> list[dict[str, Any]]:
    """The events served once the demo's last one (the deletion processed) is solidified and
    indexed: the local node solidifies a block when the next one comes."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        events = server.every_item("/v1/events")
        if events and events[-1]["kind"] == "DeletionProcessed":
            return events
        time.sleep(0.2)
    raise AssertionError(f"the demo day was never indexed: {server.printed()}")


def run_up(tmp_path: Path, name: str, env: dict[str, str], *arguments: str) -> Run:
    server = start(tmp_path, name, "up", *arguments, env=env)
    try:
        server.wait_until("/readyz")
        events = wait_for_the_demo_day(server)
        run = Run(
            printed="",
            releases=server.get("/v1/releases")["items"],
            dee_balance=server.get(f"/v1/accounts/{DEE.address.to_base58()}/balance"),
            events=events,
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
    first: Run
    second: Run


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """``dcmx up --chain tron`` on a fresh data directory, stopped, and started again (plain
    ``dcmx up``: the data directory's chain is a TRON one)."""
    tmp_path = tmp_path_factory.mktemp("up-tron")
    env = environment(tmp_path / "data")
    first = run_up(tmp_path, "first", env, "--chain", "tron")
    second = run_up(tmp_path, "second", env)
    return Stack(first, second)


def test_up_on_tron_serves_the_demo_day_with_base58_addresses(stack: Stack) -> None:
    (release,) = stack.first.releases
    assert release["title"] == "Midnight Static"
    assert release["artist"] == AYLA.address.to_base58()
    assert release["split"][0] == {"recipient": AYLA.address.to_base58(), "share_bps": 5_000}
    assert stack.first.dee_balance["account"] == DEE.address.to_base58()
    assert stack.first.dee_balance["amount"] == str(60 * DCMX)
    assert {event["chain"] for event in stack.first.events} == {"tron:local"}


def test_up_on_tron_stops_on_sigterm_with_exit_code_zero(stack: Stack) -> None:
    for run in (stack.first, stack.second):
        assert run.exit_code == 0, run.printed
        assert run.stop_seconds < STOP_SECONDS


def test_up_on_tron_serves_the_same_data_after_a_restart(stack: Stack) -> None:
    assert "replayed from" in stack.second.printed
    assert "local TRON chain" in stack.second.printed
    assert stack.second.releases == stack.first.releases
    assert stack.second.dee_balance == stack.first.dee_balance
    # The same events in the same blocks: up refuses a database whose checkpoint's block hash
    # the replayed chain does not have.
    assert stack.second.events == stack.first.events


def test_up_on_tron_prints_the_accounts_in_base58(stack: Stack) -> None:
    printed = stack.first.printed
    assert "solidified blocks" in printed
    keccak = EthCrypto().keccak256
    for someone in (OPERATOR, AYLA, DEE):
        assert someone.address.to_base58() in printed
        assert someone.address.to_checksum_hex(keccak) not in printed
        assert someone.key.hex() not in printed.lower()
