"""Royalty distributor rules, run through the platform: the fee, listings and sales."""

from __future__ import annotations

import pytest

from dcmx_core import commands as c
from dcmx_core.events import (
    AllowanceApproved,
    EditionListed,
    EditionSold,
    EditionTransferred,
    ListingCancelled,
    PayoutCredited,
    PlatformFeeSet,
    TokensTransferred,
)
from dcmx_core.exceptions import (
    BuyerIsSeller,
    InsufficientAllowance,
    InsufficientBalance,
    NotAdmin,
    NotListed,
    NotOwnerNorApproved,
    OutOfRange,
    PaymentNotReceived,
    UnknownToken,
    UnsupportedCurrency,
    WrongCurrency,
    WrongPayment,
    ZeroAddress,
)
from dcmx_core.model.distributor import NATIVE, Listing
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.platform import Platform
from dcmx_core.model.values import ZERO_ADDRESS
from tests.factories import ADMIN, ALICE, BOB, CAROL, DAVE
from tests.unit.market import (
    DCMX,
    DISTRIBUTOR,
    EDITION,
    FEE,
    PRICE,
    PROCEEDS,
    SPLIT,
    USD,
    WALLET,
    ShortDelivery,
    listed,
    market,
    observable,
    refused,
    run,
    sold_to_carol,
)


@pytest.fixture
def platform() -> Platform:
    return market()


# --- platform fee ---------------------------------------------------------------------------


def test_a_new_distributor_charges_2_5_percent_to_its_deployer(platform: Platform) -> None:
    assert (platform.royalties.fee_bps, platform.royalties.treasury) == (250, ADMIN)


def test_the_admin_sets_the_fee_and_treasury(platform: Platform) -> None:
    assert run(platform, ADMIN, c.SetPlatformFee(1_000, DAVE)) == [PlatformFeeSet(1_000, DAVE)]
    assert (platform.royalties.fee_bps, platform.royalties.treasury) == (1_000, DAVE)


def test_set_platform_fee_refuses_a_sender_who_is_not_the_admin(platform: Platform) -> None:
    refused(platform, ALICE, c.SetPlatformFee(100, ALICE), NotAdmin)


@pytest.mark.parametrize("fee_bps", [-1, 1_001])
def test_set_platform_fee_refuses_a_fee_outside_0_to_1000_bps(
    platform: Platform, fee_bps: int
) -> None:
    refused(platform, ADMIN, c.SetPlatformFee(fee_bps, DAVE), OutOfRange)


def test_set_platform_fee_refuses_the_zero_treasury(platform: Platform) -> None:
    refused(platform, ADMIN, c.SetPlatformFee(100, ZERO_ADDRESS), ZeroAddress)


# --- listings -------------------------------------------------------------------------------


def test_the_owner_lists_an_edition_the_distributor_may_move(platform: Platform) -> None:
    events = run(platform, ALICE, c.ListEdition(EDITION, USD, 500))
    assert events == [EditionListed(EDITION, ALICE, USD, 500)]
    assert platform.royalties.listing(EDITION) == Listing(ALICE, USD, 500)


def test_listing_again_changes_the_price(platform: Platform) -> None:
    run(listed(platform), ALICE, c.ListEdition(EDITION, DCMX, 700))
    assert platform.royalties.listing(EDITION) == Listing(ALICE, DCMX, 700)


def test_an_operator_approval_lets_the_distributor_sell(platform: Platform) -> None:
    run(platform, ALICE, c.ApproveEdition(ZERO_ADDRESS, EDITION))
    run(platform, ALICE, c.SetOperator(DISTRIBUTOR, True))
    assert run(platform, ALICE, c.ListEdition(EDITION, NATIVE, 9)) == [
        EditionListed(EDITION, ALICE, NATIVE, 9)
    ]


def test_list_refuses_a_sender_who_is_not_the_owner(platform: Platform) -> None:
    error = refused(platform, BOB, c.ListEdition(EDITION, NATIVE, PRICE), NotOwnerNorApproved)
    assert error.details == {"account": BOB, "token_id": EDITION}


def test_list_refuses_an_edition_the_distributor_may_not_move(platform: Platform) -> None:
    run(platform, ALICE, c.ApproveEdition(ZERO_ADDRESS, EDITION))
    error = refused(platform, ALICE, c.ListEdition(EDITION, NATIVE, PRICE), NotOwnerNorApproved)
    assert error.details == {"account": DISTRIBUTOR, "token_id": EDITION}


def test_list_refuses_an_unknown_token(platform: Platform) -> None:
    refused(platform, ALICE, c.ListEdition(token_id_of(1, 2), NATIVE, PRICE), UnknownToken)


