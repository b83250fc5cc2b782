"""Reorganizations of the chain under the indexer, on the in-memory ledger and on the local TRON
node (through the TRON ledger, reading the unsolidified head): a block whose transfer changes
amount, a block whose event vanishes, three reorganizations in quick succession while it
follows, one while it is down (the new branch as long as the old one or longer: only the hash
tells), one inside a range it is still backfilling, and one deeper than its window. Each ends
with the read models a fresh index of the final chain gives, or stops loudly with the database
untouched."""

from __future__ import annotations

import threading
import time
from itertools import count
from typing import Any

import pytest
from attrs import define, field

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.commands import AddMinter, Mint
from dcmx_core.events import DomainEvent
from dcmx_core.exceptions import ReorgTooDeep
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import DevLedger, UnitOfWork
from dcmx_core.read_models import Checkpoint
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_devnode.local import local_tron_ledger
from dcmx_entrypoints.demo.stacks import memory_stack, operator_person
from tests.read_model_state import read_models
from tests.reliability.conftest import Store
from tests.reliability.stops import StopAt

START = 1_767_225_600
WINDOW = 16
UNIT = 10**18
_chains = count()


@define
class Chain:
    """A ledger the operator pays from, and every event any of its branches ever held."""

    ledger: DevLedger
    operator: Address
    name: str
    start: int
    """The first block of the test's own: the indexes begin there (resuming after a
    checkpoint at the block before), so a long shared chain costs nothing."""
    seen: list[DomainEvent] = field(factory=list)

    def someone(self, name: str) -> Address:
        """An account of this test's own (the TRON chain is shared by the module's tests)."""
        return person(f"{self.name} {name}")

    def pay(self, recipient: Address, amount: int) -> None:
        """Mint ``amount`` to ``recipient`` (a transfer from the zero address: the read models
        of a test that starts mid-chain never see a sender's balance go below zero)."""
        self.ledger.execute(self.operator, Mint(recipient, amount))

    def pay_many(self, blocks: int, salt: str) -> None:
        """``blocks`` blocks, a transfer each, to people of their own (named by ``salt``)."""
        for n in range(blocks):
            self.pay(self.someone(f"{salt} {n}"), (n + 1) * UNIT)

    def reorganize(self, depth: int) -> None:
        self.remember()
        self.ledger.reorganize(depth)

    def remember(self) -> None:
        """Keep the events of the current branch: the read models of everyone they touched
        are compared, so a record left over from an orphaned block shows."""
        self.seen += self.events()

    def events(self) -> list[DomainEvent]:
        """The events of the test's blocks on the current branch."""
        return list(self.ledger.read(self.start, self.ledger.head().number).events)

    def indexer(self, uow: UnitOfWork, **settings: Any) -> Indexer:
        """An indexer of the test's blocks into ``uow`` (which is told where they start)."""
        with uow:
            if uow.checkpoints.get_checkpoint(self.name) is None:
                before = self.ledger.block(self.start - 1)
                uow.checkpoints.set_checkpoint(Checkpoint(self.name, before.number, before.hash))
                uow.checkpoints.record_blocks(self.name, [(before.number, before.hash)])
                uow.commit()
        options = {"batch_blocks": 4, "reorg_window": WINDOW, **settings}
        return Indexer(self.ledger, uow, IndexerSettings(self.name, **options))


def person(name: str) -> Address:
    return Address(Hash32.of(name.encode()).raw[:20])


def minting(ledger: DevLedger, operator: Address) -> DevLedger:
    """The ledger, with the operator allowed to mint."""
    ledger.execute(operator, AddMinter(operator))
    return ledger


@pytest.fixture(scope="module")
def tron_ledger() -> DevLedger:
    """One local TRON node for the module (deploying takes seconds); each test works on the
    blocks it adds and indexes under a chain name of its own. Nothing is solidified within
    the tests' reach, so any of their blocks can be reorganized away."""
    operator = operator_person(EthCrypto())
    ledger = local_tron_ledger(
        operator.address,
        ManualClock(START),
        signers=[operator.signer],
        solidify_depth=10_000,
    )
    return minting(ledger, operator.address)


