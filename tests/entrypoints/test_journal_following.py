"""A chain opened to be read follows its journal: it replays only the lines another process
appended since it last read it, so its head moves as the writer's does; a line still being
written waits for the rest; a journal that no longer extends what it replayed (set aside and
started over by ``dcmx up --reset``, or rewritten) is refused in one line, and the follower
thread stops on it. The same holds for a local TRON node's journal."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from dcmx_adapters.clock import ManualClock, SystemClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.journal import JournaledLedger, JournalError, JournalReplaced
from dcmx_adapters.journal import replay as journal_replay
from dcmx_adapters.journal import start as journal_start
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_core.commands import RegisterDocument
from dcmx_core.model.enums import DocumentType
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Clock, DevLedger
from dcmx_devnode import journal as node_journal
from dcmx_devnode.journal import JournaledNode
from dcmx_entrypoints.demo.cast import demo_cast
from dcmx_entrypoints.local_chain import (
    JournalFollower,
    following_journal,
    journal_path,
    open_local_chain,
)
from dcmx_entrypoints.settings import LedgerKind

START = 1_767_225_600
ADMIN = Address(b"\x0a" * 20)
USER = Address(b"\x0b" * 20)
GENESIS = {"ledger": "memory"}


def build(_genesis: Mapping[str, Any], clock: Clock) -> DevLedger:
    return MemoryLedger(admin=ADMIN, crypto=EthCrypto(), clock=clock)


class TickingClock(ManualClock):
    def now(self) -> int:
        self.current += 1
        return self.current


def register(ledger: JournaledLedger, version: int) -> None:
    document = Hash32.of(b"terms %d" % version)
    ledger.execute(ADMIN, RegisterDocument(DocumentType.TERMS_OF_SERVICE, version, document))


def blocks_of(ledger: Any) -> list[Any]:
    return [ledger.block(n) for n in range(ledger.head().number + 1)]


@pytest.fixture
def opened() -> Iterator[list[Any]]:
    chains: list[Any] = []
    yield chains
    for chain in chains:
        chain.close()


@pytest.fixture
def writer(tmp_path: Path, opened: list[Any]) -> JournaledLedger:
    ledger = journal_start(tmp_path / "chain.jsonl", GENESIS, build, TickingClock(START))
    opened.append(ledger)
    register(ledger, 1)
    return ledger


def reader_of(path: Path, opened: list[Any]) -> JournaledLedger:
    reader = journal_replay(path, build, TickingClock(START + 86_400), writable=False)
    opened.append(reader)
    return reader


def test_a_reader_replays_only_what_was_appended_since_it_last_read(
    writer: JournaledLedger, opened: list[Any]
) -> None:
    path = writer.journal_path
    assert path is not None
    reader = reader_of(path, opened)
    assert reader.follow_journal() == 0

    register(writer, 2)
    writer.mine(2)
    writer.mark("demo")

    assert reader.follow_journal() == 3
    assert blocks_of(reader) == blocks_of(writer)
    assert reader.events(0, reader.head().number) == writer.events(0, writer.head().number)
    assert "demo" in reader.marks
    assert reader.follow_journal() == 0


def test_a_line_still_being_written_waits_for_the_rest(
    writer: JournaledLedger, opened: list[Any], tmp_path: Path
) -> None:
    source = writer.journal_path
    assert source is not None
    settled = source.read_bytes()
    register(writer, 2)
    appended = source.read_bytes()[len(settled) :]
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(settled)
    reader = reader_of(copy, opened)
    before = reader.head()

    with copy.open("ab") as file:
        file.write(appended[:20])
    assert reader.follow_journal() == 0
    assert reader.head() == before

    with copy.open("ab") as file:
        file.write(appended[20:])
    assert reader.follow_journal() == 1
    assert reader.head() == writer.head()


def test_a_journal_set_aside_and_started_over_is_refused_in_one_line(
    writer: JournaledLedger, opened: list[Any]
) -> None:
    path = writer.journal_path
    assert path is not None
    reader = reader_of(path, opened)
    writer.close()
    path.rename(path.with_name("chain.jsonl.old"))
    opened.append(journal_start(path, GENESIS, build, TickingClock(START + 5)))

    with pytest.raises(JournalReplaced) as refused:
        reader.follow_journal()

    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{path} is another file now: it no longer extends the chain")


def test_a_journal_rewritten_in_place_is_refused(
    writer: JournaledLedger, opened: list[Any]
) -> None:
    path = writer.journal_path
    assert path is not None
    register(writer, 2)
    reader = reader_of(path, opened)
    lines = path.read_bytes().splitlines(keepends=True)
    other = lines[-1].replace(b'"execute"', b'"EXECUTE"')
    assert other != lines[-1]
    with path.open("r+b") as file:  # the same file: its last line another, and one more
        file.seek(sum(len(line) for line in lines[:-1]))
        file.write(other + lines[-1])

    with pytest.raises(JournalReplaced, match="was rewritten"):
        reader.follow_journal()


def test_a_journal_cut_short_is_refused(writer: JournaledLedger, opened: list[Any]) -> None:
    path = writer.journal_path
    assert path is not None
    register(writer, 2)
    reader = reader_of(path, opened)
    with path.open("r+b") as file:
        file.truncate(len(path.read_bytes().splitlines(keepends=True)[0]))

    with pytest.raises(JournalReplaced, match="was cut short"):
        reader.follow_journal()


def test_a_line_the_chain_will_not_replay_stops_the_following_naming_it(
    writer: JournaledLedger, opened: list[Any]
) -> None:
    path = writer.journal_path
    assert path is not None
    reader = reader_of(path, opened)
    with path.open("ab") as file:
        file.write(b'{"op":"mine","blocks":"two"}\n')

    with pytest.raises(JournalError, match=r"line 3: cannot read it"):
        reader.follow_journal()


def test_the_follower_thread_moves_the_head_and_stops_on_a_replaced_journal(
    writer: JournaledLedger, opened: list[Any]
) -> None:
    path = writer.journal_path
    assert path is not None
    reader = reader_of(path, opened)
    failed = threading.Event()

    with following_journal(reader, lambda _: failed.set(), poll_seconds=0.01) as follower:
        assert isinstance(follower, JournalFollower)
        register(writer, 2)
        deadline = time.monotonic() + 5
        while reader.head() != writer.head() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert reader.head() == writer.head()

        writer.close()
        path.rename(path.with_name("chain.jsonl.old"))
        opened.append(journal_start(path, GENESIS, build, TickingClock(START + 5)))
        assert failed.wait(5)
        follower.join(5)

    assert not follower.is_alive()
    assert isinstance(follower.error, JournalReplaced)


def test_a_chain_that_journals_its_own_changes_is_not_followed(
    writer: JournaledLedger,
) -> None:
    with following_journal(writer, lambda _: None) as follower:
        assert follower is None
    assert writer.follow_journal() == 0


class Ticking:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


def test_a_node_opened_to_be_read_follows_its_journal(tmp_path: Path, opened: list[Any]) -> None:
    path = tmp_path / "node.jsonl"
    node = node_journal.start(path, Ticking(time.time()), {"solidify_depth": 1}, {"by": "test"})
    opened.append(node)
    node.fund("0x" + "0b" * 20, 1_000)
    reader, _ = node_journal.replay(path, Ticking(time.time() + 86_400), writable=False)
    opened.append(reader)
    notes: list[Mapping[str, Any]] = []

    node.mine(3)
    node.note({"mark": "demo"})

    assert reader.follow_journal(lambda _node, note: notes.append(note)) == 2
    assert _head(reader) == _head(node)
    assert notes == [{"mark": "demo"}]
    assert reader.follow_journal() == 0


def _head(node: JournaledNode) -> tuple[int, bytes]:
    return node.head.number, node.head.block_id


@pytest.mark.parametrize("kind", [LedgerKind.EVM, LedgerKind.TRON])
def test_a_local_chain_opened_to_be_read_follows_what_a_verb_adds(
    kind: LedgerKind, tmp_path: Path, opened: list[Any]
) -> None:
    path = journal_path(tmp_path)
    writer = open_local_chain(path, SystemClock(), kind=kind).ledger
    opened.append(writer)
    reader = open_local_chain(path, SystemClock(), writable=False).ledger
    opened.append(reader)
    operator = demo_cast(EthCrypto())[0].address
    before = reader.head().number

    writer.execute(operator, RegisterDocument(DocumentType.PRIVACY_POLICY, 1, Hash32.of(b"p")))
    writer.mine(2)  # on TRON, what solidifies the block
    assert reader.head().number == before

    assert reader.follow_journal() >= 2  # the node journals a transaction's block too
    assert reader.head() == writer.head()
    assert reader.follow_journal() == 0
    source = reader.solidified() if kind is LedgerKind.TRON else reader
    (registered,) = source.read(before + 1, source.head().number).events
    assert registered == writer.events(before + 1, writer.head().number)[0]
