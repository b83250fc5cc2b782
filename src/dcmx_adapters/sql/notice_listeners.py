"""Hearing the indexer's notices: ``PostgresNotices`` on PostgreSQL (``LISTEN``), from any
process on any machine; ``InProcessNotices`` those of this process's own commits, for SQLite,
which one process serves."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncGenerator
from typing import Any

import psycopg
from sqlalchemy import Engine, event, make_url
from sqlalchemy.orm import Session

from dcmx_adapters.sql.index_notices import CHANNEL, LOOK_AGAIN, PENDING, decode_notice
from dcmx_adapters.sql.unit_of_work import sessions_of
from dcmx_core.live import IndexNotice

_log = logging.getLogger("dcmx.live")


class PostgresNotices:
    """The notices of every process writing to the PostgreSQL database at ``url``, on one
    connection of their own. A lost connection is opened again every ``retry_seconds``; each
    time it listens again (and the first time) it says to look again."""

    def __init__(self, url: str, *, retry_seconds: float = 1.0) -> None:
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._retry_seconds = retry_seconds

    async def notices(self) -> AsyncGenerator[IndexNotice, None]:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    yield LOOK_AGAIN
                    async for notify in connection.notifies():
                        yield decode_notice(notify.payload)
            except psycopg.OperationalError as error:
                _log.warning("listening=lost channel=%s error=%r", CHANNEL, str(error)[:200])
            await asyncio.sleep(self._retry_seconds)


class InProcessNotices:
    """The notices of the commits this process makes to ``engine``'s database through the SQL
    unit of work, whatever thread commits them."""

    def __init__(self, engine: Engine) -> None:
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[IndexNotice]]] = set()
        self._lock = threading.Lock()
        sessions = sessions_of(engine)
        event.listen(sessions, "after_commit", self._committed)
        event.listen(sessions, "after_soft_rollback", self._rolled_back)

    def _committed(self, session: Session) -> None:
        sent: list[IndexNotice] = session.info.pop(PENDING, [])
        with self._lock:
            listeners = list(self._listeners)
        for loop, queue in listeners:
            for notice in sent:
                loop.call_soon_threadsafe(queue.put_nowait, notice)

    def _rolled_back(self, session: Session, _previous: Any) -> None:
        session.info.pop(PENDING, None)

    async def notices(self) -> AsyncGenerator[IndexNotice, None]:
        queue: asyncio.Queue[IndexNotice] = asyncio.Queue()
        listener = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._listeners.add(listener)
        try:
            yield LOOK_AGAIN
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._listeners.discard(listener)
