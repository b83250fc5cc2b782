"""What an indexer's commits tell those who follow the events live: the notice of a commit,
the port that delivers notices, and which events a follower asked for.

A notice is a wake-up, not the data: followers read the events after the last one they have
from the read models, so the order and the exactly-once come from the events' positions. A
notice is sent in the transaction it speaks of, so a batch that did not commit tells nobody.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from attrs import fields, frozen

from dcmx_core.events import DomainEvent
from dcmx_core.model.nft import release_of
from dcmx_core.model.values import Address
from dcmx_core.read_models import StoredEvent


@frozen
class IndexNotice:
    """The indexer of ``chain`` committed: its events now reach ``block_number`` (``retracted``
    false), or every event from ``block_number`` on was withdrawn by a reorganization."""

    chain: str
    block_number: int
    retracted: bool = False


class IndexNotices(Protocol):
    """The notices of every indexer writing to the read models, in the order they committed."""

    def notices(self) -> AsyncGenerator[IndexNotice, None]:
        """Notices as they come, until the caller closes the generator. Where notices may have been
        lost (a connection to the database dropped and came back), a notice whose
        ``chain`` is empty tells that the read models must be looked at again."""
        ...


@frozen(cache_hash=True)  # the feed looks a filter up once for each follower and fan-out
class EventFilter:
    """Which events a follower asked for: of a kind, concerning an account (any address the
    event carries), of a release (its id, or a token id of one of its editions). Unset: all."""

    kind: str | None = None
    account: Address | None = None
    release: int | None = None

    def matches(self, stored: StoredEvent) -> bool:
        """Whether the event is one the follower asked for."""
        event = stored.event
        if self.kind is not None and type(event).__name__ != self.kind:
            return False
        if self.account is not None and self.account not in _addresses(event):
            return False
        return self.release is None or self.release in _releases(event)


def _fields(event: DomainEvent) -> dict[str, object]:
    return {a.name: getattr(event, a.name) for a in fields(type(event)) if a.name != "position"}


def _addresses(event: DomainEvent) -> list[Address]:
    found: list[Address] = []
    for value in _fields(event).values():
        if isinstance(value, Address):
            found.append(value)
        elif isinstance(value, tuple):
            found += [v for v in value if isinstance(v, Address)]
    return found


def _releases(event: DomainEvent) -> set[int]:
    values = _fields(event)
    release, token = values.get("release_id"), values.get("token_id")
    found: set[int] = set()
    if isinstance(release, int):
        found.add(release)
    if isinstance(token, int):
        found.add(release_of(token))
    return found
