"""The set-wise projections' statements on PostgreSQL, one a read model: the records a class
of events creates (``Created``), the fields a class of events changes (``Changed``), and the
sums added to balances and payouts. Each takes the run's fields as arrays (``unnest``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import frozen

from dcmx_core.model.enums import ClaimStatus

_ZERO_SQL = "'\\x" + "00" * 20 + "'::bytea"

Column = tuple[str, str]
"""A column's name and its PostgreSQL type."""


# Numbers and flags go as array literals in text, joined in compiled code; bytes and text go
# as binary arrays, which PostgreSQL reads without parsing.
_AS_TEXT = {"int2", "int4", "int8", "numeric", "bool"}


def _unnest(alias: str, columns: Sequence[Column]) -> str:
    arrays = ", ".join(f"%{'s' if kind in _AS_TEXT else 'b'}::{kind}[]" for _, kind in columns)
    return f"unnest({arrays}) AS {alias}({_names(name for name, _ in columns)})"


def _names(names: Iterable[str]) -> str:
    """Column names, quoted (``user`` and ``primary`` are keywords)."""
    return ", ".join(f'"{name}"' for name in names)


@frozen
class Created:
    """Records a class of events creates, keyed by their first columns; a key already stored
    is replaced (or, with ``keep_first``, kept)."""

    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    constants: tuple[tuple[str, str], ...] = ()
    keep_first: bool = False

    @property
    def sql(self) -> str:
        names = [name for name, _ in self.columns]
        every = [*names, *(name for name, _ in self.constants)]
        chosen = [*(f'"{name}"' for name in names), *(value for _, value in self.constants)]
        if self.keep_first:
            conflict = "DO NOTHING"
        else:
            changed = [name for name in every if name not in self.key]
            conflict = "DO UPDATE SET " + ", ".join(f'"{n}" = excluded."{n}"' for n in changed)
        return (
            f"INSERT INTO {self.table} ({_names(every)}) "
            f"SELECT {', '.join(chosen)} FROM {_unnest('s', self.columns)} "
            f"ON CONFLICT ({_names(self.key)}) {conflict}"
        )


@frozen
class Changed:
    """Fields that a class of events changes on records, by the record's one-column key."""

    table: str
    key: Column
    fields: tuple[Column, ...]

    @property
    def sql(self) -> str:
        key = self.key[0]
        assignments = ", ".join(f'"{name}" = s."{name}"' for name, _ in self.fields)
        return (
            f"UPDATE {self.table} AS t SET {assignments} "
            f"FROM {_unnest('s', [self.key, *self.fields])} WHERE t.{key} = s.{key}"
        )

    @property
    def absent_sql(self) -> str:
        """The first of some keys with no record."""
        key = self.key[0]
        return (
            f"SELECT {key} FROM {_unnest('s', [self.key])} WHERE NOT EXISTS "
            f"(SELECT 1 FROM {self.table} AS t WHERE t.{key} = s.{key}) LIMIT 1"
        )


