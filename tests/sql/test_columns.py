"""The column types keep the core's values exactly and store them in forms the databases can
index and sort: padded digits or NUMERIC for amounts, bytes for addresses, text that stays
readable unless it holds a NUL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from dcmx_adapters.sql.columns import escape_text, unescape_text
from dcmx_adapters.sql.market_repositories import SqlBalanceRepository, SqlReleaseRepository
from dcmx_adapters.sql.tables import BalanceRow
from tests.contract.records import release
from tests.factories import ALICE

UINT256_MAX = 2**256 - 1


@given(st.text(alphabet=st.sampled_from("a\0\uffff0\\é")) | st.text())
def test_escaped_text_comes_back_exactly(value: str) -> None:
    assert unescape_text(escape_text(value)) == value


@given(st.text())
def test_escaped_text_holds_no_nul(value: str) -> None:
    assert "\0" not in escape_text(value)


@pytest.mark.parametrize("value", ["", "Track 1", "AC\\DC", "x\uffff", "日本語"])
def test_text_without_a_nul_is_stored_as_it_is(value: str) -> None:
    assert escape_text(value) == value


@pytest.mark.parametrize("amount", [-1, UINT256_MAX + 1, True])
def test_an_amount_outside_uint256_is_refused(migrated: Engine, amount: int) -> None:
    with Session(migrated) as session, pytest.raises(StatementError, match="uint256"):
        SqlBalanceRepository(session).set_balance(ALICE, amount)


def test_amounts_are_stored_as_numbers_or_padded_digits(migrated: Engine) -> None:
    with Session(migrated) as session:
        SqlBalanceRepository(session).set_balance(ALICE, 42)
        stored = session.execute(text("SELECT amount FROM balances")).scalar()
    expected = "0" * 76 + "42" if migrated.dialect.name == "sqlite" else 42
    assert stored == expected


def test_amounts_compare_as_numbers_in_sql(migrated: Engine) -> None:
    with Session(migrated) as session:
        SqlBalanceRepository(session).set_balance(ALICE, 10**20)
        big = select(BalanceRow.account).where(BalanceRow.amount > 9 * 10**19)
        assert session.execute(big).scalars().all() == [ALICE]


def test_a_title_is_readable_in_sql(migrated: Engine) -> None:
    with Session(migrated) as session:
        SqlReleaseRepository(session).save_release(release(1))
        stored = session.execute(text("SELECT title FROM releases")).scalar()
    assert stored == "Track 1"
