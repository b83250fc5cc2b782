"""The platform figures, on every store: added to, taken from, volume kept per currency."""

from __future__ import annotations

import pytest

from dcmx_core.model.values import UINT256_MAX
from dcmx_core.ports import StatsRepository
from dcmx_core.read_models import PlatformStats, figure
from tests.factories import address


def test_no_figures_read_as_zero(stats: StatsRepository) -> None:
    assert stats.get() == PlatformStats()


def test_figures_add_up(stats: StatsRepository) -> None:
    stats.add({figure("releases"): 2, figure("sales"): 1})
    stats.add({figure("releases"): 1})
    found = stats.get()
    assert (found.releases, found.sales, found.editions) == (3, 1, 0)


def test_a_negative_figure_takes_away(stats: StatsRepository) -> None:
    stats.add({figure("claims"): 5})
    stats.add({figure("claims"): -2})
    assert stats.get().claims == 3


def test_sales_volume_is_kept_per_currency_in_currency_order(stats: StatsRepository) -> None:
    first, second = sorted([address(1), address(2)])
    stats.add({figure("sales_volume", second): 7, figure("sales_volume", first): UINT256_MAX})
    assert stats.get().sales_volume == ((first, UINT256_MAX), (second, 7))


def test_a_currency_back_at_zero_volume_is_not_listed(stats: StatsRepository) -> None:
    stats.add({figure("sales_volume", address(1)): 7})
    stats.add({figure("sales_volume", address(1)): -7})
    assert stats.get().sales_volume == ()


def test_an_unknown_figure_is_refused() -> None:
    with pytest.raises(ValueError, match="'likes' is not a platform figure"):
        figure("likes")
