"""Gas is held to its snapshot (benchmarks/gas-snapshot.json, written by `nox -s gas -- --write`)
and to its targets: standard ERC-20/ERC-721 operations within 5 % of plain OpenZeppelin 5, and
settlement linear in the split, under 10,000 gas an extra recipient on credited payout slots."""

from __future__ import annotations

import json

import pytest

from benchmarks.gas import SNAPSHOT, TOLERANCE, YARDSTICKS, marginal, measure

STANDARD = [
    "DCMX transfer to an existing holder",
    "DCMX transfer to a new holder",
    "DCMX approve",
    "DCMX transferFrom",
    "NFT transferFrom to a new owner",
    "NFT safeTransferFrom to a new owner",
]


@pytest.fixture(scope="module")
def gas() -> dict[str, int]:
    return measure()


def test_the_snapshot_names_every_operation(gas: dict[str, int]) -> None:
    assert set(json.loads(SNAPSHOT.read_text())) == set(gas)


@pytest.mark.parametrize("operation", sorted(json.loads(SNAPSHOT.read_text())))
def test_no_operation_costs_more_than_its_snapshot(gas: dict[str, int], operation: str) -> None:
    allowed = json.loads(SNAPSHOT.read_text())[operation] * (1 + TOLERANCE)
    assert gas[operation] <= allowed, f"{operation}: {gas[operation]:,} gas > {allowed:,.0f}"


@pytest.mark.parametrize("operation", STANDARD)
def test_standard_operations_cost_within_5_percent_of_openzeppelin(
    gas: dict[str, int], operation: str
) -> None:
    assert gas[operation] <= gas[YARDSTICKS[operation]] * 1.05


def test_each_extra_split_recipient_costs_under_10000_gas(gas: dict[str, int]) -> None:
    low, high = marginal(gas, "warm")
    assert max(low, high) < 10_000
    assert abs(high - low) <= 0.01 * high  # linear
