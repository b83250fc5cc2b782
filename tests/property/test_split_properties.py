"""Laws of splits: the parts of any amount add up to it, each part is within one remainder of
its exact share, and a sale's parts add up to its price."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dcmx_core.exceptions import InvalidSplit
from dcmx_core.model.royalties import (
    MAX_PLATFORM_FEE_BPS,
    MAX_ROYALTY_BPS,
    MAX_SPLIT_RECIPIENTS,
    Split,
    divide_sale,
)
from dcmx_core.model.values import BPS_DENOMINATOR, UINT256_MAX, Address

uint256 = st.integers(min_value=0, max_value=UINT256_MAX)
recipient = st.binary(min_size=20, max_size=20).filter(lambda raw: raw != bytes(20)).map(Address)


@st.composite
def shares_bps(draw: st.DrawFn, count: int) -> tuple[int, ...]:
    """``count`` positive basis points adding up to 10,000: the gaps between sorted cuts."""
    cuts = draw(
        st.lists(
            st.integers(min_value=1, max_value=BPS_DENOMINATOR - 1),
            min_size=count - 1,
            max_size=count - 1,
            unique=True,
        )
    )
    bounds = [0, *sorted(cuts), BPS_DENOMINATOR]
    return tuple(high - low for low, high in pairwise(bounds))


@st.composite
def splits(draw: st.DrawFn) -> Split:
    recipients = draw(
        st.lists(recipient, min_size=1, max_size=MAX_SPLIT_RECIPIENTS, unique=True).map(tuple)
    )
    return Split(recipients, draw(shares_bps(len(recipients))))


def floors(split: Split, amount: int) -> list[int]:
    return [amount * share // BPS_DENOMINATOR for share in split.shares_bps]


@given(splits(), uint256)
def test_split_parts_always_add_up_to_the_amount(split: Split, amount: int) -> None:
    assert sum(split.divide(amount)) == amount


@given(splits(), uint256)
def test_every_part_is_within_one_remainder_of_its_exact_share(split: Split, amount: int) -> None:
    remainder = amount - sum(floors(split, amount))
    for part, share in zip(split.divide(amount), split.shares_bps, strict=True):
        assert abs(part - Fraction(amount * share, BPS_DENOMINATOR)) <= remainder


@given(splits(), uint256)
def test_the_remainder_is_less_than_the_number_of_recipients(split: Split, amount: int) -> None:
    assert 0 <= amount - sum(floors(split, amount)) < len(split.recipients)


@given(splits(), uint256)
def test_only_the_first_recipient_gets_more_than_the_floor_of_its_share(
    split: Split, amount: int
) -> None:
    assert split.divide(amount)[1:] == tuple(floors(split, amount)[1:])


@given(
    st.lists(recipient, min_size=1, max_size=MAX_SPLIT_RECIPIENTS, unique=True),
    st.data(),
)
def test_a_split_whose_shares_do_not_add_up_to_10000_is_refused(
    recipients: list[Address], data: st.DataObject
) -> None:
    shares = data.draw(
        st.lists(
            st.integers(min_value=1, max_value=BPS_DENOMINATOR),
            min_size=len(recipients),
            max_size=len(recipients),
        ).filter(lambda drawn: sum(drawn) != BPS_DENOMINATOR)
    )
    with pytest.raises(InvalidSplit):
        Split(tuple(recipients), tuple(shares))


sale_args = {
    "price": uint256,
    "fee_bps": st.integers(min_value=0, max_value=MAX_PLATFORM_FEE_BPS),
    "royalty_bps": st.integers(min_value=0, max_value=MAX_ROYALTY_BPS),
    "primary": st.booleans(),
    "split": splits(),
}


@given(**sale_args)
def test_divide_sale_parts_always_add_up_to_the_price(
    price: int, fee_bps: int, royalty_bps: int, primary: bool, split: Split
) -> None:
    division = divide_sale(
        price, fee_bps=fee_bps, royalty_bps=royalty_bps, primary=primary, split=split
    )
    assert division.fee + sum(division.shares) + division.seller == price


@given(**sale_args)
def test_divide_sale_never_gives_anyone_a_negative_part(
    price: int, fee_bps: int, royalty_bps: int, primary: bool, split: Split
) -> None:
    division = divide_sale(
        price, fee_bps=fee_bps, royalty_bps=royalty_bps, primary=primary, split=split
    )
    assert min(division.fee, division.seller, *division.shares) >= 0


@given(**sale_args)
def test_divide_sale_shares_exactly_the_royalty(
    price: int, fee_bps: int, royalty_bps: int, primary: bool, split: Split
) -> None:
    division = divide_sale(
        price, fee_bps=fee_bps, royalty_bps=royalty_bps, primary=primary, split=split
    )
    assert sum(division.shares) == division.royalty
