"""The contract of keyset paging on the read models' lists: each list is ordered by its natural
key, ``after`` starts just past a key (whether or not a record holds it), ``limit`` caps the
page, and without them the whole list comes back as before. Events can be filtered by kind.

The ``repositories`` fixture (tests/contract/conftest.py) runs each test once per implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dcmx_core.events import LogPosition, MinterAdded
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import DocumentType
from dcmx_core.ports import (
    ClaimRepository,
    ComplianceRepository,
    EventRepository,
    ReleaseRepository,
    SaleRepository,
)
from dcmx_core.read_models import PayoutRecord, StoredEvent
from tests.contract.records import (
    CHAIN,
    acceptance,
    chain_order,
    claim,
    deletion,
    document,
    edition,
    sale,
    stored,
)
from tests.factories import ALICE, BOB, address, digest

TERMS, PRIVACY = DocumentType.TERMS_OF_SERVICE, DocumentType.PRIVACY_POLICY

T = TypeVar("T")
K = TypeVar("K")


def every_page(fetch: Callable[[K | None, int], list[T]], key: Callable[[T], K]) -> list[T]:
    """Walk a list page by page, each page after the last key of the one before."""
    seen: list[T] = []
    after: K | None = None
    while page := fetch(after, 2):
        assert len(page) <= 2
        seen += page
        after = key(page[-1])
    return seen


# --- editions of a release ------------------------------------------------------------------


def test_editions_of_a_release_page_by_token_id(releases: ReleaseRepository) -> None:
    for token_id in range(1_000_001, 1_000_008):
        releases.save_edition(edition(token_id))
    releases.save_edition(edition(2_000_001, release_id=2))
    page = releases.editions_of_release(1, after=1_000_002, limit=3)
    assert page == [edition(t) for t in (1_000_003, 1_000_004, 1_000_005)]


def test_editions_of_a_release_after_the_last_are_none(releases: ReleaseRepository) -> None:
    releases.save_edition(edition(1_000_001))
    assert releases.editions_of_release(1, after=1_000_001, limit=5) == []


def test_editions_of_a_release_paged_are_all_of_them_once(releases: ReleaseRepository) -> None:
    for token_id in (1_000_005, 1_000_001, 1_000_003, 1_000_002, 1_000_004):
        releases.save_edition(edition(token_id))
    walked = every_page(
        lambda after, limit: releases.editions_of_release(1, after=after or 0, limit=limit),
        lambda e: e.token_id,
    )
    assert walked == releases.editions_of_release(1)
    assert [e.token_id for e in walked] == list(range(1_000_001, 1_000_006))


# --- sales and payouts ----------------------------------------------------------------------


def test_sales_of_a_release_page_by_settlement(sales: SaleRepository) -> None:
    for settlement_id in range(1, 7):
        sales.add_sale(sale(settlement_id))
    sales.add_sale(sale(7, release_id=2))
    assert sales.sales_of_release(1, after=2, limit=2) == [sale(3), sale(4)]
    assert sales.sales_of_release(1, after=5, limit=10) == [sale(6)]
    assert sales.sales_of_release(2, after=7) == []


def test_payouts_of_a_recipient_page_by_currency(sales: SaleRepository) -> None:
    currencies = sorted([NATIVE, address(501), address(502), address(503)])
    for currency in reversed(currencies):
        sales.save_payout(PayoutRecord(ALICE, currency, 10, 0))
    sales.save_payout(PayoutRecord(BOB, currencies[2], 99, 0))
    page = sales.payouts_of(ALICE, after=currencies[0], limit=2)
    assert [p.currency for p in page] == currencies[1:3]
    assert sales.payouts_of(ALICE, after=currencies[-1], limit=2) == []


def test_payouts_of_a_recipient_paged_are_all_of_them_once(sales: SaleRepository) -> None:
    for n in range(501, 506):
        sales.save_payout(PayoutRecord(ALICE, address(n), n, 0))
    walked = every_page(
        lambda after, limit: sales.payouts_of(ALICE, after=after, limit=limit),
        lambda p: p.currency,
    )
    assert walked == sales.payouts_of(ALICE)
    assert len(walked) == 5


def test_payouts_after_a_currency_they_do_not_hold(sales: SaleRepository) -> None:
    low, middle, high = sorted([address(501), address(502), address(503)])
    sales.save_payout(PayoutRecord(ALICE, low, 1, 0))
    sales.save_payout(PayoutRecord(ALICE, high, 3, 0))
    assert sales.payouts_of(ALICE, after=middle) == [PayoutRecord(ALICE, high, 3, 0)]


# --- claims ---------------------------------------------------------------------------------


def test_claims_of_a_user_page_by_id(claims: ClaimRepository) -> None:
    for claim_id in range(1, 8):
        claims.save_claim(claim(claim_id, ALICE if claim_id != 4 else BOB))
    assert claims.claims_of(ALICE, after=2, limit=3) == [claim(3), claim(5), claim(6)]
    assert claims.claims_of(ALICE, after=7, limit=3) == []
    assert claims.claims_of(BOB, after=0, limit=1) == [claim(4, BOB)]


# --- compliance -----------------------------------------------------------------------------


def test_documents_of_a_type_page_by_version(compliance: ComplianceRepository) -> None:
    for version in range(1, 6):
        compliance.save_document(document(TERMS, version))
    compliance.save_document(document(PRIVACY, 3))
    assert compliance.documents(TERMS, after=1, limit=2) == [document(TERMS, 2), document(TERMS, 3)]
    assert compliance.documents(TERMS, after=5) == []
    assert compliance.documents(PRIVACY, after=2, limit=2) == [document(PRIVACY, 3)]


def test_acceptances_page_by_time_type_and_version(compliance: ComplianceRepository) -> None:
    records = [
        acceptance(100, version=1),
        acceptance(100, doc_type=PRIVACY, version=1),
        acceptance(100, doc_type=PRIVACY, version=2),
        acceptance(200, version=2),
        acceptance(300, version=3),
    ]
    for record in reversed(records):
        compliance.add_acceptance(record)
    compliance.add_acceptance(acceptance(150, BOB))
    after = (100, PRIVACY, 1)
    assert compliance.acceptances_of(ALICE, after=after, limit=2) == records[2:4]
    assert compliance.acceptances_of(ALICE, after=(300, TERMS, 3)) == []


def test_acceptances_paged_are_the_whole_audit_trail_once(
    compliance: ComplianceRepository,
) -> None:
    for at in (500, 100, 300):
        for doc_type in (PRIVACY, TERMS):
            compliance.add_acceptance(acceptance(at, doc_type=doc_type, version=at // 100))
    walked = every_page(
        lambda after, limit: compliance.acceptances_of(ALICE, after=after, limit=limit),
        lambda a: (a.accepted_at, a.doc_type, a.version),
    )
    assert walked == compliance.acceptances_of(ALICE)
    assert len(walked) == 6


def test_open_deletions_page_by_request_id(compliance: ComplianceRepository) -> None:
    for request_id in range(1, 7):
        processed = 1_700_000_900 if request_id == 3 else None
        compliance.save_deletion(deletion(request_id, address(request_id), processed))
    page = compliance.open_deletions(after=1, limit=2)
    assert page == [deletion(2, address(2)), deletion(4, address(4))]
    assert compliance.open_deletions(after=6, limit=2) == []


# --- events by kind -------------------------------------------------------------------------


def minter(block: int, log_index: int = 0) -> StoredEvent:
    """A minter added at ``(block, log_index)``: another kind of event than ``stored``."""
    position = LogPosition(
        block, digest(f"{CHAIN} block {block}"), digest(f"{CHAIN} minter {block}"), log_index
    )
    return StoredEvent(CHAIN, position, MinterAdded(ALICE).placed(position))


def test_events_filtered_by_kind_are_only_that_kind(events: EventRepository) -> None:
    events.add(CHAIN, [stored(1), minter(1, 1), stored(2), minter(3), stored(4)])
    assert chain_order(events.list(CHAIN, kind="MinterAdded")) == [(1, 1), (3, 0)]
    assert chain_order(events.list(CHAIN, kind="TokensTransferred")) == [(1, 0), (2, 0), (4, 0)]


def test_events_of_a_kind_page_in_chain_order(events: EventRepository) -> None:
    events.add(CHAIN, [minter(block, index) for block in (1, 2, 3) for index in (0, 1)])
    events.add(CHAIN, [stored(2, 5)])
    page = events.list(CHAIN, kind="MinterAdded", after=(1, 1), limit=3)
    assert chain_order(page) == [(2, 0), (2, 1), (3, 0)]


def test_events_of_a_kind_never_stored_are_none(events: EventRepository) -> None:
    events.add(CHAIN, [stored(1)])
    assert events.list(CHAIN, kind="ReleasePublished") == []


def test_events_without_a_kind_are_every_kind(events: EventRepository) -> None:
    batch = [stored(1), minter(2)]
    events.add(CHAIN, batch)
    assert events.list(CHAIN) == batch
