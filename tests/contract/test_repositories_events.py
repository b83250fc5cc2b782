"""The contract of the event repository: idempotent by natural key, in chain order, paged,
rolled back from a block on a reorg, each chain apart; every kind of event stored exactly. And
of the quarantine, where the logs that could not be decoded wait, rolled back from a block on a
reorg too.

The ``repositories`` fixture (tests/contract/conftest.py) runs each test once per implementation.
"""

from __future__ import annotations

import attrs
import pytest

from dcmx_core.events import DomainEvent
from dcmx_core.ports import EventRepository, QuarantineRepository
from dcmx_core.read_models import QuarantinedLog, StoredEvent
from tests.contract.records import CHAIN, OTHER_CHAIN, chain_order, stored
from tests.event_samples import case_id, event_cases, extreme_event, position
from tests.factories import digest


def test_add_returns_how_many_events_were_new(events: EventRepository) -> None:
    events.add(CHAIN, [stored(1), stored(2)])
    assert events.add(CHAIN, [stored(2), stored(3), stored(4)]) == 2


def test_adding_the_same_events_again_changes_nothing(events: EventRepository) -> None:
    batch = [stored(1), stored(2, 0), stored(2, 1)]
    events.add(CHAIN, batch)
    assert events.add(CHAIN, batch) == 0
    assert events.list(CHAIN) == batch


def test_an_event_repeated_within_a_batch_is_stored_once(events: EventRepository) -> None:
    assert events.add(CHAIN, [stored(1), stored(1)]) == 1
    assert events.count(CHAIN) == 1


def test_an_event_is_known_by_block_transaction_and_log_index(events: EventRepository) -> None:
    events.add(CHAIN, [stored(5, 0, tx="a")])
    assert events.add(CHAIN, [stored(5, 0, tx="b"), stored(5, 1, tx="a"), stored(6, 0)]) == 3


def test_an_event_of_another_chain_is_refused_with_its_whole_batch(
    events: EventRepository,
) -> None:
    with pytest.raises(ValueError, match="chain"):
        events.add(CHAIN, [stored(1), stored(2, chain=OTHER_CHAIN)])
    assert events.count(CHAIN) == 0
    assert events.count(OTHER_CHAIN) == 0


def test_a_stored_event_comes_back_unchanged(events: EventRepository) -> None:
    event = stored(7, 3)
    events.add(CHAIN, [event])
    assert events.list(CHAIN) == [event]


def test_list_is_in_chain_order(events: EventRepository) -> None:
    events.add(CHAIN, [stored(3, 0), stored(1, 1), stored(2, 0), stored(1, 0), stored(1, 10)])
    assert chain_order(events.list(CHAIN)) == [(1, 0), (1, 1), (1, 10), (2, 0), (3, 0)]


def test_list_after_a_position_starts_just_past_it(events: EventRepository) -> None:
    events.add(CHAIN, [stored(1, 0), stored(1, 1), stored(2, 0), stored(2, 1)])
    assert chain_order(events.list(CHAIN, after=(1, 1))) == [(2, 0), (2, 1)]


def test_list_after_a_position_that_holds_no_event(events: EventRepository) -> None:
    events.add(CHAIN, [stored(1, 0), stored(4, 0)])
    assert chain_order(events.list(CHAIN, after=(2, 7))) == [(4, 0)]


def test_list_returns_at_most_limit_events(events: EventRepository) -> None:
    events.add(CHAIN, [stored(block) for block in range(1, 11)])
    assert chain_order(events.list(CHAIN, limit=3)) == [(1, 0), (2, 0), (3, 0)]


def test_paging_with_after_and_limit_visits_every_event_once(events: EventRepository) -> None:
    batch = [stored(block, index) for block in range(1, 6) for index in range(3)]
    events.add(CHAIN, batch)
    seen, after = [], None
    while page := events.list(CHAIN, after=after, limit=4):
        seen += page
        after = (page[-1].position.block_number, page[-1].position.log_index)
    assert seen == batch


def test_remove_from_drops_the_block_and_later_and_says_how_many(
    events: EventRepository,
) -> None:
    events.add(CHAIN, [stored(1), stored(2, 0), stored(2, 1), stored(3)])
    assert events.remove_from(CHAIN, 2) == 3
    assert chain_order(events.list(CHAIN)) == [(1, 0)]


def test_remove_from_past_the_last_block_removes_nothing(events: EventRepository) -> None:
    events.add(CHAIN, [stored(1), stored(2)])
    assert events.remove_from(CHAIN, 3) == 0
    assert events.count(CHAIN) == 2


def test_an_event_removed_by_a_reorg_can_be_added_again(events: EventRepository) -> None:
    events.add(CHAIN, [stored(1), stored(2)])
    events.remove_from(CHAIN, 2)
    assert events.add(CHAIN, [stored(2)]) == 1


def test_remove_from_leaves_other_chains_alone(events: EventRepository) -> None:
    events.add(CHAIN, [stored(1), stored(2)])
    events.add(OTHER_CHAIN, [stored(1, chain=OTHER_CHAIN), stored(2, chain=OTHER_CHAIN)])
    events.remove_from(CHAIN, 1)
    assert events.count(OTHER_CHAIN) == 2


