"""The indexer's notices through the database: ``announce`` sends one inside the transaction of
the commit it speaks of (``notice_listeners`` hears them).

On PostgreSQL a notice is a ``NOTIFY`` on the channel ``dcmx_indexed``: the server delivers it
only if the transaction commits, and in the order the transactions committed. Elsewhere the
notice waits in the session until it commits, and is dropped if it rolls back.
"""

from __future__ import annotations

import json
import logging
from typing import Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from dcmx_core.live import IndexNotice

CHANNEL: Final = "dcmx_indexed"
PENDING: Final = "dcmx_index_notices"
"""Where a session keeps the notices it sends when it commits (off PostgreSQL)."""
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
LOOK_AGAIN: Final = IndexNotice("", 0)
"""Notices may have been missed (the listener has just connected, or connected again)."""

_log = logging.getLogger("dcmx.live")


def announce(session: Session, notice: IndexNotice) -> None:
    """Tell whoever listens about ``notice`` once ``session``'s transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_NOTIFY, {"channel": CHANNEL, "payload": encode_notice(notice)})
    else:
        session.info.setdefault(PENDING, []).append(notice)


def encode_notice(notice: IndexNotice) -> str:
    return json.dumps([notice.chain, notice.block_number, notice.retracted])


def decode_notice(payload: str) -> IndexNotice:
    """The notice of ``payload``; one that cannot be read says to look again."""
    try:
        chain, block_number, retracted = json.loads(payload)
        return IndexNotice(str(chain), int(block_number), bool(retracted))
    except (ValueError, TypeError):
        _log.warning("notice=unreadable payload=%r", payload[:100])
        return LOOK_AGAIN
