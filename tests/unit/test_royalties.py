"""Royalty rules: what makes a split valid, how an amount is divided, how a sale is divided."""

from __future__ import annotations

from typing import Any

import pytest

from dcmx_core.exceptions import InvalidSplit, OutOfRange
from dcmx_core.model.royalties import (
    DEFAULT_PLATFORM_FEE_BPS,
    MAX_PLATFORM_FEE_BPS,
    MAX_ROYALTY_BPS,
    MAX_SPLIT_RECIPIENTS,
    SaleDivision,
    Split,
    divide_sale,
)
from dcmx_core.model.values import UINT256_MAX, ZERO_ADDRESS
from tests.factories import ALICE, BOB, CAROL, address

SEVENTY_THIRTY = Split((ALICE, BOB), (7_000, 3_000))
THIRDS = Split((ALICE, BOB, CAROL), (3_333, 3_333, 3_334))


def test_the_limits_are_20_recipients_50_percent_royalty_and_10_percent_fee() -> None:
    assert (MAX_SPLIT_RECIPIENTS, MAX_ROYALTY_BPS, MAX_PLATFORM_FEE_BPS) == (20, 5_000, 1_000)
    assert DEFAULT_PLATFORM_FEE_BPS == 250


# --- what a valid split is ------------------------------------------------------------------


def test_a_sole_split_gives_the_recipient_all_10000_bps() -> None:
    assert Split.sole(ALICE) == Split((ALICE,), (10_000,))


def test_a_split_keeps_its_recipients_and_shares_as_tuples() -> None:
    split = Split([ALICE, BOB], [7_000, 3_000])
    assert (split.recipients, split.shares_bps) == ((ALICE, BOB), (7_000, 3_000))


def test_a_split_accepts_twenty_recipients() -> None:
    recipients = tuple(address(n) for n in range(1, 21))
    split = Split(recipients, (500,) * 20)
    assert len(split.recipients) == MAX_SPLIT_RECIPIENTS


@pytest.mark.parametrize(
    ("recipients", "shares", "reason"),
    [
        ((), (), "it needs 1 to 20 recipients, not 0"),
        (
            tuple(address(n) for n in range(1, 22)),
            (500,) * 19 + (250, 250),
            "it needs 1 to 20 recipients, not 21",
        ),
        ((ALICE, BOB), (10_000,), "2 recipients but 1 shares"),
        ((ALICE,), (5_000, 5_000), "1 recipients but 2 shares"),
        ((ALICE, b"\x01" * 20), (5_000, 5_000), "every recipient is an address"),
        ((ALICE, ZERO_ADDRESS), (5_000, 5_000), "a recipient is the zero address"),
        ((ALICE, ALICE), (5_000, 5_000), "a recipient appears twice"),
        ((ALICE, BOB), (10_000, 0), "every share is a positive whole number of basis points"),
        ((ALICE, BOB), (11_000, -1_000), "every share is a positive whole number of basis points"),
        ((ALICE, BOB), (9_999, True), "every share is a positive whole number of basis points"),
        ((ALICE, BOB), (5_000.0, 5_000), "every share is a positive whole number of basis points"),
        ((ALICE, BOB), (7_000, 2_999), "the shares add up to 9999 basis points, not 10000"),
        ((ALICE, BOB), (7_000, 3_001), "the shares add up to 10001 basis points, not 10000"),
    ],
    ids=[
        "no recipient",
        "twenty-one recipients",
        "fewer shares",
        "more shares",
        "not an address",
        "zero address",
        "duplicate",
        "zero share",
        "negative share",
        "bool share",
        "float share",
        "short of 10000",
        "over 10000",
    ],
)
def test_a_split_refuses_what_is_not_a_valid_split(
    recipients: tuple[Any, ...], shares: tuple[Any, ...], reason: str
) -> None:
    with pytest.raises(InvalidSplit) as caught:
        Split(recipients, shares)
    assert type(caught.value) is InvalidSplit
    assert caught.value.details == {"reason": reason}


# --- dividing an amount ---------------------------------------------------------------------


def test_a_split_divides_by_basis_points() -> None:
    assert SEVENTY_THIRTY.divide(10_000) == (7_000, 3_000)