def test_chains_are_kept_apart(events: EventRepository) -> None:
    here, there = stored(1), stored(1, chain=OTHER_CHAIN)
    assert events.add(CHAIN, [here]) == 1
    assert events.add(OTHER_CHAIN, [there]) == 1
    assert events.list(CHAIN) == [here]
    assert events.list(OTHER_CHAIN) == [there]


def test_a_chain_never_indexed_has_no_events(events: EventRepository) -> None:
    events.add(CHAIN, [stored(1)])
    assert events.count(OTHER_CHAIN) == 0
    assert events.list(OTHER_CHAIN) == []


@pytest.mark.parametrize("case", event_cases(), ids=case_id)
def test_every_kind_of_event_comes_back_exactly(
    events: EventRepository, case: tuple[type[DomainEvent], str]
) -> None:
    event = extreme_event(*case).placed(position(2**63 - 1, 2**31 - 1))
    stored_event = StoredEvent(CHAIN, position(2**63 - 1, 2**31 - 1), event)
    events.add(CHAIN, [stored_event])
    assert events.list(CHAIN) == [stored_event]


def test_an_event_that_carries_another_position_comes_back_unchanged(
    events: EventRepository,
) -> None:
    elsewhere = stored(1).event.placed(position(99, 9))
    batch = [StoredEvent(CHAIN, stored(1).position, elsewhere), stored(2)]
    batch.append(StoredEvent(CHAIN, stored(3).position, stored(3).event.unplaced()))
    events.add(CHAIN, batch)
    assert events.list(CHAIN) == batch


# --- quarantine -----------------------------------------------------------------------------


def undecodable(
    block: int, log_index: int = 0, *, tx: str = "tx", chain: str = CHAIN
) -> QuarantinedLog:
    raw = b"\x00\xff topic " + bytes(range(256))
    return QuarantinedLog(
        chain, block, digest(f"{chain} {tx} {block}"), log_index, f"unknown topic \0 {block}", raw
    )


def test_a_quarantined_log_is_kept_with_its_reason_and_bytes(
    quarantine: QuarantineRepository,
) -> None:
    quarantine.quarantine(undecodable(5))
    assert quarantine.quarantined(CHAIN) == [undecodable(5)]


def test_a_log_is_quarantined_once_per_position(quarantine: QuarantineRepository) -> None:
    quarantine.quarantine(undecodable(5))
    quarantine.quarantine(attrs.evolve(undecodable(5), reason="second opinion"))
    assert quarantine.quarantined(CHAIN) == [undecodable(5)]


def test_quarantined_logs_are_in_chain_order(quarantine: QuarantineRepository) -> None:
    for block, index in ((3, 0), (1, 2), (1, 0)):
        quarantine.quarantine(undecodable(block, index))
    order = [(log.block_number, log.log_index) for log in quarantine.quarantined(CHAIN)]
    assert order == [(1, 0), (1, 2), (3, 0)]


def test_quarantined_logs_are_kept_per_chain(quarantine: QuarantineRepository) -> None:
    quarantine.quarantine(undecodable(1))
    quarantine.quarantine(undecodable(1, chain=OTHER_CHAIN))
    assert quarantine.quarantined(OTHER_CHAIN) == [undecodable(1, chain=OTHER_CHAIN)]


def test_logs_of_two_transactions_at_the_same_index_are_both_quarantined(
    quarantine: QuarantineRepository, request: pytest.FixtureRequest
) -> None:
    # The position is the events' natural key, transaction included: on TRON, log indexes
    # count within a transaction, so two logs of one block can share an index.
    quarantine.quarantine(undecodable(5, tx="a"))
    quarantine.quarantine(undecodable(5, tx="b"))
    assert len(quarantine.quarantined(CHAIN)) == 2


def test_remove_from_drops_the_quarantined_logs_of_that_block_and_later(
    quarantine: QuarantineRepository,
) -> None:
    for block, index in ((1, 0), (2, 0), (2, 1), (3, 0)):
        quarantine.quarantine(undecodable(block, index))
    assert quarantine.remove_from(CHAIN, 2) == 3
    assert quarantine.quarantined(CHAIN) == [undecodable(1)]


def test_removing_quarantined_logs_leaves_other_chains_alone(
    quarantine: QuarantineRepository,
) -> None:
    quarantine.quarantine(undecodable(1))
    quarantine.quarantine(undecodable(1, chain=OTHER_CHAIN))
    assert quarantine.remove_from(CHAIN, 1) == 1
    assert quarantine.quarantined(OTHER_CHAIN) == [undecodable(1, chain=OTHER_CHAIN)]


def test_a_log_removed_by_a_reorg_can_be_quarantined_again(
    quarantine: QuarantineRepository,
) -> None:
    quarantine.quarantine(undecodable(2))
    quarantine.remove_from(CHAIN, 2)
    again = attrs.evolve(undecodable(2), reason="the new branch's own reason")
    quarantine.quarantine(again)
    assert quarantine.quarantined(CHAIN) == [again]
