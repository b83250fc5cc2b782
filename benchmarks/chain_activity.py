"""A busy platform's day on a real chain: the five contracts driven through the EVM ledger with
the mix of the prepared stream (``event_stream``), so that a backfill has logs to read.

Where ``event_stream`` invents decoded events, this sends the commands that make the contracts
emit them: token transfers (minted first when the sender is short), primary sales (the admin
mints an edition to the artist, who lists it, and a buyer pays for it), resales, withdrawals of
what sales credited, reward claims through their life, document acceptances, deletion requests
carried out, and now and then a new release. The chain is revm's (``RevmChain``), which mines a
block per transaction. Every command is one the rules accept: a refusal is a mistake here and
stops the run.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.evm.ledger import EvmLedger, local_evm_ledger
from dcmx_core import commands as c
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import DocumentType, Pool, Regime
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.values import Address, Hash32

UNIT = 10**18
GENESIS_TIME = 1_767_225_600
ROYALTY_BPS = 500
PLATFORM_FEE_BPS = 250
VERSIONS = (1, 2, 3)


def account(n: int) -> Address:
    return Address(Hash32.of(b"chain account %d" % n).raw[:20])


def document_hash(version: int) -> Hash32:
    return Hash32.of(b"terms of service v%d" % version)


class Activity:
    """Sends a realistic mix of commands to ``ledger``, remembering what keeps them valid."""

    def __init__(self, ledger: EvmLedger, admin: Address, accounts: int, seed: int = 1) -> None:
        self.ledger = ledger
        self.admin = admin
        self.rng = random.Random(seed)
        self.accounts = [account(n) for n in range(accounts)]
        self.treasury = account(10**9)
        self.verifier = account(10**9 + 1)
        self.events = 0
        self.transactions = 0
        self.balances: dict[Address, int] = {}
        self.releases: list[tuple[int, tuple[Address, ...], int]] = []  # id, split, minted
        self.owners: dict[int, Address] = {}
        self.operators: set[Address] = set()
        self.credited: set[Address] = set()
        self.claims: dict[int, tuple[Address, bool]] = {}  # id: user, verified
        self.open_claims: list[int] = []
        self.accepted: set[tuple[Address, int]] = set()
        self.deletions = 0

    @classmethod
    def on_revm(cls, accounts: int, seed: int = 1) -> Activity:
        """A fresh revm chain with the platform deployed, and its accounts funded."""
        admin = account(10**9 + 2)
        ledger = local_evm_ledger(admin, ManualClock(GENESIS_TIME), engine="revm")
        activity = cls(ledger, admin, accounts, seed)
        activity.open_the_platform()
        return activity

    def send(self, sender: Address, command: c.Command) -> None:
        receipt = self.ledger.execute(sender, command)
        self.events += len(receipt.events)
        self.transactions += 1

    def open_the_platform(self) -> None:
        for someone in (*self.accounts, self.treasury, self.verifier):
            self.ledger.fund(someone, 10**6 * UNIT)
        admin = self.admin
        self.send(admin, c.AddMinter(admin))
        self.send(admin, c.SetPlatformFee(PLATFORM_FEE_BPS, self.treasury))
        self.send(admin, c.AddVerifier(self.verifier))
        for version in VERSIONS:
            terms = DocumentType.TERMS_OF_SERVICE
            self.send(admin, c.RegisterDocument(terms, version, document_hash(version)))
        for pool in Pool:
            self.send(admin, c.ConfigurePool(pool, 10**9 * UNIT))
            self.send(admin, c.AllocatePool(pool, 10**8 * UNIT))

    def run_until(self, events: int, progress: Callable[[int], None] | None = None) -> None:
        """Send transactions until the contracts have emitted at least ``events`` events."""
        reported = 0
        while self.events < events:
            self.transaction()
            if progress is not None and self.events - reported >= 10_000:
                reported = self.events
                progress(reported)

    def someone(self) -> Address:
        return self.rng.choice(self.accounts)

    def someone_but(self, excluded: Address) -> Address:
        while (chosen := self.someone()) == excluded:
            pass
        return chosen

    def transaction(self) -> None:
        roll = self.rng.random()
        if not self.releases or roll < 0.005:
            self.new_release()
        elif roll < 0.40:
            self.transfer()
        elif roll < 0.55:
            self.primary_sale()
        elif roll < 0.65:
            self.resale()
        elif roll < 0.72:
            self.withdrawal()
        elif roll < 0.90:
            self.claim_step()
        elif roll < 0.99:
            self.acceptance()
        else:
            self.deletion()

    def new_release(self) -> None:
        release_id = len(self.releases) + 1
        artist = self.someone()
        split = [artist]
        while len(split) < 1 + self.rng.randint(0, 3):
            if (other := self.someone()) not in split:
                split.append(other)
        shares = [10_000 // len(split)] * len(split)
        shares[0] += 10_000 - sum(shares)
        title = f"Track {release_id} — « live » ✓"
        create = c.CreateRelease(
            artist,
            title,
            f"Artist {release_id}",
            Hash32.of(title.encode()),
            100_000,
            ROYALTY_BPS,
            tuple(split),
            tuple(shares),
        )
        self.send(self.admin, create)
        self.releases.append((release_id, tuple(split), 0))

    def transfer(self) -> None:
        sender, recipient = self.someone(), self.someone()
        amount = self.rng.randint(1, 1_000) * UNIT
        if self.balances.get(sender, 0) < amount:
            self.send(self.admin, c.Mint(sender, 10 * amount))
            self.balances[sender] = self.balances.get(sender, 0) + 10 * amount
        self.send(sender, c.Transfer(recipient, amount))
        self.balances[sender] -= amount
        self.balances[recipient] = self.balances.get(recipient, 0) + amount

    def primary_sale(self) -> None:
        index = self.rng.randrange(len(self.releases))
        release_id, split, minted = self.releases[index]
        artist = split[0]
        self.send(self.admin, c.MintEdition(release_id, artist))
        self.releases[index] = (release_id, split, minted + 1)
        token_id = token_id_of(release_id, minted + 1)
        self.owners[token_id] = artist
        self.sell(token_id, (self.treasury, *split))

    def resale(self) -> None:
        if not self.owners:
            self.primary_sale()
            return
        token_id = self.rng.choice(list(self.owners)) if len(self.owners) < 64 else None
        while token_id is None:
            release_id, _, minted = self.rng.choice(self.releases)
            if minted:
                token_id = token_id_of(release_id, self.rng.randint(1, minted))
        release_id = token_id // 1_000_000
        artist = next(split[0] for r, split, _ in self.releases if r == release_id)
        self.sell(token_id, (self.treasury, artist, self.owners[token_id]))

    def sell(self, token_id: int, credited: tuple[Address, ...]) -> None:
        """The edition's owner lists it for the native coin and someone else buys it."""
        seller = self.owners[token_id]
        if seller not in self.operators:
            self.send(seller, c.SetOperator(self.ledger.deployment.royalties, True))
            self.operators.add(seller)
        price = self.rng.randint(1, 100) * 10**16
        self.send(seller, c.ListEdition(token_id, NATIVE, price))
        buyer = self.someone_but(seller)
        self.send(buyer, c.BuyEdition(token_id, NATIVE, price, value=price))
        self.owners[token_id] = buyer
        self.credited.update(credited)

    def withdrawal(self) -> None:
        if not self.credited:
            self.transfer()
            return
        recipient = self.rng.choice(sorted(self.credited, key=lambda a: a.raw))
        self.credited.discard(recipient)
        self.send(recipient, c.Withdraw(NATIVE))

    def claim_step(self) -> None:
        if self.open_claims and self.rng.random() < 0.6:
            claim_id = self.rng.choice(self.open_claims)
            user, verified = self.claims[claim_id]
            if verified:
                self.open_claims.remove(claim_id)
                self.send(user, c.PayClaim(claim_id))
            elif self.rng.random() < 0.1:
                self.open_claims.remove(claim_id)
                self.send(self.verifier, c.VerifyClaim(claim_id, False))
            else:
                self.claims[claim_id] = (user, True)
                self.send(self.verifier, c.VerifyClaim(claim_id, True))
            return
        claim_id = len(self.claims) + 1
        user, amount = self.someone(), self.rng.randint(1, 50) * UNIT
        pool = self.rng.choice(list(Pool))
        self.send(user, c.SubmitClaim(pool, amount, Hash32.of(b"proof %d" % claim_id)))
        self.claims[claim_id] = (user, False)
        self.open_claims.append(claim_id)

    def acceptance(self) -> None:
        version = self.rng.choice(VERSIONS)
        user = self.someone()
        if (user, version) in self.accepted:
            self.transfer()
            return
        self.accepted.add((user, version))
        terms = DocumentType.TERMS_OF_SERVICE
        self.send(user, c.AcceptDocument(terms, version, document_hash(version)))

    def deletion(self) -> None:
        user = self.someone()
        self.send(user, c.RequestDeletion(Regime.GDPR))
        self.deletions += 1
        self.send(self.admin, c.ProcessDeletion(self.deletions))
