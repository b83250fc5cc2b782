"""Reward rules: pools, claims, verification, daily limits, payment by minting.

Each pool (sharing, listening, bandwidth, voting, referral) has an allocation the admin raises,
the amount it has paid, the amount verified claims have reserved, and a per-user daily limit
(0 until the admin configures the pool, so nobody can claim from an unconfigured pool). A user
submits a claim with a proof hash that no other claim has used; what a user claims from a pool
on one UTC day (of the block time) never exceeds the daily limit, and a rejected claim gives its
amount back to that day. A verifier verifies a pending claim, which reserves its amount from the
pool (never beyond the allocation), or rejects it for good. A verified claim is paid once, to
its user, by minting tokens through the token's minter role.
"""

from __future__ import annotations

from typing import Final

from attrs import define, evolve, field, frozen

from dcmx_core.events import (
    ClaimPaid,
    ClaimRejected,
    ClaimSubmitted,
    ClaimVerified,
    DomainEvent,
    PoolAllocated,
    PoolConfigured,
    VerifierAdded,
    VerifierRemoved,
)
from dcmx_core.exceptions import (
    AlreadyVerifier,
    ClaimNotPending,
    ClaimNotVerified,
    DailyLimitExceeded,
    EmptyHash,
    NotVerifier,
    OutOfRange,
    PoolExhausted,
    ProofAlreadyUsed,
    UnknownClaim,
    UnknownVerifier,
    ZeroAddress,
)
from dcmx_core.model.admin import Administration
from dcmx_core.model.enums import ClaimStatus, Contract, Pool
from dcmx_core.model.token import DcmxToken
from dcmx_core.model.values import Address, Hash32, check_amount

SECONDS_PER_DAY: Final = 86_400


def utc_day(timestamp: int) -> int:
    """The UTC day number (days since 1970-01-01) of a block timestamp."""
    return timestamp // SECONDS_PER_DAY


@frozen
class PoolState:
    allocation: int = 0
    distributed: int = 0
    reserved: int = 0
    daily_limit: int = 0

    @property
    def available(self) -> int:
        """What the pool can still promise to new claims."""
        return self.allocation - self.distributed - self.reserved


@frozen
class Claim:
    claim_id: int
    user: Address
    pool: Pool
    amount: int
    proof_hash: Hash32
    day: int
    status: ClaimStatus = ClaimStatus.PENDING


