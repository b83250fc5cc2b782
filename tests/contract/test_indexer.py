"""The indexer mirrors a ledger in the read models (memory, SQLite, PostgreSQL): after the demo's
day the read models say what the ledger says; replays write nothing; a crash writes nothing; a
reorganization is rolled back to exactly what a fresh index of the new chain holds (the logs
quarantined from orphaned blocks gone too), and a fork deeper than the window stops it with
nothing changed."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.events import LogPosition
from dcmx_core.exceptions import ReorgTooDeep
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import ClaimStatus, DocumentType
from dcmx_core.model.nft import token_id_of
from dcmx_core.ports import DevLedger, EventBatch, Undecodable, UnitOfWork
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.demo.scenario import DemoResult, run_demo
from dcmx_entrypoints.demo.stacks import DemoStack, evm_stack, memory_stack
from tests.factories import digest

START = 1_767_225_600


def demo_day(stack: DemoStack) -> DemoResult:
    return run_demo(stack.ledger, stack.crypto, stack.clock, stack.profiles, stack.operator)


@pytest.fixture(scope="module")
def memory_day() -> tuple[DevLedger, DemoResult]:
    stack = memory_stack(start=START)
    return stack.ledger, demo_day(stack)


def assert_mirrored(ledger: DevLedger, result: DemoResult, uow: UnitOfWork) -> None:
    with uow:
        for holding in result.holdings:
            assert uow.balances.balance(holding.address) == ledger.token_balance(holding.address)
            for currency in (NATIVE, result.usdt):
                assert currency is not None
                payout = uow.sales.payout(holding.address, currency)
                pending = payout.pending if payout else 0
                assert pending == ledger.payout(holding.address, currency)
        release = uow.releases.get_release(1)
        assert release is not None
        assert release.minted == ledger.release(1).minted
        assert release.recipients == ledger.release(1).split.recipients
        for edition in uow.releases.editions_of_release(1):
            assert edition.owner == ledger.owner_of(edition.token_id)
        for claim_id in range(1, ledger.claim_count() + 1):
            stored = uow.claims.get_claim(claim_id)
            assert stored is not None
            assert stored.status == ledger.claim(claim_id).status
        assert len(uow.sales.sales_of_release(1)) == 3
        assert uow.compliance.open_deletions() == []
        assert uow.events.count("demo") == len(ledger.events(0, ledger.head().number))


def test_the_read_models_mirror_the_in_memory_ledger(
    memory_day: tuple[DevLedger, DemoResult], unit_of_work: UnitOfWork
) -> None:
    ledger, result = memory_day
    indexer = Indexer(ledger, unit_of_work, IndexerSettings("demo", batch_blocks=7))
    written = indexer.catch_up()
    assert written == len(ledger.events(0, ledger.head().number)) > 50
    assert indexer.status.lag == 0
    assert_mirrored(ledger, result, unit_of_work)


def test_the_read_models_mirror_the_contracts(unit_of_work: UnitOfWork) -> None:
    stack = evm_stack(engine="revm", start=START)
    result = demo_day(stack)
    Indexer(stack.ledger, unit_of_work, IndexerSettings("demo", batch_blocks=50)).catch_up()
    assert_mirrored(stack.ledger, result, unit_of_work)


def test_indexing_again_writes_nothing(
    memory_day: tuple[DevLedger, DemoResult], unit_of_work: UnitOfWork
) -> None:
    ledger, _ = memory_day
    settings = IndexerSettings("demo", batch_blocks=10)
    Indexer(ledger, unit_of_work, settings).catch_up()
    assert Indexer(ledger, unit_of_work, settings).catch_up() == 0


def test_only_confirmed_blocks_are_indexed(
    memory_day: tuple[DevLedger, DemoResult], unit_of_work: UnitOfWork
) -> None:
    ledger, _ = memory_day
    indexer = Indexer(ledger, unit_of_work, IndexerSettings("demo", confirmations=5))
    indexer.catch_up()
    assert indexer.status.indexed == ledger.head().number - 5
    assert indexer.status.lag == 5


class CrashingLedger:
    """A ledger that fails when asked for the hash of block ``crash_at`` (mid-batch)."""

    def __init__(self, ledger: DevLedger, crash_at: int) -> None:
        self._ledger = ledger
        self._crash_at = crash_at

    def block(self, number: int) -> Any:
        if number == self._crash_at:
            raise ConnectionError("the node went away")
        return self._ledger.block(number)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


def test_a_crash_mid_batch_writes_nothing_and_a_restart_completes(
    memory_day: tuple[DevLedger, DemoResult], unit_of_work: UnitOfWork
) -> None:
    ledger, _ = memory_day
    settings = IndexerSettings("demo", batch_blocks=10)
    Indexer(ledger, unit_of_work, settings).catch_up()
    crashing = Indexer(CrashingLedger(ledger, 9), unit_of_work, settings)
    assert crashing.catch_up() == 0  # the checkpoint is past block 9: nothing to redo
    fresh_settings = IndexerSettings("other", batch_blocks=10)
    broken = Indexer(CrashingLedger(ledger, 19), unit_of_work, fresh_settings)
    with pytest.raises(ConnectionError):
        broken.catch_up()
    with unit_of_work:
        assert unit_of_work.events.count("other") == len(ledger.events(0, 9))
    assert broken.status.last_error == "ConnectionError: the node went away"
    Indexer(ledger, unit_of_work, fresh_settings).catch_up()
    with unit_of_work:
        assert unit_of_work.events.count("other") == unit_of_work.events.count("demo")


def read_models(uow: UnitOfWork, ledger: DevLedger, result: DemoResult) -> tuple[Any, ...]:
    """Everything the read models hold about the demo's day."""
    people = [h.address for h in result.holdings]
    with uow:
        return (
            [uow.balances.balance(p) for p in people],
            uow.releases.list_releases(),
            uow.releases.editions_of_release(1),
            uow.sales.sales_of_release(1),
            [uow.sales.payouts_of(p) for p in people],
            [uow.claims.claims_of(p) for p in people],
            [uow.compliance.documents(t) for t in DocumentType],
            [uow.compliance.acceptances_of(p) for p in people],
            uow.compliance.open_deletions(),
            [uow.compliance.deletion(n) for n in (1, 2)],
            [(s.position, s.event) for s in uow.events.list("demo", limit=10_000)],
            uow.checkpoints.get_checkpoint("demo"),
            uow.quarantine.quarantined("demo"),
        )