def test_a_split_rounds_every_part_down() -> None:
    assert SEVENTY_THIRTY.divide(99) == (70, 29)


def test_the_remainder_goes_to_the_first_recipient() -> None:
    assert THIRDS.divide(10) == (4, 3, 3)


def test_a_split_divides_zero_into_zeros() -> None:
    assert THIRDS.divide(0) == (0, 0, 0)


def test_a_sole_split_gives_its_recipient_everything() -> None:
    assert Split.sole(ALICE).divide(12_345) == (12_345,)


def test_a_split_divides_the_largest_uint256_exactly() -> None:
    assert sum(THIRDS.divide(UINT256_MAX)) == UINT256_MAX


@pytest.mark.parametrize("amount", [-1, UINT256_MAX + 1, True, 10.0])
def test_divide_refuses_an_amount_that_is_not_a_uint256(amount: int) -> None:
    with pytest.raises(OutOfRange) as caught:
        THIRDS.divide(amount)
    assert caught.value.details["name"] == "amount"


# --- dividing a sale ------------------------------------------------------------------------


def test_a_primary_sale_shares_everything_after_the_fee() -> None:
    division = divide_sale(
        10_000, fee_bps=250, royalty_bps=1_000, primary=True, split=SEVENTY_THIRTY
    )
    assert division == SaleDivision(fee=250, royalty=9_750, shares=(6_825, 2_925), seller=0)


def test_a_resale_shares_the_royalty_and_pays_the_seller_the_rest() -> None:
    division = divide_sale(
        10_000, fee_bps=250, royalty_bps=1_000, primary=False, split=SEVENTY_THIRTY
    )
    assert division == SaleDivision(fee=250, royalty=1_000, shares=(700, 300), seller=8_750)


def test_the_fee_and_the_royalty_are_rounded_down_in_the_sellers_favour() -> None:
    division = divide_sale(399, fee_bps=250, royalty_bps=1_000, primary=False, split=THIRDS)
    assert division == SaleDivision(fee=9, royalty=39, shares=(14, 12, 13), seller=351)


def test_a_sale_without_fee_or_royalty_pays_the_seller_everything() -> None:
    division = divide_sale(500, fee_bps=0, royalty_bps=0, primary=False, split=THIRDS)
    assert division == SaleDivision(fee=0, royalty=0, shares=(0, 0, 0), seller=500)


def test_a_resale_at_the_highest_fee_and_royalty_leaves_the_seller_40_percent() -> None:
    division = divide_sale(
        1_000,
        fee_bps=MAX_PLATFORM_FEE_BPS,
        royalty_bps=MAX_ROYALTY_BPS,
        primary=False,
        split=SEVENTY_THIRTY,
    )
    assert division == SaleDivision(fee=100, royalty=500, shares=(350, 150), seller=400)


@pytest.mark.parametrize("price", [-1, UINT256_MAX + 1, False])
def test_divide_sale_refuses_a_price_that_is_not_a_uint256(price: int) -> None:
    with pytest.raises(OutOfRange) as caught:
        divide_sale(price, fee_bps=250, royalty_bps=1_000, primary=False, split=THIRDS)
    assert caught.value.details["name"] == "price"


@pytest.mark.parametrize("fee_bps", [-1, MAX_PLATFORM_FEE_BPS + 1])
def test_divide_sale_refuses_a_fee_outside_0_to_1000_bps(fee_bps: int) -> None:
    with pytest.raises(OutOfRange) as caught:
        divide_sale(1_000, fee_bps=fee_bps, royalty_bps=1_000, primary=False, split=THIRDS)
    assert caught.value.details["name"] == "fee_bps"


@pytest.mark.parametrize("royalty_bps", [-1, MAX_ROYALTY_BPS + 1])
def test_divide_sale_refuses_a_royalty_outside_0_to_5000_bps(royalty_bps: int) -> None:
    with pytest.raises(OutOfRange) as caught:
        divide_sale(1_000, fee_bps=250, royalty_bps=royalty_bps, primary=False, split=THIRDS)
    assert caught.value.details["name"] == "royalty_bps"
