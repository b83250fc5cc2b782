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
from dcmx_core.model.distributor import NATIVE
from dcmx_core.ports import UnitOfWork
from dcmx_core.read_models import ReadModelChanges
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_core.services.projections import fold
from tests.contract.conftest import UNIT_OF_WORK_FACTORIES
from tests.factories import address
from tests.read_model_state import read_models


def one_by_one(events: list[e.DomainEvent]) -> MemoryUnitOfWork:
    reference = MemoryUnitOfWork()
    with reference:
        for event in events:
            reference.apply(fold([event]))
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
    ("changes", "refused"),
    [
        (ReadModelChanges(owners={1_000_001: address(1)}), "edition 1000001"),
        (ReadModelChanges(minted={9: 3}), "release 9"),
        (ReadModelChanges(splits={9: ((address(1),), (10_000,))}), "release 9"),
        (ReadModelChanges(processed={4: 100}), "deletion request 4"),
    ],
)
def test_a_change_to_something_never_indexed_is_refused_and_nothing_is_written(
    unit_of_work: UnitOfWork, changes: ReadModelChanges, refused: str
) -> None:
    changes.balances[address(2)] += 5
    with unit_of_work, pytest.raises(LookupError, match=f"{refused}, which was never indexed"):
        unit_of_work.apply(changes)
    with unit_of_work:
        assert unit_of_work.balances.balance(address(2)) == 0
        assert unit_of_work.sales.payout(address(2), NATIVE) is None
