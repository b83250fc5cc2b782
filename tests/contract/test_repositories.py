"""The contract of the market read models: releases and editions, token balances, sales and
payouts, reward claims and the indexer's checkpoints.

The ``repositories`` fixture (tests/contract/conftest.py) runs each test once per
implementation; the records are the real read models.
"""

from __future__ import annotations

import attrs
import pytest

from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import ClaimStatus
from dcmx_core.ports import (
    BalanceRepository,
    CheckpointRepository,
    ClaimRepository,
    ReleaseRepository,
    SaleRepository,
)
from dcmx_core.read_models import Checkpoint, PayoutRecord
from tests.contract.records import (
    CHAIN,
    OTHER_CHAIN,
    USDT,
    block_hash,
    claim,
    edition,
    release,
    sale,
)
from tests.factories import ALICE, BOB, CAROL, DAVE

# --- releases and editions ------------------------------------------------------------------


def test_a_saved_release_is_found_by_its_id(releases: ReleaseRepository) -> None:
    releases.save_release(release(1))
    assert releases.get_release(1) == release(1)


def test_an_unknown_release_is_none(releases: ReleaseRepository) -> None:
    assert releases.get_release(1) is None


def test_saving_a_release_again_replaces_it(releases: ReleaseRepository) -> None:
    releases.save_release(release(1))
    releases.save_release(release(1, minted=2))
    assert releases.get_release(1) == release(1, minted=2)
    assert releases.list_releases() == [release(1, minted=2)]


def test_releases_are_listed_by_id(releases: ReleaseRepository) -> None:
    for release_id in (3, 1, 2):
        releases.save_release(release(release_id))
    assert releases.list_releases() == [release(1), release(2), release(3)]


def test_releases_page_by_keyset(releases: ReleaseRepository) -> None:
    for release_id in range(1, 8):
        releases.save_release(release(release_id))
    assert releases.list_releases(after=2, limit=3) == [release(3), release(4), release(5)]


def test_a_saved_edition_is_found_by_its_token_id(releases: ReleaseRepository) -> None:
    releases.save_edition(edition(1_000_001))
    assert releases.get_edition(1_000_001) == edition(1_000_001)


def test_an_unknown_edition_is_none(releases: ReleaseRepository) -> None:
    assert releases.get_edition(1_000_001) is None


def test_editions_of_an_owner_are_theirs_by_token_id(releases: ReleaseRepository) -> None:
    for token_id, owner in ((1_000_003, ALICE), (1_000_001, ALICE), (1_000_002, BOB)):
        releases.save_edition(edition(token_id, owner))
    assert releases.editions_of_owner(ALICE) == [edition(1_000_001), edition(1_000_003)]


def test_editions_of_an_owner_page_by_keyset(releases: ReleaseRepository) -> None:
    for token_id in range(1_000_001, 1_000_008):
        releases.save_edition(edition(token_id, ALICE if token_id % 2 else BOB))
    page = releases.editions_of_owner(ALICE, after=1_000_001, limit=2)
    assert page == [edition(1_000_003), edition(1_000_005)]


def test_saving_an_edition_again_moves_it_to_its_new_owner(releases: ReleaseRepository) -> None:
    releases.save_edition(edition(1_000_001, ALICE))
    releases.save_edition(edition(1_000_001, BOB))
    assert releases.editions_of_owner(ALICE) == []
    assert releases.editions_of_owner(BOB) == [edition(1_000_001, BOB)]


def test_editions_of_a_release_are_its_own_by_token_id(releases: ReleaseRepository) -> None:
    for token_id, release_id in ((1_000_002, 1), (2_000_001, 2), (1_000_001, 1)):
        releases.save_edition(edition(token_id, release_id=release_id))
    assert releases.editions_of_release(1) == [
        edition(1_000_001, release_id=1),
        edition(1_000_002, release_id=1),
    ]


# --- token balances -------------------------------------------------------------------------


def test_an_account_never_set_has_a_zero_balance(balances: BalanceRepository) -> None:
    assert balances.balance(ALICE) == 0


def test_setting_a_balance_replaces_it(balances: BalanceRepository) -> None:
    balances.set_balance(ALICE, 5)
    balances.set_balance(ALICE, 3)
    assert balances.balance(ALICE) == 3


