"""The projections on PostgreSQL, computed set-wise by the database from a run's events.

Python sorts a run's events by class and hands PostgreSQL their fields as arrays (one
``unnest`` a class), keeping of each key only the event that decides it (``dict(zip(...))``,
compiled code): the last record a key's events create (the first, for acceptances), and the
last change of a field made after the record's creation in the run. One statement a read model
then does what ``projections.fold`` and ``apply_changes`` do: records go in, fields are set,
and balances and payouts are summed per key with ``GROUP BY`` and added. A change to a record
that was never indexed is refused as the repositories refuse it.

The same property test holds this module and the core's fold to the same read models,
as the differential tests hold the contracts and the domain model to the same rules.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

from attrs import frozen
from psycopg import Cursor
from sqlalchemy.dialects import postgresql

from dcmx_adapters.sql.bulk import driver_cursor
from dcmx_adapters.sql.columns import AddressList, IntList, escape_text
from dcmx_core import events as e
from dcmx_core.model.enums import ClaimStatus
from dcmx_core.read_models import Figures
from dcmx_core.services.projections import CLAIM_STATUS_AFTER, figures_of_runs, never_indexed

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_JSON = partial(json.dumps, separators=(",", ":"))
_ZERO = bytes(20)
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
class _Created:
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
class _Changed:
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


def _one_each(keys: list[Any], *, first: bool = False) -> list[int] | None:
    """The places of the last (or first) of each key's events, in run order; None when no
    key occurs twice."""
    count = len(keys)
    if first:
        places = dict(zip(reversed(keys), range(count - 1, -1, -1), strict=True))
    else:
        places = dict(zip(keys, range(count), strict=True))
    return None if len(places) == count else sorted(places.values())


def _at(places: list[int] | None, arrays: list[list[Any]]) -> list[list[Any]]:
    if places is None:
        return arrays
    return [[array[place] for place in places] for array in arrays]


_RELEASES = _Created(
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
_EDITIONS = _Created(
    "editions",
    ("token_id",),
    (("token_id", "int8"), ("release_id", "int8"), ("edition", "int8"), ("owner", "bytea")),
)
_SALES = _Created(
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
_CLAIMS = _Created(
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
_DOCUMENTS = _Created(
    "documents",
    ("doc_type", "version"),
    (
        ("doc_type", "int2"),
        ("version", "int8"),
        ("document_hash", "bytea"),
        ("registered_block", "int8"),
    ),
)
_ACCEPTANCES = _Created(
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
_DELETIONS = _Created(
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
_SPLITS = _Changed(
    "releases", ("release_id", "int8"), (("recipients", "json"), ("shares_bps", "json"))
)
_MINTED = _Changed("releases", ("release_id", "int8"), (("minted", "int8"),))
_OWNERS = _Changed("editions", ("token_id", "int8"), (("owner", "bytea"),))
_STATUSES = _Changed("claims", ("claim_id", "int8"), (("status", "int2"),))
_PROCESSED = _Changed("deletion_requests", ("request_id", "int8"), (("processed_at", "int8"),))

_BALANCES = (
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
_EMPTY_BALANCES = "DELETE FROM balances WHERE account = ANY(%b::bytea[]) AND amount = 0"
_PLACEHOLDER = re.compile(r"%([sb])::")


def _parameters(statement: str, arrays: Sequence[list[Any]]) -> list[Any]:
    """The arrays as the statement's placeholders take them: ``%s`` an array literal."""
    kinds = _PLACEHOLDER.findall(statement)
    return [
        "{" + ",".join(map(str, array)) + "}" if kind == "s" else array
        for kind, array in zip(kinds, arrays, strict=True)
    ]


