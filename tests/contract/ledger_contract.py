"""The contract every ``DevLedger`` honours: blocks, events, positions, time and reorgs.

Subclass ``LedgerContract`` and implement ``make_ledger`` to run the suite on a ledger.
"""

from __future__ import annotations

import itertools

import pytest

from dcmx_core import commands as c
from dcmx_core.events import MinterAdded, TokensTransferred
from dcmx_core.exceptions import BuyerIsSeller, NotMinter, OutOfRange, UnsupportedCurrency
from dcmx_core.model.distributor import NATIVE, Listing
from dcmx_core.model.enums import Contract
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import DevLedger
from tests.factories import ALICE, BOB

UNIT = 10**18


class LedgerContract:
    def make_ledger(self) -> DevLedger:
        raise NotImplementedError

    @pytest.fixture
    def ledger(self) -> DevLedger:
        return self.make_ledger()

    def mint_to_alice(self, ledger: DevLedger, amount: int = 5 * UNIT) -> None:
        admin = self.admin_address(ledger)
        if not ledger.is_minter(admin):
            ledger.execute(admin, c.AddMinter(admin))
        ledger.execute(admin, c.Mint(ALICE, amount))

    def admin_address(self, ledger: DevLedger) -> Address:
        return ledger.admin_of(Contract.TOKEN)

    # --- blocks -----------------------------------------------------------------------------

    def test_a_transaction_is_mined_on_top_of_the_head(self, ledger: DevLedger) -> None:
        before = ledger.head()
        receipt = ledger.execute(self.admin_address(ledger), c.AddMinter(ALICE))
        after = ledger.head()
        assert receipt.block_number == after.number > before.number
        assert after.parent_hash == ledger.block(after.number - 1).hash
        assert receipt.block_hash == after.hash

    def test_every_block_names_its_parent(self, ledger: DevLedger) -> None:
        self.mint_to_alice(ledger)
        ledger.mine(3)
        head = ledger.head().number
        for number in range(1, head + 1):
            assert ledger.block(number).parent_hash == ledger.block(number - 1).hash

    def test_block_hashes_are_distinct(self, ledger: DevLedger) -> None:
        ledger.mine(5)
        hashes = {ledger.block(n).hash for n in range(ledger.head().number + 1)}
        assert len(hashes) == ledger.head().number + 1

    def test_a_block_beyond_the_head_is_refused(self, ledger: DevLedger) -> None:
        with pytest.raises(OutOfRange):
            ledger.block(ledger.head().number + 1)

    def test_time_never_goes_backwards(self, ledger: DevLedger) -> None:
        ledger.mine(3)
        ledger.warp(86_400)
        ledger.mine(1)
        stamps = [ledger.block(n).timestamp for n in range(ledger.head().number + 1)]
        assert all(earlier < later for earlier, later in itertools.pairwise(stamps))
        assert stamps[-1] - stamps[-2] >= 86_400

    def test_mining_adds_empty_blocks(self, ledger: DevLedger) -> None:
        start = ledger.head().number
        ledger.mine(4)
        assert ledger.head().number == start + 4
        assert ledger.events(start + 1, start + 4) == []

    # --- events -----------------------------------------------------------------------------

    def test_receipt_events_carry_their_positions(self, ledger: DevLedger) -> None:
        self.mint_to_alice(ledger)
        receipt = ledger.execute(ALICE, c.Transfer(BOB, UNIT))
        (event,) = receipt.events
        assert event.unplaced() == TokensTransferred(ALICE, BOB, UNIT)
        assert event.position is not None
        assert event.position.block_number == receipt.block_number
        assert event.position.block_hash == receipt.block_hash
        assert event.position.tx_id == receipt.tx_id

    def test_events_of_a_range_are_the_receipts_events_in_order(self, ledger: DevLedger) -> None:
        first = ledger.head().number + 1
        receipts = [
            ledger.execute(self.admin_address(ledger), c.AddMinter(who)) for who in (ALICE, BOB)
        ]
        expected = [e for r in receipts for e in r.events]
        assert ledger.events(first, ledger.head().number) == expected
        assert [e.unplaced() for e in expected] == [MinterAdded(ALICE), MinterAdded(BOB)]

    def test_log_indexes_are_unique_within_a_block(self, ledger: DevLedger) -> None:
        self.mint_to_alice(ledger)
        ledger.execute(ALICE, c.Approve(BOB, UNIT))
        events = ledger.events(0, ledger.head().number)
        keys = [(e.position.block_number, e.position.log_index) for e in events if e.position]
        assert len(keys) == len(set(keys)) == len(events)

    def test_what_is_no_token_is_no_currency(self, ledger: DevLedger) -> None:
        with pytest.raises(UnsupportedCurrency):  # an account without code
            ledger.balance_in(BOB, ALICE)
        for currency in (BOB, ledger.deployment.music_nft):  # and a contract of no token
            with pytest.raises(UnsupportedCurrency):
                ledger.allowance_in(currency, ALICE, BOB)

    def test_a_refused_command_mines_nothing_and_emits_nothing(self, ledger: DevLedger) -> None:
        head = ledger.head()
        with pytest.raises(NotMinter):
            ledger.execute(ALICE, c.Mint(ALICE, 1))
        assert ledger.head() == head
        assert ledger.token_balance(ALICE) == 0

    # --- sales ------------------------------------------------------------------------------

    def test_a_seller_may_not_buy_their_own_listing(self, ledger: DevLedger) -> None:
        admin, edition = self.admin_address(ledger), token_id_of(1, 1)
        song = c.CreateRelease(
            ALICE, "Own", "Alice", Hash32.of(b"own"), 1, 500, (ALICE,), (10_000,)
        )
        ledger.execute(admin, song)
        ledger.execute(admin, c.MintEdition(1, ALICE))
        ledger.execute(ALICE, c.SetOperator(ledger.deployment.royalties, True))
        ledger.execute(ALICE, c.ListEdition(edition, NATIVE, UNIT))
        ledger.fund(ALICE, 2 * UNIT)
        head = ledger.head()
        with pytest.raises(BuyerIsSeller) as refused:
            ledger.execute(ALICE, c.BuyEdition(edition, NATIVE, UNIT, value=UNIT))
        assert str(ALICE) in refused.value.message  # the seller, and the edition, are named
        assert str(edition) in refused.value.message
        assert ledger.head() == head
        assert ledger.owner_of(edition) == ALICE
        assert ledger.listing(edition) == Listing(ALICE, NATIVE, UNIT)

    # --- reorganizations --------------------------------------------------------------------

    def test_a_reorg_drops_the_newest_blocks_and_their_effects(self, ledger: DevLedger) -> None:
        self.mint_to_alice(ledger)
        kept = ledger.head()
        ledger.execute(ALICE, c.Transfer(BOB, UNIT))
        ledger.reorganize(1)
        assert ledger.head() == kept
        assert ledger.token_balance(BOB) == 0
        assert ledger.token_balance(ALICE) == 5 * UNIT

    def test_blocks_after_a_reorg_get_new_hashes(self, ledger: DevLedger) -> None:
        self.mint_to_alice(ledger)
        ledger.execute(ALICE, c.Transfer(BOB, UNIT))
        orphaned = ledger.head()
        ledger.reorganize(1)
        ledger.execute(ALICE, c.Transfer(BOB, UNIT))
        replacement = ledger.head()
        assert replacement.number == orphaned.number
        assert replacement.hash != orphaned.hash
        assert replacement.parent_hash == orphaned.parent_hash

    def test_a_reorg_removes_the_orphaned_events(self, ledger: DevLedger) -> None:
        self.mint_to_alice(ledger)
        ledger.execute(ALICE, c.Transfer(BOB, UNIT))
        orphaned = ledger.head().number
        ledger.reorganize(1)
        ledger.mine(1)
        assert ledger.events(orphaned, orphaned) == []

    def test_a_reorg_undoes_funding_in_the_dropped_blocks(self, ledger: DevLedger) -> None:
        ledger.mine(1)
        ledger.fund(BOB, 7)
        ledger.mine(1)
        ledger.reorganize(2)
        assert ledger.native_balance(BOB) == 0
        assert ledger.balance_in(NATIVE, BOB) == 0

    def test_a_reorg_cannot_drop_the_genesis_block(self, ledger: DevLedger) -> None:
        ledger.mine(2)
        with pytest.raises(OutOfRange):
            ledger.reorganize(ledger.head().number + 1)

    # --- other tokens -----------------------------------------------------------------------

    def test_allowances_of_a_payment_token_are_read_from_that_token(
        self, ledger: DevLedger
    ) -> None:
        token = ledger.deploy_payment_token("USDT")
        ledger.mint_payment_token(token, ALICE, 9)
        ledger.execute(ALICE, c.Approve(BOB, 7, token=token))
        assert ledger.allowance_in(token, ALICE, BOB) == 7
        assert ledger.allowance(ALICE, BOB) == 0
        assert ledger.balance_in(token, ALICE) == 9

    def test_reading_a_range_gives_its_events_and_nothing_undecodable(
        self, ledger: DevLedger
    ) -> None:
        self.mint_to_alice(ledger)
        head = ledger.head().number
        batch = ledger.read(0, head)
        assert list(batch.events) == ledger.events(0, head)
        assert batch.events
        assert batch.undecodable == ()