def test_holders_are_the_largest_balances_first(balances: BalanceRepository) -> None:
    for account, amount in ((ALICE, 10), (BOB, 30), (CAROL, 20)):
        balances.set_balance(account, amount)
    assert balances.holders() == [(BOB, 30), (CAROL, 20), (ALICE, 10)]


def test_holders_with_equal_balances_are_ordered_by_address(balances: BalanceRepository) -> None:
    for account in (ALICE, BOB, CAROL, DAVE):
        balances.set_balance(account, 7)
    assert balances.holders() == [(a, 7) for a in sorted((ALICE, BOB, CAROL, DAVE))]


def test_holders_are_at_most_limit(balances: BalanceRepository) -> None:
    for amount, account in enumerate((ALICE, BOB, CAROL, DAVE), start=1):
        balances.set_balance(account, amount)
    assert balances.holders(limit=2) == [(DAVE, 4), (CAROL, 3)]


def test_a_balance_set_to_zero_reads_zero(balances: BalanceRepository) -> None:
    balances.set_balance(ALICE, 5)
    balances.set_balance(ALICE, 0)
    assert balances.balance(ALICE) == 0


def test_an_account_with_a_zero_balance_is_no_holder(balances: BalanceRepository) -> None:
    balances.set_balance(ALICE, 5)
    balances.set_balance(BOB, 0)
    balances.set_balance(ALICE, 0)
    assert balances.holders() == []


# --- sales and payouts ----------------------------------------------------------------------


def test_sales_of_a_release_are_its_own_by_settlement(sales: SaleRepository) -> None:
    for record in (sale(3), sale(2, release_id=2), sale(1)):
        sales.add_sale(record)
    assert sales.sales_of_release(1) == [sale(1), sale(3)]


def test_adding_a_sale_again_stores_it_once(sales: SaleRepository) -> None:
    sales.add_sale(sale(1))
    sales.add_sale(sale(1))
    assert sales.sales_of_release(1) == [sale(1)]


def test_a_release_without_sales_has_none(sales: SaleRepository) -> None:
    assert sales.sales_of_release(1) == []


def test_an_unknown_payout_is_none(sales: SaleRepository) -> None:
    assert sales.payout(ALICE, NATIVE) is None


def test_payouts_are_kept_per_recipient_and_currency(sales: SaleRepository) -> None:
    coin, usdt = PayoutRecord(ALICE, NATIVE, 900, 0), PayoutRecord(ALICE, USDT, 50, 0)
    bob = PayoutRecord(BOB, NATIVE, 100, 0)
    for payout in (coin, usdt, bob):
        sales.save_payout(payout)
    assert (sales.payout(ALICE, NATIVE), sales.payout(ALICE, USDT)) == (coin, usdt)
    assert sales.payout(BOB, NATIVE) == bob


def test_saving_a_payout_again_updates_what_is_pending(sales: SaleRepository) -> None:
    sales.save_payout(PayoutRecord(ALICE, NATIVE, 900, 0))
    sales.save_payout(PayoutRecord(ALICE, NATIVE, 1_500, 900))
    found = sales.payout(ALICE, NATIVE)
    assert found is not None
    assert (found.credited, found.withdrawn, found.pending) == (1_500, 900, 600)


def test_payouts_of_a_recipient_are_theirs_by_currency(sales: SaleRepository) -> None:
    usdt, coin = PayoutRecord(ALICE, USDT, 50, 10), PayoutRecord(ALICE, NATIVE, 900, 0)
    for payout in (usdt, PayoutRecord(BOB, NATIVE, 100, 0), coin):
        sales.save_payout(payout)
    assert sales.payouts_of(ALICE) == sorted([usdt, coin], key=lambda p: p.currency)


# --- reward claims --------------------------------------------------------------------------


def test_a_saved_claim_is_found_by_its_id(claims: ClaimRepository) -> None:
    claims.save_claim(claim(1))
    assert claims.get_claim(1) == claim(1)


def test_an_unknown_claim_is_none(claims: ClaimRepository) -> None:
    assert claims.get_claim(1) is None


def test_saving_a_claim_again_records_its_new_status(claims: ClaimRepository) -> None:
    claims.save_claim(claim(1))
    claims.save_claim(claim(1, status=ClaimStatus.PAID))
    assert claims.get_claim(1) == claim(1, status=ClaimStatus.PAID)
    assert claims.claims_of(ALICE) == [claim(1, status=ClaimStatus.PAID)]


