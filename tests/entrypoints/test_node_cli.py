"""``dcmx node --data-dir``'s choices, in process: a new chain funds its dev accounts once and a
replay does not fund them again; ``--reset`` sets the old journal aside (renamed, never
deleted); options that contradict the journal, and a second node on the same directory, are
refused in one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from dcmx_devnode import journal
from dcmx_devnode.journal import JournaledNode, JournalInUse
from dcmx_devnode.server import ACCOUNT_FUNDS, dev_accounts
from dcmx_entrypoints.cli.node import ChainOptions, OpenNode, _journaled


def opened(
    path: Path,
    accounts: int | None = 2,
    depth: int | None = None,
    *,
    reset: bool = False,
    free: bool = False,
) -> OpenNode:
    found = _journaled(path, ChainOptions(accounts, depth, 1, free), reset)
    assert isinstance(found.node, JournaledNode)
    found.node.close()
    return found


def test_a_new_chain_funds_its_accounts_and_a_replay_does_not_again(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    first = opened(path)
    again = opened(path, accounts=None)

    assert "new, journaled in" in first.how
    assert "replayed from" in again.how
    assert again.funded == dev_accounts(2)
    assert again.node.balance(dev_accounts(2)[1].address) == ACCOUNT_FUNDS
    assert not again.node.free  # a dcmx node chain charges what mainnet charges
    assert path.read_text().count('"op":"fund"') == 2


def test_reset_sets_the_old_journal_aside_and_starts_a_new_chain(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    path.write_bytes(b"garbage\n")

    fresh = opened(path, accounts=1, reset=True)
    (aside,) = tmp_path.glob("node.jsonl.*.old")
    assert aside.read_bytes() == b"garbage\n"
    assert f"the old chain kept aside as {aside}" in fresh.how
    assert fresh.funded == dev_accounts(1)


@pytest.mark.parametrize(
    ("accounts", "depth", "free", "says"),
    [
        (5, None, False, "started with 2 funded accounts, not 5"),
        (None, 3, False, "solidifies 1 block behind the head, not 3"),
        (None, None, True, "charges what mainnet charges, not nothing (--free)"),
    ],
)
def test_options_that_contradict_the_journal_are_one_line_and_exit_code_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    accounts: int | None,
    depth: int | None,
    free: bool,
    says: str,
) -> None:
    path = tmp_path / "node.jsonl"
    opened(path)
    capsys.readouterr()
    with pytest.raises(typer.Exit) as refused:
        opened(path, accounts=accounts, depth=depth, free=free)
    assert refused.value.exit_code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert says in line
    assert "--reset" in line


def test_a_garbled_journal_is_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "node.jsonl"
    path.write_bytes(b"\x00\x01garbage\n")
    with pytest.raises(typer.Exit) as refused:
        opened(path)
    assert refused.value.exit_code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "line 1: not a JSON line" in line


def test_a_second_node_on_the_same_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    with journal.holding(path), pytest.raises(JournalInUse), journal.holding(path):
        pass
