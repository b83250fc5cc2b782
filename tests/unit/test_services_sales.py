"""The catalog and sales use cases against the in-memory ledger: publishing, minting, offering,
buying in every kind of currency, paying royalties in and withdrawing."""

from __future__ import annotations

import pytest

from dcmx_core.commands import Approve
from dcmx_core.events import EditionListed, OperatorSet
from dcmx_core.exceptions import BuyerIsSeller, NotListed
from dcmx_core.model.distributor import NATIVE, Listing
from dcmx_core.model.nft import token_id_of
from dcmx_core.services import catalog, sales
from tests.unit.ledger_world import (
    ARTIST,
    BO,
    BUYER,
    COIN,
    CY,
    DCMX,
    OPERATOR,
    SPLIT,
    USDT,
    World,
    artists_edition,
    events_after,
    give_dcmx,
    memory_world,
    publish,
)


@pytest.fixture
def world() -> World:
    return memory_world()


# --- catalog --------------------------------------------------------------------------------


def test_publish_release_returns_the_new_release_id(world: World) -> None:
    assert [publish(world.ledger, "One"), publish(world.ledger, "Two")] == [1, 2]


def test_a_published_release_is_on_the_ledger(world: World) -> None:
    release = world.ledger.release(publish(world.ledger))
    assert (release.artist, release.royalty_bps, release.split) == (ARTIST.address, 1_000, SPLIT)
    assert world.ledger.release_count() == 1


def test_mint_edition_returns_the_token_ids_in_order(world: World) -> None:
    release_id = publish(world.ledger)
    minted = [
        catalog.mint_edition(world.ledger, OPERATOR.address, release_id, BUYER.address)
        for _ in range(3)
    ]
    assert minted == [token_id_of(release_id, edition) for edition in (1, 2, 3)]
    assert {world.ledger.owner_of(token) for token in minted} == {BUYER.address}


# --- offering -------------------------------------------------------------------------------


def test_a_first_offer_lets_the_distributor_operate_then_lists(world: World) -> None:
    token = artists_edition(world.ledger)
    before = world.ledger.head().number
    sales.offer_edition(world.ledger, ARTIST.address, token, NATIVE, COIN)
    kinds = [type(e) for e in events_after(world.ledger, before)]
    assert kinds == [OperatorSet, EditionListed]
    assert world.ledger.is_operator(ARTIST.address, world.ledger.deployment.royalties)


def test_a_later_offer_does_not_set_the_operator_again(world: World) -> None:
    token = artists_edition(world.ledger)
    sales.offer_edition(world.ledger, ARTIST.address, token, NATIVE, COIN)
    before = world.ledger.head().number
    sales.offer_edition(world.ledger, ARTIST.address, token, NATIVE, 2 * COIN)
    assert world.ledger.head().number == before + 1
    assert [type(e) for e in events_after(world.ledger, before)] == [EditionListed]


def test_an_offer_lists_the_edition_at_its_price_and_currency(world: World) -> None:
    token = artists_edition(world.ledger)
    sales.offer_edition(world.ledger, ARTIST.address, token, NATIVE, 3 * COIN)
    assert world.ledger.listing(token) == Listing(ARTIST.address, NATIVE, 3 * COIN)


# --- buying ---------------------------------------------------------------------------------


def test_buying_in_native_coin_moves_the_edition_and_the_coin(world: World) -> None:
    ledger = world.ledger
    token = artists_edition(ledger)
    sales.offer_edition(ledger, ARTIST.address, token, NATIVE, COIN)
    sold = sales.buy_edition(ledger, BUYER.address, token)
    assert (sold.token_id, sold.buyer, sold.currency, sold.price) == (
        token,
        BUYER.address,
        NATIVE,
        COIN,
    )
    assert ledger.owner_of(token) == BUYER.address
    assert ledger.native_balance(BUYER.address) == 9 * COIN
    assert ledger.native_balance(ledger.deployment.royalties) == COIN
    assert ledger.listing(token) is None


def test_buying_in_the_dcmx_token_pays_the_distributor_in_dcmx(world: World) -> None:
    ledger = world.ledger
    token = artists_edition(ledger)
    give_dcmx(ledger, BUYER.address, 100 * DCMX)
    sales.offer_edition(ledger, ARTIST.address, token, ledger.deployment.token, 40 * DCMX)
    sold = sales.buy_edition(ledger, BUYER.address, token)
    assert (sold.currency, ledger.owner_of(token)) == (ledger.deployment.token, BUYER.address)
    assert ledger.token_balance(BUYER.address) == 60 * DCMX
    assert ledger.token_balance(ledger.deployment.royalties) == 40 * DCMX


