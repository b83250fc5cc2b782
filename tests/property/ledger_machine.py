"""A Hypothesis state machine over the ``Ledger`` port, for any implementation.

It sends random commands from a handful of accounts to every ledger it is given ("sides") and
checks, after every step, the invariants of the DCMX rules through the port's queries only.
With more than one side it is a differential test: every side must answer each command the same
way (the same events, or the same refusal). Contract addresses, payment tokens and receivers
differ per chain, so events are compared after mapping those to symbolic names.

Subclass it and override ``make_ledger`` to run it against another ledger.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_core import commands as c
from dcmx_core.events import (
    ClaimPaid,
    ClaimRejected,
    ClaimSubmitted,
    DocumentRegistered,
    DomainEvent,
    EditionListed,
    EditionMinted,
    ReleaseCreated,
)
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import ClaimStatus, Contract, DocumentType, Pool, Regime
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.signing import acceptance_digest, deletion_digest, domain_separator
from dcmx_core.model.token import CAP
from dcmx_core.model.values import UINT256_MAX, Address, Hash32
from dcmx_core.ports import Clock, DevLedger

CRYPTO = EthCrypto()
KEYS = [hashlib.sha256(b"machine key %d" % i).digest() for i in range(5)]
ACTORS = [CRYPTO.address_of(key) for key in KEYS]
ADMIN = ACTORS[0]
VERIFIER = ACTORS[4]
START = 1_767_225_600  # 2026-01-01T00:00:00Z
UNIT = 10**18

# Symbolic accounts resolved per side: actors by index, contracts and test accounts by name.
TARGETS = [*range(len(ACTORS)), "distributor", "vault", "receiver_ok", "receiver_no"]
CURRENCIES = ["native", "dcmx", "usdt"]

actors = st.integers(0, len(ACTORS) - 1)
senders = st.one_of(st.just(0), actors)  # the admin a little more often
maybe_actors = st.one_of(st.none(), st.none(), actors)  # None: whoever owns the edition
buyers = st.one_of(senders, senders, senders, st.none())  # None: the listing's own seller
targets = st.sampled_from(TARGETS)
amounts = st.one_of(
    st.integers(0, 1_000).map(lambda n: n * UNIT // 10),
    st.integers(0, 10**6),
    st.sampled_from([0, 1, CAP, UINT256_MAX]),
)
prices = st.one_of(st.integers(1, 50).map(lambda n: n * UNIT // 10), st.integers(0, 10**6))
bps = st.one_of(st.integers(0, 1_000), st.sampled_from([0, 250, 1_000, 5_000, 5_001, 10_001]))
hashes = st.sampled_from([Hash32.of(b"h%d" % i) for i in range(8)])
pools = st.sampled_from(list(Pool))
doc_types = st.sampled_from(list(DocumentType)[:3])
versions = st.integers(0, 3)


@attrs.define
class Side:
    """One ledger under test, with the accounts that exist only on its chain."""

    ledger: DevLedger
    usdt: Address
    receiver_ok: Address
    receiver_no: Address

    def account(self, target: int | str) -> Address:
        if isinstance(target, int):
            return ACTORS[target]
        return {
            "distributor": self.ledger.deployment.royalties,
            "vault": self.ledger.deployment.rewards,
            "receiver_ok": self.receiver_ok,
            "receiver_no": self.receiver_no,
        }[target]

    def currency(self, name: str) -> Address:
        return {"native": NATIVE, "dcmx": self.ledger.deployment.token, "usdt": self.usdt}[name]

    def symbols(self) -> dict[Address, Address]:
        """Chain-specific addresses mapped to symbolic ones, for comparing events."""
        names = [*self.ledger.deployment.addresses, self.usdt, self.receiver_ok, self.receiver_no]
        return {a: Address(bytes(19) + bytes([0xD0 + i])) for i, a in enumerate(names)}


Build = Callable[[Side], c.Command]
Outcome = tuple[str, Any]


def _symbolic(value: Any, symbols: dict[Address, Address]) -> Any:
    if isinstance(value, Address):
        return symbols.get(value, value)
    if isinstance(value, tuple):
        return tuple(_symbolic(v, symbols) for v in value)
    return value


def normalize(event: DomainEvent, symbols: dict[Address, Address]) -> DomainEvent:
    """The event without its position, with chain-specific addresses made symbolic."""
    changes = {
        f.name: _symbolic(getattr(event, f.name), symbols)
        for f in attrs.fields(type(event))
        if f.name != "position"
    }
    return attrs.evolve(event, position=None, **changes)


class LedgerMachine(RuleBasedStateMachine):
    """Random commands against every side; invariants after every step."""

    # What to build a side from, one item a side, handed to ``make_ledger``.
    ledger_specs: ClassVar[tuple[Any, ...]] = (1337,)
    # Re-read the whole observable state after every success, so that every refusal can be
    # shown to change nothing; a slow ledger may turn this off.
    exact_refusals: ClassVar[bool] = True
    # Steps taken by every run of this machine in the process (for the long run's report).
    steps_taken: ClassVar[int] = 0

    def make_ledger(self, spec: Any, clock: Clock) -> DevLedger:
        """A fresh ledger administered by ``ADMIN`` whose blocks are stamped by ``clock``."""
        raise NotImplementedError("a subclass names the ledger to test")

    def __init__(self) -> None:
        super().__init__()
        self.sides: list[Side] = []
        self.releases: list[int] = []
        self.tokens: list[int] = []
        self.claims: list[int] = []
        self.documents: list[tuple[DocumentType, int, Hash32]] = []
        self.listed: set[int] = set()
        self.paid: Counter[int] = Counter()
        self.rejected: set[int] = set()
        self.fingerprint: tuple[Any, ...] | None = None
        # The kinds of command every side carried out, and those every side refused.
        self.carried_out: Counter[type[c.Command]] = Counter()
        self.refused: Counter[type[c.Command]] = Counter()
        # One clock for every side, always ahead of every head, so that a block mined on one
        # chain and its twin on another carry the same timestamp.
        self.clock = ManualClock(START)

    @initialize()
    def deploy(self) -> None:
        for spec in self.ledger_specs:
            ledger = self.make_ledger(spec, self.clock)
            usdt = ledger.deploy_payment_token("USDT", returns_false=True)
            side = Side(ledger, usdt, ledger.deploy_receiver(True), ledger.deploy_receiver(False))
            for actor in ACTORS:
                ledger.fund(actor, 1_000 * UNIT)
                ledger.mint_payment_token(usdt, actor, 1_000 * UNIT)
            self.sides.append(side)
        self.clock.current = max(side.ledger.head().timestamp for side in self.sides)
        self.run(0, lambda s: c.AddMinter(ADMIN))
        self.run(0, lambda s: c.AddVerifier(VERIFIER))
        for pool in Pool:
            self.run(0, lambda s, p=pool: c.ConfigurePool(p, 5 * UNIT))
            self.run(0, lambda s, p=pool: c.AllocatePool(p, 6 * UNIT))
        split = ((ACTORS[1], ACTORS[2]), (6_000, 4_000))
        self.run(
            0,
            lambda s: c.CreateRelease(
                ACTORS[1], "Opening", "Artist", Hash32.of(b"seed"), 5, 1_000, *split
            ),
        )
        for owner in (1, 2, 3):
            self.run(0, lambda s, o=owner: c.MintEdition(1, ACTORS[o]))

    # --- running a command on every side ----------------------------------------------------

    def run(self, sender: int, build: Build) -> Outcome:
        self.clock.advance(1)
        outcomes = [self._run_on(side, ACTORS[sender], build) for side in self.sides]
        first = outcomes[0]
        for other in outcomes[1:]:
            assert other == first, f"ledgers disagree:\n{first}\n{other}"
        kind = type(build(self.sides[0]))
        (self.refused if first[0] == "refused" else self.carried_out)[kind] += 1
        if first[0] == "refused":
            self._check_unchanged()
        else:
            self._learn(first[1])
            self.fingerprint = (
                fingerprint(self.sides[0], self.tokens, self.claims)
                if self.exact_refusals
                else None
            )
        return first

    def send(self, sender: int, command: c.Command) -> Outcome:
        """Run a command that is the same on every chain."""
        return self.run(sender, lambda _side: command)

    def _run_on(self, side: Side, sender: Address, build: Build) -> Outcome:
        try:
            receipt = side.ledger.execute(sender, build(side))
        except DcmxError as error:
            return ("refused", type(error).__name__)
        symbols = side.symbols()
        return ("ok", tuple(normalize(e, symbols) for e in receipt.events))

    def _learn(self, events: tuple[DomainEvent, ...]) -> None:
        for event in events:
            if isinstance(event, ReleaseCreated):
                self.releases.append(event.release_id)
            elif isinstance(event, EditionMinted):
                self.tokens.append(event.token_id)
            elif isinstance(event, ClaimSubmitted):
                self.claims.append(event.claim_id)
                ledger = self.sides[0].ledger
                limit = ledger.pool(event.pool).daily_limit
                assert ledger.claimed_today(event.user, event.pool, event.day) <= limit
            elif isinstance(event, ClaimPaid):
                self.paid[event.claim_id] += 1
                assert self.paid[event.claim_id] == 1, "a claim was paid twice"
                assert event.claim_id not in self.rejected, "a rejected claim was paid"
            elif isinstance(event, EditionListed):
                self.listed.add(event.token_id)
            elif isinstance(event, DocumentRegistered):
                self.documents.append((event.doc_type, event.version, event.document_hash))
            elif isinstance(event, ClaimRejected):
                self.rejected.add(event.claim_id)

    def _pick_document(self, data: st.DataObject) -> tuple[DocumentType, int, Hash32]:
        """A registered document version with its hash, most of the time; anything otherwise."""
        anything = st.tuples(doc_types, versions, hashes)
        if self.documents:
            known = st.sampled_from(self.documents)
            return data.draw(st.one_of(known, known, known, anything))
        return data.draw(anything)

    def _pick(self, data: st.DataObject, known: list[int], fallback: st.SearchStrategy[int]) -> int:
        if known:
            # Mostly something that exists, sometimes anything at all.
            existing = st.sampled_from(known)
            return data.draw(st.one_of(existing, existing, existing, fallback))
        return data.draw(fallback)

    # --- token ------------------------------------------------------------------------------

    @rule(sender=senders, to=targets, amount=amounts)
    def transfer(self, sender: int, to: int | str, amount: int) -> None:
        self.run(sender, lambda s: c.Transfer(s.account(to), amount))

    @rule(
        sender=senders, spender=targets, amount=amounts, currency=st.sampled_from(["dcmx", "usdt"])
    )
    def approve(self, sender: int, spender: int | str, amount: int, currency: str) -> None:
        def build(s: Side) -> c.Command:
            token = None if currency == "dcmx" else s.usdt
            return c.Approve(s.account(spender), amount, token=token)

        self.run(sender, build)

    @rule(sender=senders, owner=actors, to=targets, amount=amounts)
    def transfer_from(self, sender: int, owner: int, to: int | str, amount: int) -> None:
        self.run(sender, lambda s: c.TransferFrom(ACTORS[owner], s.account(to), amount))

    @rule(sender=senders, amount=amounts)
    def burn(self, sender: int, amount: int) -> None:
        self.run(sender, lambda s: c.Burn(amount))

    @rule(sender=senders, owner=actors, amount=amounts)
    def burn_from(self, sender: int, owner: int, amount: int) -> None:
        self.run(sender, lambda s: c.BurnFrom(ACTORS[owner], amount))

    @rule(sender=senders, to=actors, amount=amounts)
    def mint(self, sender: int, to: int, amount: int) -> None:
        self.run(sender, lambda s: c.Mint(ACTORS[to], amount))

    @rule(sender=senders, account=targets, add=st.booleans())
    def change_minter(self, sender: int, account: int | str, add: bool) -> None:
        kind = c.AddMinter if add else c.RemoveMinter
        self.run(sender, lambda s: kind(s.account(account)))

    @rule(
        sender=senders,
        contract=st.sampled_from(list(Contract)),
        proposed=actors,
        acceptor=actors,
    )
    def hand_over_admin(
        self, sender: int, contract: Contract, proposed: int, acceptor: int
    ) -> None:
        """Propose a successor and let someone accept; a new admin hands the contract back at
        once, so that the other rules keep meeting the machine's admin."""
        self.run(sender, lambda s: c.ProposeAdmin(contract, ACTORS[proposed]))
        accepted = self.run(acceptor, lambda s: c.AcceptAdmin(contract))
        if accepted[0] == "ok" and acceptor != 0:
            self.run(acceptor, lambda s: c.ProposeAdmin(contract, ADMIN))
            self.run(0, lambda s: c.AcceptAdmin(contract))

    # --- music NFT --------------------------------------------------------------------------

    @rule(
        sender=senders,
        artist=actors,
        content=hashes,
        max_editions=st.one_of(st.integers(1, 4), st.sampled_from([0, 100_001])),
        royalty=bps,
        shares=st.one_of(
            st.lists(
                st.tuples(actors, st.integers(1, 10_000)),
                min_size=1,
                max_size=3,
                unique_by=lambda t: t[0],
            ),
            st.lists(st.tuples(actors, st.integers(0, 10_000)), min_size=0, max_size=3),
        ),
        even=st.sampled_from([True, True, True, False]),
    )
    def create_release(
        self,
        sender: int,
        artist: int,
        content: Hash32,
        max_editions: int,
        royalty: int,
        shares: list[tuple[int, int]],
        even: bool,
    ) -> None:
        recipients = tuple(ACTORS[i] for i, _ in shares)
        if even and recipients:
            parts = [10_000 // len(recipients)] * len(recipients)
            parts[0] += 10_000 - sum(parts)
        else:
            parts = [share for _, share in shares]
        title = f"Track {content.raw[:2].hex()}"
        self.run(
            sender,
            lambda s: c.CreateRelease(
                ACTORS[artist],
                title,
                "Artist",
                content,
                max_editions,
                royalty,
                recipients,
                tuple(parts),
            ),
        )

    @rule(sender=senders, receiver=targets)
    def set_royalty_receiver(self, sender: int, receiver: int | str) -> None:
        self.run(sender, lambda s: c.SetRoyaltyReceiver(s.account(receiver)))

    @rule(data=st.data(), sender=senders, to=targets)
    def mint_edition(self, data: st.DataObject, sender: int, to: int | str) -> None:
        release = self._pick(data, self.releases, st.integers(0, 3))
        self.run(sender, lambda s: c.MintEdition(release, s.account(to)))

    @rule(data=st.data(), sender=maybe_actors, owner=maybe_actors, to=targets, safe=st.booleans())
    def transfer_edition(
        self, data: st.DataObject, sender: int | None, owner: int | None, to: int | str, safe: bool
    ) -> None:
        token = self._pick(data, self.tokens, st.just(token_id_of(1, 9)))
        holder = self._owner(token)
        self.run(
            holder if sender is None else sender,
            lambda s: c.TransferEdition(
                ACTORS[holder if owner is None else owner], s.account(to), token, safe=safe
            ),
        )

    @rule(data=st.data(), sender=maybe_actors, approved=targets)
    def approve_edition(self, data: st.DataObject, sender: int | None, approved: int | str) -> None:
        token = self._pick(data, self.tokens, st.just(token_id_of(1, 9)))
        holder = self._owner(token)
        self.run(
            holder if sender is None else sender,
            lambda s: c.ApproveEdition(s.account(approved), token),
        )

    def _owner(self, token: int) -> int:
        """The actor who owns ``token`` on the first side (0 when no actor does)."""
        try:
            owner = self.sides[0].ledger.owner_of(token)
        except DcmxError:
            return 0
        return ACTORS.index(owner) if owner in ACTORS else 0

    @rule(sender=senders, operator=targets, approved=st.booleans())
    def set_operator(self, sender: int, operator: int | str, approved: bool) -> None:
        self.run(sender, lambda s: c.SetOperator(s.account(operator), approved))

    # --- sales and royalties ----------------------------------------------------------------

    @rule(data=st.data(), sender=maybe_actors, currency=st.sampled_from(CURRENCIES), price=prices)
    def list_edition(
        self, data: st.DataObject, sender: int | None, currency: str, price: int
    ) -> None:
        token = self._pick(data, self.tokens, st.just(token_id_of(1, 9)))
        self._offer(token, sender, currency, price)

    def _offer(self, token: int, sender: int | None, currency: str, price: int) -> None:
        sender = self._owner(token) if sender is None else sender
        self.run(sender, lambda s: c.SetOperator(s.ledger.deployment.royalties, True))
        self.run(sender, lambda s: c.ListEdition(token, s.currency(currency), price))

    @rule(data=st.data(), sender=senders)
    def cancel_listing(self, data: st.DataObject, sender: int) -> None:
        token = self._pick(data, self.tokens, st.just(token_id_of(1, 1)))
        self.run(sender, lambda s: c.CancelListing(token))

    @rule(data=st.data(), buyer=buyers, honest=st.booleans(), other_price=prices)
    def buy_edition(
        self, data: st.DataObject, buyer: int | None, honest: bool, other_price: int
    ) -> None:
        """Someone buys, at the listed price or another; now and then the seller, who may not."""
        token = self._pick(data, sorted(self.listed), st.just(token_id_of(1, 1)))
        self._buy(token, buyer, honest, other_price)

    def _buy(self, token: int, buyer: int | None, honest: bool, other_price: int) -> None:
        if buyer is None:
            buyer = self._seller(token)

        def build(s: Side) -> c.Command:
            listing = s.ledger.listing(token)
            currency = listing.currency if listing else NATIVE
            price = listing.price if listing and honest else other_price
            value = price if currency == NATIVE else 0
            return c.BuyEdition(token, currency, price, value=value)

        listing = self.sides[0].ledger.listing(token)
        if listing is not None and listing.currency != NATIVE:
            kind = None if listing.currency == self.sides[0].ledger.deployment.token else "usdt"
            self.run(
                buyer,
                lambda s: c.Approve(
                    s.ledger.deployment.royalties,
                    listing.price,
                    token=None if kind is None else s.usdt,
                ),
            )
        self.run(buyer, build)

    def _seller(self, token: int) -> int:
        """The actor whose listing ``token`` is on the first side (0 when no actor's)."""
        listing = self.sides[0].ledger.listing(token)
        seller = listing.seller if listing is not None else ADMIN
        return ACTORS.index(seller) if seller in ACTORS else 0

    @rule(data=st.data(), payer=senders, currency=st.sampled_from(CURRENCIES), amount=prices)
    def pay_royalty(self, data: st.DataObject, payer: int, currency: str, amount: int) -> None:
        release = self._pick(data, self.releases, st.integers(0, 3))
        if currency != "native":
            self.run(
                payer,
                lambda s: c.Approve(
                    s.ledger.deployment.royalties,
                    amount,
                    token=None if currency == "dcmx" else s.usdt,
                ),
            )

        def build(s: Side) -> c.Command:
            value = amount if currency == "native" else 0
            return c.PayRoyalty(release, s.currency(currency), amount, value=value)

        self.run(payer, build)

    @rule(data=st.data(), sender=actors, currency=st.sampled_from(CURRENCIES))
    def withdraw(self, data: st.DataObject, sender: int, currency: str) -> None:
        side = self.sides[0]
        owed = [
            (i, name)
            for i, actor in enumerate(ACTORS)
            for name in CURRENCIES
            if side.ledger.payout(actor, side.currency(name))
        ]
        if owed:
            sender, currency = data.draw(
                st.one_of(st.sampled_from(owed), st.just((sender, currency)))
            )
        self.run(sender, lambda s: c.Withdraw(s.currency(currency)))

    @rule(sender=senders, fee=bps, treasury=actors)
    def set_platform_fee(self, sender: int, fee: int, treasury: int) -> None:
        self.run(sender, lambda s: c.SetPlatformFee(fee, ACTORS[treasury]))

    @rule(data=st.data(), buyer=buyers, currency=st.sampled_from(CURRENCIES), price=prices)
    def sale(self, data: st.DataObject, buyer: int | None, currency: str, price: int) -> None:
        """The whole of a sale: the owner lists, the buyer pays the listed price (refused when
        the buyer is the seller)."""
        if self.tokens:
            token = data.draw(st.sampled_from(self.tokens))
            self._offer(token, None, currency, price)
            self._buy(token, buyer, True, price)

    # --- rewards ----------------------------------------------------------------------------

    @rule(
        claims=st.lists(
            st.tuples(
                actors,
                pools,
                st.integers(1, 6).map(lambda n: n * UNIT),
                hashes,
                st.booleans(),
                actors,
            ),
            min_size=1,
            max_size=4,
        )
    )
    def claim_lifecycle(self, claims: list[tuple[int, Pool, int, Hash32, bool, int]]) -> None:
        """Whole claims: submitted, reviewed by the verifier, paid by anyone."""
        for user, pool, amount, proof, approved, payer in claims:
            submitted = self.send(user, c.SubmitClaim(pool, amount, proof))
            if submitted[0] == "ok":
                claim_id = self.claims[-1]
                self.send(4, c.VerifyClaim(claim_id, approved))
                self.send(payer, c.PayClaim(claim_id))

    @rule(sender=senders, account=actors, add=st.booleans())
    def change_verifier(self, sender: int, account: int, add: bool) -> None:
        kind = c.AddVerifier if add else c.RemoveVerifier
        self.run(sender, lambda s: kind(ACTORS[account]))

    @rule(sender=senders, pool=pools, daily_limit=amounts)
    def configure_pool(self, sender: int, pool: Pool, daily_limit: int) -> None:
        self.run(sender, lambda s: c.ConfigurePool(pool, daily_limit))

    @rule(sender=senders, pool=pools, amount=amounts)
    def allocate_pool(self, sender: int, pool: Pool, amount: int) -> None:
        self.run(sender, lambda s: c.AllocatePool(pool, amount))

    @rule(sender=actors, pool=pools, amount=amounts, proof=hashes)
    def submit_claim(self, sender: int, pool: Pool, amount: int, proof: Hash32) -> None:
        self.run(sender, lambda s: c.SubmitClaim(pool, amount, proof))

    @rule(data=st.data(), sender=st.one_of(st.just(4), actors), approved=st.booleans())
    def verify_claim(self, data: st.DataObject, sender: int, approved: bool) -> None:
        claim = self._pick(data, self.claims, st.integers(0, 3))
        self.run(sender, lambda s: c.VerifyClaim(claim, approved))

    @rule(data=st.data(), sender=senders)
    def pay_claim(self, data: st.DataObject, sender: int) -> None:
        claim = self._pick(data, self.claims, st.integers(0, 3))
        self.run(sender, lambda s: c.PayClaim(claim))

    @rule(days=st.integers(0, 2), seconds=st.integers(0, 86_399))
    def time_passes(self, days: int, seconds: int) -> None:
        self.clock.advance(days * 86_400 + seconds)

    @rule(
        before=st.integers(1, 3),
        user=actors,
        pool=pools,
        amounts_=st.lists(st.integers(1, 5).map(lambda n: n * UNIT), min_size=2, max_size=4),
        proofs=st.lists(hashes, min_size=4, max_size=4),
    )
    def claims_around_midnight(
        self, before: int, user: int, pool: Pool, amounts_: list[int], proofs: list[Hash32]
    ) -> None:
        """Claims just before and just after a UTC midnight, where daily limits roll over."""
        midnight = (self.clock.current // 86_400 + 1) * 86_400
        self.clock.current = max(self.clock.current, midnight - before - 1)
        for amount, proof in zip(amounts_, proofs, strict=False):
            self.send(user, c.SubmitClaim(pool, amount, proof))

    # --- compliance -------------------------------------------------------------------------

    @rule(sender=senders, doc_type=doc_types, version=versions, document=hashes)
    def register_document(
        self, sender: int, doc_type: DocumentType, version: int, document: Hash32
    ) -> None:
        self.run(sender, lambda s: c.RegisterDocument(doc_type, version, document))

    @rule(data=st.data(), sender=actors)
    def accept_document(self, data: st.DataObject, sender: int) -> None:
        doc_type, version, document = self._pick_document(data)
        self.run(sender, lambda s: c.AcceptDocument(doc_type, version, document))

    @rule(
        data=st.data(),
        relayer=senders,
        user=actors,
        signer=st.one_of(st.none(), st.none(), actors),
        nonce_offset=st.sampled_from([0, 0, 0, 1]),
        lifetime=st.sampled_from([30 * 86_400, 30 * 86_400, 30 * 86_400, 0, -1]),
    )
    def relay_acceptance(
        self,
        data: st.DataObject,
        relayer: int,
        user: int,
        signer: int | None,
        nonce_offset: int,
        lifetime: int,
    ) -> None:
        document = self._pick_document(data)
        self.relay_acceptance_of(document, relayer, user, signer, nonce_offset, lifetime)

    def relay_acceptance_of(
        self,
        document: tuple[DocumentType, int, Hash32],
        relayer: int,
        user: int,
        signer: int | None,
        nonce_offset: int,
        lifetime: int,
    ) -> Outcome:
        """``relayer`` relays ``user``'s acceptance of ``document``, signed by ``signer`` (the
        user when None) for the user's next nonce plus ``nonce_offset``, valid ``lifetime``
        seconds from the head."""
        doc_type, version, document_hash = document
        key = KEYS[user if signer is None else signer]

        def build(s: Side) -> c.Command:
            nonce = s.ledger.nonce_of(ACTORS[user]) + nonce_offset
            expiry = max(s.ledger.head().timestamp + lifetime, 0)
            digest = acceptance_digest(
                CRYPTO,
                _separator(s),
                user=ACTORS[user],
                doc_type=doc_type,
                version=version,
                document_hash=document_hash,
                nonce=nonce,
                expiry=expiry,
            )
            signature = CRYPTO.sign_digest(key, digest)
            return c.RelayAcceptance(
                ACTORS[user], doc_type, version, document_hash, nonce, expiry, signature
            )

        return self.run(relayer, build)

    @rule(sender=actors, regime=st.sampled_from(list(Regime)))
    def request_deletion(self, sender: int, regime: Regime) -> None:
        self.run(sender, lambda s: c.RequestDeletion(regime))

    @rule(
        relayer=senders,
        user=actors,
        signer=st.one_of(st.none(), st.none(), actors),
        regime=st.sampled_from(list(Regime)),
    )
    def relay_deletion_request(
        self, relayer: int, user: int, signer: int | None, regime: Regime
    ) -> None:
        key = KEYS[user if signer is None else signer]

        def build(s: Side) -> c.Command:
            nonce = s.ledger.nonce_of(ACTORS[user])
            expiry = s.ledger.head().timestamp + 30 * 86_400
            digest = deletion_digest(
                CRYPTO, _separator(s), user=ACTORS[user], regime=regime, nonce=nonce, expiry=expiry
            )
            signature = CRYPTO.sign_digest(key, digest)
            return c.RelayDeletionRequest(ACTORS[user], regime, nonce, expiry, signature)

        self.run(relayer, build)

    @rule(sender=senders, request_id=st.integers(0, 4))
    def process_deletion(self, sender: int, request_id: int) -> None:
        self.run(sender, lambda s: c.ProcessDeletion(request_id))

    @rule(doc_type=doc_types, version=st.integers(1, 3), document=hashes, user=actors)
    def publish_and_accept(
        self, doc_type: DocumentType, version: int, document: Hash32, user: int
    ) -> None:
        """The whole of consent: the admin registers a version, a user accepts it."""
        self.run(0, lambda s: c.RegisterDocument(doc_type, version, document))
        self.run(user, lambda s: c.AcceptDocument(doc_type, version, document))

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self) -> None:
        type(self).steps_taken += 1
        for side in self.sides:
            check_invariants(side, self.tokens, self.claims)
        self.fingerprint = fingerprint(self.sides[0], self.tokens, self.claims)
        if len(self.sides) > 1:
            states = [agreed_state(side, self.tokens, self.claims) for side in self.sides]
            for other in states[1:]:
                assert other == states[0], "the ledgers' states differ"

    def _check_unchanged(self) -> None:
        if self.fingerprint is not None:
            after = fingerprint(self.sides[0], self.tokens, self.claims)
            assert after == self.fingerprint, "a refused command changed the state"


def _separator(side: Side) -> bytes:
    deployment = side.ledger.deployment
    return domain_separator(CRYPTO, deployment.chain_id, deployment.compliance)


def holders(side: Side) -> list[Address]:
    return [side.account(t) for t in TARGETS]


def check_invariants(side: Side, tokens: list[int], claims: list[int]) -> None:
    """The rules' laws, read through the port."""
    ledger = side.ledger
    supply = ledger.total_supply()
    assert supply == sum(ledger.token_balance(a) for a in holders(side))
    assert supply <= ledger.total_minted() <= CAP

    distributor = ledger.deployment.royalties
    for name in CURRENCIES:
        currency = side.currency(name)
        owed = sum(ledger.payout(a, currency) for a in holders(side))
        assert ledger.balance_in(currency, distributor) >= owed, f"distributor owes more {name}"

    assert sum(ledger.nft_balance(a) for a in holders(side)) == len(tokens)
    for release_id in range(1, ledger.release_count() + 1):
        release = ledger.release(release_id)
        assert release.minted <= release.max_editions

    paid_by_pool: Counter[Pool] = Counter()
    reserved_by_pool: Counter[Pool] = Counter()
    for claim_id in claims:
        claim = ledger.claim(claim_id)
        if claim.status == ClaimStatus.PAID:
            paid_by_pool[claim.pool] += claim.amount
        elif claim.status == ClaimStatus.VERIFIED:
            reserved_by_pool[claim.pool] += claim.amount
    for pool in Pool:
        state = ledger.pool(pool)
        assert state.distributed + state.reserved <= state.allocation
        assert state.distributed == paid_by_pool[pool]
        assert state.reserved == reserved_by_pool[pool]


def agreed_state(side: Side, tokens: list[int], claims: list[int]) -> tuple[Any, ...]:
    """What every ledger must agree on: the whole observable state with chain-specific addresses
    made symbolic, less the native balances of accounts (chains with fees charge them gas)."""
    symbols = side.symbols()
    distributor = side.ledger.deployment.royalties
    state = fingerprint(side, tokens, claims, native=False)
    return (_symbolic_deep(state, symbols), side.ledger.native_balance(distributor))


def _symbolic_deep(value: Any, symbols: dict[Address, Address]) -> Any:
    if isinstance(value, Address):
        return symbols.get(value, value)
    if isinstance(value, tuple):
        return tuple(_symbolic_deep(v, symbols) for v in value)
    if attrs.has(type(value)):
        return attrs.evolve(
            value,
            **{
                f.name: _symbolic_deep(getattr(value, f.name), symbols)
                for f in attrs.fields(type(value))
                if f.init
            },
        )
    return value


def fingerprint(
    side: Side, tokens: list[int], claims: list[int], *, native: bool = True
) -> tuple[Any, ...]:
    """Everything the machine can observe, to show that a refusal changed nothing."""
    ledger = side.ledger
    accounts = holders(side)
    return (
        tuple(ledger.token_balance(a) for a in accounts),
        tuple(ledger.allowance(a, b) for a in accounts for b in accounts),
        ledger.total_supply(),
        ledger.total_minted(),
        tuple(ledger.is_minter(a) for a in accounts),
        tuple((ledger.admin_of(k), ledger.pending_admin_of(k)) for k in Contract),
        tuple(ledger.native_balance(a) for a in accounts) if native else (),
        tuple(ledger.balance_in(side.usdt, a) for a in accounts),
        tuple(ledger.owner_of(t) for t in tokens),
        tuple(ledger.get_approved(t) for t in tokens),
        tuple(ledger.listing(t) for t in tokens),
        tuple(ledger.release(r) for r in range(1, ledger.release_count() + 1)),
        tuple(ledger.royalty_info(t, 10**6) for t in tokens),
        tuple(ledger.payout(a, side.currency(n)) for a in accounts for n in CURRENCIES),
        ledger.platform_fee(),
        tuple(ledger.pool(p) for p in Pool),
        tuple(ledger.claim(i) for i in claims),
        tuple(ledger.proof_used(Hash32.of(b"h%d" % i)) for i in range(8)),
        tuple(ledger.nonce_of(a) for a in ACTORS),
        tuple(ledger.open_deletion_request(a) for a in ACTORS),
    )
