"""Reward vault: pools, claims, verification, daily limits, payment by minting."""

from __future__ import annotations

import pytest

from dcmx_core.events import (
    ClaimPaid,
    ClaimRejected,
    ClaimSubmitted,
    ClaimVerified,
    PoolAllocated,
    PoolConfigured,
    TokensTransferred,
    VerifierAdded,
    VerifierRemoved,
)
from dcmx_core.exceptions import (
    AlreadyVerifier,
    ClaimNotPending,
    ClaimNotVerified,
    DailyLimitExceeded,
    EmptyHash,
    MintingIsFinished,
    NotAdmin,
    NotMinter,
    NotVerifier,
    OutOfRange,
    PoolExhausted,
    ProofAlreadyUsed,
    UnknownClaim,
    UnknownVerifier,
    ZeroAddress,
)
from dcmx_core.model.enums import ClaimStatus, Pool
from dcmx_core.model.rewards import SECONDS_PER_DAY, Claim, PoolState, RewardVault, utc_day
from dcmx_core.model.token import DcmxToken
from dcmx_core.model.values import UINT256_MAX, ZERO_ADDRESS, ZERO_HASH, Address
from tests.factories import ADMIN, ALICE, BOB, CAROL, address, digest
from tests.unit.refusals import refused

VAULT = address(50)
VERIFIER = CAROL
LIMIT = 100
ALLOCATION = 1_000
NOW = 3 * SECONDS_PER_DAY + 3_600  # 01:00 UTC on day 3


@pytest.fixture
def vault() -> RewardVault:
    """A vault that may mint, with a verifier and a configured, funded LISTENING pool."""
    token = DcmxToken.deploy(ADMIN)
    token.minters.add(VAULT)
    vault = RewardVault.deploy(ADMIN, VAULT, token)
    vault.add_verifier(ADMIN, VERIFIER)
    vault.configure_pool(ADMIN, Pool.LISTENING, LIMIT)
    vault.allocate_pool(ADMIN, Pool.LISTENING, ALLOCATION)
    return vault


def submit(
    vault: RewardVault, amount: int = 40, user: Address = ALICE, proof: str = "p1", now: int = NOW
) -> int:
    vault.submit(user, Pool.LISTENING, amount, digest(proof), now)
    return len(vault.claims)


def verified(vault: RewardVault, amount: int = 40, proof: str = "p1") -> int:
    claim_id = submit(vault, amount, proof=proof)
    vault.verify(VERIFIER, claim_id, approved=True)
    return claim_id


def listening(vault: RewardVault) -> PoolState:
    return vault.pools[Pool.LISTENING]


# --- verifiers ----------------------------------------------------------------------------------


def test_the_admin_adds_a_verifier(vault: RewardVault) -> None:
    assert vault.add_verifier(ADMIN, BOB) == [VerifierAdded(BOB)]
    assert BOB in vault.verifiers


def test_only_the_admin_adds_a_verifier(vault: RewardVault) -> None:
    refused(vault, NotAdmin, lambda: vault.add_verifier(BOB, BOB))


def test_the_zero_address_cannot_be_a_verifier(vault: RewardVault) -> None:
    refused(vault, ZeroAddress, lambda: vault.add_verifier(ADMIN, ZERO_ADDRESS))


def test_a_verifier_is_added_once(vault: RewardVault) -> None:
    refused(vault, AlreadyVerifier, lambda: vault.add_verifier(ADMIN, VERIFIER))


def test_the_admin_removes_a_verifier(vault: RewardVault) -> None:
    assert vault.remove_verifier(ADMIN, VERIFIER) == [VerifierRemoved(VERIFIER)]
    assert VERIFIER not in vault.verifiers


def test_only_the_admin_removes_a_verifier(vault: RewardVault) -> None:
    refused(vault, NotAdmin, lambda: vault.remove_verifier(VERIFIER, VERIFIER))


def test_only_a_verifier_can_be_removed(vault: RewardVault) -> None:
    refused(vault, UnknownVerifier, lambda: vault.remove_verifier(ADMIN, BOB))


# --- pools --------------------------------------------------------------------------------------


def test_the_admin_sets_a_pools_daily_limit(vault: RewardVault) -> None:
    assert vault.configure_pool(ADMIN, Pool.VOTING, 7) == [PoolConfigured(Pool.VOTING, 7)]
    assert vault.pools[Pool.VOTING].daily_limit == 7


