"""How events change the read models.

``fold`` turns a run of events into ``ReadModelChanges``: the records the run creates (in their
final state), the fields it changes on records of earlier runs, and what it adds to balances,
payouts and the platform figures. ``apply_changes`` writes it through the repository ports one
record at a time, the way any unit of work can ``project`` a run
(``project_through_repositories``). Folding a run and applying it once leaves the same read
models as applying its events one by one. A store may compute the same changes in its own
terms instead (PostgreSQL does, set-wise, from the run's events); the same property test holds
every store to this module.

``unproject`` is the exact inverse of one event, which a reorganization applies to the orphaned
events newest first.

Events without a read model of their own (approvals, roles, pools, fees, listings ...) are kept
as raw events only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from attrs import evolve

from dcmx_core import events as e
from dcmx_core.model.enums import ClaimStatus
from dcmx_core.model.values import Address
from dcmx_core.ports import UnitOfWork
from dcmx_core.read_models import (
    AcceptanceRecord,
    ClaimRecord,
    DeletionRecord,
    DocumentRecord,
    EditionRecord,
    Figures,
    PayoutRecord,
    ReadModelChanges,
    ReleaseRecord,
    SaleRecord,
    figure,
)


def fold(events: Iterable[e.DomainEvent], into: ReadModelChanges | None = None) -> ReadModelChanges:
    """What ``events`` (in chain order) do to the read models, added to ``into`` if given."""
    changes = ReadModelChanges() if into is None else into
    figures = changes.figures
    for event in events:
        for key, value in figures_of(event).items():
            figures[key] += value
        handler = _FOLDS.get(type(event))
        if handler is not None:
            handler(changes, event)
    return changes


def figures_of(event: e.DomainEvent) -> Figures:
    """What one event adds to the platform figures; ``unproject`` takes it away again."""
    count = _FIGURES.get(type(event))
    return {} if count is None else count([event])


def figures_of_runs(runs: Mapping[type[e.DomainEvent], Sequence[e.DomainEvent]]) -> Figures:
    """What runs of events, one run a class, add to the platform figures: the sum of
    ``figures_of`` over their events, counted a run at a time."""
    found: Counter[tuple[str, Address]] = Counter()
    for cls, run in runs.items():
        count = _FIGURES.get(cls)
        if count is not None and run:
            found.update(count(run))
    return dict(found)


RunFigures = Callable[[Sequence[Any]], Figures]


def _counted(name: str) -> RunFigures:
    key = figure(name)
    return lambda run: {key: len(run)}


def _sold(run: Sequence[e.EditionSold]) -> Figures:
    found: Counter[tuple[str, Address]] = Counter({_SALES: len(run)})
    for event in run:
        found[_VOLUME, event.currency] += event.price
    primary = sum(1 for event in run if event.primary)
    if primary:
        found[_PRIMARY_SALES] = primary
    return dict(found)


def _moved(run: Sequence[e.EditionTransferred]) -> Figures:
    moved = sum(1 for event in run if not event.sender.is_zero)  # a mint is not a transfer
    return {_NFT_TRANSFERS: moved} if moved else {}


def _transferred(run: Sequence[e.TokensTransferred]) -> Figures:
    minted = sum(event.amount for event in run if event.sender.is_zero)
    burned = sum(event.amount for event in run if event.recipient.is_zero)
    return {_TOKEN_TRANSFERS: len(run), _TOKEN_SUPPLY: minted - burned}


def _paid(run: Sequence[e.ClaimPaid]) -> Figures:
    return {_CLAIMS_PAID: len(run), _REWARDS_PAID: sum(event.amount for event in run)}


_SALES, _PRIMARY_SALES, _NFT_TRANSFERS = (
    figure("sales"),
    figure("primary_sales"),
    figure("nft_transfers"),
)
_VOLUME = figure("sales_volume")[0]
_TOKEN_TRANSFERS, _TOKEN_SUPPLY = figure("token_transfers"), figure("token_supply")
_CLAIMS_PAID, _REWARDS_PAID = figure("claims_paid"), figure("rewards_paid")

_FIGURES: dict[type[e.DomainEvent], RunFigures] = {
    e.ReleaseCreated: _counted("releases"),
    e.EditionMinted: _counted("editions"),
    e.EditionTransferred: _moved,
    e.EditionSold: _sold,
    e.TokensTransferred: _transferred,
    e.ClaimSubmitted: _counted("claims"),
    e.ClaimPaid: _paid,
    e.DocumentRegistered: _counted("documents"),
    e.DocumentAccepted: _counted("acceptances"),
    e.DeletionRequested: _counted("deletion_requests"),
    e.DeletionProcessed: _counted("deletions_processed"),
}

CLAIM_STATUS_AFTER: Mapping[type[e.DomainEvent], ClaimStatus] = {
    e.ClaimVerified: ClaimStatus.VERIFIED,
    e.ClaimRejected: ClaimStatus.REJECTED,
    e.ClaimPaid: ClaimStatus.PAID,
}
"""The status a claim has after each event of its life (a new claim is pending)."""


def _block(event: e.DomainEvent) -> int:
    if event.position is None:
        raise ValueError(f"{type(event).__name__} has no ledger position to index")
    return event.position.block_number


# --- the fold, one function an event --------------------------------------------------------


def _tokens(changes: ReadModelChanges, event: e.TokensTransferred) -> None:
    if not event.sender.is_zero:
        changes.balances[event.sender] -= event.amount
    if not event.recipient.is_zero:
        changes.balances[event.recipient] += event.amount


def _release(changes: ReadModelChanges, event: e.ReleaseCreated) -> None:
    changes.releases[event.release_id] = ReleaseRecord(
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


def _split(changes: ReadModelChanges, event: e.SplitSet) -> None:
    created = changes.releases.get(event.release_id)
    if created is None:
        changes.splits[event.release_id] = (event.recipients, event.shares_bps)
    else:
        changes.releases[event.release_id] = evolve(
            created, recipients=event.recipients, shares_bps=event.shares_bps
        )


def _edition(changes: ReadModelChanges, event: e.EditionMinted) -> None:
    changes.editions[event.token_id] = EditionRecord(
        event.token_id, event.release_id, event.edition, event.recipient
    )
    created = changes.releases.get(event.release_id)
    if created is None:
        changes.minted[event.release_id] = event.edition
    else:
        changes.releases[event.release_id] = evolve(created, minted=event.edition)


def _edition_moved(changes: ReadModelChanges, event: e.EditionTransferred) -> None:
    if event.sender.is_zero:
        return  # a mint: EditionMinted made the edition
    created = changes.editions.get(event.token_id)
    if created is None:
        changes.owners[event.token_id] = event.recipient
    else:
        changes.editions[event.token_id] = evolve(created, owner=event.recipient)


def _sale(changes: ReadModelChanges, event: e.EditionSold) -> None:
    changes.sales[event.settlement_id] = SaleRecord(
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


def _credit(changes: ReadModelChanges, event: e.PayoutCredited) -> None:
    changes.credited[event.recipient, event.currency] += event.amount


def _withdrawal(changes: ReadModelChanges, event: e.PayoutWithdrawn) -> None:
    changes.withdrawn[event.recipient, event.currency] += event.amount


def _claim(changes: ReadModelChanges, event: e.ClaimSubmitted) -> None:
    changes.claims[event.claim_id] = ClaimRecord(
        event.claim_id,
        event.user,
        event.pool,
        event.amount,
        event.proof_hash,
        event.day,
        ClaimStatus.PENDING,
    )


def _claim_status(status: ClaimStatus) -> Callable[[ReadModelChanges, Any], None]:
    def fold_status(changes: ReadModelChanges, event: Any) -> None:
        created = changes.claims.get(event.claim_id)
        if created is None:
            changes.claim_statuses[event.claim_id] = status
        else:
            changes.claims[event.claim_id] = evolve(created, status=status)

    return fold_status


def _document(changes: ReadModelChanges, event: e.DocumentRegistered) -> None:
    changes.documents[event.doc_type, event.version] = DocumentRecord(
        event.doc_type, event.version, event.document_hash, _block(event)
    )


def _acceptance(changes: ReadModelChanges, event: e.DocumentAccepted) -> None:
    changes.acceptances.setdefault(
        (event.user, event.doc_type, event.version),
        AcceptanceRecord(
            event.user, event.doc_type, event.version, event.document_hash, event.accepted_at
        ),
    )


def _deletion(changes: ReadModelChanges, event: e.DeletionRequested) -> None:
    changes.deletions[event.request_id] = DeletionRecord(
        event.request_id, event.user, event.regime, event.requested_at, None
    )


def _deletion_done(changes: ReadModelChanges, event: e.DeletionProcessed) -> None:
    created = changes.deletions.get(event.request_id)
    if created is None:
        changes.processed[event.request_id] = event.processed_at
    else:
        changes.deletions[event.request_id] = evolve(created, processed_at=event.processed_at)


_FOLDS: dict[type[e.DomainEvent], Callable[[ReadModelChanges, Any], None]] = {
    e.TokensTransferred: _tokens,
    e.ReleaseCreated: _release,
    e.SplitSet: _split,
    e.EditionMinted: _edition,
    e.EditionTransferred: _edition_moved,
    e.EditionSold: _sale,
    e.PayoutCredited: _credit,
    e.PayoutWithdrawn: _withdrawal,
    e.ClaimSubmitted: _claim,
    **{cls: _claim_status(status) for cls, status in CLAIM_STATUS_AFTER.items()},
    e.DocumentRegistered: _document,
    e.DocumentAccepted: _acceptance,
    e.DeletionRequested: _deletion,
    e.DeletionProcessed: _deletion_done,
}


# --- writing folded changes through the repository ports ------------------------------------


def project_through_repositories(events: Sequence[e.DomainEvent], uow: UnitOfWork) -> None:
    """Write what ``events`` do to the read models of ``uow`` through its repositories, one
    record at a time: how any unit of work can ``project``."""
    apply_changes(fold(events), uow)


def apply_changes(changes: ReadModelChanges, uow: UnitOfWork) -> None:
    """Write ``changes`` into the read models of ``uow`` through its repositories. A change to
    a record that was never indexed is refused (``LookupError``)."""
    releases, sales, claims, compliance = uow.releases, uow.sales, uow.claims, uow.compliance
    for release in changes.releases.values():
        releases.save_release(release)
    for release_id, (recipients, shares) in changes.splits.items():
        release = _existing(releases.get_release(release_id), "release", release_id)
        releases.save_release(evolve(release, recipients=recipients, shares_bps=shares))
    for release_id, minted in changes.minted.items():
        release = _existing(releases.get_release(release_id), "release", release_id)
        releases.save_release(evolve(release, minted=minted))
    for edition in changes.editions.values():
        releases.save_edition(edition)
    for token_id, owner in changes.owners.items():
        edition = _existing(releases.get_edition(token_id), "edition", token_id)
        releases.save_edition(evolve(edition, owner=owner))
    for sale in changes.sales.values():
        sales.add_sale(sale)
    for claim in changes.claims.values():
        claims.save_claim(claim)
    for claim_id, status in changes.claim_statuses.items():
        claim = _existing(claims.get_claim(claim_id), "claim", claim_id)
        claims.save_claim(evolve(claim, status=status))
    for document in changes.documents.values():
        compliance.save_document(document)
    for acceptance in changes.acceptances.values():
        compliance.add_acceptance(acceptance)
    for deletion in changes.deletions.values():
        compliance.save_deletion(deletion)
    for request_id, at in changes.processed.items():
        deletion = _existing(compliance.deletion(request_id), "deletion request", request_id)
        compliance.save_deletion(evolve(deletion, processed_at=at))
    for account, delta in changes.balances.items():
        uow.balances.set_balance(account, uow.balances.balance(account) + delta)
    for recipient, currency in changes.credited.keys() | changes.withdrawn.keys():
        payout = _payout(recipient, currency, uow)
        credited = payout.credited + changes.credited[recipient, currency]
        withdrawn = payout.withdrawn + changes.withdrawn[recipient, currency]
        _save_or_drop(evolve(payout, credited=credited, withdrawn=withdrawn), uow)
    uow.stats.add(dict(changes.figures))


def never_indexed(kind: str, key: object) -> LookupError:
    """The refusal of a change to a record the read models do not hold."""
    return LookupError(f"the events refer to {kind} {key}, which was never indexed")


def _existing(record: Any, kind: str, key: object) -> Any:
    if record is None:
        raise never_indexed(kind, key)
    return record


def _payout(recipient: Address, currency: Address, uow: UnitOfWork) -> PayoutRecord:
    found = uow.sales.payout(recipient, currency)
    return found if found is not None else PayoutRecord(recipient, currency, 0, 0)


def _save_or_drop(payout: PayoutRecord, uow: UnitOfWork) -> None:
    """A payout at nothing credited and nothing withdrawn is not kept."""
    if payout.credited == payout.withdrawn == 0:
        uow.sales.remove_payout(payout.recipient, payout.currency)
    else:
        uow.sales.save_payout(payout)


# --- inverses -------------------------------------------------------------------------------


def unproject(event: e.DomainEvent, uow: UnitOfWork) -> None:
    """Undo what ``event`` did to the read models: applied to the newest event first, it
    leaves them as if the event had never been indexed."""
    uow.stats.add({key: -value for key, value in figures_of(event).items()})
    handler = _INVERSES.get(type(event))
    if handler is not None:
        handler(event, uow)


def _untokens(event: e.TokensTransferred, uow: UnitOfWork) -> None:
    for account, delta in ((event.sender, event.amount), (event.recipient, -event.amount)):
        if not account.is_zero:
            uow.balances.set_balance(account, uow.balances.balance(account) + delta)


def _unrelease(event: e.ReleaseCreated, uow: UnitOfWork) -> None:
    uow.releases.remove_release(event.release_id)


def _unsplit(event: e.SplitSet, uow: UnitOfWork) -> None:
    release = _existing(uow.releases.get_release(event.release_id), "release", event.release_id)
    uow.releases.save_release(evolve(release, recipients=(), shares_bps=()))


def _unedition(event: e.EditionMinted, uow: UnitOfWork) -> None:
    uow.releases.remove_edition(event.token_id)
    release = _existing(uow.releases.get_release(event.release_id), "release", event.release_id)
    uow.releases.save_release(evolve(release, minted=event.edition - 1))


def _unmove(event: e.EditionTransferred, uow: UnitOfWork) -> None:
    if not event.sender.is_zero:
        edition = _existing(uow.releases.get_edition(event.token_id), "edition", event.token_id)
        uow.releases.save_edition(evolve(edition, owner=event.sender))


def _unsale(event: e.EditionSold, uow: UnitOfWork) -> None:
    uow.sales.remove_sale(event.settlement_id)


def _uncredit(event: e.PayoutCredited, uow: UnitOfWork) -> None:
    payout = _payout(event.recipient, event.currency, uow)
    _save_or_drop(evolve(payout, credited=payout.credited - event.amount), uow)


def _unwithdraw(event: e.PayoutWithdrawn, uow: UnitOfWork) -> None:
    payout = _payout(event.recipient, event.currency, uow)
    _save_or_drop(evolve(payout, withdrawn=payout.withdrawn - event.amount), uow)


def _unclaim(event: e.ClaimSubmitted, uow: UnitOfWork) -> None:
    uow.claims.remove_claim(event.claim_id)


def _unclaim_status(status: ClaimStatus) -> Callable[[Any, UnitOfWork], None]:
    def restore(event: Any, uow: UnitOfWork) -> None:
        claim = _existing(uow.claims.get_claim(event.claim_id), "claim", event.claim_id)
        uow.claims.save_claim(evolve(claim, status=status))

    return restore


def _undocument(event: e.DocumentRegistered, uow: UnitOfWork) -> None:
    uow.compliance.remove_document(event.doc_type, event.version)


def _unaccept(event: e.DocumentAccepted, uow: UnitOfWork) -> None:
    uow.compliance.remove_acceptance(event.user, event.doc_type, event.version)


def _undeletion(event: e.DeletionRequested, uow: UnitOfWork) -> None:
    uow.compliance.remove_deletion(event.request_id)


def _undeletion_done(event: e.DeletionProcessed, uow: UnitOfWork) -> None:
    deletion = _existing(
        uow.compliance.deletion(event.request_id), "deletion request", event.request_id
    )
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
    e.ClaimVerified: _unclaim_status(ClaimStatus.PENDING),
    e.ClaimRejected: _unclaim_status(ClaimStatus.PENDING),
    e.ClaimPaid: _unclaim_status(ClaimStatus.VERIFIED),
    e.DocumentRegistered: _undocument,
    e.DocumentAccepted: _unaccept,
    e.DeletionRequested: _undeletion,
    e.DeletionProcessed: _undeletion_done,
}