@pytest.fixture(params=["memory", "tron"])
def chain(request: pytest.FixtureRequest) -> Chain:
    operator = operator_person(EthCrypto()).address
    if request.param == "memory":
        ledger = minting(memory_stack(start=START).ledger, operator)
    else:
        ledger = request.getfixturevalue("tron_ledger")
    found = Chain(ledger, operator, f"{request.param}-{next(_chains)}", ledger.head().number + 1)
    found.pay_many(6, "before")
    return found


def state(chain: Chain, uow: UnitOfWork) -> dict[str, Any]:
    """What the read models hold about every event the chain ever held, the raw events, the
    quarantined logs, the checkpoint and the block hashes kept for the window."""
    found = read_models(uow, chain.seen + chain.events())
    with uow:
        found["events"] = [(s.position, s.event) for s in uow.events.list(chain.name, limit=10**6)]
        found["quarantine"] = uow.quarantine.quarantined(chain.name)
        checkpoint = uow.checkpoints.get_checkpoint(chain.name)
        found["checkpoint"] = checkpoint
        assert checkpoint is not None
        last = checkpoint.block_number
        window = range(max(last - WINDOW + 1, chain.start), last + 1)
        found["hashes"] = [uow.checkpoints.block_hash(chain.name, n) for n in window]
    return found


def head(chain: Chain) -> int:
    return chain.ledger.head().number


def assert_as_fresh(chain: Chain, uow: UnitOfWork) -> None:
    """The read models equal a fresh index of the final chain, up to its head."""
    fresh = MemoryUnitOfWork()
    chain.indexer(fresh, batch_blocks=7).catch_up()
    found = state(chain, uow)
    assert found == state(chain, fresh)
    checkpoint = found["checkpoint"]
    assert checkpoint.block_number == head(chain)
    assert checkpoint.block_hash == chain.ledger.block(head(chain)).hash


def test_a_one_block_reorg_that_changes_an_amount(chain: Chain, store: Store) -> None:
    indexer = chain.indexer(store.uow)
    chain.pay(chain.someone("Bo"), 5 * UNIT)
    indexer.catch_up()
    chain.reorganize(1)
    chain.pay(chain.someone("Bo"), 7 * UNIT)  # another amount, same height
    indexer.catch_up()
    assert_as_fresh(chain, store.uow)
    with store.uow:
        assert store.uow.balances.balance(chain.someone("Bo")) == 7 * UNIT
    assert (indexer.status.reorgs, indexer.status.rolled_back) == (1, 1)


def test_a_one_block_reorg_that_removes_an_event(chain: Chain, store: Store) -> None:
    indexer = chain.indexer(store.uow)
    chain.pay(chain.someone("Cy"), 5 * UNIT)
    indexer.catch_up()
    chain.reorganize(1)
    chain.ledger.mine(1)  # the new block holds nothing
    indexer.catch_up()
    assert_as_fresh(chain, store.uow)
    with store.uow:
        assert store.uow.balances.balance(chain.someone("Cy")) == 0
        holders = [account for account, _ in store.uow.balances.holders(limit=1_000)]
    assert chain.someone("Cy") not in holders


def test_three_reorgs_in_quick_succession_while_following(chain: Chain, store: Store) -> None:
    indexer = chain.indexer(store.uow, batch_blocks=2)
    with Following(indexer) as following:
        chain.pay_many(3, "indexed")
        following.wait_for(head(chain))  # the first reorganization orphans indexed blocks
        for round_ in range(3):
            chain.reorganize(2)
            chain.pay_many(3, f"round {round_}")
        following.wait_for(head(chain))
    while not on_the_head(indexer, chain):
        # It stopped at the head's height on the old branch: its next poll finds that out.
        with Following(indexer) as following:
            following.wait_for(head(chain))
    assert_as_fresh(chain, store.uow)
    assert indexer.status.reorgs >= 1


