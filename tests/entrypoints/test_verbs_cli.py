"""Every use-case verb, run through the ``dcmx`` console entry (``cli.main``) in this process:
bad input names the option in one line on stderr and exits 2; a refusal of the domain names
the rule in one line and exits 1. Refusals come from a fresh in-memory ledger (the configured
default), or from a local chain where they need one; ``tests/e2e/test_cli_verbs.py`` runs the
verbs' successes as processes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from dcmx_adapters.clock import SystemClock
from dcmx_entrypoints import cli
from dcmx_entrypoints.chain_lock import UP, holding_local_chain
from dcmx_entrypoints.local_chain import journal_path, open_local_chain

ZERO_HASH = "00" * 32
SOME_HASH = "ab" * 32
CREATE = (
    *("release", "create", "--artist", "Ayla", "--title", "T", "--artist-name", "A"),
    *("--max-editions", "10", "--royalty-bps", "500"),
)


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No DCMX_ setting of this process's environment, and a data directory of its own."""
    for name in list(os.environ):
        if name.startswith("DCMX_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DCMX_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def dcmx(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *arguments: str
) -> tuple[int, str, str]:
    """Run ``dcmx ARGUMENTS`` as the console script does: the exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["dcmx", *arguments])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    out, err = capsys.readouterr()
    code = exit_.value.code
    return code if isinstance(code, int) else 1, out, err


BAD_INPUT = [
    pytest.param((*CREATE, "--split", "Ayla=half", "--content-hash", SOME_HASH), "--split"),
    pytest.param(
        (*CREATE, "--split", "Ayla=10000", "--content-hash", SOME_HASH, "--content-file", "f"),
        "--content-hash/--content-file",
    ),
    pytest.param((*CREATE, "--split", "Ayla=10000", "--content-hash", "0x12"), "--content-hash"),
    pytest.param(("edition", "mint", "1", "--to", "nobody"), "--to"),
    pytest.param(("edition", "mint", "one", "--to", "Ayla"), "RELEASE"),
    pytest.param(("edition", "list", "1", "--price", "0.5", "--as", "Ayla"), "--price"),
    pytest.param(("edition", "list", "1", "--price", "1", "--as", "Zed"), "--as"),
    pytest.param(("edition", "list", "1", "--price", "1", "--currency", "usd"), "--currency"),
    pytest.param(("edition", "list", "1", "--price", "1", "--decimals", "6"), "--decimals"),
    pytest.param(("edition", "buy", "x", "--as", "Dee"), "TOKEN"),
    pytest.param(("royalty", "deposit", "1", "0.1234567890123456789", "--units"), "AMOUNT"),
    pytest.param(
        ("royalty", "deposit", "1", "1", "--units", "--currency", "0x" + "11" * 20), "AMOUNT"
    ),
    pytest.param(("payout", "withdraw", "--as", "0x" + "22" * 20), "--as"),
    pytest.param(("reward", "allocate", "streaming", "100"), "POOL"),
    pytest.param(
        ("reward", "allocate", "listening", "100", "--daily-limit", "1e3"), "--daily-limit"
    ),
    pytest.param(
        ("reward", "submit", "--pool", "listening", "--amount", "-5", "--proof", "p"), "--amount"
    ),
    pytest.param(("reward", "verify", "one"), "CLAIM"),
    pytest.param(("reward", "reject", "#1"), "CLAIM"),
    pytest.param(("reward", "pay", ""), "CLAIM"),
    pytest.param(("doc", "register", "eula", "1", "--hash", SOME_HASH), "TYPE"),
    pytest.param(("doc", "register", "privacy_policy", "1"), "--file/--hash"),
    pytest.param(("doc", "accept", "privacy_policy", "1", "--relayed-by", "Zed"), "--relayed-by"),
    pytest.param(("deletion", "request", "--regime", "hipaa"), "--regime"),
    pytest.param(("deletion", "process", "first"), "REQUEST"),
    pytest.param(("token", "transfer", "Bo", "1.5"), "AMOUNT"),
    pytest.param(("token", "transfer", "0xabc", "1"), "TO"),
    pytest.param(("token", "balance", "Tnobody"), "ADDR"),
]


@pytest.mark.parametrize(("arguments", "option"), BAD_INPUT)
def test_bad_input_names_the_option_in_one_line_and_exits_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arguments: tuple[str, ...],
    option: str,
) -> None:
    code, out, err = dcmx(capsys, monkeypatch, *arguments)
    assert code == 2
    assert out == ""
    [line] = err.splitlines()
    verb = " ".join(arguments[:2])
    assert line.startswith(f"dcmx: {verb}: Invalid value for '{option}': "), line


def test_a_missing_option_is_one_line_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = dcmx(capsys, monkeypatch, "edition", "list", "1")
    assert code == 2
    assert err.splitlines() == ["dcmx: edition list: Missing option '--price'."]


REFUSED = [
    pytest.param((*CREATE, "--split", "Ayla=6000", "--content-hash", SOME_HASH), "InvalidSplit"),
    pytest.param((*CREATE, "--split", "Ayla=10000", "--content-hash", ZERO_HASH), "EmptyHash"),
    pytest.param(("edition", "mint", "9", "--to", "Ayla"), "UnknownRelease"),
    pytest.param(("edition", "list", "1000001", "--price", "5", "--as", "Ayla"), "UnknownToken"),
    pytest.param(("edition", "buy", "1000001", "--as", "Dee"), "NotListed"),
    pytest.param(("royalty", "deposit", "9", "1", "--as", "Mkt"), "InsufficientBalance"),
    pytest.param(("payout", "withdraw", "--as", "Bo"), "NothingToWithdraw"),
    pytest.param(("reward", "allocate", "listening", "1", "--as", "Ayla"), "NotAdmin"),
    pytest.param(
        ("reward", "submit", "--as", "Ayla", "--pool", "sharing", "--amount", "1", "--proof", "p"),
        "DailyLimitExceeded",
    ),
    pytest.param(("reward", "verify", "1", "--as", "Vera"), "NotVerifier"),
    pytest.param(("reward", "reject", "1", "--as", "Vera"), "NotVerifier"),
    pytest.param(("reward", "pay", "1"), "UnknownClaim"),
    pytest.param(("doc", "register", "privacy_policy", "1", "--hash", ZERO_HASH), "EmptyHash"),
    pytest.param(("doc", "accept", "privacy_policy", "1", "--as", "Bo"), "UnknownDocument"),
    pytest.param(("deletion", "process", "7"), "UnknownDeletionRequest"),
    pytest.param(("token", "transfer", "Bo", "1", "--as", "Dee"), "InsufficientBalance"),
]


@pytest.mark.parametrize(("arguments", "rule"), REFUSED)
def test_a_refusal_names_the_rule_in_one_line_and_exits_1(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arguments: tuple[str, ...],
    rule: str,
) -> None:
    code, out, err = dcmx(capsys, monkeypatch, *arguments)
    assert code == 1
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(f"dcmx: refused: {rule}: "), line


def test_a_verb_on_the_configured_ledger_prints_its_transactions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = ("doc", "register", "terms_of_service", "1", "--hash", SOME_HASH)
    code, out, err = dcmx(capsys, monkeypatch, *arguments)
    assert (code, err) == (0, "")
    assert out.startswith(f"registered terms_of_service v1 as 0x{SOME_HASH}\n")
    assert "DocumentRegistered" in out
    code, out, _ = dcmx(capsys, monkeypatch, *arguments, "--json")
    record = json.loads(out)
    assert record["result"] == {
        "doc_type": "terms_of_service",
        "version": 1,
        "hash": "0x" + SOME_HASH,
    }
    [tx] = record["transactions"]
    assert [e["kind"] for e in tx["events"]] == ["DocumentRegistered"]


# --- on a local chain -----------------------------------------------------------------------


@pytest.fixture
def local_chain(environment: Path) -> Path:
    """A local chain as dcmx up --no-demo leaves it: the contracts, the operator funded."""
    open_local_chain(journal_path(environment), SystemClock()).ledger.close()
    return environment


def test_a_second_open_deletion_request_is_refused(
    local_chain: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    request = ("deletion", "request", "--regime", "gdpr", "--local-chain", "--json")
    journal = journal_path(local_chain)
    code, out, err = dcmx(capsys, monkeypatch, *request)
    assert code == 0, err
    assert json.loads(out)["result"] == {"request_id": 1, "regime": "gdpr"}
    journaled = journal.read_text().splitlines()
    assert json.loads(journaled[-1])["command"]["type"] == "RequestDeletion"
    code, _, err = dcmx(capsys, monkeypatch, *request)
    assert code == 1
    [line] = err.splitlines()
    assert line.startswith("dcmx: refused: DeletionAlreadyRequested: ")
    assert journal.read_text().splitlines() == journaled  # a refusal changed nothing


def test_buying_your_own_listing_is_refused_naming_the_seller(
    local_chain: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for verb in (
        (*CREATE, "--split", "Ayla=10000", "--content-hash", SOME_HASH),
        ("edition", "mint", "1", "--to", "operator"),
        ("edition", "list", "1000001", "--price", "5", "--as", "operator"),
    ):
        code, _, err = dcmx(capsys, monkeypatch, *verb, "--local-chain")
        assert code == 0, err
    code, out, err = dcmx(capsys, monkeypatch, "edition", "buy", "1000001", "--local-chain")
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith("dcmx: refused: BuyerIsSeller: 0x"), line
    assert line.endswith(" is the seller of token 1000001 and may not buy it"), line


def test_while_up_holds_the_local_chain_a_change_is_refused_and_a_read_is_not(
    local_chain: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with holding_local_chain(local_chain, UP):
        code, _, err = dcmx(capsys, monkeypatch, "token", "transfer", "Bo", "1", "--local-chain")
        assert code == 1
        assert err.splitlines() == [
            f"dcmx: the local chain is in use by dcmx up (pid {os.getpid()})"
        ]
        code, out, err = dcmx(capsys, monkeypatch, "token", "balance", "Bo", "--local-chain")
        assert (code, err) == (0, "")
        assert out.startswith("Bo holds 0 DCMX")
    lines = journal_path(local_chain).read_text().splitlines()
    assert len(lines) == 1  # the genesis line only: nothing was journaled


def test_a_verb_on_a_data_directory_without_a_local_chain_says_how_to_get_one(
    environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = dcmx(capsys, monkeypatch, "reward", "pay", "1", "--local-chain")
    assert code == 1
    assert err.splitlines() == [f"dcmx: no local chain in {environment}: dcmx up starts one"]


def test_a_failure_of_the_ledger_itself_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # On the fresh eth-tester chain of DCMX_LEDGER=evm only the operator has coin for gas.
    monkeypatch.setenv("DCMX_LEDGER", "evm")
    code, out, err = dcmx(
        capsys, monkeypatch, "deletion", "request", "--regime", "gdpr", "--as", "Ayla"
    )
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith("dcmx: deletion request failed: ValidationError: "), line
    assert "cannot afford" in line
