"""Laws of the reward vault under any sequence of submit, verify, reject, pay and allocate:
no pool pays beyond its allocation, no user beats a daily limit, no claim is paid twice, no
rejected claim is paid, the token's books balance, and a refused call changes nothing."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from dcmx_core.events import ClaimPaid, ClaimRejected, ClaimSubmitted, DomainEvent
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.enums import Pool
from dcmx_core.model.rewards import SECONDS_PER_DAY, RewardVault
from dcmx_core.model.token import DcmxToken
from dcmx_core.model.values import Address
from tests.factories import ADMIN, ALICE, BOB, CAROL, DAVE, EOA_OUTSIDER, address, digest

VAULT = address(50)
VERIFIER = CAROL
USERS = (ALICE, BOB, DAVE)
POOLS = (Pool.LISTENING, Pool.SHARING)

users = st.sampled_from(USERS)
pools = st.sampled_from(POOLS)


class RewardVaultMachine(RuleBasedStateMachine):
    claims = Bundle("claims")
    verified = Bundle("verified")
    rejected = Bundle("rejected")
    vault: RewardVault
    now: int
    events: list[DomainEvent]

    @initialize(
        limits=st.tuples(st.integers(0, 200), st.integers(0, 200)),
        allocations=st.tuples(st.integers(0, 300), st.integers(0, 300)),
    )
    def deploy(self, limits: tuple[int, int], allocations: tuple[int, int]) -> None:
        token = DcmxToken.deploy(ADMIN)
        token.minters.add(VAULT)
        self.vault = RewardVault.deploy(ADMIN, VAULT, token)
        self.vault.add_verifier(ADMIN, VERIFIER)
        for pool, limit, allocation in zip(POOLS, limits, allocations, strict=True):
            self.vault.configure_pool(ADMIN, pool, limit)
            self.vault.allocate_pool(ADMIN, pool, allocation)
        self.now = 10 * SECONDS_PER_DAY
        self.events = []

    def attempt(self, call: Callable[[], list[DomainEvent]]) -> list[DomainEvent]:
        """Run a call; a refused one must leave the vault and its token exactly as they were."""
        before = copy.deepcopy(self.vault)
        try:
            events = call()
        except DcmxError:
            assert self.vault == before
            return []
        self.events += events
        return events

    @rule(seconds=st.integers(0, 2 * SECONDS_PER_DAY))
    def wait(self, seconds: int) -> None:
        self.now += seconds

    @rule(
        target=claims, user=users, pool=pools, amount=st.integers(0, 120), proof=st.integers(0, 30)
    )
    def submit(self, user: Address, pool: Pool, amount: int, proof: int) -> object:
        proof_hash = digest(f"proof-{proof}")
        events = self.attempt(lambda: self.vault.submit(user, pool, amount, proof_hash, self.now))
        return multiple(*(e.claim_id for e in events if isinstance(e, ClaimSubmitted)))

    @rule(target=verified, claim_id=claims)
    def verify(self, claim_id: int) -> object:
        events = self.attempt(lambda: self.vault.verify(VERIFIER, claim_id, approved=True))
        return multiple(claim_id) if events else multiple()

    @rule(target=rejected, claim_id=claims)
    def reject(self, claim_id: int) -> object:
        events = self.attempt(lambda: self.vault.verify(VERIFIER, claim_id, approved=False))
        return multiple(claim_id) if events else multiple()

    @rule(claim_id=claims, approved=st.booleans())
    def decide_without_the_role(self, claim_id: int, approved: bool) -> None:
        self.attempt(lambda: self.vault.verify(EOA_OUTSIDER, claim_id, approved))

    @rule(claim_id=verified)
    def pay(self, claim_id: int) -> None:
        self.attempt(lambda: self.vault.pay(claim_id))

    @rule(claim_id=st.one_of(rejected, claims))
    def pay_whatever(self, claim_id: int) -> None:
        self.attempt(lambda: self.vault.pay(claim_id))

    @rule(pool=pools, amount=st.integers(0, 100))
    def allocate(self, pool: Pool, amount: int) -> None:
        self.attempt(lambda: self.vault.allocate_pool(ADMIN, pool, amount))

    # --- what the events say happened --------------------------------------------------------

    def submitted(self) -> dict[int, ClaimSubmitted]:
        return {e.claim_id: e for e in self.events if isinstance(e, ClaimSubmitted)}

    def paid(self) -> list[ClaimPaid]:
        return [e for e in self.events if isinstance(e, ClaimPaid)]

    def rejections(self) -> set[int]:
        return {e.claim_id for e in self.events if isinstance(e, ClaimRejected)}

    # --- laws ---------------------------------------------------------------------------------

    @invariant()
    def no_pool_pays_beyond_its_allocation(self) -> None:
        submitted = self.submitted()
        for pool in POOLS:
            state = self.vault.pools[pool]
            paid = sum(e.amount for e in self.paid() if submitted[e.claim_id].pool == pool)
            assert paid == state.distributed
            assert state.distributed + state.reserved <= state.allocation

    def claimed_per_day(self) -> Counter[tuple[Address, Pool, int]]:
        """What each user has claimed from each pool on each day, rejections given back."""
        claimed: Counter[tuple[Address, Pool, int]] = Counter()
        rejected = self.rejections()
        for claim in self.submitted().values():
            if claim.claim_id not in rejected:
                claimed[(claim.user, claim.pool, claim.day)] += claim.amount
        return claimed

    @invariant()
    def no_user_beats_a_daily_limit(self) -> None:
        for (_user, pool, _day), amount in self.claimed_per_day().items():
            assert amount <= self.vault.pools[pool].daily_limit

    @invariant()
    def the_vault_counts_each_day_as_the_claims_do(self) -> None:
        for (user, pool, day), amount in self.claimed_per_day().items():
            assert self.vault.claimed_today(user, pool, day) == amount

    @invariant()
    def no_claim_is_paid_twice(self) -> None:
        counts = Counter(e.claim_id for e in self.paid())
        assert all(count == 1 for count in counts.values())

    @invariant()
    def no_rejected_claim_is_paid(self) -> None:
        assert not self.rejections() & {e.claim_id for e in self.paid()}

    @invariant()
    def a_claim_is_paid_its_amount_to_its_user(self) -> None:
        submitted = self.submitted()
        for payment in self.paid():
            claim = submitted[payment.claim_id]
            assert (payment.user, payment.amount) == (claim.user, claim.amount)

    @invariant()
    def the_token_books_balance(self) -> None:
        token = self.vault.token
        assert token.total_supply == sum(token.balances.values())
        assert token.total_supply == sum(e.amount for e in self.paid())


# Generation is timed by the wall clock, which a loaded machine slows: only the laws count here.
RewardVaultMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_reward_vault_laws = RewardVaultMachine.TestCase
