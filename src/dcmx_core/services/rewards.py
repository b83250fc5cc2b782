"""Rewards: funding pools, and claims from submission to payment."""

from __future__ import annotations

from dcmx_core.commands import AllocatePool, ConfigurePool, PayClaim, SubmitClaim, VerifyClaim
from dcmx_core.events import ClaimPaid, ClaimSubmitted
from dcmx_core.model.enums import Pool
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Ledger
from dcmx_core.services.receipts import the_event


def fund_pool(
    ledger: Ledger, admin: Address, pool: Pool, amount: int, *, daily_limit: int | None = None
) -> None:
    """Raise a pool's allocation, and set its per-user daily limit when given."""
    if daily_limit is not None:
        ledger.execute(admin, ConfigurePool(pool, daily_limit))
    ledger.execute(admin, AllocatePool(pool, amount))


def submit_claim(ledger: Ledger, user: Address, pool: Pool, amount: int, proof: Hash32) -> int:
    """The user claims a reward for a proven contribution; returns the claim id."""
    receipt = ledger.execute(user, SubmitClaim(pool, amount, proof))
    return the_event(receipt, ClaimSubmitted).claim_id


def review_claim(ledger: Ledger, verifier: Address, claim_id: int, *, approved: bool) -> None:
    """A verifier approves (reserving the amount) or rejects a pending claim."""
    ledger.execute(verifier, VerifyClaim(claim_id, approved))


def pay_claim(ledger: Ledger, sender: Address, claim_id: int) -> int:
    """Pay a verified claim to its user by minting; returns the amount paid."""
    return the_event(ledger.execute(sender, PayClaim(claim_id)), ClaimPaid).amount
