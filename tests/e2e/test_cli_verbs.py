"""The use-case verbs of the installed ``dcmx`` command, run as processes on the local chain
``dcmx up`` keeps: a first release is published, minted, listed and sold; a claim is
submitted, verified and paid; a document is registered and accepted (by a relayed signature);
a deletion is requested and processed; DCMX is sent. Replayed from its journal, the chain
holds it all, and the indexer takes it into the read models. While ``up`` runs, a verb that
would change the chain is refused.

Each verb is a process of its own and pays the command's start-up (seconds), so two
independent sequences of verbs run side by side (the verbs take turns on the chain's lock), and
the failures run while ``up`` starts. Every verb's bad input and refusal are tested in process
(``tests/entrypoints/test_verbs_cli.py``).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from attrs import define, field

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.model.enums import ClaimStatus, DocumentType
from dcmx_core.read_models import AcceptanceRecord, ClaimRecord, DeletionRecord, ReleaseRecord
from dcmx_entrypoints.chain_lock import lock_path
from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.demo.cast import person
from dcmx_entrypoints.settings import Settings
from tests.e2e.test_operations import STARTUP_SECONDS, Server, environment, start
from tests.e2e.test_operations import dcmx as run

DCMX = 10**18
COIN = 10**18
CRYPTO = EthCrypto()
AYLA, BO, CY, DEE = (person(name, CRYPTO) for name in ("Ayla", "Bo", "Cy", "Dee"))


def local(*arguments: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """A verb on the local chain, its outcome as JSON."""
    return run(*arguments, "--local-chain", "--json", env=env)


@define
class Steps:
    """The processes a sequence of verbs ran, by step name; a failed step ends its sequence."""

    env: dict[str, str]
    done: dict[str, subprocess.CompletedProcess[str]] = field(factory=dict)

    def ok(self, name: str, *arguments: str, json_out: bool = True) -> dict[str, Any]:
        if json_out:
            result = local(*arguments, env=self.env)
        else:
            result = run(*arguments, "--local-chain", env=self.env)
        self.done[name] = result
        if result.returncode != 0:
            raise StepFailed(name)
        return json.loads(result.stdout) if json_out else {}


class StepFailed(Exception):
    pass


def first_release_and_its_sale(steps: Steps, content: Path, document: Path) -> None:
    created = steps.ok(
        "release",
        *("release", "create", "--artist", "Ayla", "--title", "Second Light"),
        *("--artist-name", "Ayla & the Wires", "--content-file", str(content)),
        *("--max-editions", "10", "--royalty-bps", "500", "--split", "Ayla=7000"),
        *("--split", "Bo=3000"),
    )
    release_id = str(created["result"]["release_id"])
    minted = steps.ok("mint", "edition", "mint", release_id, "--to", "Ayla")
    token = str(minted["result"]["token_id"])
    steps.ok(
        "list",
        *("edition", "list", token, "--price", "0.5", "--units", "--as", "Ayla"),
        json_out=False,
    )
    steps.ok("buy", "edition", "buy", token, "--as", "Dee")
    steps.ok("register", "doc", "register", "privacy_policy", "1", "--file", str(document))
    steps.ok(
        "accept", "doc", "accept", "privacy-policy", "1", "--as", "Cy", "--relayed-by", "operator"
    )


def a_claim_and_a_deletion(steps: Steps) -> None:
    claim = steps.ok(
        "submit",
        *("reward", "submit", "--as", "Ayla", "--pool", "listening", "--amount", "20"),
        *("--units", "--proof", "Ayla listened for two hours"),
    )
    claim_id = str(claim["result"]["claim_id"])
    steps.ok("verify", "reward", "verify", claim_id, "--as", "Vera")
    steps.ok("pay", "reward", "pay", claim_id)
    asked = steps.ok("request", "deletion", "request", "--as", "Dee", "--regime", "ccpa")
    steps.ok("process", "deletion", "process", str(asked["result"]["request_id"]))
    steps.ok("transfer", "token", "transfer", "Bo", "5", "--units", "--as", "Dee")


def sequence(work: Any, *arguments: Any) -> None:
    with contextlib.suppress(StepFailed):  # its process is kept for the tests to show
        work(*arguments)


def stop(server: Server) -> None:
    try:
        code, _ = server.terminate()
        assert code == 0, server.printed()
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        server.output.close()


def wait_until_up_holds_the_chain(server: Server, data_dir: Path) -> None:
    held = f"{server.process.pid} up"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"it exited early: {server.printed()}"
        path = lock_path(data_dir)
        if path.exists() and path.read_text().strip() == held:
            return
        time.sleep(0.05)
    raise AssertionError(f"dcmx up never took the chain: {server.printed()}")


@define
class ReadModels:
    """What the indexer made of the chain, read from the database."""

    second_release: ReleaseRecord | None
    ayla_claims: list[ClaimRecord]
    cy_acceptances: list[AcceptanceRecord]
    bo_balance: int
    open_deletions: list[DeletionRecord]


def read_models(env: Mapping[str, str]) -> ReadModels:
    container = container_for(Settings.load(env))
    try:
        with container.unit_of_work() as uow:
            return ReadModels(
                uow.releases.get_release(2),
                uow.claims.claims_of(AYLA.address),
                uow.compliance.acceptances_of(CY.address),
                uow.balances.balance(BO.address),
                uow.compliance.open_deletions(),
            )
    finally:
        container.shutdown_resources()


@define
class World:
    up_pid: int
    while_up: subprocess.CompletedProcess[str]
    failures: dict[str, subprocess.CompletedProcess[str]]
    steps: dict[str, subprocess.CompletedProcess[str]]
    index: subprocess.CompletedProcess[str]
    after: ReadModels


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp_path = tmp_path_factory.mktemp("verbs")
    data_dir = tmp_path / "data"
    env = environment(data_dir)
    content = tmp_path / "second-light.flac"
    content.write_bytes(b"Second Light, the master")
    document = tmp_path / "privacy-v1.txt"
    document.write_text("DCMX privacy policy, version 1")

    with ThreadPoolExecutor(max_workers=2) as pool:
        server = start(tmp_path, "up", "up", env=env)
        try:
            # While dcmx up starts: bad input (refused before any chain is opened), a refusal
            # of the domain (on the configured ledger: a fresh in-memory one), and, once up
            # holds the local chain, a verb that would change it.
            failures = {
                "bad input": pool.submit(
                    run, "edition", "mint", "1", "--to", "nobody", "--local-chain", env=env
                ),
                "refusal": pool.submit(run, "reward", "pay", "7", env=env),
            }
            wait_until_up_holds_the_chain(server, data_dir)
            while_up = run("token", "transfer", "Bo", "1", "--as", "Dee", "--local-chain", env=env)
            server.wait_until("/readyz")
        finally:
            stop(server)
        music, rewards = Steps(env), Steps(env)
        for done in (
            pool.submit(sequence, first_release_and_its_sale, music, content, document),
            pool.submit(sequence, a_claim_and_a_deletion, rewards),
        ):
            done.result()
        failed = {name: future.result() for name, future in failures.items()}

    index = run("index", "--local-chain", "--json", "--quiet", env=env)
    return World(
        server.process.pid,
        while_up,
        failed,
        {**music.done, **rewards.done},
        index,
        read_models(env),
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    [line] = result.stderr.splitlines()
    return line


def outcome(world: World, step: str) -> dict[str, Any]:
    result = world.steps.get(step)
    assert result is not None, f"{step} never ran: {world.steps}"
    assert result.returncode == 0, f"{step}: {result.stderr}"
    return dict(json.loads(result.stdout))


def events_of(record: dict[str, Any]) -> list[str]:
    return [e["kind"] for tx in record["transactions"] for e in tx["events"]]


# --- the verbs, one after another ------------------------------------------------------------


def test_a_first_release_is_published_with_its_split(world: World) -> None:
    created = outcome(world, "release")
    assert created["result"]["release_id"] == 2  # the demo day published release 1
    [tx] = created["transactions"]
    assert tx["tx_id"].startswith("0x")
    assert tx["block"] > 0
    assert events_of(created) == ["ReleaseCreated", "SplitSet"]
    split = created["transactions"][0]["events"][1]["data"]
    assert split["shares_bps"] == ["7000", "3000"]


def test_an_edition_is_minted_listed_in_whole_units_and_bought(world: World) -> None:
    assert outcome(world, "mint")["result"]["token_id"] == 2_000_001
    listed = world.steps["list"]
    assert listed.returncode == 0, listed.stderr
    assert "Ayla listed token 2000001 for 0.5 coin" in listed.stdout
    assert "tx id" in listed.stdout
    bought = outcome(world, "buy")
    assert bought["result"]["price"] == str(COIN // 2)
    assert bought["result"]["primary"] is True
    assert "EditionSold" in events_of(bought)


def test_a_claim_is_submitted_verified_by_a_verifier_and_paid(world: World) -> None:
    claim_id = outcome(world, "submit")["result"]["claim_id"]
    assert outcome(world, "verify")["result"] == {"claim_id": claim_id, "status": "verified"}
    assert outcome(world, "pay")["result"] == {"claim_id": claim_id, "amount": str(20 * DCMX)}


def test_a_document_is_registered_and_accepted_by_a_relayed_signature(world: World) -> None:
    registered = outcome(world, "register")["result"]
    assert (registered["doc_type"], registered["version"]) == ("privacy_policy", 1)
    accepted = outcome(world, "accept")
    assert accepted["result"]["relayed_by"] == "operator"
    [event] = [e for tx in accepted["transactions"] for e in tx["events"]]
    assert event["kind"] == "DocumentAccepted"
    assert event["data"]["user"] == CY.address.to_checksum_hex(CRYPTO.keccak256)


def test_a_deletion_is_requested_and_processed(world: World) -> None:
    request_id = outcome(world, "request")["result"]["request_id"]
    processed = outcome(world, "process")
    assert processed["result"]["request_id"] == request_id
    assert events_of(processed) == ["DeletionProcessed"]


def test_dcmx_is_transferred(world: World) -> None:
    sent = outcome(world, "transfer")["result"]
    assert sent["amount"] == str(5 * DCMX)
    assert sent["to"] == BO.address.to_checksum_hex(CRYPTO.keccak256)


# --- failures: one line, non-zero ------------------------------------------------------------


def test_bad_input_names_the_option_in_one_line_and_exits_2(world: World) -> None:
    bad = world.failures["bad input"]
    assert bad.returncode == 2
    assert one_line(bad).startswith("dcmx: edition mint: Invalid value for '--to': 'nobody' ")
    assert bad.stdout == ""


def test_a_refusal_of_the_domain_names_the_rule_in_one_line_and_exits_1(world: World) -> None:
    refused = world.failures["refusal"]
    assert refused.returncode == 1
    assert one_line(refused).startswith("dcmx: refused: UnknownClaim: ")
    assert refused.stdout == ""


def test_a_verb_is_refused_while_dcmx_up_holds_the_local_chain(world: World) -> None:
    assert world.while_up.returncode == 1
    assert one_line(world.while_up) == (
        f"dcmx: the local chain is in use by dcmx up (pid {world.up_pid})"
    )


# --- the chain, replayed, holds it all ------------------------------------------------------


def test_the_indexer_replays_the_journal_and_takes_every_verb_in(world: World) -> None:
    assert world.index.returncode == 0, world.index.stderr
    status = json.loads(world.index.stdout)
    assert status["indexed"] == status["head"]
    assert status["events"] > 0  # the verbs' blocks, after those dcmx up indexed
    after = world.after
    assert after.second_release is not None
    assert (after.second_release.title, after.second_release.minted) == ("Second Light", 1)
    assert [c.status for c in after.ayla_claims] == [ClaimStatus.PAID]
    assert [a.doc_type for a in after.cy_acceptances] == [DocumentType.PRIVACY_POLICY]
    assert after.bo_balance == 5 * DCMX
    assert after.open_deletions == []
