"""Followers of the local chain, run as processes: ``dcmx index --follow --local-chain`` and
``dcmx serve --local-chain`` started on a fresh data directory see the block a verb adds while
they run (the indexer indexes it within seconds, the API shows it with lag 0), and both stop
with one line and a non-zero exit code when the chain's journal is set aside and started over
(as ``dcmx up --reset`` does)."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import httpx
import pytest
from attrs import define
from typer.testing import CliRunner

from dcmx_adapters.clock import SystemClock
from dcmx_entrypoints.cli import app
from dcmx_entrypoints.demo.cast import person
from dcmx_entrypoints.local_chain import journal_path, open_local_chain
from tests.e2e.test_operations import (
    STARTUP_SECONDS,
    STOP_SECONDS,
    Server,
    dcmx,
    dcmx_script,
    environment,
    start,
)

SEEN_SECONDS = 5.0
"""How soon after the verb's exit the followers must show its block."""
DEE, BO = person("Dee"), person("Bo")


@define
class Followed:
    """What the followers showed before and after a verb added a block, and how they stopped
    once the journal was replaced."""

    head_before: int
    verb: dict[str, Any]
    seen_seconds: float
    readiness: dict[str, Any]
    approvals: list[dict[str, Any]]
    status: dict[str, Any]
    index_code: int
    index_said: str
    serve_code: int
    serve_said: str


def readiness(server: Server) -> dict[str, Any] | None:
    try:
        answer = httpx.get(server.url("/readyz"), timeout=2)
    except httpx.TransportError:
        return None
    body: dict[str, Any] = answer.json()
    return body


def wait_for(server: Server, head: int, seconds: float) -> dict[str, Any]:
    """The readiness once the API shows ``head`` indexed (lag 0)."""
    deadline = time.monotonic() + seconds
    seen: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"serve exited: {server.printed()}"
        seen = readiness(server)
        if seen is not None and seen.get("head") == head and seen.get("lag") == 0:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"never at head {head} with lag 0 (last: {seen}): {server.printed()}")


def said_last(text: str) -> str:
    return text.strip().splitlines()[-1] if text.strip() else ""


@pytest.fixture(scope="module")
def followed(tmp_path_factory: pytest.TempPathFactory) -> Followed:
    tmp_path = tmp_path_factory.mktemp("follow")
    data_dir = tmp_path / "data"
    env = environment(data_dir)
    chain = open_local_chain(journal_path(data_dir), SystemClock()).ledger
    head_before = chain.head().number
    chain.close()
    errors = (tmp_path / "index.err").open("w")
    index = subprocess.Popen(
        [dcmx_script(), "index", "--follow", "--local-chain", "--quiet", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        text=True,
    )
    server = start(tmp_path, "serve", "serve", "--local-chain", env=env)
    try:
        wait_for(server, head_before, STARTUP_SECONDS)
        verb = dcmx(
            "token", "approve", "Bo", "5", "--as", "Dee", "--local-chain", "--json", env=env
        )
        assert verb.returncode == 0, verb.stderr
        began = time.monotonic()
        ready = wait_for(server, head_before + 1, SEEN_SECONDS)
        seen_seconds = time.monotonic() - began
        approvals = server.get("/v1/events?kind=AllowanceApproved")["items"]
        # What ``dcmx status --local-chain`` says, in this process: it replays the journal anew.
        status = CliRunner().invoke(app, ["status", "--local-chain", "--json"], env=env)
        assert status.exit_code == 0, status.output

        aside = journal_path(data_dir).with_name("chain.jsonl.old")
        journal_path(data_dir).rename(aside)
        open_local_chain(journal_path(data_dir), SystemClock()).ledger.close()
        index_code = index.wait(timeout=STOP_SECONDS * 3)
        serve_code = server.process.wait(timeout=STOP_SECONDS * 3)
        errors.close()
        return Followed(
            head_before=head_before,
            verb=json.loads(verb.stdout),
            seen_seconds=seen_seconds,
            readiness=ready,
            approvals=approvals,
            status=json.loads(status.stdout),
            index_code=index_code,
            index_said=said_last((tmp_path / "index.err").read_text()),
            serve_code=serve_code,
            serve_said=said_last(server.printed()),
        )
    finally:
        for process in (index, server.process):
            if process.poll() is None:
                process.kill()
                process.wait()
        server.output.close()
        errors.close()


def test_the_api_shows_the_block_a_verb_added_within_seconds_with_lag_0(
    followed: Followed,
) -> None:
    assert followed.seen_seconds < SEEN_SECONDS
    assert followed.readiness["indexed"] == followed.head_before + 1
    assert followed.readiness["status"] == "ready"


def test_the_indexer_took_the_verbs_event_into_the_read_models(followed: Followed) -> None:
    (approval,) = followed.approvals
    assert approval["block_number"] == followed.head_before + 1
    assert approval["data"]["owner"].lower() == DEE.address.to_hex().lower()
    assert approval["data"]["spender"].lower() == BO.address.to_hex().lower()


def test_status_agrees_with_the_follower_lag_0(followed: Followed) -> None:
    assert followed.status["head"] == followed.head_before + 1
    assert followed.status["indexed"] == followed.head_before + 1
    assert followed.status["lag"] == 0


def test_both_followers_stop_in_one_line_when_the_journal_is_replaced(
    followed: Followed,
) -> None:
    assert followed.index_code == 1
    assert followed.serve_code == 1
    for said in (followed.index_said, followed.serve_said):
        assert said.startswith("dcmx: stopped following the local chain: "), said
        assert "chain.jsonl is another file now: it no longer extends the chain" in said
