"""DCMX_OPERATOR_BALANCE_LOW: the operator's low-water mark, or the chain's default."""

from __future__ import annotations

import pytest

from dcmx_entrypoints.settings import Settings, SettingsError


def test_the_low_water_mark_is_the_setting_in_the_smallest_unit() -> None:
    settings = Settings.load({"DCMX_OPERATOR_BALANCE_LOW": "250000000", "DCMX_LEDGER": "tron"})
    assert settings.operator_balance_low_mark == 250_000_000


@pytest.mark.parametrize(
    ("ledger", "mark"), [("tron", 500 * 10**6), ("evm", 10**17), ("memory", 0)]
)
def test_without_the_setting_each_chain_has_its_default(ledger: str, mark: int) -> None:
    assert Settings.load({"DCMX_LEDGER": ledger}).operator_balance_low_mark == mark


@pytest.mark.parametrize("given", ["-1", "ten", "1.5"])
def test_a_mark_that_is_not_a_whole_amount_is_refused_in_one_line(given: str) -> None:
    with pytest.raises(SettingsError, match=r"DCMX_OPERATOR_BALANCE_LOW .* must be an integer"):
        Settings.load({"DCMX_OPERATOR_BALANCE_LOW": given})
