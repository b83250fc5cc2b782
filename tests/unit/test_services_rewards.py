"""The reward use cases against the in-memory ledger: funding a pool, and a claim from
submission through review to payment."""

from __future__ import annotations

import pytest

from dcmx_core.commands import AddVerifier
from dcmx_core.model.enums import ClaimStatus, Pool
from dcmx_core.model.rewards import PoolState
from dcmx_core.model.values import Hash32
from dcmx_core.services import rewards
from tests.unit.ledger_world import BUYER, DCMX, OPERATOR, STRANGER, World, memory_world

LISTENING = Pool.LISTENING
VERIFIER = STRANGER


@pytest.fixture
def world() -> World:
    """A listening pool of 1,000 DCMX (100 a user a day) and a verifier."""
    world = memory_world()
    rewards.fund_pool(
        world.ledger, OPERATOR.address, LISTENING, 1_000 * DCMX, daily_limit=100 * DCMX
    )
    world.ledger.execute(OPERATOR.address, AddVerifier(VERIFIER.address))
    return world


def proof(label: str) -> Hash32:
    return Hash32.of(label.encode())


def test_fund_pool_allocates_and_sets_the_daily_limit(world: World) -> None:
    assert world.ledger.pool(LISTENING) == PoolState(
        allocation=1_000 * DCMX, daily_limit=100 * DCMX
    )


def test_fund_pool_without_a_limit_keeps_the_limit_and_raises_the_allocation(
    world: World,
) -> None:
    before = world.ledger.head().number
    rewards.fund_pool(world.ledger, OPERATOR.address, LISTENING, 500 * DCMX)
    assert world.ledger.head().number == before + 1
    assert world.ledger.pool(LISTENING) == PoolState(
        allocation=1_500 * DCMX, daily_limit=100 * DCMX
    )


def test_submit_claim_returns_the_claim_ids_in_order(world: World) -> None:
    ids = [
        rewards.submit_claim(world.ledger, BUYER.address, LISTENING, 10 * DCMX, proof(f"p{n}"))
        for n in range(3)
    ]
    assert ids == [1, 2, 3]
    assert world.ledger.claim(2).status == ClaimStatus.PENDING


def test_an_approved_claim_is_verified_and_reserved(world: World) -> None:
    claim_id = rewards.submit_claim(world.ledger, BUYER.address, LISTENING, 60 * DCMX, proof("a"))
    rewards.review_claim(world.ledger, VERIFIER.address, claim_id, approved=True)
    assert world.ledger.claim(claim_id).status == ClaimStatus.VERIFIED
    assert world.ledger.pool(LISTENING).reserved == 60 * DCMX


def test_a_rejected_claim_reserves_nothing(world: World) -> None:
    claim_id = rewards.submit_claim(world.ledger, BUYER.address, LISTENING, 60 * DCMX, proof("b"))
    rewards.review_claim(world.ledger, VERIFIER.address, claim_id, approved=False)
    assert world.ledger.claim(claim_id).status == ClaimStatus.REJECTED
    assert world.ledger.pool(LISTENING).reserved == 0


def test_pay_claim_mints_the_amount_to_the_user_and_returns_it(world: World) -> None:
    ledger = world.ledger
    claim_id = rewards.submit_claim(ledger, BUYER.address, LISTENING, 60 * DCMX, proof("c"))
    rewards.review_claim(ledger, VERIFIER.address, claim_id, approved=True)
    assert rewards.pay_claim(ledger, STRANGER.address, claim_id) == 60 * DCMX
    assert ledger.token_balance(BUYER.address) == ledger.total_supply() == 60 * DCMX
    assert ledger.claim(claim_id).status == ClaimStatus.PAID
    assert ledger.pool(LISTENING).distributed == 60 * DCMX
