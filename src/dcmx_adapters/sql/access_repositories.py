"""Operator access on SQL: the API keys (their secrets' hashes, scopes and revocations) and the
nonces of signed requests already used. One class per repository port, over a SQLAlchemy
``Session``.

Writes are single statements (``INSERT ... ON CONFLICT`` on PostgreSQL and SQLite alike) and
reads select columns, not ORM objects, so every value read has come back from the database.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update

from dcmx_adapters.sql.statements import SqlRepository, table_of
from dcmx_adapters.sql.tables import ApiKeyRow, UsedNonceRow
from dcmx_core.model.access import ApiKey, Scope
from dcmx_core.model.values import Address


class SqlApiKeyRepository(SqlRepository):
    _table = table_of(ApiKeyRow)

    def add_key(self, key: ApiKey) -> None:
        statement = (
            self._insert(ApiKeyRow)
            .values(_key_row(key))
            .on_conflict_do_nothing(index_elements=["key_id"])
            .returning(self._table.c.key_id)
        )
        if self._session.execute(statement).first() is None:
            raise ValueError(f"API key {key.key_id} exists already")

    def get_key(self, key_id: str) -> ApiKey | None:
        row = self._session.execute(
            select(self._table).where(self._table.c.key_id == key_id)
        ).first()
        return None if row is None else _api_key(row)

    def list_keys(self) -> list[ApiKey]:
        c = self._table.c
        rows = self._session.execute(select(self._table).order_by(c.created_at, c.key_id))
        return [_api_key(row) for row in rows]

    def revoke_key(self, key_id: str, at: int) -> ApiKey | None:
        c = self._table.c
        self._session.execute(
            update(self._table)
            .where(c.key_id == key_id, c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return self.get_key(key_id)


def _key_row(key: ApiKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "name": key.name,
        "scopes": sorted(scope.value for scope in key.scopes),
        "secret_hash": key.secret_hash,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        name=row.name,
        scopes=frozenset(Scope(scope) for scope in row.scopes),
        secret_hash=bytes(row.secret_hash),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class SqlUsedNonceRepository(SqlRepository):
    _table = table_of(UsedNonceRow)

    def use_nonce(self, account: Address, nonce: str, expires_at: int) -> bool:
        # One statement: of two processes recording the same nonce, exactly one inserts it.
        statement = (
            self._insert(UsedNonceRow)
            .values(account=account, nonce=nonce, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=["account", "nonce"])
            .returning(self._table.c.nonce)
        )
        return self._session.execute(statement).first() is not None

    def forget_nonces(self, expired_before: int) -> int:
        statement = delete(self._table).where(self._table.c.expires_at < expired_before)
        return cast(CursorResult[Any], self._session.execute(statement)).rowcount