class Following:
    """``indexer.follow`` on a thread while the ``with`` block runs; stopped at its end."""

    def __init__(self, indexer: Indexer) -> None:
        self.indexer = indexer
        self.stop = threading.Event()
        self.failure: list[BaseException] = []
        self.thread = threading.Thread(target=self._follow)

    def _follow(self) -> None:
        try:
            self.indexer.follow(self.stop, poll_seconds=0.001, max_backoff=0.01)
        except BaseException as error:  # handed to the test on leaving
            self.failure.append(error)

    def __enter__(self) -> Following:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()
        assert not self.failure, self.failure

    def wait_for(self, block: int) -> None:
        deadline = time.monotonic() + 20
        while self.indexer.status.indexed < block:
            assert not self.failure, self.failure
            assert time.monotonic() < deadline, f"it never caught up: {self.indexer.status}"
            time.sleep(0.002)


def on_the_head(indexer: Indexer, chain: Chain) -> bool:
    with indexer.uow:
        checkpoint = indexer.uow.checkpoints.get_checkpoint(chain.name)
    return checkpoint is not None and checkpoint.block_hash == chain.ledger.head().hash


@pytest.mark.parametrize("longer", [0, 2], ids=["as-long", "longer"])
def test_a_reorg_while_the_indexer_is_down_is_found_by_hash(
    chain: Chain, store: Store, longer: int
) -> None:
    chain.pay_many(3, "old branch")
    chain.indexer(store.uow).catch_up()
    height = head(chain)
    chain.reorganize(3)
    chain.pay_many(3 + longer, "new branch")
    assert head(chain) == height + longer
    restarted = chain.indexer(store.uow)
    restarted.catch_up()
    assert_as_fresh(chain, store.uow)
    assert (restarted.status.reorgs, restarted.status.rolled_back) == (1, 3)


def test_a_reorg_inside_the_range_being_backfilled(chain: Chain, store: Store) -> None:
    chain.pay_many(24, "backfill")
    indexer = chain.indexer(store.uow, batch_blocks=3, catch_up_events=0)
    indexer.catch_up(StopAt(indexer, head(chain) - 14))
    stopped_at = indexer.status.indexed
    assert stopped_at < head(chain) - 10
    # The fork lies 4 blocks below the checkpoint; the new branch reaches past the old head.
    chain.reorganize(head(chain) - stopped_at + 4)
    chain.pay_many(20, "backfill again")
    indexer.catch_up()
    assert_as_fresh(chain, store.uow)
    assert indexer.status.reorgs == 1


def test_a_reorg_deeper_than_the_window_stops_loudly_with_the_database_untouched(
    chain: Chain, store: Store
) -> None:
    indexer = chain.indexer(store.uow, reorg_window=3)
    indexer.catch_up()
    before = store.contents()
    chain.reorganize(5)
    chain.pay_many(6, "deep")
    with pytest.raises(ReorgTooDeep):
        indexer.catch_up()
    with pytest.raises(ReorgTooDeep):  # following never retries it either
        indexer.follow(threading.Event(), poll_seconds=0.001)
    assert store.contents() == before
    assert indexer.status.last_error is not None
    assert "ReorgTooDeep" in indexer.status.last_error


def test_a_fork_as_deep_as_the_window_rolls_back_whatever_the_batch_size(
    chain: Chain, store: Store
) -> None:
    chain.pay_many(24, "one long batch")
    indexer = chain.indexer(store.uow, batch_blocks=50)
    indexer.catch_up()
    chain.reorganize(WINDOW)
    chain.pay_many(20, "the new branch")
    indexer.catch_up()
    assert_as_fresh(chain, store.uow)
    assert indexer.status.reorgs == 1