@pytest.mark.parametrize("depth", [1, 4, 12])
def test_a_reorganization_is_rolled_back_to_what_a_fresh_index_holds(
    unit_of_work: UnitOfWork, depth: int
) -> None:
    stack = memory_stack(start=START)
    result = demo_day(stack)
    ledger = stack.ledger
    indexer = Indexer(ledger, unit_of_work, IndexerSettings("demo", batch_blocks=5))
    indexer.catch_up()
    ledger.reorganize(depth)
    ledger.mine(depth + 2)
    indexer.catch_up()
    fresh = MemoryUnitOfWork()
    Indexer(ledger, fresh, IndexerSettings("demo", batch_blocks=5)).catch_up()
    assert read_models(unit_of_work, ledger, result) == read_models(fresh, ledger, result)
    assert indexer.status.reorgs == 1
    assert indexer.status.rolled_back > 0


def test_a_fork_deeper_than_the_window_stops_the_indexer_unchanged(
    unit_of_work: UnitOfWork,
) -> None:
    stack = memory_stack(start=START)
    result = demo_day(stack)
    ledger = stack.ledger
    indexer = Indexer(ledger, unit_of_work, IndexerSettings("demo", reorg_window=3))
    indexer.catch_up()
    before = read_models(unit_of_work, ledger, result)
    ledger.reorganize(5)
    ledger.mine(6)
    with pytest.raises(ReorgTooDeep):
        indexer.catch_up()
    assert read_models(unit_of_work, ledger, result) == before
    assert indexer.status.last_error is not None


def test_editions_follow_their_owners(
    memory_day: tuple[DevLedger, DemoResult], unit_of_work: UnitOfWork
) -> None:
    ledger, result = memory_day
    Indexer(ledger, unit_of_work, IndexerSettings("demo")).catch_up()
    eli = next(h for h in result.holdings if h.name == "Eli")
    with unit_of_work:
        owned = unit_of_work.releases.editions_of_owner(eli.address)
    assert [e.token_id for e in owned] == [token_id_of(1, 1), token_id_of(1, 2)]


