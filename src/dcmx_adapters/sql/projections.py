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
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

from psycopg import Cursor
from sqlalchemy.dialects import postgresql

from dcmx_adapters.sql.bulk import driver_cursor
from dcmx_adapters.sql.columns import AddressList, IntList, escape_text
from dcmx_adapters.sql.projection_statements import (
    ACCEPTANCES,
    BALANCES,
    CLAIMS,
    DELETIONS,
    DOCUMENTS,
    EDITIONS,
    EMPTY_BALANCES,
    EMPTY_PAYOUTS,
    MINTED,
    OWNERS,
    PAYOUTS,
    PROCESSED,
    RELEASES,
    SALES,
    SPLITS,
    STATUSES,
    Changed,
    Created,
    parameters,
)
from dcmx_core import events as e
from dcmx_core.read_models import Figures
from dcmx_core.services.projections import CLAIM_STATUS_AFTER, figures_of_runs, never_indexed

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_JSON = partial(json.dumps, separators=(",", ":"))
_ZERO = bytes(20)


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
        self._cursor.execute(statement.encode(), parameters(statement, arrays))
        return self._cursor.fetchall() if self._cursor.description else []

    def _releases(self, run: _Run) -> None:
        made = e.ReleaseCreated
        self._create(
            RELEASES,
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
            EDITIONS,
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
            SALES,
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
            CLAIMS,
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
            DOCUMENTS,
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
            ACCEPTANCES,
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
            DELETIONS,
            [
                run.values(made, "request_id"),
                run.raw(made, "user"),
                run.numbers(made, "regime"),
                run.values(made, "requested_at"),
            ],
        )

    def _create(self, created: Created, arrays: list[list[Any]]) -> None:
        width = len(created.key)
        keys = arrays[0] if width == 1 else list(zip(*arrays[:width], strict=True))
        self._execute(created.sql, _at(_one_each(keys, first=created.keep_first), arrays))

    def _change(
        self,
        changed: Changed,
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
            SPLITS,
            "release",
            (run.seqs[split], run.values(split, "release_id"), [recipients, shares]),
            (run.seqs[made], run.values(made, "release_id")),
        )

    def _minted(self, run: _Run) -> None:
        minted, made = e.EditionMinted, e.ReleaseCreated
        self._change(
            MINTED,
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
            OWNERS,
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
            STATUSES,
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
            PROCESSED,
            "deletion request",
            (run.seqs[done], run.values(done, "request_id"), [run.values(done, "processed_at")]),
            (run.seqs[made], run.values(made, "request_id")),
        )

    def _balances(self, run: _Run) -> None:
        moved = e.TokensTransferred
        arrays = [run.raw(moved, "sender"), run.raw(moved, "recipient")]
        empty = self._execute(BALANCES, [*arrays, run.values(moved, "amount")])
        if empty:  # the repositories keep no row for a balance of nothing
            self._execute(EMPTY_BALANCES, [[account for (account,) in empty]])

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
        self._cursor.execute(PAYOUTS.encode(), parameters(PAYOUTS, [*arrays[0], *arrays[1]]))
        empty = self._cursor.fetchall()
        if empty:  # nothing credited and nothing withdrawn: the repositories keep no row
            self._execute(EMPTY_PAYOUTS, [[r for r, _ in empty], [c for _, c in empty]])


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
