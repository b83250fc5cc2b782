"""Royalty distributor rules: listings, sales, royalties paid in, and pull payouts.

Only money that has actually arrived is ever credited, each payment once: a sale is settled in
the transaction that takes the buyer's payment and moves the edition; royalties paid in from
outside are credited for the amount that reached the distributor. Payouts accrue per
recipient and currency and only their owner can withdraw them (pull, never push).
"""

from __future__ import annotations

from typing import Protocol

from attrs import define, field, frozen

from dcmx_core.events import (
    DomainEvent,
    EditionListed,
    EditionSold,
    ListingCancelled,
    PayoutCredited,
    PayoutWithdrawn,
    PlatformFeeSet,
    RoyaltyReceived,
)
from dcmx_core.exceptions import (
    BuyerIsSeller,
    NothingToWithdraw,
    NotListed,
    NotOwnerNorApproved,
    OutOfRange,
    PaymentNotReceived,
    UnsupportedCurrency,
    WrongCurrency,
    WrongPayment,
    ZeroAddress,
)
from dcmx_core.model.admin import Administration
from dcmx_core.model.enums import Contract, CreditReason
from dcmx_core.model.nft import MusicNft, release_of
from dcmx_core.model.royalties import (
    DEFAULT_PLATFORM_FEE_BPS,
    MAX_PLATFORM_FEE_BPS,
    Split,
    divide_sale,
)
from dcmx_core.model.values import ZERO_ADDRESS, Address, check_amount, check_bps

NATIVE = ZERO_ADDRESS
"""The currency "address" of the chain's own coin (ETH, TRX)."""


class Funds(Protocol):
    """How the distributor moves coins and tokens; the ledger provides it."""

    def supports(self, currency: Address) -> bool:
        """Whether ``currency`` is the native coin or a token contract."""

    def check_pull(self, currency: Address, payer: Address, amount: int) -> None:
        """Raise what pulling ``amount`` of a token from ``payer`` would raise."""

    def pull(self, currency: Address, payer: Address, amount: int) -> tuple[list[DomainEvent], int]:
        """Take ``amount`` of a token from ``payer``; return the events and what arrived."""

    def push(self, currency: Address, recipient: Address, amount: int) -> list[DomainEvent]:
        """Send ``amount`` of a currency from the distributor to ``recipient``."""


@frozen
class Listing:
    seller: Address
    currency: Address
    price: int


