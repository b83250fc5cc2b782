"""How each domain event changes the read models: the indexer's fold, one function an event,
and its exact inverse, which a reorganization applies to the orphaned events newest first.

Events without a read model of their own (approvals, roles, pools, fees, listings ...) are kept
as raw events only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import evolve

from dcmx_core import events as e
from dcmx_core.model.enums import ClaimStatus
from dcmx_core.ports import UnitOfWork
from dcmx_core.read_models import (
    AcceptanceRecord,
    ClaimRecord,
    DeletionRecord,
    DocumentRecord,
    EditionRecord,
    PayoutRecord,
    ReleaseRecord,
    SaleRecord,
)


def project(event: e.DomainEvent, uow: UnitOfWork) -> None:
    """Apply one placed event to the read models of ``uow``."""
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(event, uow)


def unproject(event: e.DomainEvent, uow: UnitOfWork) -> None:
    """Undo ``project(event)``: applied to the newest event first, it leaves the read models as
    if the event had never been indexed."""
    handler = _INVERSES.get(type(event))
    if handler is not None:
        handler(event, uow)


def _block(event: e.DomainEvent) -> int:
    if event.position is None:
        raise ValueError(f"{type(event).__name__} has no ledger position to index")
    return event.position.block_number


def _tokens(event: e.TokensTransferred, uow: UnitOfWork) -> None:
    if not event.sender.is_zero:
        uow.balances.set_balance(event.sender, uow.balances.balance(event.sender) - event.amount)
    if not event.recipient.is_zero:
        uow.balances.set_balance(
            event.recipient, uow.balances.balance(event.recipient) + event.amount
        )


def _release(event: e.ReleaseCreated, uow: UnitOfWork) -> None:
    uow.releases.save_release(
        ReleaseRecord(
            event.release_id,
            event.artist,
            event.title,
            event.artist_name,
            event.content_hash,
            event.max_editions,
            event.royalty_bps,
            (),
            (),
            0,
            _block(event),
        )
    )


def _split(event: e.SplitSet, uow: UnitOfWork) -> None:
    release = _existing(uow.releases.get_release(event.release_id), event)
    uow.releases.save_release(
        evolve(release, recipients=event.recipients, shares_bps=event.shares_bps)
    )


def _edition(event: e.EditionMinted, uow: UnitOfWork) -> None:
    uow.releases.save_edition(
        EditionRecord(event.token_id, event.release_id, event.edition, event.recipient)
    )
    release = _existing(uow.releases.get_release(event.release_id), event)
    uow.releases.save_release(evolve(release, minted=event.edition))


def _edition_moved(event: e.EditionTransferred, uow: UnitOfWork) -> None:
    if event.sender.is_zero:
        return  # a mint: EditionMinted made the edition
    edition = _existing(uow.releases.get_edition(event.token_id), event)
    uow.releases.save_edition(evolve(edition, owner=event.recipient))


def _sale(event: e.EditionSold, uow: UnitOfWork) -> None:
    uow.sales.add_sale(
        SaleRecord(
            event.settlement_id,
            event.release_id,
            event.token_id,
            event.seller,
            event.buyer,
            event.currency,
            event.price,
            event.primary,
            _block(event),
        )
    )


def _payout(recipient: Any, currency: Any, uow: UnitOfWork) -> PayoutRecord:
    found = uow.sales.payout(recipient, currency)
    return found if found is not None else PayoutRecord(recipient, currency, 0, 0)


def _credit(event: e.PayoutCredited, uow: UnitOfWork) -> None:
    payout = _payout(event.recipient, event.currency, uow)
    uow.sales.save_payout(evolve(payout, credited=payout.credited + event.amount))


def _withdrawal(event: e.PayoutWithdrawn, uow: UnitOfWork) -> None:
    payout = _payout(event.recipient, event.currency, uow)
    uow.sales.save_payout(evolve(payout, withdrawn=payout.withdrawn + event.amount))


def _claim(event: e.ClaimSubmitted, uow: UnitOfWork) -> None:
    uow.claims.save_claim(
        ClaimRecord(
            event.claim_id,
            event.user,
            event.pool,
            event.amount,
            event.proof_hash,
            event.day,
            ClaimStatus.PENDING,
        )
    )


def _claim_status(status: ClaimStatus) -> Callable[[Any, UnitOfWork], None]:
    def handle(event: Any, uow: UnitOfWork) -> None:
        claim = _existing(uow.claims.get_claim(event.claim_id), event)
        uow.claims.save_claim(evolve(claim, status=status))

    return handle


def _document(event: e.DocumentRegistered, uow: UnitOfWork) -> None:
    uow.compliance.save_document(
        DocumentRecord(event.doc_type, event.version, event.document_hash, _block(event))
    )


def _acceptance(event: e.DocumentAccepted, uow: UnitOfWork) -> None:
    uow.compliance.add_acceptance(
        AcceptanceRecord(
            event.user, event.doc_type, event.version, event.document_hash, event.accepted_at
        )
    )


def _deletion(event: e.DeletionRequested, uow: UnitOfWork) -> None:
    uow.compliance.save_deletion(
        DeletionRecord(event.request_id, event.user, event.regime, event.requested_at, None)
    )


def _deletion_done(event: e.DeletionProcessed, uow: UnitOfWork) -> None:
    deletion = _existing(uow.compliance.deletion(event.request_id), event)
    uow.compliance.save_deletion(evolve(deletion, processed_at=event.processed_at))


def _existing(record: Any, event: e.DomainEvent) -> Any:
    if record is None:
        raise LookupError(f"{type(event).__name__} refers to something never indexed: {event}")
    return record


_HANDLERS: dict[type[e.DomainEvent], Callable[[Any, UnitOfWork], None]] = {
    e.TokensTransferred: _tokens,
    e.ReleaseCreated: _release,
    e.SplitSet: _split,
    e.EditionMinted: _edition,
    e.EditionTransferred: _edition_moved,
    e.EditionSold: _sale,
    e.PayoutCredited: _credit,
    e.PayoutWithdrawn: _withdrawal,
    e.ClaimSubmitted: _claim,
    e.ClaimVerified: _claim_status(ClaimStatus.VERIFIED),
    e.ClaimRejected: _claim_status(ClaimStatus.REJECTED),
    e.ClaimPaid: _claim_status(ClaimStatus.PAID),
    e.DocumentRegistered: _document,
    e.DocumentAccepted: _acceptance,
    e.DeletionRequested: _deletion,
    e.DeletionProcessed: _deletion_done,
}


# --- inverses -------------------------------------------------------------------------------


def _untokens(event: e.TokensTransferred, uow: UnitOfWork) -> None:
    _tokens(e.TokensTransferred(event.recipient, event.sender, event.amount), uow)


def _unrelease(event: e.ReleaseCreated, uow: UnitOfWork) -> None:
    uow.releases.remove_release(event.release_id)


def _unsplit(event: e.SplitSet, uow: UnitOfWork) -> None:
    release = _existing(uow.releases.get_release(event.release_id), event)
    uow.releases.save_release(evolve(release, recipients=(), shares_bps=()))


def _unedition(event: e.EditionMinted, uow: UnitOfWork) -> None:
    uow.releases.remove_edition(event.token_id)
    release = _existing(uow.releases.get_release(event.release_id), event)
    uow.releases.save_release(evolve(release, minted=event.edition - 1))


def _unmove(event: e.EditionTransferred, uow: UnitOfWork) -> None:
    if not event.sender.is_zero:
        edition = _existing(uow.releases.get_edition(event.token_id), event)
        uow.releases.save_edition(evolve(edition, owner=event.sender))


def _unsale(event: e.EditionSold, uow: UnitOfWork) -> None:
    uow.sales.remove_sale(event.settlement_id)


def _save_or_drop(payout: PayoutRecord, uow: UnitOfWork) -> None:
    """A payout back at nothing credited and nothing withdrawn was never there."""
    if payout.credited == payout.withdrawn == 0:
        uow.sales.remove_payout(payout.recipient, payout.currency)
    else:
        uow.sales.save_payout(payout)


def _uncredit(event: e.PayoutCredited, uow: UnitOfWork) -> None:
    payout = _payout(event.recipient, event.currency, uow)
    _save_or_drop(evolve(payout, credited=payout.credited - event.amount), uow)


def _unwithdraw(event: e.PayoutWithdrawn, uow: UnitOfWork) -> None:
    payout = _payout(event.recipient, event.currency, uow)
    _save_or_drop(evolve(payout, withdrawn=payout.withdrawn - event.amount), uow)


def _unclaim(event: e.ClaimSubmitted, uow: UnitOfWork) -> None:
    uow.claims.remove_claim(event.claim_id)


def _undocument(event: e.DocumentRegistered, uow: UnitOfWork) -> None:
    uow.compliance.remove_document(event.doc_type, event.version)


def _unaccept(event: e.DocumentAccepted, uow: UnitOfWork) -> None:
    uow.compliance.remove_acceptance(event.user, event.doc_type, event.version)


def _undeletion(event: e.DeletionRequested, uow: UnitOfWork) -> None:
    uow.compliance.remove_deletion(event.request_id)


def _undeletion_done(event: e.DeletionProcessed, uow: UnitOfWork) -> None:
    deletion = _existing(uow.compliance.deletion(event.request_id), event)
    uow.compliance.save_deletion(evolve(deletion, processed_at=None))


_INVERSES: dict[type[e.DomainEvent], Callable[[Any, UnitOfWork], None]] = {
    e.TokensTransferred: _untokens,
    e.ReleaseCreated: _unrelease,
    e.SplitSet: _unsplit,
    e.EditionMinted: _unedition,
    e.EditionTransferred: _unmove,
    e.EditionSold: _unsale,
    e.PayoutCredited: _uncredit,
    e.PayoutWithdrawn: _unwithdraw,
    e.ClaimSubmitted: _unclaim,
    e.ClaimVerified: _claim_status(ClaimStatus.PENDING),
    e.ClaimRejected: _claim_status(ClaimStatus.PENDING),
    e.ClaimPaid: _claim_status(ClaimStatus.VERIFIED),
    e.DocumentRegistered: _undocument,
    e.DocumentAccepted: _unaccept,
    e.DeletionRequested: _undeletion,
    e.DeletionProcessed: _undeletion_done,
}
