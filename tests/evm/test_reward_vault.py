"""RewardVault.sol obeys the reward rules of dcmx_core.model.rewards: same refusals (names,
arguments, order of checks), same events (fields, order), same state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import rlp
from eth_utils import keccak, to_bytes, to_checksum_address
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from dcmx_core.model.enums import ClaimStatus, Pool
from dcmx_core.model.token import CAP
from tests.evm.calls import block_time, next_timestamp, refused, travel_to
from tests.evm.chain import Chain

Deploy = Callable[..., Contract]
DAY = 86_400
PROOF = bytes.fromhex("11" * 32)
ZERO = "0x" + "00" * 20


@dataclass(frozen=True)
class World:
    """A DCMX token, a vault that is its minter, one verifier, and two users."""

    chain: Chain
    token: Contract
    vault: Contract
    admin: str
    verifier: str
    user: str
    other: str

    def send(self, call: ContractFunction, sender: str) -> TxReceipt:
        return self.chain.send(call, sender)

    def refused(self, call: ContractFunction, sender: str) -> tuple[str, tuple[Any, ...]]:
        return refused(self.chain, call, sender)

    def events(self, receipt: TxReceipt) -> list[tuple[str, dict[str, Any]]]:
        return self.chain.events(receipt)

    def ready(
        self, pool: Pool = Pool.LISTENING, limit: int = 1_000, allocation: int = 10_000
    ) -> None:
        """Configure and fund ``pool``."""
        self.send(self.vault.functions.configurePool(pool, limit), self.admin)
        self.send(self.vault.functions.allocatePool(pool, allocation), self.admin)

    def submit(self, amount: int, n: int = 1, pool: Pool = Pool.LISTENING) -> int:
        call = self.vault.functions.submitClaim(pool, amount, proof(n))
        return int(self.events(self.send(call, self.user))[0][1]["claimId"])

    def verified_claim(self, amount: int = 5) -> int:
        self.ready(limit=amount, allocation=amount)
        claim_id = self.submit(amount)
        self.send(self.vault.functions.verifyClaim(claim_id, True), self.verifier)
        return claim_id


def build(chain: Chain, deploy: Deploy, token: Contract) -> World:
    admin, verifier, user, other = chain.accounts[:4]
    vault = deploy("RewardVault", admin, token.address)
    chain.send(vault.functions.addVerifier(verifier), admin)
    return World(chain, token, vault, admin, verifier, user, other)


@pytest.fixture
def world(chain: Chain, deploy: Deploy) -> World:
    admin = chain.accounts[0]
    token = deploy("DCMXToken", admin)
    world = build(chain, deploy, token)
    chain.send(token.functions.addMinter(world.vault.address), admin)
    return world


def proof(n: int) -> bytes:
    return n.to_bytes(32, "big")


def next_day(world: World) -> int:
    """The first second of the day after the next block's, made the next block's time."""
    midnight = (next_timestamp(world.chain.w3) // DAY + 1) * DAY
    travel_to(world.chain.w3, midnight)
    return midnight // DAY


# --- administration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("addVerifier", ("other",)),
        ("removeVerifier", ("verifier",)),
        ("configurePool", (Pool.SHARING, 5)),
        ("allocatePool", (Pool.SHARING, 5)),
    ],
)
def test_only_the_admin_administers(world: World, name: str, args: tuple[Any, ...]) -> None:
    resolved = [getattr(world, a) if isinstance(a, str) else a for a in args]
    call = world.vault.functions[name](*resolved)
    assert world.refused(call, world.user) == ("NotAdmin", (world.user,))


def test_a_verifier_is_added_once_and_never_the_zero_address(world: World) -> None:
    add = world.vault.functions.addVerifier
    assert world.refused(add(ZERO), world.admin) == ("ZeroAddress", ())
    assert world.refused(add(world.verifier), world.admin) == ("AlreadyVerifier", (world.verifier,))
    receipt = world.send(add(world.other), world.admin)
    assert world.events(receipt) == [("VerifierAdded", {"account": world.other})]


def test_removing_a_verifier_refuses_an_account_that_is_none(world: World) -> None:
    remove = world.vault.functions.removeVerifier
    # As in the domain, the zero address is simply not a verifier.
    assert world.refused(remove(ZERO), world.admin) == ("UnknownVerifier", (ZERO,))
    receipt = world.send(remove(world.verifier), world.admin)
    assert world.events(receipt) == [("VerifierRemoved", {"account": world.verifier})]
    assert not world.vault.functions.isVerifier(world.verifier).call()


def test_configuring_and_allocating_a_pool(world: World) -> None:
    configured = world.send(world.vault.functions.configurePool(Pool.VOTING, 70), world.admin)
    world.send(world.vault.functions.allocatePool(Pool.VOTING, 500), world.admin)
    allocated = world.send(world.vault.functions.allocatePool(Pool.VOTING, 250), world.admin)
    assert world.events(configured) == [("PoolConfigured", {"pool": Pool.VOTING, "dailyLimit": 70})]
    assert world.events(allocated) == [
        ("PoolAllocated", {"pool": Pool.VOTING, "amount": 250, "allocation": 750})
    ]
    assert world.vault.functions.pool(Pool.VOTING).call() == [750, 0, 0, 70]


def test_an_allocation_never_exceeds_a_uint256(world: World) -> None:
    allocate = world.vault.functions.allocatePool
    world.send(allocate(Pool.SHARING, 2**256 - 2), world.admin)
    assert world.refused(allocate(Pool.SHARING, 2), world.admin) == ("OutOfRange", ())
    world.send(allocate(Pool.SHARING, 1), world.admin)
    assert world.vault.functions.pool(Pool.SHARING).call()[0] == 2**256 - 1


# --- submitting -----------------------------------------------------------------------------


def test_a_claim_is_recorded_with_its_utc_day(world: World) -> None:
    world.ready()
    now = next_timestamp(world.chain.w3)
    call = world.vault.functions.submitClaim(Pool.LISTENING, 40, PROOF)
    receipt = world.send(call, world.user)
    assert block_time(world.chain.w3, receipt) == now
    fields = {"claimId": 1, "user": world.user, "pool": Pool.LISTENING, "amount": 40}
    fields |= {"proofHash": PROOF, "day": now // DAY}
    assert world.events(receipt) == [("ClaimSubmitted", fields)]
    assert world.vault.functions.claim(1).call() == [
        world.user,
        Pool.LISTENING,
        40,
        PROOF,
        now // DAY,
        ClaimStatus.PENDING,
    ]
    assert world.vault.functions.claimCount().call() == 1
    assert world.vault.functions.proofUsed(PROOF).call()
    claimed = world.vault.functions.claimedOnDay(world.user, Pool.LISTENING, now // DAY)
    assert claimed.call() == 40


def test_submit_checks_amount_then_hash_then_proof_then_limit(world: World) -> None:
    submit = world.vault.functions.submitClaim
    # Nothing is configured: every later check would fail too, so the first one must speak.
    assert world.refused(submit(Pool.SHARING, 0, bytes(32)), world.user) == ("OutOfRange", ())
    assert world.refused(submit(Pool.SHARING, 1, bytes(32)), world.user) == ("EmptyHash", ())
    world.ready(Pool.SHARING)
    world.send(submit(Pool.SHARING, 1, PROOF), world.user)
    assert world.refused(submit(Pool.SHARING, 10**9, PROOF), world.other) == (
        "ProofAlreadyUsed",
        (PROOF,),
    )
    assert world.refused(submit(Pool.SHARING, 1_000, proof(2)), world.user) == (
        "DailyLimitExceeded",
        (Pool.SHARING, 1_000, 999),
    )


def test_an_unconfigured_pool_takes_no_claims(world: World) -> None:
    call = world.vault.functions.submitClaim(Pool.REFERRAL, 1, PROOF)
    assert world.refused(call, world.user) == ("DailyLimitExceeded", (Pool.REFERRAL, 1, 0))


def test_the_daily_limit_is_per_user_pool_and_day(world: World) -> None:
    world.ready(Pool.LISTENING, limit=100)
    world.ready(Pool.SHARING, limit=100)
    submit = world.vault.functions.submitClaim
    next_day(world)
    world.submit(100, 1)
    full = submit(Pool.LISTENING, 1, proof(9))
    assert world.refused(full, world.user) == ("DailyLimitExceeded", (Pool.LISTENING, 1, 0))
    world.send(submit(Pool.LISTENING, 100, proof(2)), world.other)
    world.send(submit(Pool.SHARING, 100, proof(3)), world.user)
    next_day(world)
    world.send(submit(Pool.LISTENING, 100, proof(4)), world.user)


def test_a_limit_lowered_below_the_claimed_amount_leaves_nothing(world: World) -> None:
    world.ready(limit=100)
    world.submit(80)
    world.send(world.vault.functions.configurePool(Pool.LISTENING, 50), world.admin)
    call = world.vault.functions.submitClaim(Pool.LISTENING, 1, proof(2))
    assert world.refused(call, world.user) == ("DailyLimitExceeded", (Pool.LISTENING, 1, 0))


# --- verifying ------------------------------------------------------------------------------


def test_verify_checks_verifier_then_claim_then_status(world: World) -> None:
    verify = world.vault.functions.verifyClaim
    assert world.refused(verify(7, True), world.user) == ("NotVerifier", (world.user,))
    assert world.refused(verify(0, True), world.verifier) == ("UnknownClaim", (0,))
    world.ready()
    claim_id = world.submit(10)
    assert world.refused(verify(claim_id + 1, False), world.verifier) == ("UnknownClaim", (2,))
    world.send(verify(claim_id, False), world.verifier)
    assert world.refused(verify(claim_id, True), world.verifier) == (
        "ClaimNotPending",
        (claim_id, ClaimStatus.REJECTED),
    )


def test_approval_reserves_the_amount_from_the_pool(world: World) -> None:
    world.ready(allocation=100)
    claim_id = world.submit(60)
    receipt = world.send(world.vault.functions.verifyClaim(claim_id, True), world.verifier)
    assert world.events(receipt) == [
        ("ClaimVerified", {"claimId": claim_id, "verifier": world.verifier})
    ]
    assert world.vault.functions.pool(Pool.LISTENING).call() == [100, 0, 60, 1_000]
    assert world.vault.functions.claim(claim_id).call()[5] == ClaimStatus.VERIFIED


def test_approval_never_reserves_beyond_the_allocation(world: World) -> None:
    world.ready(allocation=100)
    first, second = world.submit(60, 1), world.submit(50, 2)
    world.send(world.vault.functions.verifyClaim(first, True), world.verifier)
    call = world.vault.functions.verifyClaim(second, True)
    assert world.refused(call, world.verifier) == ("PoolExhausted", (Pool.LISTENING, 50, 40))
    world.send(
        world.vault.functions.verifyClaim(second, False), world.verifier
    )  # rejecting is fine


def test_a_rejection_gives_the_amount_back_to_the_claims_day(world: World) -> None:
    world.ready(limit=100)
    claim_id = world.submit(70)
    day = world.vault.functions.claim(claim_id).call()[4]
    assert next_day(world) == day + 1
    world.submit(30, 2)
    receipt = world.send(world.vault.functions.verifyClaim(claim_id, False), world.verifier)
    assert world.events(receipt) == [
        ("ClaimRejected", {"claimId": claim_id, "verifier": world.verifier})
    ]
    claimed = world.vault.functions.claimedOnDay
    assert claimed(world.user, Pool.LISTENING, day).call() == 0
    assert claimed(world.user, Pool.LISTENING, day + 1).call() == 30
    assert world.vault.functions.pool(Pool.LISTENING).call()[2] == 0


# --- paying ---------------------------------------------------------------------------------


def test_paying_mints_to_the_user_then_reports_the_payment(world: World) -> None:
    world.ready(allocation=100)
    claim_id = world.submit(60)
    world.send(world.vault.functions.verifyClaim(claim_id, True), world.verifier)
    receipt = world.send(world.vault.functions.payClaim(claim_id), world.other)  # anyone may pay
    assert world.events(receipt) == [
        ("Transfer", {"from": ZERO, "to": world.user, "value": 60}),
        ("ClaimPaid", {"claimId": claim_id, "user": world.user, "amount": 60}),
    ]
    assert world.token.functions.balanceOf(world.user).call() == 60
    assert world.vault.functions.pool(Pool.LISTENING).call() == [100, 60, 0, 1_000]
    assert world.vault.functions.claim(claim_id).call()[5] == ClaimStatus.PAID


def test_only_a_verified_claim_is_paid_and_only_once(world: World) -> None:
    pay = world.vault.functions.payClaim
    assert world.refused(pay(1), world.user) == ("UnknownClaim", (1,))
    world.ready()
    claim_id = world.submit(5)
    pending = ("ClaimNotVerified", (claim_id, ClaimStatus.PENDING))
    assert world.refused(pay(claim_id), world.user) == pending
    world.send(world.vault.functions.verifyClaim(claim_id, True), world.verifier)
    world.send(pay(claim_id), world.user)
    paid = ("ClaimNotVerified", (claim_id, ClaimStatus.PAID))
    assert world.refused(pay(claim_id), world.user) == paid


def test_the_tokens_refusals_come_through_unchanged(world: World) -> None:
    pay = world.vault.functions.payClaim(world.verified_claim())
    world.send(world.token.functions.removeMinter(world.vault.address), world.admin)
    assert world.refused(pay, world.user) == ("NotMinter", (world.vault.address,))
    world.send(world.token.functions.addMinter(world.vault.address), world.admin)
    world.send(world.token.functions.finishMinting(), world.admin)
    assert world.refused(pay, world.user) == ("MintingIsFinished", ())


def test_the_supply_cap_refuses_a_payment_beyond_it(world: World) -> None:
    pay = world.vault.functions.payClaim(world.verified_claim(CAP + 1))
    assert world.refused(pay, world.user) == ("SupplyCapExceeded", (CAP + 1, CAP))


def predicted_address(deployer: str, nonce: int) -> str:
    """Where ``deployer``'s contract creation with ``nonce`` lands (CREATE's rule)."""
    return to_checksum_address(keccak(rlp.encode([to_bytes(hexstr=deployer), nonce]))[12:])


def test_a_token_that_reenters_cannot_have_a_claim_paid_twice(chain: Chain, deploy: Deploy) -> None:
    admin = chain.accounts[0]
    # The token needs the vault's address and the vault the token's: predict the vault's.
    vault_address = predicted_address(admin, chain.w3.eth.get_transaction_count(admin) + 1)
    token = deploy("ReentrantToken", vault_address)
    world = build(chain, deploy, token)
    assert world.vault.address == vault_address
    claim_id = world.verified_claim()
    world.send(token.functions.arm(world.vault.encode_abi("payClaim", [claim_id])), world.user)
    # The re-entered payClaim finds the claim paid already, and its refusal undoes everything.
    assert world.refused(world.vault.functions.payClaim(claim_id), world.user) == (
        "ClaimNotVerified",
        (claim_id, ClaimStatus.PAID),
    )
    assert world.vault.functions.claim(claim_id).call()[5] == ClaimStatus.VERIFIED
    assert token.functions.reentries().call() == 0


# --- gas ------------------------------------------------------------------------------------


def test_a_claims_life_costs_what_we_budgeted(world: World) -> None:
    world.ready()
    # The vault's and the token's first claim fills counters and totals: measure the next one.
    first = world.submit(40, 1)
    world.send(world.vault.functions.verifyClaim(first, True), world.verifier)
    world.send(world.vault.functions.payClaim(first), world.user)
    call = world.vault.functions.submitClaim(Pool.LISTENING, 40, PROOF)
    submitted = world.send(call, world.other)
    verified = world.send(world.vault.functions.verifyClaim(2, True), world.verifier)
    paid = world.send(world.vault.functions.payClaim(2), world.other)
    # Five fresh slots (three for the claim, the proof, the user's day) at 22.1k each.
    assert submitted["gasUsed"] < 150_000
    # The pool's reserve goes from 0 to the amount here (20k); on top of others it costs ~43k.
    assert verified["gasUsed"] < 62_000
    # Minting to a new holder writes a fresh balance slot.
    assert paid["gasUsed"] < 85_000
