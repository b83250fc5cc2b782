"""Folding events in batches leaves the same read models as applying them one by one, on every
store (PostgreSQL takes its set-wise fast path, the others the repositories), for random
streams cut into random batches; and a change to something never indexed is refused."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.event_stream import StreamLedger, event_stream
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core import events as e
from dcmx_core.events import LogPosition
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import CreditReason, Pool
from dcmx_core.model.values import ZERO_ADDRESS
from dcmx_core.ports import UnitOfWork
from dcmx_core.services.indexer import Indexer, IndexerSettings
from tests.contract.conftest import UNIT_OF_WORK_FACTORIES
from tests.factories import address, digest
from tests.read_model_state import read_models


def one_by_one(events: list[e.DomainEvent]) -> MemoryUnitOfWork:
    reference = MemoryUnitOfWork()
    with reference:
        for event in events:
            reference.project([event])
        reference.commit()
    return reference


@pytest.mark.parametrize("store", list(UNIT_OF_WORK_FACTORIES))
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10**6),
    total=st.integers(1, 800),
    per_block=st.integers(1, 60),
    batches=st.integers(1, 12),
)
def test_batches_fold_to_what_one_event_at_a_time_gives(
    store: str, request: pytest.FixtureRequest, seed: int, total: int, per_block: int, batches: int
) -> None:
    blocks = list(event_stream(total, per_block=per_block, accounts=40, seed=seed))
    events = [event for _, placed in blocks for event in placed]
    batch_blocks = -(-len(blocks) // batches)
    with UNIT_OF_WORK_FACTORIES[store](request) as uow:
        Indexer(StreamLedger(blocks), uow, IndexerSettings("stream", batch_blocks)).catch_up()
        assert read_models(uow, events) == read_models(one_by_one(events), events)
        with uow:
            stored = uow.events.list("stream", limit=len(events) + 1)
        assert [found.event for found in stored] == events


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        (e.EditionTransferred(address(3), address(1), 1_000_001), "edition 1000001"),
        (e.EditionMinted(9, 3, 9_000_003, address(1)), "release 9"),
        (e.SplitSet(9, (address(1),), (10_000,)), "release 9"),
        (e.ClaimVerified(7, address(1)), "claim 7"),
        (e.DeletionProcessed(4, address(1), 100), "deletion request 4"),
    ],
)
def test_a_change_to_something_never_indexed_is_refused_and_nothing_is_written(
    unit_of_work: UnitOfWork, change: e.DomainEvent, refused: str
) -> None:
    credit = e.PayoutCredited(1, address(2), NATIVE, 5, CreditReason.SPLIT_SHARE)
    run = [e.TokensTransferred(ZERO_ADDRESS, address(2), 5), credit, change]
    with unit_of_work, pytest.raises(LookupError, match=f"{refused}, which was never indexed"):
        unit_of_work.project(run)
    with unit_of_work:
        assert unit_of_work.balances.balance(address(2)) == 0
        assert unit_of_work.sales.payout(address(2), NATIVE) is None


def placed(events: list[e.DomainEvent]) -> list[e.DomainEvent]:
    """The events as the logs of one block, in order."""
    return [
        event.placed(LogPosition(1, digest("block 1"), digest("tx"), index))
        for index, event in enumerate(events)
    ]


@pytest.mark.parametrize("store", list(UNIT_OF_WORK_FACTORIES))
def test_a_record_created_again_in_a_run_keeps_only_the_changes_made_after_it(
    store: str, request: pytest.FixtureRequest
) -> None:
    first, again = address(1), address(2)
    run = placed(
        [
            e.ReleaseCreated(9, first, "One", "A", digest("one"), 10, 500),
            e.SplitSet(9, (first,), (10_000,)),
            e.ReleaseCreated(9, again, "Two", "B", digest("two"), 10, 500),
            e.ClaimSubmitted(7, first, Pool.LISTENING, 5, digest("proof"), 1),
            e.ClaimVerified(7, again),
            e.ClaimSubmitted(7, first, Pool.LISTENING, 6, digest("proof"), 2),
            e.ReleaseCreated(8, first, "Three", "C", digest("three"), 10, 500),
            e.SplitSet(8, (first,), (10_000,)),
            e.ReleaseCreated(8, again, "Four", "D", digest("four"), 10, 500),
            e.SplitSet(8, (again, first), (5_000, 5_000)),
        ]
    )
    with UNIT_OF_WORK_FACTORIES[store](request) as uow:
        with uow:
            uow.project(run)
            uow.commit()
        assert read_models(uow, run) == read_models(one_by_one(run), run)
