"""Every read model a run of events touched, read back by key: what two indexes of the same
events must agree on."""

from __future__ import annotations

from typing import Any

from dcmx_core import events as e
from dcmx_core.model.enums import DocumentType
from dcmx_core.ports import UnitOfWork


def read_models(uow: UnitOfWork, events: list[e.DomainEvent]) -> dict[str, Any]:
    """Every read model the events touched, read back by key."""
    release_ids = sorted({ev.release_id for ev in events if isinstance(ev, e.ReleaseCreated)})
    token_ids = sorted({ev.token_id for ev in events if isinstance(ev, e.EditionMinted)})
    claim_ids = sorted({ev.claim_id for ev in events if isinstance(ev, e.ClaimSubmitted)})
    requests = sorted({ev.request_id for ev in events if isinstance(ev, e.DeletionRequested)})
    people = sorted(
        {ev.recipient for ev in events if isinstance(ev, e.TokensTransferred | e.PayoutCredited)}
        | {ev.user for ev in events if isinstance(ev, e.DocumentAccepted)}
    )
    currencies = sorted({ev.currency for ev in events if isinstance(ev, e.PayoutCredited)})
    with uow:
        return {
            "releases": [uow.releases.get_release(r) for r in release_ids],
            "editions": [uow.releases.get_edition(t) for t in token_ids],
            "sales": [uow.sales.sales_of_release(r) for r in release_ids],
            "claims": [uow.claims.get_claim(c) for c in claim_ids],
            "deletions": [uow.compliance.deletion(r) for r in requests],
            "balances": [uow.balances.balance(p) for p in people],
            "payouts": [uow.sales.payout(p, c) for p in people for c in currencies],
            "acceptances": [uow.compliance.acceptances_of(p) for p in people],
            "documents": uow.compliance.documents(DocumentType.TERMS_OF_SERVICE),
            "holders": uow.balances.holders(limit=10_000),
            "stats": uow.stats.get(),
        }
