"""Selling editions, paying royalties in, and withdrawing payouts."""

from __future__ import annotations

from dcmx_core.commands import Approve, BuyEdition, ListEdition, PayRoyalty, SetOperator, Withdraw
from dcmx_core.events import EditionSold, PayoutWithdrawn, RoyaltyReceived
from dcmx_core.exceptions import NotListed
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.values import Address
from dcmx_core.ports import Ledger
from dcmx_core.services.receipts import the_event


def offer_edition(
    ledger: Ledger, seller: Address, token_id: int, currency: Address, price: int
) -> None:
    """List an edition for sale, first letting the distributor move the seller's editions if
    the seller has not yet done so."""
    distributor = ledger.deployment.royalties
    if not ledger.is_operator(seller, distributor):
        ledger.execute(seller, SetOperator(distributor, True))
    ledger.execute(seller, ListEdition(token_id, currency, price))


def buy_edition(ledger: Ledger, buyer: Address, token_id: int) -> EditionSold:
    """Buy a listed edition at its listed price and currency (approving a token payment first
    where the buyer's allowance falls short)."""
    listing = ledger.listing(token_id)
    if listing is None:
        raise NotListed(token_id)
    if listing.currency == NATIVE:
        command = BuyEdition(token_id, NATIVE, listing.price, value=listing.price)
    else:
        _approve_distributor(ledger, buyer, listing.currency, listing.price)
        command = BuyEdition(token_id, listing.currency, listing.price)
    return the_event(ledger.execute(buyer, command), EditionSold)


def pay_royalties(
    ledger: Ledger, payer: Address, release_id: int, currency: Address, amount: int
) -> RoyaltyReceived:
    """Pay royalties for a release in from outside DCMX; they are shared by its split."""
    if currency == NATIVE:
        command = PayRoyalty(release_id, NATIVE, amount, value=amount)
    else:
        _approve_distributor(ledger, payer, currency, amount)
        command = PayRoyalty(release_id, currency, amount)
    return the_event(ledger.execute(payer, command), RoyaltyReceived)


def withdraw(ledger: Ledger, recipient: Address, currency: Address) -> int:
    """Withdraw everything ``recipient`` is owed in ``currency``; returns the amount."""
    return the_event(ledger.execute(recipient, Withdraw(currency)), PayoutWithdrawn).amount


def _approve_distributor(ledger: Ledger, owner: Address, currency: Address, amount: int) -> None:
    """Let the distributor pull ``amount`` of a token, unless the allowance already covers it."""
    distributor = ledger.deployment.royalties
    if ledger.allowance_in(currency, owner, distributor) < amount:
        token = None if currency == ledger.deployment.token else currency
        ledger.execute(owner, Approve(distributor, amount, token=token))
