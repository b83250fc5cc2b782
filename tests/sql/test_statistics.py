"""After a bulk load the unit of work can tell the database's planner what the tables now
hold, on PostgreSQL and on SQLite alike."""

from __future__ import annotations

from sqlalchemy import Engine, text

from benchmarks.event_stream import StreamLedger, event_stream
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.services.indexer import Indexer, IndexerSettings

BLOCKS = list(event_stream(300, per_block=20, accounts=30, seed=3))
EVENTS = sum(len(placed) for _, placed in BLOCKS)


def planner_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            found = "SELECT reltuples FROM pg_class WHERE relname = 'events'"
        else:
            kept = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            if connection.execute(text(kept)).scalar() is None:
                return -1  # never analyzed
            found = "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = 'events' LIMIT 1"
        rows = connection.execute(text(found)).scalar()
    return int(rows) if rows is not None else -1


def test_refreshed_statistics_count_the_events_just_written(migrated: Engine) -> None:
    uow = SqlUnitOfWork(migrated)
    settings = IndexerSettings("statistics", batch_blocks=4, catch_up_events=0)
    Indexer(StreamLedger(BLOCKS), uow, settings).catch_up()
    assert planner_rows(migrated) != EVENTS
    with uow:
        uow.refresh_statistics()
        uow.commit()
    assert planner_rows(migrated) == EVENTS
