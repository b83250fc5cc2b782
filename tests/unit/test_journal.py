"""The journal of a development chain: replaying it rebuilds the same chain, block for block;
what the chain refused is not in it; a torn last line is ignored with a warning."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.journal import (
    COMMANDS,
    JournaledLedger,
    JournalError,
    decode_command,
    encode_command,
    first_entry,
)
from dcmx_adapters.journal import replay as journal_replay
from dcmx_adapters.journal import start as journal_start
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_core.commands import (
    AcceptDocument,
    Approve,
    CreateRelease,
    RegisterDocument,
    RelayAcceptance,
    Transfer,
    TransferEdition,
)
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.enums import DocumentType
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Clock, DevLedger

START = 1_767_225_600
ADMIN = Address(b"\x0a" * 20)
USER = Address(b"\x0b" * 20)
GENESIS = {"ledger": "memory"}


def build(_genesis: Mapping[str, Any], clock: Clock) -> DevLedger:
    return MemoryLedger(admin=ADMIN, crypto=EthCrypto(), clock=clock)


class TickingClock(ManualClock):
    """A clock that moves on a second every time it is read, as a live one would."""

    def now(self) -> int:
        self.current += 1
        return self.current


def busy_day(ledger: JournaledLedger) -> None:
    """Commands and development operations of every kind."""
    ledger.fund(USER, 10**18)
    token = ledger.deploy_payment_token("USDT")
    ledger.mint_payment_token(token, USER, 5_000)
    ledger.execute(ADMIN, RegisterDocument(DocumentType.TERMS_OF_SERVICE, 1, Hash32.of(b"t1")))
    ledger.warp(3_600)
    ledger.execute(USER, AcceptDocument(DocumentType.TERMS_OF_SERVICE, 1, Hash32.of(b"t1")))
    ledger.mine(3)
    ledger.execute(ADMIN, RegisterDocument(DocumentType.PRIVACY_POLICY, 1, Hash32.of(b"p1")))
    ledger.reorganize(1)
    ledger.execute(ADMIN, RegisterDocument(DocumentType.PRIVACY_POLICY, 1, Hash32.of(b"p2")))


def blocks_of(ledger: DevLedger) -> list[Any]:
    return [ledger.block(n) for n in range(ledger.head().number + 1)]


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Path]:
    """The journal's path; every chain opened on it in the test is closed after it."""
    opened.clear()
    yield tmp_path / "chain.jsonl"
    for ledger in opened:
        ledger.close()


opened: list[JournaledLedger] = []


def start(path: Path, genesis: Mapping[str, Any], builder: Any, clock: Clock) -> JournaledLedger:
    ledger = journal_start(path, genesis, builder, clock)
    opened.append(ledger)
    return ledger


def replay(path: Path, builder: Any, clock: Clock, *, writable: bool = True) -> JournaledLedger:
    ledger = journal_replay(path, builder, clock, writable=writable)
    opened.append(ledger)
    return ledger


def test_a_replay_rebuilds_the_same_blocks_and_state_at_a_later_time(journal: Path) -> None:
    ledger = start(journal, GENESIS, build, TickingClock(START))
    busy_day(ledger)
    ledger.close()

    again = replay(journal, build, TickingClock(START + 86_400))

    assert blocks_of(again) == blocks_of(ledger)
    assert again.events(0, again.head().number) == ledger.events(0, ledger.head().number)
    assert again.native_balance(USER) == ledger.native_balance(USER) == 10**18
    assert again.document_hash(DocumentType.PRIVACY_POLICY, 1) == Hash32.of(b"p2")


def test_a_replayed_chain_goes_on_journaling_and_replays_again(journal: Path) -> None:
    first = start(journal, GENESIS, build, TickingClock(START))
    busy_day(first)
    first.close()
    second = replay(journal, build, TickingClock(START + 100))
    second.execute(USER, Transfer(ADMIN, 0))
    second.close()

    third = replay(journal, build, TickingClock(START + 200))

    assert blocks_of(third) == blocks_of(second)
    assert third.head().number == first.head().number + 1


def test_a_refused_command_is_not_journaled(journal: Path) -> None:
    ledger = start(journal, GENESIS, build, TickingClock(START))
    lines = journal.read_text().splitlines()
    with pytest.raises(DcmxError):
        ledger.execute(USER, Transfer(ADMIN, 1))  # USER holds no DCMX
    assert journal.read_text().splitlines() == lines
    ledger.execute(ADMIN, RegisterDocument(DocumentType.TERMS_OF_SERVICE, 1, Hash32.of(b"t")))
    ledger.close()

    again = replay(journal, build, TickingClock(START + 50))

    assert blocks_of(again) == blocks_of(ledger)


