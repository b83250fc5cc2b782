"""Royalty rules: splits, and how a payment is divided exactly.

A split names up to ``MAX_SPLIT_RECIPIENTS`` distinct, non-zero recipients with positive
basis points adding up to exactly 10,000. Dividing an amount gives each recipient
``floor(amount × bps / 10,000)`` and the remainder (fewer base units than there are
recipients) to the first recipient, so the parts always add up to the amount.

A sale through DCMX pays the platform fee first (``floor(price × fee_bps / 10,000)``). On a
primary sale (the seller is the release's artist) everything else is shared by the split. On a
resale the royalty (``floor(price × royalty_bps / 10,000)``, ERC-2981's figure) is shared by the
split and the rest is the seller's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from attrs import field, frozen

from dcmx_core.exceptions import InvalidSplit
from dcmx_core.model.values import BPS_DENOMINATOR, Address, bps_of, check_amount, check_bps

MAX_SPLIT_RECIPIENTS: Final = 20
MAX_ROYALTY_BPS: Final = 5_000
MAX_PLATFORM_FEE_BPS: Final = 1_000
DEFAULT_PLATFORM_FEE_BPS: Final = 250


def _valid_split(instance: Split, _attribute: object, _value: object) -> None:
    recipients, shares = instance.recipients, instance.shares_bps
    if not 1 <= len(recipients) <= MAX_SPLIT_RECIPIENTS:
        raise InvalidSplit(
            f"it needs 1 to {MAX_SPLIT_RECIPIENTS} recipients, not {len(recipients)}"
        )
    if len(recipients) != len(shares):
        raise InvalidSplit(f"{len(recipients)} recipients but {len(shares)} shares")
    if any(not isinstance(r, Address) for r in recipients):
        raise InvalidSplit("every recipient is an address")
    if any(r.is_zero for r in recipients):
        raise InvalidSplit("a recipient is the zero address")
    if len(set(recipients)) != len(recipients):
        raise InvalidSplit("a recipient appears twice")
    if any(isinstance(s, bool) or not isinstance(s, int) or s <= 0 for s in shares):
        raise InvalidSplit("every share is a positive whole number of basis points")
    if sum(shares) != BPS_DENOMINATOR:
        raise InvalidSplit(f"the shares add up to {sum(shares)} basis points, not 10000")


def _addresses(values: Iterable[Address]) -> tuple[Address, ...]:
    return tuple(values)


def _ints(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(values)


@frozen
class Split:
    """Who shares a release's income, and in what proportion."""

    recipients: tuple[Address, ...] = field(converter=_addresses)
    shares_bps: tuple[int, ...] = field(converter=_ints, validator=_valid_split)

    @classmethod
    def sole(cls, recipient: Address) -> Split:
        return cls((recipient,), (BPS_DENOMINATOR,))

    def divide(self, amount: int) -> tuple[int, ...]:
        """Each recipient's part of ``amount``; the parts add up to ``amount`` exactly."""
        check_amount("amount", amount)
        parts = [bps_of(amount, share) for share in self.shares_bps]
        parts[0] += amount - sum(parts)
        return tuple(parts)


@frozen
class SaleDivision:
    """Where the price of one sale goes: ``fee + sum(shares) + seller == price``."""

    fee: int
    royalty: int
    shares: tuple[int, ...]
    seller: int


def divide_sale(
    price: int, *, fee_bps: int, royalty_bps: int, primary: bool, split: Split
) -> SaleDivision:
    """Divide a sale's price between the platform, the split and the seller."""
    check_amount("price", price)
    # Out-of-range basis points would make the fee or the seller's part negative.
    check_bps("fee_bps", fee_bps, MAX_PLATFORM_FEE_BPS)
    check_bps("royalty_bps", royalty_bps, MAX_ROYALTY_BPS)
    fee = bps_of(price, fee_bps)
    royalty = price - fee if primary else bps_of(price, royalty_bps)
    return SaleDivision(
        fee=fee, royalty=royalty, shares=split.divide(royalty), seller=price - fee - royalty
    )