def test_list_refuses_an_unsupported_currency(platform: Platform) -> None:
    error = refused(platform, ALICE, c.ListEdition(EDITION, DAVE, PRICE), UnsupportedCurrency)
    assert error.details == {"currency": DAVE}


def test_list_refuses_a_zero_price(platform: Platform) -> None:
    refused(platform, ALICE, c.ListEdition(EDITION, NATIVE, 0), OutOfRange)


def test_the_seller_cancels_their_listing(platform: Platform) -> None:
    assert run(listed(platform), ALICE, c.CancelListing(EDITION)) == [
        ListingCancelled(EDITION, ALICE)
    ]
    assert platform.royalties.listing(EDITION) is None


def test_cancel_refuses_an_edition_that_is_not_listed(platform: Platform) -> None:
    refused(platform, ALICE, c.CancelListing(EDITION), NotListed)


def test_cancel_refuses_anyone_but_the_seller(platform: Platform) -> None:
    refused(listed(platform), ADMIN, c.CancelListing(EDITION), NotOwnerNorApproved)


# --- buying ---------------------------------------------------------------------------------


def test_a_primary_sale_shares_everything_after_the_fee_by_the_split(platform: Platform) -> None:
    events = run(listed(platform), CAROL, c.BuyEdition(EDITION, NATIVE, PRICE, PRICE))
    assert events == [
        EditionTransferred(ALICE, CAROL, EDITION),
        EditionSold(1, 1, EDITION, ALICE, CAROL, NATIVE, PRICE, True),
        PayoutCredited(1, ADMIN, NATIVE, 250, FEE),
        PayoutCredited(1, ALICE, NATIVE, 7_800, SPLIT),
        PayoutCredited(1, BOB, NATIVE, 1_950, SPLIT),
    ]


def test_a_sale_moves_the_edition_and_the_payment_and_ends_the_listing(
    platform: Platform,
) -> None:
    sold_to_carol(platform)
    assert platform.nft.owner_of(EDITION) == CAROL
    assert (platform.native[CAROL], platform.native[DISTRIBUTOR]) == (WALLET - PRICE, PRICE)
    assert platform.royalties.listing(EDITION) is None


def test_a_resale_shares_the_royalty_and_pays_the_seller_the_rest(platform: Platform) -> None:
    sold_to_carol(platform)
    run(platform, CAROL, c.ApproveEdition(DISTRIBUTOR, EDITION))
    run(platform, CAROL, c.ListEdition(EDITION, USD, 20_000))
    run(platform, DAVE, c.Approve(DISTRIBUTOR, 20_000, token=USD))
    events = run(platform, DAVE, c.BuyEdition(EDITION, USD, 20_000))
    assert events == [
        EditionTransferred(CAROL, DAVE, EDITION),
        EditionSold(2, 1, EDITION, CAROL, DAVE, USD, 20_000, False),
        PayoutCredited(2, ADMIN, USD, 500, FEE),
        PayoutCredited(2, ALICE, USD, 1_600, SPLIT),
        PayoutCredited(2, BOB, USD, 400, SPLIT),
        PayoutCredited(2, CAROL, USD, 17_500, PROCEEDS),
    ]


def test_a_sale_in_a_token_pulls_the_price_from_the_buyer(platform: Platform) -> None:
    run(listed(platform, USD), CAROL, c.Approve(DISTRIBUTOR, PRICE, token=USD))
    run(platform, CAROL, c.BuyEdition(EDITION, USD, PRICE))
    usd = platform.payment_tokens[USD]
    assert (usd.balance_of(CAROL), usd.balance_of(DISTRIBUTOR)) == (WALLET - PRICE, PRICE)


def test_a_sale_in_dcmx_shows_the_token_transfer_first(platform: Platform) -> None:
    assert run(listed(platform, DCMX), CAROL, c.Approve(DISTRIBUTOR, PRICE)) == [
        AllowanceApproved(CAROL, DISTRIBUTOR, PRICE)
    ]
    events = run(platform, CAROL, c.BuyEdition(EDITION, DCMX, PRICE))
    assert events[:2] == [
        TokensTransferred(CAROL, DISTRIBUTOR, PRICE),
        EditionTransferred(ALICE, CAROL, EDITION),
    ]


def test_a_credit_of_nothing_is_not_recorded(platform: Platform) -> None:
    run(platform, ADMIN, c.SetPlatformFee(0, ADMIN))
    events = run(listed(platform), CAROL, c.BuyEdition(EDITION, NATIVE, PRICE, PRICE))
    assert [e for e in events if isinstance(e, PayoutCredited)] == [
        PayoutCredited(1, ALICE, NATIVE, 8_000, SPLIT),
        PayoutCredited(1, BOB, NATIVE, 2_000, SPLIT),
    ]
    assert (ADMIN, NATIVE) not in platform.royalties.payouts