def test_only_the_admin_sets_a_daily_limit(vault: RewardVault) -> None:
    refused(vault, NotAdmin, lambda: vault.configure_pool(BOB, Pool.VOTING, 7))


def test_a_daily_limit_is_an_amount(vault: RewardVault) -> None:
    refused(vault, OutOfRange, lambda: vault.configure_pool(ADMIN, Pool.VOTING, -1))


def test_allocations_add_up(vault: RewardVault) -> None:
    events = vault.allocate_pool(ADMIN, Pool.LISTENING, 500)
    assert events == [PoolAllocated(Pool.LISTENING, 500, ALLOCATION + 500)]
    assert listening(vault).allocation == ALLOCATION + 500


def test_only_the_admin_allocates(vault: RewardVault) -> None:
    refused(vault, NotAdmin, lambda: vault.allocate_pool(BOB, Pool.LISTENING, 500))


def test_an_allocation_never_overflows_a_uint256(vault: RewardVault) -> None:
    refused(vault, OutOfRange, lambda: vault.allocate_pool(ADMIN, Pool.LISTENING, UINT256_MAX))


def test_a_new_pool_is_empty_and_closed(vault: RewardVault) -> None:
    assert vault.pools[Pool.SHARING] == PoolState(0, 0, 0, 0)


def test_nobody_claims_from_an_unconfigured_pool(vault: RewardVault) -> None:
    refused(
        vault, DailyLimitExceeded, lambda: vault.submit(ALICE, Pool.SHARING, 1, digest("p1"), NOW)
    )


# --- submitting claims --------------------------------------------------------------------------


def test_a_claim_is_recorded_pending_for_its_utc_day(vault: RewardVault) -> None:
    events = vault.submit(ALICE, Pool.LISTENING, 40, digest("p1"), NOW)
    assert events == [ClaimSubmitted(1, ALICE, Pool.LISTENING, 40, digest("p1"), 3)]
    assert vault.claim(1) == Claim(
        1, ALICE, Pool.LISTENING, 40, digest("p1"), 3, ClaimStatus.PENDING
    )


def test_claim_ids_count_from_one(vault: RewardVault) -> None:
    assert [submit(vault, 10, proof=f"p{n}") for n in range(3)] == [1, 2, 3]


def test_a_claim_of_nothing_is_refused(vault: RewardVault) -> None:
    refused(vault, OutOfRange, lambda: submit(vault, 0))


def test_a_negative_claim_is_refused(vault: RewardVault) -> None:
    refused(vault, OutOfRange, lambda: submit(vault, -1))


def test_a_claim_needs_a_proof(vault: RewardVault) -> None:
    refused(vault, EmptyHash, lambda: vault.submit(ALICE, Pool.LISTENING, 40, ZERO_HASH, NOW))


def test_a_proof_backs_one_claim_only(vault: RewardVault) -> None:
    submit(vault, 10, ALICE, "p1")
    refused(vault, ProofAlreadyUsed, lambda: submit(vault, 10, BOB, "p1"))


def test_a_rejected_claims_proof_stays_used(vault: RewardVault) -> None:
    vault.verify(VERIFIER, submit(vault, 10), approved=False)
    refused(vault, ProofAlreadyUsed, lambda: submit(vault, 10))


def test_an_unknown_claim_is_refused(vault: RewardVault) -> None:
    refused(vault, UnknownClaim, lambda: vault.claim(1))


# --- daily limits -------------------------------------------------------------------------------


def test_utc_days_start_at_midnight() -> None:
    assert [utc_day(t) for t in (0, SECONDS_PER_DAY - 1, SECONDS_PER_DAY)] == [0, 0, 1]


def test_a_user_may_claim_up_to_the_daily_limit(vault: RewardVault) -> None:
    submit(vault, 60, proof="p1")
    submit(vault, 40, proof="p2")
    assert vault.claimed_today(ALICE, Pool.LISTENING, 3) == LIMIT


def test_a_user_may_not_claim_beyond_the_daily_limit(vault: RewardVault) -> None:
    submit(vault, 60, proof="p1")
    refused_error = refused(vault, DailyLimitExceeded, lambda: submit(vault, 41, proof="p2"))
    assert refused_error.details == {"pool": "LISTENING", "requested": 41, "available": 40}


