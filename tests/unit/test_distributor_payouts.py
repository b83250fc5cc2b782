"""Royalty distributor rules, run through the platform: royalties paid in from outside DCMX,
and pull payouts."""

from __future__ import annotations

import pytest

from dcmx_core import commands as c
from dcmx_core.events import PayoutCredited, PayoutWithdrawn, RoyaltyReceived, TokensTransferred
from dcmx_core.exceptions import (
    InsufficientAllowance,
    InsufficientBalance,
    NothingToWithdraw,
    OutOfRange,
    PaymentNotReceived,
    UnknownRelease,
    UnsupportedCurrency,
    WrongPayment,
)
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.platform import Platform
from tests.factories import ALICE, BOB, CAROL, DAVE
from tests.unit.market import (
    DCMX,
    DISTRIBUTOR,
    PRICE,
    SPLIT,
    USD,
    ShortDelivery,
    market,
    observable,
    refused,
    run,
    sold_to_carol,
)


@pytest.fixture
def platform() -> Platform:
    return market()


# --- royalties paid in ----------------------------------------------------------------------


def test_a_royalty_paid_in_native_coin_is_shared_by_the_split(platform: Platform) -> None:
    events = run(platform, DAVE, c.PayRoyalty(1, NATIVE, 1_000, 1_000))
    assert events == [
        RoyaltyReceived(1, 1, DAVE, NATIVE, 1_000),
        PayoutCredited(1, ALICE, NATIVE, 800, SPLIT),
        PayoutCredited(1, BOB, NATIVE, 200, SPLIT),
    ]
    assert platform.native[DISTRIBUTOR] == 1_000


def test_a_royalty_paid_in_a_token_is_pulled_from_the_payer(platform: Platform) -> None:
    run(platform, DAVE, c.Approve(DISTRIBUTOR, 1_000, token=USD))
    run(platform, DAVE, c.PayRoyalty(1, USD, 1_000))
    assert platform.payment_tokens[USD].balance_of(DISTRIBUTOR) == 1_000
    assert platform.royalties.payout_of(ALICE, USD) == 800


def test_a_royalty_credits_what_arrived_and_nothing_else(platform: Platform) -> None:
    run(platform, DAVE, c.Approve(DISTRIBUTOR, 1_000, token=USD))
    events = platform.royalties.pay_royalty(DAVE, 1, USD, 1_000, 0, ShortDelivery(platform, 600))
    assert events == [
        RoyaltyReceived(1, 1, DAVE, USD, 600),
        PayoutCredited(1, ALICE, USD, 480, SPLIT),
        PayoutCredited(1, BOB, USD, 120, SPLIT),
    ]


def test_pay_royalty_refuses_a_payment_of_which_nothing_arrived(platform: Platform) -> None:
    run(platform, DAVE, c.Approve(DISTRIBUTOR, 1_000, token=USD))
    before = observable(platform)
    with pytest.raises(PaymentNotReceived) as caught:
        platform.royalties.pay_royalty(DAVE, 1, USD, 1_000, 0, ShortDelivery(platform, 0))
    assert caught.value.details == {"expected": 1_000, "received": 0}
    assert observable(platform) == before


def test_settlements_are_numbered_in_order(platform: Platform) -> None:
    run(platform, DAVE, c.PayRoyalty(1, NATIVE, 10, 10))
    events = run(platform, DAVE, c.PayRoyalty(1, NATIVE, 10, 10))
    assert events[0] == RoyaltyReceived(2, 1, DAVE, NATIVE, 10)


def test_pay_royalty_refuses_an_unknown_release(platform: Platform) -> None:
    refused(platform, DAVE, c.PayRoyalty(2, NATIVE, 10, 10), UnknownRelease)


def test_pay_royalty_refuses_an_unsupported_currency(platform: Platform) -> None:
    refused(platform, DAVE, c.PayRoyalty(1, CAROL, 10), UnsupportedCurrency)


def test_pay_royalty_refuses_a_zero_amount(platform: Platform) -> None:
    refused(platform, DAVE, c.PayRoyalty(1, NATIVE, 0), OutOfRange)


def test_pay_royalty_in_native_coin_refuses_a_value_other_than_the_amount(
    platform: Platform,
) -> None:
    error = refused(platform, DAVE, c.PayRoyalty(1, NATIVE, 10, 9), WrongPayment)
    assert error.details == {"expected": 10, "paid": 9}


def test_pay_royalty_in_a_token_refuses_native_coin_sent_along(platform: Platform) -> None:
    run(platform, DAVE, c.Approve(DISTRIBUTOR, 10, token=USD))
    refused(platform, DAVE, c.PayRoyalty(1, USD, 10, 10), WrongPayment)


def test_pay_royalty_refuses_a_payer_who_has_not_approved_it(platform: Platform) -> None:
    refused(platform, DAVE, c.PayRoyalty(1, USD, 10), InsufficientAllowance)


# --- withdrawals ----------------------------------------------------------------------------


def test_a_recipient_withdraws_their_native_payout(platform: Platform) -> None:
    sold_to_carol(platform)
    assert run(platform, ALICE, c.Withdraw(NATIVE)) == [PayoutWithdrawn(ALICE, NATIVE, 7_800)]
    assert (platform.native[ALICE], platform.native[DISTRIBUTOR]) == (7_800, PRICE - 7_800)


def test_a_withdrawal_empties_the_payout(platform: Platform) -> None:
    run(sold_to_carol(platform), ALICE, c.Withdraw(NATIVE))
    assert platform.royalties.payout_of(ALICE, NATIVE) == 0


def test_a_withdrawal_in_dcmx_shows_the_token_transfer(platform: Platform) -> None:
    run(platform, DAVE, c.Approve(DISTRIBUTOR, 1_000))
    run(platform, DAVE, c.PayRoyalty(1, DCMX, 1_000))
    assert run(platform, BOB, c.Withdraw(DCMX)) == [
        TokensTransferred(DISTRIBUTOR, BOB, 200),
        PayoutWithdrawn(BOB, DCMX, 200),
    ]


def test_payouts_are_kept_per_currency(platform: Platform) -> None:
    run(sold_to_carol(platform), DAVE, c.Approve(DISTRIBUTOR, 1_000, token=USD))
    run(platform, DAVE, c.PayRoyalty(1, USD, 1_000))
    run(platform, BOB, c.Withdraw(NATIVE))
    assert platform.royalties.payout_of(BOB, USD) == 200


def test_withdraw_refuses_an_account_that_is_owed_nothing(platform: Platform) -> None:
    error = refused(sold_to_carol(platform), CAROL, c.Withdraw(NATIVE), NothingToWithdraw)
    assert error.details == {"account": CAROL, "currency": NATIVE}


def test_withdraw_refuses_a_second_withdrawal(platform: Platform) -> None:
    run(sold_to_carol(platform), ALICE, c.Withdraw(NATIVE))
    refused(platform, ALICE, c.Withdraw(NATIVE), NothingToWithdraw)


def test_a_payout_that_cannot_be_sent_stays_owed(platform: Platform) -> None:
    sold_to_carol(platform).native[DISTRIBUTOR] = 0
    refused(platform, ALICE, c.Withdraw(NATIVE), InsufficientBalance)
