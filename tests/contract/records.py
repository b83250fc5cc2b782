"""Real read-model records for the repository contract suite, built in one line each."""

from __future__ import annotations

from dcmx_core.events import LogPosition, TokensTransferred
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import ClaimStatus, DocumentType, Pool, Regime
from dcmx_core.model.values import Address, Hash32
from dcmx_core.read_models import (
    AcceptanceRecord,
    ClaimRecord,
    DeletionRecord,
    DocumentRecord,
    EditionRecord,
    ReleaseRecord,
    SaleRecord,
    StoredEvent,
)
from tests.factories import ALICE, BOB, CAROL, address, digest

CHAIN = "evm:1337"
OTHER_CHAIN = "tron:shasta"
USDT = address(501)


def stored(block: int, log_index: int = 0, *, tx: str = "tx", chain: str = CHAIN) -> StoredEvent:
    """A token transfer indexed at ``(block, log_index)`` of transaction ``tx`` on ``chain``."""
    position = LogPosition(
        block, digest(f"{chain} block {block}"), digest(f"{chain} {tx} {block}"), log_index
    )
    event = TokensTransferred(ALICE, BOB, 1_000 + 10 * block + log_index).placed(position)
    return StoredEvent(chain, position, event)


def chain_order(events: list[StoredEvent]) -> list[tuple[int, int]]:
    return [(e.position.block_number, e.position.log_index) for e in events]


def release(release_id: int, *, minted: int = 0) -> ReleaseRecord:
    return ReleaseRecord(
        release_id=release_id,
        artist=ALICE,
        title=f"Track {release_id}",
        artist_name="Alice",
        content_hash=digest(f"track {release_id}"),
        max_editions=100,
        royalty_bps=1_000,
        recipients=(ALICE, BOB),
        shares_bps=(8_000, 2_000),
        minted=minted,
        created_block=10 + release_id,
    )


def edition(token_id: int, owner: Address = ALICE, *, release_id: int = 1) -> EditionRecord:
    return EditionRecord(token_id, release_id, token_id % 1_000_000, owner)


def sale(settlement_id: int, *, release_id: int = 1, price: int = 10_000) -> SaleRecord:
    return SaleRecord(
        settlement_id=settlement_id,
        release_id=release_id,
        token_id=release_id * 1_000_000 + 1,
        seller=ALICE,
        buyer=CAROL,
        currency=NATIVE,
        price=price,
        primary=settlement_id == 1,
        block_number=100 + settlement_id,
    )


def claim(
    claim_id: int, user: Address = ALICE, status: ClaimStatus = ClaimStatus.PENDING
) -> ClaimRecord:
    return ClaimRecord(
        claim_id, user, Pool.LISTENING, 60 * 10**18, digest(f"proof {claim_id}"), 20_000, status
    )


def document(doc_type: DocumentType, version: int) -> DocumentRecord:
    return DocumentRecord(
        doc_type, version, digest(f"{doc_type.name} v{version}"), 10 * version + doc_type
    )


def acceptance(
    accepted_at: int,
    user: Address = ALICE,
    doc_type: DocumentType = DocumentType.TERMS_OF_SERVICE,
    version: int = 1,
) -> AcceptanceRecord:
    return AcceptanceRecord(
        user, doc_type, version, digest(f"{doc_type.name} v{version}"), accepted_at
    )


def deletion(
    request_id: int, user: Address = ALICE, processed_at: int | None = None
) -> DeletionRecord:
    return DeletionRecord(request_id, user, Regime.GDPR, 1_700_000_000 + request_id, processed_at)


def block_hash(label: str) -> Hash32:
    return digest(f"checkpoint {label}")