def test_the_daily_limit_is_per_user(vault: RewardVault) -> None:
    submit(vault, LIMIT, ALICE, "p1")
    submit(vault, LIMIT, BOB, "p2")
    assert vault.claimed_today(BOB, Pool.LISTENING, 3) == LIMIT


def test_the_daily_limit_is_per_pool(vault: RewardVault) -> None:
    vault.configure_pool(ADMIN, Pool.SHARING, 10)
    submit(vault, LIMIT, proof="p1")
    vault.submit(ALICE, Pool.SHARING, 10, digest("p2"), NOW)
    assert vault.claimed_today(ALICE, Pool.SHARING, 3) == 10


def test_the_daily_limit_is_per_utc_day(vault: RewardVault) -> None:
    end_of_day = 4 * SECONDS_PER_DAY - 1
    submit(vault, LIMIT, proof="p1", now=end_of_day)
    submit(vault, LIMIT, proof="p2", now=end_of_day + 1)
    assert vault.claimed_today(ALICE, Pool.LISTENING, 4) == LIMIT


def test_the_last_second_of_a_day_still_counts_for_that_day(vault: RewardVault) -> None:
    submit(vault, LIMIT, proof="p1", now=NOW)
    refused(
        vault, DailyLimitExceeded, lambda: submit(vault, 1, proof="p2", now=4 * SECONDS_PER_DAY - 1)
    )


def test_a_rejected_claim_gives_its_amount_back_to_its_day(vault: RewardVault) -> None:
    vault.verify(VERIFIER, submit(vault, LIMIT, proof="p1"), approved=False)
    submit(vault, LIMIT, proof="p2")
    assert vault.claimed_today(ALICE, Pool.LISTENING, 3) == LIMIT


def test_a_verified_claim_keeps_counting_for_its_day(vault: RewardVault) -> None:
    verified(vault, LIMIT)
    refused(vault, DailyLimitExceeded, lambda: submit(vault, 1, proof="p2"))


# --- verification -------------------------------------------------------------------------------


def test_a_verifier_verifies_a_claim_and_reserves_its_amount(vault: RewardVault) -> None:
    claim_id = submit(vault, 40)
    assert vault.verify(VERIFIER, claim_id, approved=True) == [ClaimVerified(claim_id, VERIFIER)]
    assert vault.claim(claim_id).status == ClaimStatus.VERIFIED
    assert listening(vault) == PoolState(ALLOCATION, 0, 40, LIMIT)


def test_only_a_verifier_verifies(vault: RewardVault) -> None:
    claim_id = submit(vault)
    refused(vault, NotVerifier, lambda: vault.verify(ADMIN, claim_id, approved=True))


def test_only_a_verifier_rejects(vault: RewardVault) -> None:
    claim_id = submit(vault)
    refused(vault, NotVerifier, lambda: vault.verify(ALICE, claim_id, approved=False))


def test_a_removed_verifier_verifies_no_more(vault: RewardVault) -> None:
    claim_id = submit(vault)
    vault.remove_verifier(ADMIN, VERIFIER)
    refused(vault, NotVerifier, lambda: vault.verify(VERIFIER, claim_id, approved=True))


def test_verifying_an_unknown_claim_is_refused(vault: RewardVault) -> None:
    refused(vault, UnknownClaim, lambda: vault.verify(VERIFIER, 1, approved=True))


def test_verification_never_reserves_beyond_the_allocation(vault: RewardVault) -> None:
    vault.configure_pool(ADMIN, Pool.SHARING, LIMIT)
    vault.allocate_pool(ADMIN, Pool.SHARING, 50)
    vault.submit(ALICE, Pool.SHARING, 60, digest("p1"), NOW)
    refused_error = refused(vault, PoolExhausted, lambda: vault.verify(VERIFIER, 1, True))
    assert refused_error.details == {"pool": "SHARING", "requested": 60, "available": 50}


