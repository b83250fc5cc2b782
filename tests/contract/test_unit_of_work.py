"""The contract of the unit of work: what a block of work writes is kept together by ``commit``
or dropped together, by ``rollback``, by leaving the ``with`` block uncommitted, or by an error
in the middle of a batch.

The ``unit_of_work`` fixture (tests/contract/conftest.py) runs each test on memory, SQLite and
PostgreSQL; on the SQL ones every ``with`` block is a real transaction.
"""

from __future__ import annotations

import pytest

from dcmx_core.ports import UnitOfWork
from dcmx_core.read_models import Checkpoint
from tests.contract.records import CHAIN, OTHER_CHAIN, block_hash, edition, release, stored
from tests.factories import ALICE, BOB


def write_a_batch(uow: UnitOfWork) -> None:
    """What the indexer writes for a block: events, projections and the checkpoint."""
    uow.events.add(CHAIN, [stored(1), stored(2, 0), stored(2, 1)])
    uow.releases.save_release(release(1))
    uow.releases.save_edition(edition(1_000_001, BOB))
    uow.balances.set_balance(ALICE, 10**30)
    uow.checkpoints.set_checkpoint(Checkpoint(CHAIN, 2, block_hash("2")))


def nothing_was_kept(uow: UnitOfWork) -> bool:
    with uow:
        return (
            uow.events.count(CHAIN) == 0
            and uow.releases.get_release(1) is None
            and uow.releases.editions_of_owner(BOB) == []
            and uow.balances.balance(ALICE) == 0
            and uow.checkpoints.get_checkpoint(CHAIN) is None
        )


def test_commit_keeps_the_batch(unit_of_work: UnitOfWork) -> None:
    with unit_of_work:
        write_a_batch(unit_of_work)
        unit_of_work.commit()
    with unit_of_work:
        assert unit_of_work.events.count(CHAIN) == 3
        assert unit_of_work.releases.get_release(1) == release(1)
        assert unit_of_work.releases.editions_of_owner(BOB) == [edition(1_000_001, BOB)]
        assert unit_of_work.balances.balance(ALICE) == 10**30
        assert unit_of_work.checkpoints.get_checkpoint(CHAIN) == Checkpoint(
            CHAIN, 2, block_hash("2")
        )


def test_rollback_drops_the_batch(unit_of_work: UnitOfWork) -> None:
    with unit_of_work:
        write_a_batch(unit_of_work)
        unit_of_work.rollback()
        assert unit_of_work.events.count(CHAIN) == 0
    assert nothing_was_kept(unit_of_work)


def test_leaving_without_commit_drops_the_batch(unit_of_work: UnitOfWork) -> None:
    with unit_of_work:
        write_a_batch(unit_of_work)
    assert nothing_was_kept(unit_of_work)


def test_an_error_in_the_middle_of_a_batch_leaves_nothing_half_written(
    unit_of_work: UnitOfWork,
) -> None:
    def crash_midway() -> None:
        with unit_of_work:
            write_a_batch(unit_of_work)
            raise RuntimeError("decoder crashed")

    with pytest.raises(RuntimeError, match="decoder crashed"):
        crash_midway()
    assert nothing_was_kept(unit_of_work)


def test_a_refused_event_batch_leaves_the_rest_of_the_work_unwritten(
    unit_of_work: UnitOfWork,
) -> None:
    def index_a_stray_event() -> None:
        with unit_of_work:
            write_a_batch(unit_of_work)
            unit_of_work.events.add(CHAIN, [stored(3), stored(4, chain=OTHER_CHAIN)])
            unit_of_work.commit()

    with pytest.raises(ValueError, match="chain"):
        index_a_stray_event()
    assert nothing_was_kept(unit_of_work)


def test_what_was_committed_before_stays_when_later_work_is_dropped(
    unit_of_work: UnitOfWork,
) -> None:
    with unit_of_work:
        unit_of_work.releases.save_release(release(1))
        unit_of_work.commit()
    with unit_of_work:
        unit_of_work.releases.save_release(release(1, minted=5))
        unit_of_work.releases.save_release(release(2))
    with unit_of_work:
        assert unit_of_work.releases.list_releases() == [release(1)]


def test_writes_after_a_commit_need_a_commit_of_their_own(
    unit_of_work: UnitOfWork, request: pytest.FixtureRequest
) -> None:
    with unit_of_work:
        unit_of_work.releases.save_release(release(1))
        unit_of_work.commit()
        unit_of_work.releases.save_release(release(2))
    with unit_of_work:
        assert unit_of_work.releases.list_releases() == [release(1)]
