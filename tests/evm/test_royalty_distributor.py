"""RoyaltyDistributor.sol obeys the rules of dcmx_core.model.distributor: listings and sales,
refused in Python's order with Python's error names, settled with the events and the exact
division of dcmx_core.model.royalties.divide_sale."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3
from web3.contract import Contract

from dcmx_core.model.royalties import Split, divide_sale
from dcmx_core.model.values import UINT256_MAX, Address
from tests.evm.chain import Chain
from tests.evm.conftest import NATIVE, PRICE, Deploy

ZERO = NATIVE
FEE_BPS, ROYALTY_BPS = 250, 1_000
PLATFORM_FEE, SPLIT_SHARE, SELLER_PROCEEDS = range(3)


def credits(
    price: int, *, primary: bool, treasury: str, seller: str, split: dict[str, int]
) -> list[tuple[str, int, int]]:
    """The (recipient, amount, reason) credits of Python's divide_sale, in order, zeros left
    out, for the default fee and royalty and ``split`` (recipient: bps)."""
    division = divide_sale(
        price,
        fee_bps=FEE_BPS,
        royalty_bps=ROYALTY_BPS,
        primary=primary,
        split=Split(tuple(Address.from_hex(a.lower()) for a in split), tuple(split.values())),
    )
    found = [(treasury, division.fee, PLATFORM_FEE)]
    found += [(who, part, SPLIT_SHARE) for who, part in zip(split, division.shares, strict=True)]
    found.append((seller, division.seller, SELLER_PROCEEDS))
    return [credit for credit in found if credit[1]]


def credited(settlement: int, currency: str, found: list[tuple[str, int, int]]) -> list[Any]:
    return [
        (
            "PayoutCredited",
            {
                "settlementId": settlement,
                "recipient": who,
                "currency": currency,
                "amount": amount,
                "reason": reason,
            },
        )
        for who, amount, reason in found
    ]


# --- the platform fee -----------------------------------------------------------------------


def test_a_fresh_distributor_charges_250_bps_for_its_admin(
    distributor: Contract, nft: Contract, admin: str
) -> None:
    assert distributor.functions.platformFeeBps().call() == FEE_BPS
    assert distributor.functions.treasury().call() == admin
    assert distributor.functions.nft().call() == nft.address
    assert distributor.functions.settlementCount().call() == 0
    assert distributor.functions.listing(1).call() == [ZERO, ZERO, 0]


def test_only_the_admin_sets_the_fee_up_to_1000_bps_and_a_treasury(
    chain: Chain, distributor: Contract, admin: str, carol: str
) -> None:
    fee = distributor.functions.setPlatformFee
    assert chain.refusal(fee(1_001, ZERO), carol) == ("NotAdmin", (carol,))
    assert chain.refusal(fee(1_001, ZERO), admin) == ("OutOfRange", ())
    assert chain.refusal(fee(UINT256_MAX, carol), admin) == ("OutOfRange", ())
    assert chain.refusal(fee(1_000, ZERO), admin) == ("ZeroAddress", ())
    receipt = chain.send(fee(1_000, carol), admin)
    assert chain.events(receipt) == [("PlatformFeeSet", {"feeBps": 1_000, "treasury": carol})]
    assert distributor.functions.platformFeeBps().call() == 1_000
    assert distributor.functions.treasury().call() == carol


# --- listings -------------------------------------------------------------------------------


def test_the_owner_lists_an_approved_edition_and_listing_again_changes_the_offer(
    chain: Chain, distributor: Contract, buyers: Contract, artist: str, approved: int
) -> None:
    receipt = chain.send(distributor.functions.listEdition(approved, ZERO, PRICE), artist)
    assert chain.events(receipt) == [
        ("EditionListed", {"tokenId": approved, "seller": artist, "currency": ZERO, "price": PRICE})
    ]
    chain.send(distributor.functions.listEdition(approved, buyers.address, 5), artist)
    assert distributor.functions.listing(approved).call() == [artist, buyers.address, 5]


def test_an_operator_approval_lets_the_distributor_sell(
    chain: Chain, nft: Contract, distributor: Contract, artist: str, edition: int
) -> None:
    chain.send(nft.functions.setApprovalForAll(distributor.address, True), artist)
    chain.send(distributor.functions.listEdition(edition, ZERO, 1), artist)
    assert distributor.functions.listing(edition).call() == [artist, ZERO, 1]


@pytest.mark.parametrize("price", [2**96 - 2, 2**96 - 1, 2**96, UINT256_MAX])
def test_any_uint256_price_is_kept_exactly(
    chain: Chain, distributor: Contract, artist: str, approved: int, price: int
) -> None:
    chain.send(distributor.functions.listEdition(approved, ZERO, price), artist)
    assert distributor.functions.listing(approved).call() == [artist, ZERO, price]
    chain.send(distributor.functions.listEdition(approved, ZERO, 3), artist)
    assert distributor.functions.listing(approved).call() == [artist, ZERO, 3]


def test_listing_checks_token_owner_approval_currency_then_price(
    chain: Chain,
    nft: Contract,
    distributor: Contract,
    buyers: Contract,
    artist: str,
    carol: str,
    edition: int,
) -> None:
    list_ = distributor.functions.listEdition
    assert chain.refusal(list_(edition + 1, carol, 0), artist) == (
        "ERC721NonexistentToken",
        (edition + 1,),
    )
    assert chain.refusal(list_(edition, carol, 0), carol) == (
        "NotOwnerNorApproved",
        (carol, edition),
    )
    assert chain.refusal(list_(edition, carol, 0), artist) == (
        "NotOwnerNorApproved",
        (distributor.address, edition),
    )
    chain.send(nft.functions.approve(distributor.address, edition), artist)
    sha256_precompile = Web3.to_checksum_address("0x" + "00" * 19 + "02")
    for currency in (carol, nft.address, distributor.address, sha256_precompile):
        assert chain.refusal(list_(edition, currency, 0), artist) == (
            "UnsupportedCurrency",
            (currency,),
        )
    for currency in (ZERO, buyers.address):
        assert chain.refusal(list_(edition, currency, 0), artist) == ("OutOfRange", ())


def test_the_seller_cancels_even_a_listing_gone_stale(
    chain: Chain,
    nft: Contract,
    distributor: Contract,
    artist: str,
    carol: str,
    dave: str,
    listed: int,
) -> None:
    cancel = distributor.functions.cancelListing
    assert chain.refusal(cancel(listed + 1), artist) == ("NotListed", (listed + 1,))
    assert chain.refusal(cancel(listed), carol) == ("NotOwnerNorApproved", (carol, listed))
    chain.send(nft.functions.transferFrom(artist, dave, listed), artist)
    receipt = chain.send(cancel(listed), artist)
    assert chain.events(receipt) == [("ListingCancelled", {"tokenId": listed, "seller": artist})]
    assert distributor.functions.listing(listed).call() == [ZERO, ZERO, 0]
    assert chain.refusal(cancel(listed), artist) == ("NotListed", (listed,))


# --- sales ----------------------------------------------------------------------------------


def test_a_primary_sale_in_the_native_coin_pays_the_fee_and_the_split(
    chain: Chain,
    nft: Contract,
    distributor: Contract,
    admin: str,
    artist: str,
    bob: str,
    carol: str,
    listed: int,
) -> None:
    buy = distributor.functions.buyEdition(listed, ZERO, PRICE)
    receipt = chain.send(buy, carol, value=PRICE)
    expected = credits(
        PRICE, primary=True, treasury=admin, seller=artist, split={artist: 8_000, bob: 2_000}
    )
    assert [amount for _, amount, _ in expected] == [
        25 * 10**15,
        780 * 10**15 + 6,
        195 * 10**15 + 1,
    ]
    assert chain.events(receipt) == [
        ("Transfer", {"from": artist, "to": carol, "tokenId": listed}),
        (
            "EditionSold",
            {
                "settlementId": 1,
                "releaseId": 1,
                "tokenId": listed,
                "seller": artist,
                "buyer": carol,
                "currency": ZERO,
                "price": PRICE,
                "primary": True,
            },
        ),
        *credited(1, ZERO, expected),
    ]
    for who, amount, _ in expected:
        assert distributor.functions.payoutOf(who, ZERO).call() == amount
    assert nft.functions.ownerOf(listed).call() == carol
    assert distributor.functions.listing(listed).call() == [ZERO, ZERO, 0]
    assert distributor.functions.settlementCount().call() == 1
    assert chain.balance(distributor.address) == PRICE


def test_a_resale_in_a_false_returning_token_pays_fee_royalty_and_seller(
    chain: Chain,
    nft: Contract,
    distributor: Contract,
    buyers: Contract,
    admin: str,
    artist: str,
    bob: str,
    carol: str,
    dave: str,
    listed: int,
) -> None:
    chain.send(distributor.functions.buyEdition(listed, ZERO, PRICE), carol, value=PRICE)
    chain.send(nft.functions.approve(distributor.address, listed), carol)
    chain.send(distributor.functions.listEdition(listed, buyers.address, PRICE), carol)
    receipt = chain.send(distributor.functions.buyEdition(listed, buyers.address, PRICE), dave)
    expected = credits(
        PRICE, primary=False, treasury=admin, seller=carol, split={artist: 8_000, bob: 2_000}
    )
    assert chain.events(receipt) == [
        ("Transfer", {"from": dave, "to": distributor.address, "value": PRICE}),
        ("Transfer", {"from": carol, "to": dave, "tokenId": listed}),
        (
            "EditionSold",
            {
                "settlementId": 2,
                "releaseId": 1,
                "tokenId": listed,
                "seller": carol,
                "buyer": dave,
                "currency": buyers.address,
                "price": PRICE,
                "primary": False,
            },
        ),
        *credited(2, buyers.address, expected),
    ]
    assert sum(amount for _, amount, _ in expected) == PRICE
    for who, amount, _ in expected:
        assert distributor.functions.payoutOf(who, buyers.address).call() == amount
    assert buyers.functions.balanceOf(distributor.address).call() == PRICE


def test_a_sale_at_the_largest_price_divides_exactly(
    chain: Chain,
    nft: Contract,
    distributor: Contract,
    deploy: Deploy,
    admin: str,
    artist: str,
    bob: str,
    carol: str,
    approved: int,
) -> None:
    huge = deploy("PaymentTokenMock", False)
    chain.send(huge.functions.mint(carol, UINT256_MAX), carol)
    chain.send(huge.functions.approve(distributor.address, UINT256_MAX), carol)
    chain.send(distributor.functions.listEdition(approved, huge.address, UINT256_MAX), artist)
    receipt = chain.send(
        distributor.functions.buyEdition(approved, huge.address, UINT256_MAX), carol
    )
    expected = credits(
        UINT256_MAX, primary=True, treasury=admin, seller=artist, split={artist: 8_000, bob: 2_000}
    )
    assert chain.events(receipt)[3:] == credited(1, huge.address, expected)


def test_zero_parts_are_credited_to_nobody(
    chain: Chain, distributor: Contract, artist: str, carol: str, approved: int
) -> None:
    chain.send(distributor.functions.listEdition(approved, ZERO, 1), artist)
    receipt = chain.send(distributor.functions.buyEdition(approved, ZERO, 1), carol, value=1)
    # fee 0, the artist's floor(0.8) = 0 plus the remainder 1, Bob's floor(0.2) = 0
    assert [name for name, _ in chain.events(receipt)] == [
        "Transfer",
        "EditionSold",
        "PayoutCredited",
    ]
    assert chain.events(receipt)[2][1]["recipient"] == artist


def test_buying_checks_listing_seller_currency_price_value_approval_then_payment(
    chain: Chain,
    nft: Contract,
    distributor: Contract,
    buyers: Contract,
    artist: str,
    carol: str,
    dave: str,
    approved: int,
) -> None:
    buy, token = distributor.functions.buyEdition, buyers.address
    assert chain.refusal(buy(approved, token, PRICE), carol) == ("NotListed", (approved,))
    chain.send(distributor.functions.listEdition(approved, token, PRICE), artist)
    assert chain.refusal(buy(approved, ZERO, 1), artist) == ("BuyerIsSeller", (artist, approved))
    assert chain.refusal(buy(approved, ZERO, 1), carol) == ("WrongCurrency", (token, ZERO))
    assert chain.refusal(buy(approved, token, 1), carol) == ("WrongPayment", (PRICE, 1))
    assert chain.refusal(buy(approved, token, PRICE), carol, value=1) == ("WrongPayment", (0, 1))
    chain.send(nft.functions.approve(ZERO, approved), artist)
    assert chain.refusal(buy(approved, token, PRICE), carol) == (
        "NotOwnerNorApproved",
        (distributor.address, approved),
    )
    chain.send(nft.functions.approve(distributor.address, approved), artist)
    chain.send(buyers.functions.approve(distributor.address, PRICE - 1), carol)
    assert chain.refusal(buy(approved, token, PRICE), carol) == (
        "ERC20InsufficientAllowance",
        (distributor.address, PRICE - 1, PRICE),
    )
    chain.send(buyers.functions.transfer(dave, 10**24 - 1), carol)
    chain.send(buyers.functions.approve(distributor.address, PRICE), carol)
    assert chain.refusal(buy(approved, token, PRICE), carol) == (
        "ERC20InsufficientBalance",
        (carol, 1, PRICE),
    )
    chain.send(buyers.functions.setShortfall(3), carol)
    assert chain.refusal(buy(approved, token, PRICE), dave) == (
        "PaymentNotReceived",
        (PRICE, PRICE - 3),
    )
    chain.send(nft.functions.transferFrom(artist, dave, approved), artist)
    assert chain.refusal(buy(approved, token, PRICE), carol) == ("NotListed", (approved,))
    assert chain.refusal(buy(approved, token, PRICE), artist) == ("NotListed", (approved,))


def test_a_native_sale_needs_exactly_the_price_as_value(
    chain: Chain, distributor: Contract, carol: str, listed: int
) -> None:
    buy = distributor.functions.buyEdition(listed, ZERO, PRICE)
    assert chain.refusal(buy, carol) == ("WrongPayment", (PRICE, 0))
    assert chain.refusal(buy, carol, value=PRICE + 1) == ("WrongPayment", (PRICE, PRICE + 1))
