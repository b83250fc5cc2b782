"""Fee limits per contract function: the energy table's energy × price × margin, rounded up to a
whole TRX and capped at TRON's maximum; the flat default for a function the table does not
measure; and TronChain names each call's own limit in the transaction it signs."""

from __future__ import annotations

from fractions import Fraction

import pytest

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.evm.translate import abi_of
from dcmx_adapters.tron import fees
from dcmx_adapters.tron.fees import FeeLimits, FunctionEnergy
from dcmx_core import commands as c
from dcmx_devnode.local import local_tron_ledger
from tests.factories import ADMIN, ALICE, BOB, signers

TRX = fees.TRX
TRANSFER = abi_of("DCMXToken").function("transfer", 2).selector
ADD_MINTER = abi_of("DCMXToken").function("addMinter", 1).selector


def test_a_fee_limit_is_energy_times_price_times_margin_rounded_up_to_a_whole_trx() -> None:
    assert fees.fee_limit(12_948, energy_price=100, margin=Fraction(3, 2)) == 2 * TRX
    assert fees.fee_limit(20_000, energy_price=100, margin=Fraction(3, 2)) == 3 * TRX
    assert fees.fee_limit(20_001, energy_price=100, margin=Fraction(3, 2)) == 4 * TRX
    assert fees.fee_limit(12_948, energy_price=420, margin=Fraction(2)) == 11 * TRX


def test_a_fee_limit_never_passes_tron_s_maximum() -> None:
    assert fees.fee_limit(10**9, energy_price=100, margin=Fraction(10)) == 15_000 * TRX


def test_functions_sharing_a_selector_get_the_heaviest_energy() -> None:
    selector = bytes.fromhex("23b872dd")
    table = fees.energy_table(
        [
            FunctionEnergy(selector, ("DCMXToken.transferFrom(address,address,uint256)",), 18_674),
            FunctionEnergy(selector, ("MusicNFT.transferFrom(address,address,uint256)",), 38_799),
        ]
    )
    assert len(table) == 1
    assert table[0].energy == 38_799
    assert len(table[0].functions) == 2


def test_an_unmeasured_function_gets_the_flat_default() -> None:
    limits = FeeLimits({TRANSFER: 2 * TRX}, default=150 * TRX)
    assert limits.for_call(TRANSFER + bytes(64)) == 2 * TRX
    assert limits.for_call(ADD_MINTER + bytes(32)) == 150 * TRX


def test_the_packaged_table_gives_a_limit_per_measured_function() -> None:
    limits = fees.fee_limits()
    transfer = limits.for_call(TRANSFER)
    assert TRX <= transfer < fees.DEFAULT_FEE_LIMIT
    assert fees.fee_limits(energy_price=200).for_call(TRANSFER) >= 2 * transfer - TRX
    assert limits.for_call(ADD_MINTER) == fees.DEFAULT_FEE_LIMIT


@pytest.mark.parametrize(("price", "margin"), [(-1, Fraction(3, 2)), (100, Fraction(1, 2))])
def test_a_negative_price_or_a_margin_under_one_is_refused(price: int, margin: Fraction) -> None:
    with pytest.raises(ValueError, match=r"energy price|margin"):
        fees.fee_limits(energy_price=price, margin=margin)


def test_tron_chain_names_each_calls_own_fee_limit() -> None:
    limits = fees.fee_limits(energy_price=210, margin=Fraction(2))
    ledger = local_tron_ledger(
        ADMIN, ManualClock(1_767_225_600), signers=signers(0, 1), fee_limits=limits
    )
    node = ledger.tron.dev.node
    wired = ledger.execute(ADMIN, c.AddMinter(ADMIN))
    ledger.execute(ADMIN, c.Mint(ALICE, 10))
    ledger.fund(ALICE, 10**12)
    sent = ledger.execute(ALICE, c.Transfer(BOB, 1))

    def fee_limit_of(tx_id: bytes) -> int:
        found = node.transaction(tx_id)
        assert found is not None
        return found[1].fee_limit

    assert fee_limit_of(sent.tx_id.raw) == limits.for_call(TRANSFER)
    assert fee_limit_of(sent.tx_id.raw) != fees.DEFAULT_FEE_LIMIT
    assert fee_limit_of(wired.tx_id.raw) == fees.DEFAULT_FEE_LIMIT
