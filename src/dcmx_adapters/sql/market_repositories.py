"""The market's read models on SQL: releases and their editions, token balances, and sales
with the payouts they owe. One class per repository port, over a SQLAlchemy ``Session``.

Writes are single statements (``INSERT ... ON CONFLICT`` on PostgreSQL and SQLite alike) and
reads select columns, not ORM objects, so every value read has come back from the database.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from dcmx_adapters.sql.statements import SqlRepository, table_of, values_of
from dcmx_adapters.sql.tables import BalanceRow, EditionRow, PayoutRow, ReleaseRow, SaleRow
from dcmx_core.model.values import Address
from dcmx_core.read_models import EditionRecord, PayoutRecord, ReleaseRecord, SaleRecord


class SqlReleaseRepository(SqlRepository):
    _releases = table_of(ReleaseRow)
    _editions = table_of(EditionRow)

    def save_release(self, release: ReleaseRecord) -> None:
        self._upsert(ReleaseRow, values_of(release))

    def get_release(self, release_id: int) -> ReleaseRecord | None:
        statement = select(self._releases).where(self._releases.c.release_id == release_id)
        return self._one(ReleaseRecord, statement)

    def list_releases(self, *, after: int = 0, limit: int = 100) -> list[ReleaseRecord]:
        c = self._releases.c
        statement = select(self._releases).where(c.release_id > after)
        return self._all(ReleaseRecord, statement.order_by(c.release_id).limit(limit))

    def save_edition(self, edition: EditionRecord) -> None:
        self._upsert(EditionRow, values_of(edition))

    def get_edition(self, token_id: int) -> EditionRecord | None:
        statement = select(self._editions).where(self._editions.c.token_id == token_id)
        return self._one(EditionRecord, statement)

    def editions_of_owner(
        self, owner: Address, *, after: int = 0, limit: int = 100
    ) -> list[EditionRecord]:
        c = self._editions.c
        statement = select(self._editions).where(c.owner == owner, c.token_id > after)
        return self._all(EditionRecord, statement.order_by(c.token_id).limit(limit))

    def remove_release(self, release_id: int) -> None:
        self._delete(self._releases, self._releases.c.release_id == release_id)

    def remove_edition(self, token_id: int) -> None:
        self._delete(self._editions, self._editions.c.token_id == token_id)

    def editions_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[EditionRecord]:
        c = self._editions.c
        statement = select(self._editions).where(c.release_id == release_id, c.token_id > after)
        return self._all(EditionRecord, statement.order_by(c.token_id).limit(limit))


class SqlBalanceRepository(SqlRepository):
    _table = table_of(BalanceRow)

    def set_balance(self, account: Address, amount: int) -> None:
        if amount:
            self._upsert(BalanceRow, {"account": account, "amount": amount})
        else:
            self._session.execute(delete(self._table).where(self._table.c.account == account))

    def balance(self, account: Address) -> int:
        statement = select(self._table.c.amount).where(self._table.c.account == account)
        rows = self._rows(statement)
        amount: int = rows[0].amount if rows else 0
        return amount

    def holders(self, *, limit: int = 100) -> list[tuple[Address, int]]:
        c = self._table.c
        statement = select(c.account, c.amount).order_by(c.amount.desc(), c.account).limit(limit)
        return [(row.account, row.amount) for row in self._rows(statement)]


class SqlSaleRepository(SqlRepository):
    _sales = table_of(SaleRow)
    _payouts = table_of(PayoutRow)

    def add_sale(self, sale: SaleRecord) -> None:
        self._upsert(SaleRow, values_of(sale))

    def sales_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[SaleRecord]:
        c = self._sales.c
        statement = select(self._sales).where(c.release_id == release_id, c.settlement_id > after)
        return self._all(SaleRecord, statement.order_by(c.settlement_id).limit(limit))

    def save_payout(self, payout: PayoutRecord) -> None:
        self._upsert(PayoutRow, values_of(payout))

    def payout(self, recipient: Address, currency: Address) -> PayoutRecord | None:
        c = self._payouts.c
        statement = select(self._payouts).where(c.recipient == recipient, c.currency == currency)
        return self._one(PayoutRecord, statement)

    def remove_sale(self, settlement_id: int) -> None:
        self._delete(self._sales, self._sales.c.settlement_id == settlement_id)

    def remove_payout(self, recipient: Address, currency: Address) -> None:
        c = self._payouts.c
        self._delete(self._payouts, c.recipient == recipient, c.currency == currency)

    def payouts_of(
        self, recipient: Address, *, after: Address | None = None, limit: int | None = None
    ) -> list[PayoutRecord]:
        c = self._payouts.c
        statement = select(self._payouts).where(c.recipient == recipient)
        if after is not None:
            statement = statement.where(c.currency > after)
        return self._all(PayoutRecord, statement.order_by(c.currency).limit(limit))