def test_buying_in_dcmx_approves_only_when_the_allowance_falls_short(world: World) -> None:
    ledger = world.ledger
    token = artists_edition(ledger)
    give_dcmx(ledger, BUYER.address, 100 * DCMX)
    sales.offer_edition(ledger, ARTIST.address, token, ledger.deployment.token, 40 * DCMX)
    ledger.execute(BUYER.address, Approve(ledger.deployment.royalties, 100 * DCMX))
    before = ledger.head().number
    sales.buy_edition(ledger, BUYER.address, token)
    assert ledger.head().number == before + 1


def test_buying_in_a_payment_token_pays_the_distributor_in_it(world: World) -> None:
    ledger = world.ledger
    usdt = ledger.deploy_payment_token("USDT")
    ledger.mint_payment_token(usdt, BUYER.address, 1_000 * USDT)
    token = artists_edition(ledger)
    sales.offer_edition(ledger, ARTIST.address, token, usdt, 500 * USDT)
    sold = sales.buy_edition(ledger, BUYER.address, token)
    assert (sold.currency, ledger.owner_of(token)) == (usdt, BUYER.address)
    assert ledger.balance_in(usdt, BUYER.address) == 500 * USDT
    assert ledger.balance_in(usdt, ledger.deployment.royalties) == 500 * USDT


def test_buying_an_edition_nobody_listed_is_not_listed(world: World) -> None:
    token = artists_edition(world.ledger)
    head = world.ledger.head()
    with pytest.raises(NotListed):
        sales.buy_edition(world.ledger, BUYER.address, token)
    assert world.ledger.head() == head
    assert world.ledger.owner_of(token) == ARTIST.address


def test_a_seller_buying_their_own_listing_is_refused_before_any_approval(world: World) -> None:
    ledger = world.ledger
    token = artists_edition(ledger)
    give_dcmx(ledger, ARTIST.address, 100 * DCMX)
    sales.offer_edition(ledger, ARTIST.address, token, ledger.deployment.token, 40 * DCMX)
    head = ledger.head()
    with pytest.raises(BuyerIsSeller):
        sales.buy_edition(ledger, ARTIST.address, token)
    assert ledger.head() == head
    assert ledger.allowance(ARTIST.address, ledger.deployment.royalties) == 0


# --- royalties and payouts ------------------------------------------------------------------


def test_royalties_paid_in_are_credited_to_the_split_exactly(world: World) -> None:
    ledger = world.ledger
    release_id = publish(ledger)
    paid = sales.pay_royalties(ledger, BUYER.address, release_id, NATIVE, 1_000_003)
    credited = [ledger.payout(who.address, NATIVE) for who in (ARTIST, BO, CY)]
    # floor of each share, and the 2 units of remainder to the first recipient
    assert credited == [500_003, 300_000, 200_000]
    assert sum(credited) == paid.amount == 1_000_003


def test_royalties_paid_in_a_payment_token_are_credited_to_the_split(world: World) -> None:
    ledger = world.ledger
    usdt = ledger.deploy_payment_token("USDT")
    ledger.mint_payment_token(usdt, BUYER.address, 100 * USDT)
    release_id = publish(ledger)
    sales.pay_royalties(ledger, BUYER.address, release_id, usdt, 100 * USDT)
    credited = [ledger.payout(who.address, usdt) for who in (ARTIST, BO, CY)]
    assert credited == [50 * USDT, 30 * USDT, 20 * USDT]
    assert ledger.balance_in(usdt, ledger.deployment.royalties) == 100 * USDT


def test_withdraw_returns_the_amount_and_pays_the_native_coin(world: World) -> None:
    ledger = world.ledger
    sales.pay_royalties(ledger, BUYER.address, publish(ledger), NATIVE, COIN)
    before = ledger.native_balance(BO.address)
    amount = sales.withdraw(ledger, BO.address, NATIVE)
    assert amount == 3 * COIN // 10
    assert ledger.native_balance(BO.address) == before + amount
    assert ledger.payout(BO.address, NATIVE) == 0


def test_withdraw_pays_a_payment_token(world: World) -> None:
    ledger = world.ledger
    usdt = ledger.deploy_payment_token("USDT")
    ledger.mint_payment_token(usdt, BUYER.address, 100 * USDT)
    sales.pay_royalties(ledger, BUYER.address, publish(ledger), usdt, 100 * USDT)
    assert sales.withdraw(ledger, CY.address, usdt) == 20 * USDT
    assert ledger.balance_in(usdt, CY.address) == 20 * USDT
    assert ledger.balance_in(usdt, ledger.deployment.royalties) == 80 * USDT