@define
class RewardVault:
    """The reward vault contract's state."""

    admin: Administration
    address: Address
    token: DcmxToken
    pools: dict[Pool, PoolState] = field(factory=lambda: {pool: PoolState() for pool in Pool})
    claims: dict[int, Claim] = field(factory=dict)
    used_proofs: set[Hash32] = field(factory=set)
    claimed_on_day: dict[tuple[Address, Pool, int], int] = field(factory=dict)
    verifiers: set[Address] = field(factory=set)

    @classmethod
    def deploy(cls, admin: Address, address: Address, token: DcmxToken) -> RewardVault:
        return cls(Administration(Contract.REWARDS, admin), address, token)

    def claim(self, claim_id: int) -> Claim:
        try:
            return self.claims[claim_id]
        except KeyError:
            raise UnknownClaim(claim_id) from None

    def claimed_today(self, user: Address, pool: Pool, day: int) -> int:
        """What ``user`` has claimed (and not had rejected) from ``pool`` on UTC day ``day``."""
        return self.claimed_on_day.get((user, pool, day), 0)

    # --- administration ---------------------------------------------------------------------

    def add_verifier(self, sender: Address, account: Address) -> list[DomainEvent]:
        self.admin.require_admin(sender)
        if account.is_zero:
            raise ZeroAddress("verifier")
        if account in self.verifiers:
            raise AlreadyVerifier(account)
        self.verifiers.add(account)
        return [VerifierAdded(account)]

    def remove_verifier(self, sender: Address, account: Address) -> list[DomainEvent]:
        self.admin.require_admin(sender)
        if account not in self.verifiers:
            raise UnknownVerifier(account)
        self.verifiers.remove(account)
        return [VerifierRemoved(account)]

    def configure_pool(self, sender: Address, pool: Pool, daily_limit: int) -> list[DomainEvent]:
        """The admin sets how much one user may claim from ``pool`` in one UTC day."""
        self.admin.require_admin(sender)
        check_amount("daily_limit", daily_limit)
        self.pools[pool] = evolve(self.pools[pool], daily_limit=daily_limit)
        return [PoolConfigured(pool, daily_limit)]

    def allocate_pool(self, sender: Address, pool: Pool, amount: int) -> list[DomainEvent]:
        """The admin raises what ``pool`` may pay out in total."""
        self.admin.require_admin(sender)
        check_amount("amount", amount)
        state = self.pools[pool]
        allocation = state.allocation + amount
        check_amount("allocation", allocation)
        self.pools[pool] = evolve(state, allocation=allocation)
        return [PoolAllocated(pool, amount, allocation)]

    # --- claims -----------------------------------------------------------------------------

    def submit(
        self, user: Address, pool: Pool, amount: int, proof_hash: Hash32, now: int
    ) -> list[DomainEvent]:
        """The user claims ``amount`` from ``pool`` for the contribution ``proof_hash`` proves."""
        check_amount("amount", amount)
        if amount == 0:
            raise OutOfRange("amount", amount, "more than 0")
        if proof_hash.is_zero:
            raise EmptyHash("proof hash")
        if proof_hash in self.used_proofs:
            raise ProofAlreadyUsed(proof_hash)
        day = utc_day(now)
        left_today = self.pools[pool].daily_limit - self.claimed_today(user, pool, day)
        if amount > left_today:
            raise DailyLimitExceeded(pool.name, amount, max(left_today, 0))
        claim_id = len(self.claims) + 1
        self.claims[claim_id] = Claim(claim_id, user, pool, amount, proof_hash, day)
        self.used_proofs.add(proof_hash)
        self.claimed_on_day[(user, pool, day)] = self.claimed_today(user, pool, day) + amount
        return [ClaimSubmitted(claim_id, user, pool, amount, proof_hash, day)]

    def verify(self, sender: Address, claim_id: int, approved: bool) -> list[DomainEvent]:
        """A verifier approves a pending claim (reserving its amount) or rejects it for good."""
        if sender not in self.verifiers:
            raise NotVerifier(sender)
        claim = self.claim(claim_id)
        if claim.status != ClaimStatus.PENDING:
            raise ClaimNotPending(claim_id, claim.status.name)
        state = self.pools[claim.pool]
        if not approved:
            self.claims[claim_id] = evolve(claim, status=ClaimStatus.REJECTED)
            key = (claim.user, claim.pool, claim.day)
            self.claimed_on_day[key] -= claim.amount
            return [ClaimRejected(claim_id, sender)]
        if claim.amount > state.available:
            raise PoolExhausted(claim.pool.name, claim.amount, state.available)
        self.pools[claim.pool] = evolve(state, reserved=state.reserved + claim.amount)
        self.claims[claim_id] = evolve(claim, status=ClaimStatus.VERIFIED)
        return [ClaimVerified(claim_id, sender)]

    def pay(self, claim_id: int) -> list[DomainEvent]:
        """Pay a verified claim to its user by minting; anyone may trigger it, once."""
        claim = self.claim(claim_id)
        if claim.status != ClaimStatus.VERIFIED:
            raise ClaimNotVerified(claim_id, claim.status.name)
        self.token.check_mint(self.address, claim.user, claim.amount)
        state = self.pools[claim.pool]
        self.pools[claim.pool] = evolve(
            state,
            reserved=state.reserved - claim.amount,
            distributed=state.distributed + claim.amount,
        )
        self.claims[claim_id] = evolve(claim, status=ClaimStatus.PAID)
        minted = self.token.mint(self.address, claim.user, claim.amount)
        return [*minted, ClaimPaid(claim_id, claim.user, claim.amount)]
