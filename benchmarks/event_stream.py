"""A prepared stream of decoded events, as a busy platform's chain would produce them, and a
ledger that serves it to the indexer block by block.

The stream is consistent (balances never go negative, editions exist before they move, claims
are verified before they are paid, each user accepts a document version once) and deterministic
for a seed, so the indexer benchmark and the tests read the same kind of chain. The mix per
transaction: token transfers, primary sales with their mint and split credits, resales,
withdrawals, reward claims through their life, document acceptances, deletion requests, and now
and then a new release.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from dcmx_core import events as e
from dcmx_core.events import LogPosition
from dcmx_core.exceptions import OutOfRange
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import ClaimStatus, CreditReason, DocumentType, Pool, Regime
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.values import ZERO_ADDRESS, Address, Hash32
from dcmx_core.ports import Block, EventBatch

UNIT = 10**18
GENESIS_TIME = 1_767_225_600


def account(n: int) -> Address:
    return Address(Hash32.of(b"account %d" % n).raw[:20])


class _Platform:
    """What the generator must remember to keep the stream consistent."""

    def __init__(self, rng: random.Random, accounts: int) -> None:
        self.rng = rng
        self.accounts = [account(n) for n in range(accounts)]
        self.vault = account(10**9)
        self.treasury = account(10**9 + 1)
        self.usdt = account(10**9 + 2)
        self.balances: dict[Address, int] = {}
        self.releases: list[tuple[int, tuple[Address, ...], int]] = []  # id, split, minted
        self.owners: dict[int, Address] = {}
        self.credited: dict[tuple[Address, Address], int] = {}
        self.claims: dict[int, tuple[Address, int, ClaimStatus]] = {}
        self.open_claims: list[int] = []
        self.accepted: set[tuple[Address, int]] = set()
        self.deletions = 0
        self.settlements = 0
        self.now = GENESIS_TIME

    def someone(self) -> Address:
        return self.rng.choice(self.accounts)

    def transaction(self) -> list[e.DomainEvent]:
        roll = self.rng.random()
        if not self.releases or roll < 0.005:
            return self.new_release()
        if roll < 0.40:
            return self.transfer()
        if roll < 0.55:
            return self.primary_sale()
        if roll < 0.65:
            return self.resale()
        if roll < 0.72:
            return self.withdrawal()
        if roll < 0.90:
            return self.claim_step()
        if roll < 0.99:
            return self.acceptance()
        return self.deletion()

    def new_release(self) -> list[e.DomainEvent]:
        release_id = len(self.releases) + 1
        artist = self.someone()
        split = (artist, *(self.someone() for _ in range(self.rng.randint(0, 3))))
        shares = [10_000 // len(split)] * len(split)
        shares[0] += 10_000 - sum(shares)
        self.releases.append((release_id, split, 0))
        title = f"Track {release_id} — « live » ✓"
        return [
            e.ReleaseCreated(
                release_id,
                artist,
                title,
                f"Artist {release_id}",
                Hash32.of(title.encode()),
                100_000,
                500,
            ),
            e.SplitSet(release_id, split, tuple(shares)),
        ]

    def transfer(self) -> list[e.DomainEvent]:
        sender, recipient = self.someone(), self.someone()
        amount = self.rng.randint(1, 1_000) * UNIT
        found: list[e.DomainEvent] = []
        if self.balances.get(sender, 0) < amount:
            found.append(self.move_tokens(ZERO_ADDRESS, sender, 10 * amount))
        found.append(self.move_tokens(sender, recipient, amount))
        return found

    def move_tokens(self, sender: Address, recipient: Address, amount: int) -> e.DomainEvent:
        if not sender.is_zero:
            self.balances[sender] -= amount
        if not recipient.is_zero:
            self.balances[recipient] = self.balances.get(recipient, 0) + amount
        return e.TokensTransferred(sender, recipient, amount)

    def credit(
        self, settlement: int, recipient: Address, currency: Address, amount: int, why: CreditReason
    ) -> e.DomainEvent:
        key = (recipient, currency)
        self.credited[key] = self.credited.get(key, 0) + amount
        return e.PayoutCredited(settlement, recipient, currency, amount, why)

    def primary_sale(self) -> list[e.DomainEvent]:
        index = self.rng.randrange(len(self.releases))
        release_id, split, minted = self.releases[index]
        edition = minted + 1
        self.releases[index] = (release_id, split, edition)
        token_id = token_id_of(release_id, edition)
        buyer, currency = self.someone(), self.rng.choice((NATIVE, self.usdt))
        price = self.rng.randint(1, 100) * 10**16
        self.owners[token_id] = buyer
        self.settlements += 1
        fee = price * 250 // 10_000
        share = (price - fee) // len(split)
        credits = [
            self.credit(self.settlements, self.treasury, currency, fee, CreditReason.PLATFORM_FEE)
        ]
        for n, recipient in enumerate(split):
            amount = share + (price - fee - share * len(split) if n == 0 else 0)
            credits.append(
                self.credit(self.settlements, recipient, currency, amount, CreditReason.SPLIT_SHARE)
            )
        artist = split[0]
        return [
            e.EditionTransferred(ZERO_ADDRESS, buyer, token_id),
            e.EditionMinted(release_id, edition, token_id, buyer),
            e.EditionSold(
                self.settlements, release_id, token_id, artist, buyer, currency, price, True
            ),
            *credits,
        ]

    def resale(self) -> list[e.DomainEvent]:
        if not self.owners:
            return self.primary_sale()
        token_id = self.rng.choice(list(self.owners)) if len(self.owners) < 64 else None
        while token_id is None:
            release_id, _, minted = self.rng.choice(self.releases)
            if minted:
                token_id = token_id_of(release_id, self.rng.randint(1, minted))
        seller, buyer = self.owners[token_id], self.someone()
        release_id = token_id // 1_000_000
        split = next(s for r, s, _ in self.releases if r == release_id)
        self.owners[token_id] = buyer
        self.settlements += 1
        price = self.rng.randint(1, 100) * 10**16
        royalty = price * 500 // 10_000
        return [
            e.EditionTransferred(seller, buyer, token_id),
            e.EditionSold(
                self.settlements, release_id, token_id, seller, buyer, NATIVE, price, False
            ),
            self.credit(self.settlements, split[0], NATIVE, royalty, CreditReason.SPLIT_SHARE),
            self.credit(
                self.settlements, seller, NATIVE, price - royalty, CreditReason.SELLER_PROCEEDS
            ),
        ]

    def withdrawal(self) -> list[e.DomainEvent]:
        if not self.credited:
            return self.transfer()
        key = self.rng.choice(list(self.credited)) if len(self.credited) < 64 else None
        while key is None or not self.credited.get(key):
            key = (self.someone(), self.rng.choice((NATIVE, self.usdt)))
            if not self.credited.get(key):
                key = None
                if self.rng.random() < 0.2:
                    return self.transfer()
        amount, self.credited[key] = self.credited[key], 0
        return [e.PayoutWithdrawn(key[0], key[1], amount)]

    def claim_step(self) -> list[e.DomainEvent]:
        if self.open_claims and self.rng.random() < 0.6:
            claim_id = self.rng.choice(self.open_claims)
            user, amount, status = self.claims[claim_id]
            verifier = self.treasury
            if status is ClaimStatus.VERIFIED:
                self.open_claims.remove(claim_id)
                self.claims[claim_id] = (user, amount, ClaimStatus.PAID)
                return [
                    self.move_tokens(ZERO_ADDRESS, user, amount),
                    e.ClaimPaid(claim_id, user, amount),
                ]
            if self.rng.random() < 0.1:
                self.open_claims.remove(claim_id)
                self.claims[claim_id] = (user, amount, ClaimStatus.REJECTED)
                return [e.ClaimRejected(claim_id, verifier)]
            self.claims[claim_id] = (user, amount, ClaimStatus.VERIFIED)
            return [e.ClaimVerified(claim_id, verifier)]
        claim_id = len(self.claims) + 1
        user, amount = self.someone(), self.rng.randint(1, 50) * UNIT
        self.claims[claim_id] = (user, amount, ClaimStatus.PENDING)
        self.open_claims.append(claim_id)
        pool = self.rng.choice(list(Pool))
        day = self.now // 86_400
        return [e.ClaimSubmitted(claim_id, user, pool, amount, Hash32.of(b"%d" % claim_id), day)]

    def acceptance(self) -> list[e.DomainEvent]:
        version = 1 + int(self.rng.random() * 3)
        user = self.someone()
        if (user, version) in self.accepted:
            return self.transfer()
        self.accepted.add((user, version))
        return [
            e.DocumentAccepted(
                user, DocumentType.TERMS_OF_SERVICE, version, document_hash(version), self.now
            )
        ]

    def deletion(self) -> list[e.DomainEvent]:
        self.deletions += 1
        user = self.someone()
        return [
            e.DeletionRequested(self.deletions, user, Regime.GDPR, self.now),
            e.DeletionProcessed(self.deletions, user, self.now),
        ]


def document_hash(version: int) -> Hash32:
    return Hash32.of(b"terms of service v%d" % version)


def block_hash(number: int, branch: int = 0) -> Hash32:
    return Hash32.of(b"block %d of branch %d" % (number, branch))


def event_stream(
    total: int, *, per_block: int = 50, accounts: int = 20_000, seed: int = 1
) -> Iterator[tuple[Block, list[e.DomainEvent]]]:
    """Blocks of about ``per_block`` placed events each, ``total`` events in all (block 0 holds
    the three terms-of-service versions)."""
    rng = random.Random(seed)
    platform = _Platform(rng, accounts)
    genesis = [
        e.DocumentRegistered(DocumentType.TERMS_OF_SERVICE, v, document_hash(v)) for v in (1, 2, 3)
    ]
    pending: list[e.DomainEvent] = list(genesis)
    produced, number, tx = 0, 0, 0
    while produced < total:
        block = Block(number, block_hash(number), block_hash(number - 1), GENESIS_TIME + 3 * number)
        placed: list[e.DomainEvent] = []
        while len(placed) < per_block and produced + len(placed) < total:
            tx += 1
            tx_id = Hash32.of(b"tx %d" % tx)
            for event in pending or platform.transaction():
                position = LogPosition(number, block.hash, tx_id, len(placed))
                placed.append(event.placed(position))
            pending = []
        produced += len(placed)
        platform.now = block.timestamp
        yield block, placed
        number += 1


class StreamLedger:
    """An ``EventSource`` over prepared blocks: what the indexer reads, nothing else."""

    def __init__(self, blocks: list[tuple[Block, list[e.DomainEvent]]]) -> None:
        if not blocks:
            raise ValueError("a stream ledger needs at least one block")
        self._blocks = blocks

    def head(self) -> Block:
        return self._blocks[-1][0]

    def block(self, number: int) -> Block:
        if not 0 <= number < len(self._blocks):
            raise OutOfRange("block", number, f"0 to {len(self._blocks) - 1}")
        return self._blocks[number][0]

    def read(self, from_block: int, to_block: int) -> EventBatch:
        found: list[e.DomainEvent] = []
        for _, placed in self._blocks[from_block : to_block + 1]:
            found += placed
        return EventBatch(tuple(found))