def test_claims_of_a_user_are_theirs_by_id(claims: ClaimRepository) -> None:
    for record in (claim(3), claim(2, BOB), claim(1)):
        claims.save_claim(record)
    assert claims.claims_of(ALICE) == [claim(1), claim(3)]


# --- checkpoints ----------------------------------------------------------------------------


def test_a_chain_never_indexed_has_no_checkpoint(checkpoints: CheckpointRepository) -> None:
    assert checkpoints.get_checkpoint(CHAIN) is None


def test_setting_a_checkpoint_replaces_the_last(checkpoints: CheckpointRepository) -> None:
    checkpoints.set_checkpoint(Checkpoint(CHAIN, 10, block_hash("10")))
    checkpoints.set_checkpoint(Checkpoint(CHAIN, 12, block_hash("12")))
    assert checkpoints.get_checkpoint(CHAIN) == Checkpoint(CHAIN, 12, block_hash("12"))


def test_checkpoints_are_kept_per_chain(checkpoints: CheckpointRepository) -> None:
    checkpoints.set_checkpoint(Checkpoint(CHAIN, 10, block_hash("evm 10")))
    checkpoints.set_checkpoint(Checkpoint(OTHER_CHAIN, 3, block_hash("tron 3")))
    assert checkpoints.get_checkpoint(CHAIN) == Checkpoint(CHAIN, 10, block_hash("evm 10"))
    assert checkpoints.get_checkpoint(OTHER_CHAIN) == Checkpoint(
        OTHER_CHAIN, 3, block_hash("tron 3")
    )


# --- exact values: uint256 amounts and text off the chain -----------------------------------

UINT256_MAX = 2**256 - 1


def test_a_balance_of_uint256_max_is_kept_exactly(balances: BalanceRepository) -> None:
    balances.set_balance(ALICE, UINT256_MAX)
    balances.set_balance(BOB, UINT256_MAX - 1)
    assert balances.balance(ALICE) == UINT256_MAX
    assert balances.holders() == [(ALICE, UINT256_MAX), (BOB, UINT256_MAX - 1)]


def test_holders_are_ordered_by_amount_whatever_its_size(balances: BalanceRepository) -> None:
    amounts = {ALICE: 9, BOB: 10**18, CAROL: 2**255, DAVE: 2**64}
    for account, amount in amounts.items():
        balances.set_balance(account, amount)
    assert balances.holders() == [(CAROL, 2**255), (DAVE, 2**64), (BOB, 10**18), (ALICE, 9)]


def test_payouts_of_uint256_max_are_kept_exactly(sales: SaleRepository) -> None:
    sales.save_payout(PayoutRecord(ALICE, NATIVE, UINT256_MAX, UINT256_MAX - 1))
    assert sales.payout(ALICE, NATIVE) == PayoutRecord(ALICE, NATIVE, UINT256_MAX, UINT256_MAX - 1)


def test_a_sale_at_uint256_max_is_kept_exactly(sales: SaleRepository) -> None:
    sales.add_sale(sale(1, price=UINT256_MAX))
    assert sales.sales_of_release(1) == [sale(1, price=UINT256_MAX)]


def test_a_claim_of_uint256_max_is_kept_exactly(claims: ClaimRepository) -> None:
    record = attrs.evolve(claim(1), amount=UINT256_MAX)
    claims.save_claim(record)
    assert claims.get_claim(1) == record


@pytest.mark.parametrize(
    "title",
    ["", "\0", "a\0b\0", "\uffff", "\uffff0\0\\0", "Ünïcødé ♫ 日本語 🎵" * 1_000],
    ids=["empty", "nul", "nuls", "marker", "marker-and-nul", "long-utf8"],
)
def test_a_release_title_comes_back_exactly(releases: ReleaseRepository, title: str) -> None:
    record = attrs.evolve(release(1), title=title, artist_name=title)
    releases.save_release(record)
    assert releases.get_release(1) == record


def test_a_release_split_keeps_its_order(releases: ReleaseRepository) -> None:
    record = attrs.evolve(release(1), recipients=(CAROL, ALICE, BOB), shares_bps=(1, 9_998, 1))
    releases.save_release(record)
    assert releases.list_releases() == [record]