def test_a_torn_last_line_is_ignored_with_a_warning_and_cut_before_the_next(
    journal: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ledger = start(journal, GENESIS, build, TickingClock(START))
    ledger.execute(ADMIN, RegisterDocument(DocumentType.TERMS_OF_SERVICE, 1, Hash32.of(b"t")))
    ledger.close()
    whole = journal.read_bytes()
    journal.write_bytes(whole + b'{"op":"fund","account":"0x0b0b')

    with caplog.at_level(logging.WARNING, logger="dcmx.journal"):
        again = replay(journal, build, TickingClock(START + 10))

    assert again.torn_bytes == len(b'{"op":"fund","account":"0x0b0b')
    assert any("journal_torn_line" in record.getMessage() for record in caplog.records)
    assert blocks_of(again) == blocks_of(ledger)
    again.fund(USER, 7)
    again.close()
    assert journal.read_bytes().startswith(whole)
    assert all(json.loads(line) for line in journal.read_bytes()[len(whole) :].splitlines())
    assert replay(journal, build, TickingClock(START + 20)).native_balance(USER) == 7


def test_a_bad_line_before_the_last_stops_the_replay(journal: Path) -> None:
    start(journal, GENESIS, build, TickingClock(START)).close()
    journal.write_bytes(journal.read_bytes() + b"not json\n" + b'{"op":"mine","blocks":1}\n')

    with pytest.raises(JournalError, match="line 2: not a JSON line"):
        replay(journal, build, TickingClock(START))


def test_a_replay_that_reaches_another_block_stops_loudly(journal: Path) -> None:
    ledger = start(journal, GENESIS, build, TickingClock(START))
    ledger.execute(ADMIN, RegisterDocument(DocumentType.TERMS_OF_SERVICE, 1, Hash32.of(b"t")))
    ledger.close()
    lines = journal.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["clock"] = [reading + 1 for reading in entry["clock"]]  # another block time
    journal.write_text("\n".join([lines[0], json.dumps(entry)]) + "\n")

    with pytest.raises(JournalError, match="line 2: the replay's head block is"):
        replay(journal, build, TickingClock(START))


def test_a_command_the_chain_refuses_on_replay_stops_it(journal: Path) -> None:
    start(journal, GENESIS, build, TickingClock(START)).close()
    refused = {
        "op": "execute",
        "sender": USER.to_hex(),
        "command": encode_command(Transfer(ADMIN, 1)),
        "clock": [START + 5],
    }
    journal.write_text(journal.read_text() + json.dumps(refused) + "\n")

    with pytest.raises(JournalError, match="line 2: the chain refused it on replay"):
        replay(journal, build, TickingClock(START))


def test_marks_survive_a_replay(journal: Path) -> None:
    ledger = start(journal, GENESIS, build, TickingClock(START))
    ledger.mark("demo")
    ledger.close()

    assert replay(journal, build, TickingClock(START)).marks == {"demo"}


def test_a_chain_opened_to_be_read_refuses_changes_and_writes_nothing(journal: Path) -> None:
    start(journal, GENESIS, build, TickingClock(START)).close()
    before = journal.read_bytes()
    reader = replay(journal, build, TickingClock(START), writable=False)

    with pytest.raises(PermissionError):
        reader.fund(USER, 1)
    assert journal.read_bytes() == before


def test_starting_over_an_existing_journal_is_refused(journal: Path) -> None:
    start(journal, GENESIS, build, TickingClock(START)).close()

    with pytest.raises(FileExistsError):
        start(journal, GENESIS, build, TickingClock(START))


def test_a_first_line_torn_by_a_crash_means_no_chain_yet(journal: Path) -> None:
    journal.write_bytes(b'{"op":"genesis","ledg')
    assert first_entry(journal) is None

    start(journal, GENESIS, build, TickingClock(START)).close()

    assert first_entry(journal) == {**json.loads(journal.read_text().splitlines()[0])}
    assert replay(journal, build, TickingClock(START)).head().number == 0


def test_queries_pass_through_but_nothing_else_does(journal: Path) -> None:
    ledger = start(journal, GENESIS, build, TickingClock(START))
    assert ledger.total_supply() == 0
    with pytest.raises(AttributeError):
        _ = ledger.platform  # not a query of the port: the journal would be bypassed


def test_a_chain_without_solidified_blocks_has_no_solidified_source(journal: Path) -> None:
    ledger = start(journal, GENESIS, build, TickingClock(START))
    with pytest.raises(AttributeError, match="MemoryLedger has no solidified blocks"):
        ledger.solidified()


@pytest.mark.parametrize(
    "command",
    [
        CreateRelease(
            ADMIN, "Title ✓", "Artist", Hash32.of(b"c"), 10, 500, (ADMIN, USER), (6_000, 4_000)
        ),
        RelayAcceptance(USER, DocumentType.COOKIE_POLICY, 2, Hash32.of(b"d"), 3, 99, b"\x01\xff"),
        Approve(USER, 2**256 - 1),
        Approve(USER, 5, token=ADMIN),
        TransferEdition(ADMIN, USER, 1_000_001, safe=True, data=b"\x00hi"),
    ],
)
def test_commands_come_back_from_json_equal(command: Any) -> None:
    text = json.dumps(encode_command(command))
    assert decode_command(json.loads(text)) == command


def test_every_command_class_is_known_by_name() -> None:
    assert {"Transfer", "CreateRelease", "RelayDeletionRequest", "ProcessDeletion"} <= set(COMMANDS)
    assert "Command" not in COMMANDS