@define
class RoyaltyDistributor:
    """The royalty distributor contract's state."""

    admin: Administration
    address: Address
    nft: MusicNft
    treasury: Address
    fee_bps: int = DEFAULT_PLATFORM_FEE_BPS
    listings: dict[int, Listing] = field(factory=dict)
    payouts: dict[tuple[Address, Address], int] = field(factory=dict)
    settlements: int = 0

    @classmethod
    def deploy(cls, admin: Address, address: Address, nft: MusicNft) -> RoyaltyDistributor:
        """A distributor whose platform fee goes to its deployer until the admin says otherwise."""
        return cls(Administration(Contract.ROYALTIES, admin), address, nft, treasury=admin)

    def payout_of(self, recipient: Address, currency: Address) -> int:
        return self.payouts.get((recipient, currency), 0)

    def listing(self, token_id: int) -> Listing | None:
        return self.listings.get(token_id)

    def set_platform_fee(
        self, sender: Address, fee_bps: int, treasury: Address
    ) -> list[DomainEvent]:
        """The admin sets the fee on sales (at most ``MAX_PLATFORM_FEE_BPS``) and its recipient."""
        self.admin.require_admin(sender)
        check_bps("fee_bps", fee_bps, MAX_PLATFORM_FEE_BPS)
        if treasury.is_zero:
            raise ZeroAddress("treasury")
        self.fee_bps, self.treasury = fee_bps, treasury
        return [PlatformFeeSet(fee_bps, treasury)]

    def list_edition(
        self, sender: Address, token_id: int, currency: Address, price: int, funds: Funds
    ) -> list[DomainEvent]:
        """The owner offers an edition for a price; the distributor must be approved to move it.
        Listing again changes the price."""
        if self.nft.owner_of(token_id) != sender:
            raise NotOwnerNorApproved(sender, token_id)
        if not self.nft.is_authorized(self.address, token_id):
            raise NotOwnerNorApproved(self.address, token_id)
        if not funds.supports(currency):
            raise UnsupportedCurrency(currency)
        _check_positive("price", price)
        self.listings[token_id] = Listing(sender, currency, price)
        return [EditionListed(token_id, sender, currency, price)]

    def cancel_listing(self, sender: Address, token_id: int) -> list[DomainEvent]:
        """The seller withdraws their listing."""
        listing = self.listings.get(token_id)
        if listing is None:
            raise NotListed(token_id)
        if listing.seller != sender:
            raise NotOwnerNorApproved(sender, token_id)
        del self.listings[token_id]
        return [ListingCancelled(token_id, sender)]

    def buy(
        self,
        buyer: Address,
        token_id: int,
        currency: Address,
        price: int,
        value: int,
        funds: Funds,
    ) -> list[DomainEvent]:
        """Buy a listed edition: the payment arrives, the edition moves to the buyer and the
        price is divided, all at once. ``value`` is the native coin that came with the call.
        The seller may not buy their own listing, so that every sale changes hands."""
        listing = self._check_purchase(buyer, token_id, currency, price, value)
        self.nft.check_transfer(self.address, listing.seller, buyer, token_id)
        events: list[DomainEvent] = []
        if currency != NATIVE:
            funds.check_pull(currency, buyer, price)
            pulled, received = funds.pull(currency, buyer, price)
            if received != price:
                raise PaymentNotReceived(price, received)
            events += pulled
        del self.listings[token_id]
        events += self.nft.transfer(self.address, listing.seller, buyer, token_id)
        release = self.nft.release(release_of(token_id))
        primary = listing.seller == release.artist
        division = divide_sale(
            price,
            fee_bps=self.fee_bps,
            royalty_bps=release.royalty_bps,
            primary=primary,
            split=release.split,
        )
        settlement_id = self._next_settlement()
        events.append(
            EditionSold(
                settlement_id,
                release.release_id,
                token_id,
                listing.seller,
                buyer,
                currency,
                price,
                primary,
            )
        )
        events += self._credit(
            settlement_id, self.treasury, currency, division.fee, CreditReason.PLATFORM_FEE
        )
        events += self._credit_split(settlement_id, release.split, currency, division.shares)
        events += self._credit(
            settlement_id, listing.seller, currency, division.seller, CreditReason.SELLER_PROCEEDS
        )
        return events

    def _check_purchase(
        self, buyer: Address, token_id: int, currency: Address, price: int, value: int
    ) -> Listing:
        # In the contract's order, which decides the error when several apply.
        listing = self.listings.get(token_id)
        if listing is None or self.nft.owner_of(token_id) != listing.seller:
            raise NotListed(token_id)
        if buyer == listing.seller:
            raise BuyerIsSeller(buyer, token_id)
        if currency != listing.currency:
            raise WrongCurrency(listing.currency, currency)
        if price != listing.price:
            raise WrongPayment(listing.price, price)
        expected_value = price if currency == NATIVE else 0
        if value != expected_value:
            raise WrongPayment(expected_value, value)
        return listing

    def pay_royalty(
        self,
        payer: Address,
        release_id: int,
        currency: Address,
        amount: int,
        value: int,
        funds: Funds,
    ) -> list[DomainEvent]:
        """Royalties for a release paid in from outside DCMX, shared by its split. What arrived
        is credited, and nothing else."""
        release = self.nft.release(release_id)
        if not funds.supports(currency):
            raise UnsupportedCurrency(currency)
        _check_positive("amount", amount)
        expected_value = amount if currency == NATIVE else 0
        if value != expected_value:
            raise WrongPayment(expected_value, value)
        events: list[DomainEvent] = []
        received = amount
        if currency != NATIVE:
            funds.check_pull(currency, payer, amount)
            pulled, received = funds.pull(currency, payer, amount)
            if received == 0:
                raise PaymentNotReceived(amount, 0)
            events += pulled
        settlement_id = self._next_settlement()
        events.append(RoyaltyReceived(settlement_id, release_id, payer, currency, received))
        events += self._credit_split(
            settlement_id, release.split, currency, release.split.divide(received)
        )
        return events

    def withdraw(self, sender: Address, currency: Address, funds: Funds) -> list[DomainEvent]:
        """The sender takes out everything they are owed in ``currency``."""
        amount = self.payout_of(sender, currency)
        if amount == 0:
            raise NothingToWithdraw(sender, currency)
        # Push before forgetting the payout, so that a failed push leaves it in place.
        pushed = funds.push(currency, sender, amount)
        del self.payouts[(sender, currency)]
        return [*pushed, PayoutWithdrawn(sender, currency, amount)]

    def _next_settlement(self) -> int:
        self.settlements += 1
        return self.settlements

    def _credit_split(
        self, settlement_id: int, split: Split, currency: Address, parts: tuple[int, ...]
    ) -> list[DomainEvent]:
        events: list[DomainEvent] = []
        for recipient, part in zip(split.recipients, parts, strict=True):
            events += self._credit(
                settlement_id, recipient, currency, part, CreditReason.SPLIT_SHARE
            )
        return events

    def _credit(
        self,
        settlement_id: int,
        recipient: Address,
        currency: Address,
        amount: int,
        reason: CreditReason,
    ) -> list[DomainEvent]:
        if amount == 0:
            return []
        key = (recipient, currency)
        self.payouts[key] = self.payouts.get(key, 0) + amount
        return [PayoutCredited(settlement_id, recipient, currency, amount, reason)]


def _check_positive(name: str, value: int) -> None:
    check_amount(name, value)
    if value == 0:
        raise OutOfRange(name, value, "more than 0")