_PAYOUT: list[Column] = [("recipient", "bytea"), ("currency", "bytea"), ("amount", "numeric")]
_PAYOUTS = (
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
_EMPTY_PAYOUTS = (
    f"DELETE FROM payouts AS p USING {_unnest('z', _PAYOUT[:2])} "
    "WHERE p.recipient = z.recipient AND p.currency = z.currency "
    "AND p.credited = 0 AND p.withdrawn = 0"
)


class _Run:
    """A run's events by class, each class's events in chain order with their places in the
    run (``seq``), and their fields as the columns PostgreSQL takes."""

    def __init__(self, events: Sequence[e.DomainEvent]) -> None:
        self.events: defaultdict[type[e.DomainEvent], list[Any]] = defaultdict(list)
        self.seqs: defaultdict[type[e.DomainEvent], list[int]] = defaultdict(list)
        for seq, event in enumerate(events):
            cls = type(event)
            self.events[cls].append(event)
            self.seqs[cls].append(seq)

    def values(self, cls: type[e.DomainEvent], name: str) -> list[Any]:
        return list(map(attrgetter(name), self.events[cls]))

    def raw(self, cls: type[e.DomainEvent], name: str) -> list[bytes]:
        """Addresses' and hashes' bytes."""
        return [value.raw for value in map(attrgetter(name), self.events[cls])]

    def numbers(self, cls: type[e.DomainEvent], name: str) -> list[int]:
        """Enum members as the numbers the tables hold."""
        return list(map(int, map(attrgetter(name), self.events[cls])))

    def blocks(self, cls: type[e.DomainEvent]) -> list[int]:
        return [event.position.block_number for event in self.events[cls]]


class SetWiseProjection:
    """Writes what a run of events does to the read models in a few statements per table."""

    def __init__(self, cursor: Cursor[Any]) -> None:
        self._cursor = cursor

    @classmethod
    def of(cls, session: Any) -> SetWiseProjection:
        return cls(driver_cursor(session))

    def project(self, events: Sequence[e.DomainEvent]) -> Figures:
        """Write the run's projections; return what it adds to the platform figures."""
        run = _Run(events)
        for create in _CREATIONS:
            create(self, run)
        for change in _CHANGES:
            change(self, run)
        self._balances(run)
        self._payouts(run)
        return figures_of_runs(run.events)

    def _execute(self, statement: str, arrays: Sequence[list[Any]]) -> list[Any]:
        if not arrays[0]:
            return []
        self._cursor.execute(statement.encode(), _parameters(statement, arrays))
        return self._cursor.fetchall() if self._cursor.description else []

    def _releases(self, run: _Run) -> None:
        made = e.ReleaseCreated
        self._create(
            _RELEASES,
            [
                run.values(made, "release_id"),
                run.raw(made, "artist"),
                [escape_text(title) for title in run.values(made, "title")],
                [escape_text(name) for name in run.values(made, "artist_name")],
                run.raw(made, "content_hash"),
                run.values(made, "max_editions"),
                run.values(made, "royalty_bps"),
                run.blocks(made),
            ],
        )

    def _editions(self, run: _Run) -> None:
        made = e.EditionMinted
        self._create(
            _EDITIONS,
            [
                run.values(made, "token_id"),
                run.values(made, "release_id"),
                run.values(made, "edition"),
                run.raw(made, "recipient"),
            ],
        )

    def _sales(self, run: _Run) -> None:
        sold = e.EditionSold
        self._create(
            _SALES,
            [
                run.values(sold, "settlement_id"),
                run.values(sold, "release_id"),
                run.values(sold, "token_id"),
                run.raw(sold, "seller"),
                run.raw(sold, "buyer"),
                run.raw(sold, "currency"),
                run.values(sold, "price"),
                run.values(sold, "primary"),
                run.blocks(sold),
            ],
        )

    def _claims(self, run: _Run) -> None:
        made = e.ClaimSubmitted
        self._create(
            _CLAIMS,
            [
                run.values(made, "claim_id"),
                run.raw(made, "user"),
                run.numbers(made, "pool"),
                run.values(made, "amount"),
                run.raw(made, "proof_hash"),
                run.values(made, "day"),
            ],
        )

    def _documents(self, run: _Run) -> None:
        made = e.DocumentRegistered
        self._create(
            _DOCUMENTS,
            [
                run.numbers(made, "doc_type"),
                run.values(made, "version"),
                run.raw(made, "document_hash"),
                run.blocks(made),
            ],
        )

    def _acceptances(self, run: _Run) -> None:
        made = e.DocumentAccepted
        self._create(
            _ACCEPTANCES,
            [
                run.raw(made, "user"),
                run.numbers(made, "doc_type"),
                run.values(made, "version"),
                run.raw(made, "document_hash"),
                run.values(made, "accepted_at"),
            ],
        )

    def _deletions(self, run: _Run) -> None:
        made = e.DeletionRequested
        self._create(
            _DELETIONS,
            [
                run.values(made, "request_id"),
                run.raw(made, "user"),
                run.numbers(made, "regime"),
                run.values(made, "requested_at"),
            ],
        )

    def _create(self, created: _Created, arrays: list[list[Any]]) -> None:
        width = len(created.key)
        keys = arrays[0] if width == 1 else list(zip(*arrays[:width], strict=True))
        self._execute(created.sql, _at(_one_each(keys, first=created.keep_first), arrays))

    def _change(
        self,
        changed: _Changed,
        kind: str,
        change: tuple[list[int], list[Any], list[list[Any]]],
        created: tuple[list[int], list[Any]],
    ) -> None:
        """Set the fields of the last change of each key made after the key's record was
        created in the run (a record created again drops the changes before it)."""
        seqs, keys, fields = change
        if not keys:
            return
        made = dict(zip(created[1], created[0], strict=True))
        last = dict(zip(keys, range(len(keys)), strict=True))
        places = [place for key, place in last.items() if seqs[place] > made.get(key, -1)]
        if not places:
            return
        arrays = _at(places, [keys, *fields])
        self._execute(changed.sql, arrays)
        if self._cursor.rowcount != len(places):
            (missing,) = self._execute(changed.absent_sql, arrays[:1])
            raise never_indexed(kind, missing[0])

    def _splits(self, run: _Run) -> None:
        split, made = e.SplitSet, e.ReleaseCreated
        recipients = list(map(_ADDRESSES, run.values(split, "recipients")))
        shares = list(map(_INTS, run.values(split, "shares_bps")))
        self._change(
            _SPLITS,
            "release",
            (run.seqs[split], run.values(split, "release_id"), [recipients, shares]),
            (run.seqs[made], run.values(made, "release_id")),
        )

    def _minted(self, run: _Run) -> None:
        minted, made = e.EditionMinted, e.ReleaseCreated
        self._change(
            _MINTED,
            "release",
            (run.seqs[minted], run.values(minted, "release_id"), [run.values(minted, "edition")]),
            (run.seqs[made], run.values(made, "release_id")),
        )

    def _owners(self, run: _Run) -> None:
        moved, made = e.EditionTransferred, e.EditionMinted
        # A transfer from the zero address is the mint itself: EditionMinted made the edition.
        seqs, tokens, owners = [], [], []
        for seq, event in zip(run.seqs[moved], run.events[moved], strict=True):
            if event.sender.raw != _ZERO:
                seqs.append(seq)
                tokens.append(event.token_id)
                owners.append(event.recipient.raw)
        self._change(
            _OWNERS,
            "edition",
            (seqs, tokens, [owners]),
            (run.seqs[made], run.values(made, "token_id")),
        )

    def _statuses(self, run: _Run) -> None:
        steps: list[tuple[int, int, int]] = []
        for cls, status in CLAIM_STATUS_AFTER.items():
            claims = run.values(cls, "claim_id")
            steps += zip(run.seqs[cls], claims, [int(status)] * len(claims), strict=True)
        steps.sort()  # the three classes' events back in run order
        made = e.ClaimSubmitted
        self._change(
            _STATUSES,
            "claim",
            (
                [seq for seq, _, _ in steps],
                [claim for _, claim, _ in steps],
                [[status for _, _, status in steps]],
            ),
            (run.seqs[made], run.values(made, "claim_id")),
        )

    def _processed(self, run: _Run) -> None:
        done, made = e.DeletionProcessed, e.DeletionRequested
        self._change(
            _PROCESSED,
            "deletion request",
            (run.seqs[done], run.values(done, "request_id"), [run.values(done, "processed_at")]),
            (run.seqs[made], run.values(made, "request_id")),
        )

    def _balances(self, run: _Run) -> None:
        moved = e.TokensTransferred
        arrays = [run.raw(moved, "sender"), run.raw(moved, "recipient")]
        empty = self._execute(_BALANCES, [*arrays, run.values(moved, "amount")])
        if empty:  # the repositories keep no row for a balance of nothing
            self._execute(_EMPTY_BALANCES, [[account for (account,) in empty]])

    def _payouts(self, run: _Run) -> None:
        credited, withdrawn = e.PayoutCredited, e.PayoutWithdrawn
        arrays = [
            *(
                [run.raw(cls, "recipient"), run.raw(cls, "currency"), run.values(cls, "amount")]
                for cls in (credited, withdrawn)
            )
        ]
        if not arrays[0][0] and not arrays[1][0]:
            return
        self._cursor.execute(_PAYOUTS.encode(), _parameters(_PAYOUTS, [*arrays[0], *arrays[1]]))
        empty = self._cursor.fetchall()
        if empty:  # nothing credited and nothing withdrawn: the repositories keep no row
            self._execute(_EMPTY_PAYOUTS, [[r for r, _ in empty], [c for _, c in empty]])


def _json_of(column: Any) -> Callable[[Any], str]:
    """How the column type ``column`` writes a value, as JSON text."""
    bind = column.process_bind_param
    return lambda value: _JSON(bind(value, _DIALECT))


_ADDRESSES = _json_of(AddressList())
_INTS = _json_of(IntList())

Step = Callable[[SetWiseProjection, _Run], None]
# Records first, then the changes to them (a change may be to a record of this run).
_CREATIONS: tuple[Step, ...] = (
    SetWiseProjection._releases,
    SetWiseProjection._editions,
    SetWiseProjection._sales,
    SetWiseProjection._claims,
    SetWiseProjection._documents,
    SetWiseProjection._acceptances,
    SetWiseProjection._deletions,
)
_CHANGES: tuple[Step, ...] = (
    SetWiseProjection._splits,
    SetWiseProjection._minted,
    SetWiseProjection._owners,
    SetWiseProjection._statuses,
    SetWiseProjection._processed,
)
