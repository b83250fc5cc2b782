"""The market's read models on SQL: releases and their editions, token balances, and sales
with the payouts they owe. One class per repository port, over a SQLAlchemy ``Session``.

Writes are single statements (``INSERT ... ON CONFLICT`` on PostgreSQL and SQLite alike) and
reads select columns, not ORM objects, so every value read has come back from the database.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from dcmx_adapters.sql.statements import (
    LIMIT,
    SqlRepository,
    bound,
    limit_of,
    table_of,
    values_of,
)
from dcmx_adapters.sql.tables import BalanceRow, EditionRow, PayoutRow, ReleaseRow, SaleRow
from dcmx_core.model.values import Address
from dcmx_core.read_models import EditionRecord, PayoutRecord, ReleaseRecord, SaleRecord


class SqlReleaseRepository(SqlRepository):
    _releases = table_of(ReleaseRow)
    _editions = table_of(EditionRow)

    def save_release(self, release: ReleaseRecord) -> None:
        self._upsert(ReleaseRow, values_of(release))

    # The reads' statements are built once, with parameters: a read builds no statement.
    _release = select(_releases).where(_releases.c.release_id == bound(_releases.c.release_id))
    _release_page = (
        select(_releases)
        .where(_releases.c.release_id > bound(_releases.c.release_id, "after"))
        .order_by(_releases.c.release_id)
        .limit(LIMIT)
    )
    _owned = (
        select(_editions)
        .where(
            _editions.c.owner == bound(_editions.c.owner),
            _editions.c.token_id > bound(_editions.c.token_id, "after"),
        )
        .order_by(_editions.c.token_id)
        .limit(LIMIT)
    )
    _of_release = (
        select(_editions)
        .where(
            _editions.c.release_id == bound(_editions.c.release_id),
            _editions.c.token_id > bound(_editions.c.token_id, "after"),
        )
        .order_by(_editions.c.token_id)
        .limit(LIMIT)
    )

    def get_release(self, release_id: int) -> ReleaseRecord | None:
        return self._one(ReleaseRecord, self._release, {"release_id": release_id})

    def list_releases(self, *, after: int = 0, limit: int = 100) -> list[ReleaseRecord]:
        return self._all(ReleaseRecord, self._release_page, {"after": after, "limit": limit})

    def save_edition(self, edition: EditionRecord) -> None:
        self._upsert(EditionRow, values_of(edition))

    def get_edition(self, token_id: int) -> EditionRecord | None:
        statement = select(self._editions).where(self._editions.c.token_id == token_id)
        return self._one(EditionRecord, statement)

    def editions_of_owner(
        self, owner: Address, *, after: int = 0, limit: int = 100
    ) -> list[EditionRecord]:
        values = {"owner": owner, "after": after, "limit": limit}
        return self._all(EditionRecord, self._owned, values)

    def remove_release(self, release_id: int) -> None:
        self._delete(self._releases, self._releases.c.release_id == release_id)

    def remove_edition(self, token_id: int) -> None:
        self._delete(self._editions, self._editions.c.token_id == token_id)

    def editions_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[EditionRecord]:
        values = {"release_id": release_id, "after": after, "limit": limit_of(limit)}
        return self._all(EditionRecord, self._of_release, values)


class SqlBalanceRepository(SqlRepository):
    _table = table_of(BalanceRow)
    _of_account = select(_table.c.amount).where(_table.c.account == bound(_table.c.account))
    _largest = (
        select(_table.c.account, _table.c.amount)
        .order_by(_table.c.amount.desc(), _table.c.account)
        .limit(LIMIT)
    )

    def set_balance(self, account: Address, amount: int) -> None:
        if amount:
            self._upsert(BalanceRow, {"account": account, "amount": amount})
        else:
            self._session.execute(delete(self._table).where(self._table.c.account == account))

    def balance(self, account: Address) -> int:
        rows = self._rows(self._of_account, {"account": account})
        amount: int = rows[0].amount if rows else 0
        return amount

    def holders(self, *, limit: int = 100) -> list[tuple[Address, int]]:
        rows = self._rows(self._largest, {"limit": limit})
        return [(row.account, row.amount) for row in rows]


class SqlSaleRepository(SqlRepository):
    _sales = table_of(SaleRow)
    _payouts = table_of(PayoutRow)
    _of_release = (
        select(_sales)
        .where(
            _sales.c.release_id == bound(_sales.c.release_id),
            _sales.c.settlement_id > bound(_sales.c.settlement_id, "after"),
        )
        .order_by(_sales.c.settlement_id)
        .limit(LIMIT)
    )
    _of_recipient = (
        select(_payouts)
        .where(_payouts.c.recipient == bound(_payouts.c.recipient))
        .order_by(_payouts.c.currency)
        .limit(LIMIT)
    )
    _of_recipient_after = _of_recipient.where(
        _payouts.c.currency > bound(_payouts.c.currency, "after")
    )

    def add_sale(self, sale: SaleRecord) -> None:
        self._upsert(SaleRow, values_of(sale))

    def sales_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[SaleRecord]:
        values = {"release_id": release_id, "after": after, "limit": limit_of(limit)}
        return self._all(SaleRecord, self._of_release, values)

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
        values = {"recipient": recipient, "after": after, "limit": limit_of(limit)}
        statement = self._of_recipient if after is None else self._of_recipient_after
        return self._all(PayoutRecord, statement, values)
