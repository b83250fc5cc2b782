"""Selling editions, paying royalties in, and withdrawing payouts."""

from __future__ import annotations

from dcmx_core.commands import (
    Approve,
    BuyEdition,
    Command,
    ListEdition,
    PayRoyalty,
    SetOperator,
    Withdraw,
)
from dcmx_core.events import EditionSold, PayoutWithdrawn, RoyaltyReceived
from dcmx_core.exceptions import BuyerIsSeller, NotListed
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.values import Address
from dcmx_core.ports import Ledger
from dcmx_core.services.receipts import the_event


def listing(
    ledger: Ledger, seller: Address, token_id: int, currency: Address, price: int
) -> tuple[Command, ...]:
    """The transactions a listing takes, in order: letting the distributor move the seller's
    editions (unless the seller already has), then the listing."""
    distributor = ledger.deployment.royalties
    grant = () if ledger.is_operator(seller, distributor) else (SetOperator(distributor, True),)
    return (*grant, ListEdition(token_id, currency, price))


def offer_edition(
    ledger: Ledger, seller: Address, token_id: int, currency: Address, price: int
) -> None:
    """List an edition for sale, first letting the distributor move the seller's editions if
    the seller has not yet done so."""
    for command in listing(ledger, seller, token_id, currency, price):
        ledger.execute(seller, command)


def purchase(ledger: Ledger, buyer: Address, token_id: int) -> tuple[Command, ...]:
    """The transactions a purchase at the listed price and currency takes, in order: an
    approval of a token payment where the buyer's allowance falls short, then the purchase.
    The seller's own purchase is refused here already, before it approves anything."""
    found = ledger.listing(token_id)
    if found is None:
        raise NotListed(token_id)
    if found.seller == buyer:
        raise BuyerIsSeller(buyer, token_id)
    if found.currency == NATIVE:
        return (BuyEdition(token_id, NATIVE, found.price, value=found.price),)
    approval = _approval(ledger, buyer, found.currency, found.price)
    return (*approval, BuyEdition(token_id, found.currency, found.price))


def buy_edition(ledger: Ledger, buyer: Address, token_id: int) -> EditionSold:
    """Buy a listed edition at its listed price and currency (approving a token payment first
    where the buyer's allowance falls short)."""
    *first, last = purchase(ledger, buyer, token_id)
    for command in first:
        ledger.execute(buyer, command)
    return the_event(ledger.execute(buyer, last), EditionSold)


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
    for command in _approval(ledger, owner, currency, amount):
        ledger.execute(owner, command)


def _approval(
    ledger: Ledger, owner: Address, currency: Address, amount: int
) -> tuple[Command, ...]:
    distributor = ledger.deployment.royalties
    if ledger.allowance_in(currency, owner, distributor) >= amount:
        return ()
    token = None if currency == ledger.deployment.token else currency
    return (Approve(distributor, amount, token=token),)