def test_buy_refuses_an_edition_that_is_not_listed(platform: Platform) -> None:
    error = refused(platform, CAROL, c.BuyEdition(EDITION, NATIVE, PRICE, PRICE), NotListed)
    assert error.details == {"token_id": EDITION}


def test_buy_refuses_a_listing_whose_seller_no_longer_owns_the_edition(
    platform: Platform,
) -> None:
    run(listed(platform), ALICE, c.TransferEdition(ALICE, DAVE, EDITION))
    refused(platform, CAROL, c.BuyEdition(EDITION, NATIVE, PRICE, PRICE), NotListed)


def test_buy_refuses_the_seller_buying_their_own_listing(platform: Platform) -> None:
    platform.native[ALICE] = WALLET
    error = refused(
        listed(platform), ALICE, c.BuyEdition(EDITION, NATIVE, PRICE, PRICE), BuyerIsSeller
    )
    assert error.details == {"buyer": ALICE, "token_id": EDITION}


def test_the_sellers_own_purchase_is_refused_before_its_currency_and_price(
    platform: Platform,
) -> None:
    platform.native[ALICE] = WALLET
    refused(listed(platform, USD), ALICE, c.BuyEdition(EDITION, DCMX, PRICE - 1, 1), BuyerIsSeller)


def test_a_former_seller_meets_a_listing_that_is_no_longer_one(platform: Platform) -> None:
    platform.native[ALICE] = WALLET
    run(listed(platform), ALICE, c.TransferEdition(ALICE, DAVE, EDITION))
    refused(platform, ALICE, c.BuyEdition(EDITION, NATIVE, PRICE, PRICE), NotListed)


def test_buy_refuses_another_currency_than_the_listings(platform: Platform) -> None:
    error = refused(listed(platform, USD), CAROL, c.BuyEdition(EDITION, DCMX, PRICE), WrongCurrency)
    assert error.details == {"expected": USD, "given": DCMX}


def test_buy_refuses_another_price_than_the_listed_one(platform: Platform) -> None:
    command = c.BuyEdition(EDITION, NATIVE, PRICE - 1, PRICE - 1)
    error = refused(listed(platform), CAROL, command, WrongPayment)
    assert error.details == {"expected": PRICE, "paid": PRICE - 1}


def test_buy_in_native_coin_refuses_a_value_other_than_the_price(platform: Platform) -> None:
    command = c.BuyEdition(EDITION, NATIVE, PRICE, PRICE + 1)
    error = refused(listed(platform), CAROL, command, WrongPayment)
    assert error.details == {"expected": PRICE, "paid": PRICE + 1}


def test_buy_in_a_token_refuses_native_coin_sent_along(platform: Platform) -> None:
    run(listed(platform, USD), CAROL, c.Approve(DISTRIBUTOR, PRICE, token=USD))
    error = refused(platform, CAROL, c.BuyEdition(EDITION, USD, PRICE, 1), WrongPayment)
    assert error.details == {"expected": 0, "paid": 1}


def test_buy_refuses_when_the_distributor_lost_its_approval(platform: Platform) -> None:
    run(listed(platform), ALICE, c.ApproveEdition(BOB, EDITION))
    command = c.BuyEdition(EDITION, NATIVE, PRICE, PRICE)
    error = refused(platform, CAROL, command, NotOwnerNorApproved)
    assert error.details == {"account": DISTRIBUTOR, "token_id": EDITION}


def test_buy_refuses_a_buyer_who_has_not_approved_the_price(platform: Platform) -> None:
    run(listed(platform, USD), CAROL, c.Approve(DISTRIBUTOR, PRICE - 1, token=USD))
    refused(platform, CAROL, c.BuyEdition(EDITION, USD, PRICE), InsufficientAllowance)


def test_buy_refuses_a_buyer_without_the_tokens(platform: Platform) -> None:
    run(listed(platform, USD, WALLET + 1), CAROL, c.Approve(DISTRIBUTOR, WALLET + 1, token=USD))
    refused(platform, CAROL, c.BuyEdition(EDITION, USD, WALLET + 1), InsufficientBalance)


def test_buy_refuses_a_payment_that_arrives_short(platform: Platform) -> None:
    run(listed(platform, USD), CAROL, c.Approve(DISTRIBUTOR, PRICE, token=USD))
    before = observable(platform)
    with pytest.raises(PaymentNotReceived) as caught:
        platform.royalties.buy(CAROL, EDITION, USD, PRICE, 0, ShortDelivery(platform, PRICE - 1))
    assert caught.value.details == {"expected": PRICE, "received": PRICE - 1}
    assert observable(platform) == before
