"""One writer per chain and database: a second lease on the same chain waits until the first
is released (or its holder dies), on PostgreSQL, an SQLite file and an in-memory SQLite."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.lease import WriterLease
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.exceptions import WriterLeaseLost
from dcmx_core.model.access import ApiKey, Scope, issue_key


@pytest.fixture(params=["postgresql", "sqlite", "sqlite-in-memory"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgresql":
        yield request.getfixturevalue("postgresql_engine")
        return
    url = "sqlite://" if request.param == "sqlite-in-memory" else f"sqlite:///{tmp_path}/db"
    made = create_engine_for(url)
    yield made
    made.dispose()


def test_a_second_lease_on_the_chain_waits_for_the_first(engine: Engine) -> None:
    with WriterLease(engine, "lease-a") as first, WriterLease(engine, "lease-a") as second:
        assert first.try_acquire()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
        assert second.held


def test_leases_of_other_chains_do_not_wait(engine: Engine) -> None:
    with WriterLease(engine, "lease-b") as one, WriterLease(engine, "lease-c") as other:
        assert one.try_acquire()
        assert other.try_acquire()


def test_acquiring_gives_up_when_told_to_stop(engine: Engine) -> None:
    stop = threading.Event()
    with WriterLease(engine, "lease-d") as holder, WriterLease(engine, "lease-d") as waiter:
        assert holder.try_acquire()
        threading.Timer(0.05, stop.set).start()
        assert not waiter.acquire(stop, poll_seconds=0.01)


def test_a_waiting_lease_is_taken_once_the_holder_lets_go(engine: Engine) -> None:
    stop = threading.Event()
    with WriterLease(engine, "lease-e") as holder, WriterLease(engine, "lease-e") as waiter:
        assert holder.try_acquire()
        threading.Timer(0.05, holder.release).start()
        assert waiter.acquire(stop, poll_seconds=0.01)


def test_a_holder_whose_connection_dies_loses_the_lease(postgresql_engine: Engine) -> None:
    with WriterLease(postgresql_engine, "lease-f") as holder:
        assert holder.try_acquire()
        with postgresql_engine.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                )
            )
        with WriterLease(postgresql_engine, "lease-f") as successor:
            assert successor.acquire(threading.Event(), poll_seconds=0.01)


def test_a_standby_outlives_a_sweep_of_the_databases_connections(
    postgresql_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    stop, taken = threading.Event(), []
    with WriterLease(postgresql_engine, "lease-g") as holder:
        assert holder.try_acquire()
        with WriterLease(postgresql_engine, "lease-g") as standby:
            waiting = threading.Thread(
                target=lambda: taken.append(
                    standby.acquire(stop, poll_seconds=0.01, max_backoff=0.05)
                )
            )
            waiting.start()
            # In autocommit, so that each sweep sees the connections of its moment: within one
            # transaction pg_stat_activity stays as it was at the first look.
            sweeping = postgresql_engine.execution_options(isolation_level="AUTOCOMMIT")
            with sweeping.connect() as admin:
                for _ in range(40):  # every connection but the holder's, while the standby asks
                    admin.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                            "AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = "
                            "'advisory' AND granted)"
                        )
                    )
                    time.sleep(0.01)
            assert waiting.is_alive()  # still waiting, not dead
            holder.release()
            waiting.join(10)
            stop.set()
    assert taken == [True]
    assert "the database failed" in caplog.text


def an_api_key(name: str) -> ApiKey:
    return issue_key(name, frozenset({Scope.ADMIN}), 1_767_225_600).key


def written(engine: Engine, name: str) -> bool:
    with engine.connect() as connection:
        found = connection.execute(text("SELECT 1 FROM api_keys WHERE name = :n"), {"n": name})
        return found.first() is not None


def test_a_writer_whose_lease_died_commits_nothing_more(postgresql_engine: Engine) -> None:
    with WriterLease(postgresql_engine, "lease-h") as first:
        assert first.try_acquire()
        uow = SqlUnitOfWork(postgresql_engine)
        uow.fence = first.fence
        with uow:
            uow.api_keys.add_key(an_api_key("while leased"))
            uow.commit()
        with postgresql_engine.connect() as admin:  # exactly the lease's connection
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                )
            )
        with WriterLease(postgresql_engine, "lease-h") as second:
            assert second.acquire(threading.Event(), poll_seconds=0.01)
            for _ in range(2):  # refused as its transaction begins, and again: nothing is left open
                with pytest.raises(WriterLeaseLost):
                    uow.__enter__()
    assert written(postgresql_engine, "while leased")
    assert not written(postgresql_engine, "after the lease was lost")


def test_a_lost_lease_connection_is_noticed_within_a_second(postgresql_engine: Engine) -> None:
    with WriterLease(postgresql_engine, "lease-i") as holder:
        assert holder.try_acquire()
        with postgresql_engine.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                )
            )
        time.sleep(1.0)
        with (
            Session(postgresql_engine) as session,
            pytest.raises(WriterLeaseLost, match="its connection died"),
        ):
            holder.fence(session)


def test_a_successors_generation_fences_the_old_writer_off(postgresql_engine: Engine) -> None:
    with WriterLease(postgresql_engine, "lease-j") as old:
        assert old.try_acquire()
        with postgresql_engine.begin() as other:  # what a successor's taking does
            other.execute(
                text(
                    "UPDATE writer_generations SET generation = generation + 1 "
                    "WHERE chain = 'lease-j'"
                )
            )
        with (
            Session(postgresql_engine) as session,
            pytest.raises(WriterLeaseLost, match="another indexer took it"),
        ):
            old.fence(session)