RELEASES = Created(
    "releases",
    ("release_id",),
    (
        ("release_id", "int8"),
        ("artist", "bytea"),
        ("title", "text"),
        ("artist_name", "text"),
        ("content_hash", "bytea"),
        ("max_editions", "int8"),
        ("royalty_bps", "int4"),
        ("created_block", "int8"),
    ),
    (("recipients", "'[]'::json"), ("shares_bps", "'[]'::json"), ("minted", "0")),
)
EDITIONS = Created(
    "editions",
    ("token_id",),
    (("token_id", "int8"), ("release_id", "int8"), ("edition", "int8"), ("owner", "bytea")),
)
SALES = Created(
    "sales",
    ("settlement_id",),
    (
        ("settlement_id", "int8"),
        ("release_id", "int8"),
        ("token_id", "int8"),
        ("seller", "bytea"),
        ("buyer", "bytea"),
        ("currency", "bytea"),
        ("price", "numeric"),
        ("primary", "bool"),
        ("block_number", "int8"),
    ),
)
CLAIMS = Created(
    "claims",
    ("claim_id",),
    (
        ("claim_id", "int8"),
        ("user", "bytea"),
        ("pool", "int2"),
        ("amount", "numeric"),
        ("proof_hash", "bytea"),
        ("day", "int8"),
    ),
    (("status", str(int(ClaimStatus.PENDING))),),
)
DOCUMENTS = Created(
    "documents",
    ("doc_type", "version"),
    (
        ("doc_type", "int2"),
        ("version", "int8"),
        ("document_hash", "bytea"),
        ("registered_block", "int8"),
    ),
)
ACCEPTANCES = Created(
    "acceptances",
    ("user", "doc_type", "version"),
    (
        ("user", "bytea"),
        ("doc_type", "int2"),
        ("version", "int8"),
        ("document_hash", "bytea"),
        ("accepted_at", "int8"),
    ),
    keep_first=True,
)
DELETIONS = Created(
    "deletion_requests",
    ("request_id",),
    (
        ("request_id", "int8"),
        ("user", "bytea"),
        ("regime", "int2"),
        ("requested_at", "int8"),
    ),
    (("processed_at", "NULL::int8"),),
)
SPLITS = Changed(
    "releases", ("release_id", "int8"), (("recipients", "json"), ("shares_bps", "json"))
)
MINTED = Changed("releases", ("release_id", "int8"), (("minted", "int8"),))
OWNERS = Changed("editions", ("token_id", "int8"), (("owner", "bytea"),))
STATUSES = Changed("claims", ("claim_id", "int8"), (("status", "int2"),))
PROCESSED = Changed("deletion_requests", ("request_id", "int8"), (("processed_at", "int8"),))

BALANCES = (
    f"WITH moved AS (SELECT * FROM {_unnest('m', [('sender', 'bytea'), ('recipient', 'bytea'), ('amount', 'numeric')])}), "  # noqa: E501
    "delta AS (SELECT account, sum(amount) AS amount FROM ("
    f"SELECT sender AS account, -amount AS amount FROM moved WHERE sender <> {_ZERO_SQL} "
    f"UNION ALL SELECT recipient, amount FROM moved WHERE recipient <> {_ZERO_SQL}"
    ") AS side GROUP BY account), "
    "added AS (INSERT INTO balances (account, amount) SELECT account, amount FROM delta "
    "ON CONFLICT (account) DO UPDATE SET amount = balances.amount + excluded.amount "
    "RETURNING account, amount) "
    "SELECT account FROM added WHERE amount = 0"
)
EMPTY_BALANCES = "DELETE FROM balances WHERE account = ANY(%b::bytea[]) AND amount = 0"
_PLACEHOLDER = re.compile(r"%([sb])::")


def parameters(statement: str, arrays: Sequence[list[Any]]) -> list[Any]:
    """The arrays as the statement's placeholders take them: ``%s`` an array literal."""
    kinds = _PLACEHOLDER.findall(statement)
    return [
        "{" + ",".join(map(str, array)) + "}" if kind == "s" else array
        for kind, array in zip(kinds, arrays, strict=True)
    ]


_PAYOUT: list[Column] = [("recipient", "bytea"), ("currency", "bytea"), ("amount", "numeric")]
PAYOUTS = (
    "WITH delta AS (SELECT recipient, currency, sum(credited) AS credited, "
    "sum(withdrawn) AS withdrawn FROM ("
    f"SELECT recipient, currency, amount AS credited, 0 AS withdrawn FROM {_unnest('c', _PAYOUT)} "
    f"UNION ALL SELECT recipient, currency, 0, amount FROM {_unnest('w', _PAYOUT)}"
    ") AS side GROUP BY recipient, currency), "
    "added AS (INSERT INTO payouts (recipient, currency, credited, withdrawn) "
    "SELECT recipient, currency, credited, withdrawn FROM delta "
    "ON CONFLICT (recipient, currency) DO UPDATE SET "
    "credited = payouts.credited + excluded.credited, "
    "withdrawn = payouts.withdrawn + excluded.withdrawn "
    "RETURNING recipient, currency, credited, withdrawn) "
    "SELECT recipient, currency FROM added WHERE credited = 0 AND withdrawn = 0"
)
EMPTY_PAYOUTS = (
    f"DELETE FROM payouts AS p USING {_unnest('z', _PAYOUT[:2])} "
    "WHERE p.recipient = z.recipient AND p.currency = z.currency "
    "AND p.credited = 0 AND p.withdrawn = 0"
)