def test_reservations_count_against_the_allocation(vault: RewardVault) -> None:
    vault.configure_pool(ADMIN, Pool.SHARING, LIMIT)
    vault.allocate_pool(ADMIN, Pool.SHARING, 100)
    vault.submit(ALICE, Pool.SHARING, 60, digest("p1"), NOW)
    vault.submit(BOB, Pool.SHARING, 60, digest("p2"), NOW)
    vault.verify(VERIFIER, 1, approved=True)
    refused(vault, PoolExhausted, lambda: vault.verify(VERIFIER, 2, approved=True))


def test_a_verifier_rejects_a_claim_for_good(vault: RewardVault) -> None:
    claim_id = submit(vault, 40)
    assert vault.verify(VERIFIER, claim_id, approved=False) == [ClaimRejected(claim_id, VERIFIER)]
    assert vault.claim(claim_id).status == ClaimStatus.REJECTED
    assert listening(vault) == PoolState(ALLOCATION, 0, 0, LIMIT)


def test_a_claim_can_be_rejected_from_an_empty_pool(vault: RewardVault) -> None:
    vault.configure_pool(ADMIN, Pool.SHARING, LIMIT)
    vault.submit(ALICE, Pool.SHARING, 60, digest("p1"), NOW)
    assert vault.verify(VERIFIER, 1, approved=False) == [ClaimRejected(1, VERIFIER)]


@pytest.mark.parametrize("approved", [True, False])
def test_a_verified_claim_is_not_decided_again(vault: RewardVault, approved: bool) -> None:
    claim_id = verified(vault)
    refused(vault, ClaimNotPending, lambda: vault.verify(VERIFIER, claim_id, approved))


@pytest.mark.parametrize("approved", [True, False])
def test_a_rejected_claim_is_not_decided_again(vault: RewardVault, approved: bool) -> None:
    claim_id = submit(vault)
    vault.verify(VERIFIER, claim_id, approved=False)
    refused(vault, ClaimNotPending, lambda: vault.verify(VERIFIER, claim_id, approved))


def test_a_paid_claim_is_not_decided_again(vault: RewardVault) -> None:
    claim_id = verified(vault)
    vault.pay(claim_id)
    refused(vault, ClaimNotPending, lambda: vault.verify(VERIFIER, claim_id, False))


# --- payment ------------------------------------------------------------------------------------


def test_a_verified_claim_is_paid_by_minting_to_its_user(vault: RewardVault) -> None:
    claim_id = verified(vault, 40)
    events = vault.pay(claim_id)
    assert events == [TokensTransferred(ZERO_ADDRESS, ALICE, 40), ClaimPaid(claim_id, ALICE, 40)]
    assert (vault.token.balance_of(ALICE), vault.token.total_supply) == (40, 40)


def test_payment_moves_the_reservation_to_distributed(vault: RewardVault) -> None:
    vault.pay(verified(vault, 40))
    assert listening(vault) == PoolState(ALLOCATION, 40, 0, LIMIT)


def test_a_paid_claim_is_marked_paid(vault: RewardVault) -> None:
    claim_id = verified(vault)
    vault.pay(claim_id)
    assert vault.claim(claim_id).status == ClaimStatus.PAID


def test_a_claim_is_paid_once(vault: RewardVault) -> None:
    claim_id = verified(vault)
    vault.pay(claim_id)
    refused(vault, ClaimNotVerified, lambda: vault.pay(claim_id))


def test_a_pending_claim_is_not_paid(vault: RewardVault) -> None:
    claim_id = submit(vault)
    refused(vault, ClaimNotVerified, lambda: vault.pay(claim_id))


def test_a_rejected_claim_is_never_paid(vault: RewardVault) -> None:
    claim_id = submit(vault)
    vault.verify(VERIFIER, claim_id, approved=False)
    refused(vault, ClaimNotVerified, lambda: vault.pay(claim_id))


def test_paying_an_unknown_claim_is_refused(vault: RewardVault) -> None:
    refused(vault, UnknownClaim, lambda: vault.pay(1))


def test_a_vault_that_is_not_a_minter_pays_nothing(vault: RewardVault) -> None:
    claim_id = verified(vault)
    vault.token.minters.clear()
    refused(vault, NotMinter, lambda: vault.pay(claim_id))


def test_no_claim_is_paid_once_minting_is_finished(vault: RewardVault) -> None:
    claim_id = verified(vault)
    vault.token.finish_minting(ADMIN)
    refused(vault, MintingIsFinished, lambda: vault.pay(claim_id))