def test_claims_keep_their_last_status(
    memory_day: tuple[DevLedger, DemoResult], unit_of_work: UnitOfWork
) -> None:
    ledger, _ = memory_day
    Indexer(ledger, unit_of_work, IndexerSettings("demo")).catch_up()
    with unit_of_work:
        statuses = [unit_of_work.claims.get_claim(i) for i in (1, 2)]
    assert [s.status for s in statuses if s] == [ClaimStatus.PAID, ClaimStatus.REJECTED]


class LedgerWithBadLogs:
    """A ledger whose blocks ``at`` also hold a log no domain event describes, each in the
    block of the branch it was made on: a block reorganized away takes its log along."""

    def __init__(self, ledger: DevLedger, *at: int) -> None:
        self._ledger = ledger
        self._bad = [
            Undecodable(
                LogPosition(n, ledger.block(n).hash, digest("bad tx"), 99), "unknown topic", b"\xff"
            )
            for n in at
        ]

    def read(self, from_block: int, to_block: int) -> EventBatch:
        batch = self._ledger.read(from_block, to_block)
        bad = [
            log
            for log in self._bad
            if from_block <= log.position.block_number <= to_block
            and self._ledger.block(log.position.block_number).hash == log.position.block_hash
        ]
        return EventBatch(batch.events, (*batch.undecodable, *bad))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


def test_an_undecodable_log_is_quarantined_and_the_batch_still_indexed(
    memory_day: tuple[DevLedger, DemoResult], unit_of_work: UnitOfWork
) -> None:
    ledger, _ = memory_day
    settings = IndexerSettings("demo", batch_blocks=6)
    Indexer(LedgerWithBadLogs(ledger, 8), unit_of_work, settings).catch_up()
    Indexer(LedgerWithBadLogs(ledger, 8), unit_of_work, settings).catch_up()
    with unit_of_work:
        (quarantined,) = unit_of_work.quarantine.quarantined("demo")
        assert unit_of_work.events.count("demo") == len(ledger.events(0, ledger.head().number))
    assert (quarantined.block_number, quarantined.log_index) == (8, 99)
    assert (quarantined.reason, quarantined.raw) == ("unknown topic", b"\xff")


def test_a_reorganization_drops_the_logs_quarantined_from_the_orphaned_blocks(
    unit_of_work: UnitOfWork,
) -> None:
    stack = memory_stack(start=START)
    result = demo_day(stack)
    ledger = stack.ledger
    kept, orphaned = 8, ledger.head().number - 1
    with_bad_logs = LedgerWithBadLogs(ledger, kept, orphaned)
    settings = IndexerSettings("demo", batch_blocks=5)
    indexer = Indexer(with_bad_logs, unit_of_work, settings)
    indexer.catch_up()
    with unit_of_work:
        assert len(unit_of_work.quarantine.quarantined("demo")) == 2
    ledger.reorganize(3)
    ledger.mine(5)
    indexer.catch_up()
    fresh = MemoryUnitOfWork()
    Indexer(with_bad_logs, fresh, settings).catch_up()
    assert read_models(unit_of_work, ledger, result) == read_models(fresh, ledger, result)
    with unit_of_work:
        (left,) = unit_of_work.quarantine.quarantined("demo")
    assert left.block_number == kept


def test_following_indexes_blocks_as_they_come_and_stops_within_a_second(
    unit_of_work: UnitOfWork,
) -> None:
    stack = memory_stack(start=START)
    ledger = stack.ledger
    stop = threading.Event()
    indexer = Indexer(ledger, unit_of_work, IndexerSettings("demo", batch_blocks=4))
    follower = threading.Thread(target=indexer.follow, args=(stop,), kwargs={"poll_seconds": 0.01})
    follower.start()
    result = demo_day(stack)  # the chain grows while the indexer follows it
    deadline = time.monotonic() + 20
    while indexer.status.indexed < ledger.head().number and time.monotonic() < deadline:
        time.sleep(0.01)
    asked = time.monotonic()
    stop.set()
    follower.join(timeout=5)
    assert not follower.is_alive()
    assert time.monotonic() - asked < 1
    fresh = MemoryUnitOfWork()
    Indexer(ledger, fresh, IndexerSettings("demo", batch_blocks=4)).catch_up()
    assert read_models(unit_of_work, ledger, result) == read_models(fresh, ledger, result)
