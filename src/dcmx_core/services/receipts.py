"""Reading what a use case needs out of a receipt."""

from __future__ import annotations

from typing import TypeVar

from dcmx_core.events import DomainEvent
from dcmx_core.ports import Receipt

E = TypeVar("E", bound=DomainEvent)


def the_event(receipt: Receipt, kind: type[E]) -> E:
    """The one event of ``kind`` the transaction emitted."""
    found = [e for e in receipt.events if isinstance(e, kind)]
    if len(found) != 1:
        raise LookupError(
            f"transaction {receipt.tx_id} emitted {len(found)} {kind.__name__} events, not 1"
        )
    return found[0]
