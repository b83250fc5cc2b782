"""Token buckets in PostgreSQL, shared by every process on the same database, for when no Redis
is configured: one statement a check (an UPSERT that refills, takes and tells in one go, by the
database's clock) on an UNLOGGED table of its own, made on first use. UNLOGGED: the buckets are
worth no write-ahead log; a crash empties them, which only gives every client a full bucket.
Buckets idle longer than they take to refill are deleted now and then."""

from __future__ import annotations

import threading
import time
from typing import Final

from sqlalchemy import Engine, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dcmx_adapters.rate_buckets import Rate, StoreUnreachable
from dcmx_adapters.sql.database import refusal_reason

TABLE: Final = "dcmx_rate_buckets"
FORGET_EVERY_SECONDS: Final = 60.0
"""How often a process deletes the buckets nobody has used since they refilled."""

_CREATE = text(
    f"CREATE UNLOGGED TABLE IF NOT EXISTS {TABLE} ("
    " key text PRIMARY KEY,"
    " tokens double precision NOT NULL,"
    " at double precision NOT NULL,"
    " taken boolean NOT NULL,"
    " forget_at double precision NOT NULL)"
)
_NOW = "extract(epoch FROM statement_timestamp())::double precision"
_REFILLED = f"LEAST(:burst, b.tokens + GREATEST({_NOW} - b.at, 0) * :per_second)"
_TAKE = text(
    f"INSERT INTO {TABLE} AS b (key, tokens, at, taken, forget_at)"
    f" VALUES (:key, :burst - 1, {_NOW}, true, {_NOW} + :refill)"
    " ON CONFLICT (key) DO UPDATE SET"
    f" tokens = CASE WHEN {_REFILLED} >= 1 THEN {_REFILLED} - 1 ELSE {_REFILLED} END,"
    f" taken = {_REFILLED} >= 1,"
    f" at = {_NOW},"
    f" forget_at = {_NOW} + :refill"
    " RETURNING taken, tokens"
)
_FORGET = text(f"DELETE FROM {TABLE} WHERE forget_at < {_NOW}")
_UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout)


class PostgresBuckets:
    """Token buckets in the PostgreSQL database of ``engine``, under keys that begin with
    ``prefix``. A database that cannot be reached raises ``StoreUnreachable``."""

    name = "postgresql"

    def __init__(self, engine: Engine, prefix: str) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError(f"buckets are shared in PostgreSQL, not {engine.dialect.name}")
        self.prefix = prefix
        self._engine = engine
        self._lock = threading.Lock()
        self._made = False
        self._forget_at = 0.0

    def take(self, key: str, rate: Rate) -> float:
        try:
            self._make_table()
            self._forget_idle()
            with self._engine.begin() as connection:
                taken, tokens = connection.execute(
                    _TAKE,
                    {
                        "key": self.prefix + key,
                        "burst": float(rate.burst),
                        "per_second": rate.per_second,
                        "refill": rate.refill_seconds,
                    },
                ).one()
        except _UNREACHABLE as error:
            raise StoreUnreachable(self.name, refusal_reason(error)) from error
        return 0.0 if taken else (1 - tokens) / rate.per_second

    def _make_table(self) -> None:
        with self._lock:
            if self._made:
                return
            with self._engine.begin() as connection:
                # Processes starting together would race on the table's catalog rows.
                connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": TABLE})
                connection.execute(_CREATE)
            self._made = True

    def _forget_idle(self) -> None:
        with self._lock:
            now = time.monotonic()
            if now < self._forget_at:
                return
            self._forget_at = now + FORGET_EVERY_SECONDS
        with self._engine.begin() as connection:
            connection.execute(_FORGET)
