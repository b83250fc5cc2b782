"""The API's reads through a unit of work for reading answer exactly as the in-memory read
models do, on SQLite and on PostgreSQL; on PostgreSQL each read is one statement, sent outside
a transaction, whose snapshot gives both the page and the checkpoint's block."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, event, select, text

from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_adapters.sql.event_json import encode_event_text, kind_of
from dcmx_adapters.sql.read_statements import StoredEventJson
from dcmx_adapters.sql.tables import CheckpointRow
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork, reading_units_of_work
from dcmx_core.model.values import Address, Hash32
from dcmx_core.read_models import Checkpoint
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.paging import MAX_KEY, encode_cursor
from dcmx_entrypoints.http.schemas import AddressText, Render
from tests.conftest import empty_tables
from tests.http.client import ApiClient, api_client
from tests.http.conftest import CHAIN, CRYPTO, IndexedDay
from tests.http.test_sql_read_models import PATHS

NOBODY = Address(bytes.fromhex("ab" * 20))
HASH = Hash32(bytes.fromhex("cd" * 32))
ONE_STATEMENT_PATHS = [
    "/v1/releases",
    "/v1/releases/999",
    "/v1/token/holders",
    "/v1/events?limit=7",
    "/v1/stats",
    "/v1/documents/artist_agreement",
    "/v1/deletion-requests/open",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def indexed(request: pytest.FixtureRequest, day: IndexedDay, tmp_path: Any) -> Iterator[Engine]:
    """The demo day indexed into a database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'read_models.db'}"
        upgrade(url)
        engine = create_engine_for(url)
    else:
        engine = create_engine_for(request.getfixturevalue("postgresql_url"))
        empty_tables(engine)
    try:
        Indexer(
            day.ledger, SqlUnitOfWork(engine), IndexerSettings(CHAIN, batch_blocks=9)
        ).catch_up()
        yield engine
    finally:
        if request.param == "postgresql":
            empty_tables(engine)
        engine.dispose()


def get(api: ApiClient, path: str) -> httpx.Response:
    """``GET path``, its query given as parameters (the client would drop it otherwise)."""
    route, _, query = path.partition("?")
    return api.get(route, **dict(parse_qsl(query)))


def reading_api(engine: Engine, day: IndexedDay) -> Any:
    return create_app(
        unit_of_work=lambda: SqlUnitOfWork(engine),
        read_unit_of_work=reading_units_of_work(engine, CHAIN),
        chain=CHAIN,
        ledger=day.ledger,
        keccak=CRYPTO.keccak256,
    )


def test_reads_for_reading_answer_byte_for_byte_as_the_in_memory_read_models(
    indexed: Engine, day: IndexedDay, day_api: ApiClient
) -> None:
    people = [h.address.to_hex() for h in day.result.holdings]
    paths = [
        *PATHS,
        "/v1/stats",
        "/v1/releases/999",
        "/v1/releases/1/editions?limit=1",
        "/v1/token/holders?limit=2",
    ]
    paths += [
        f"/v1/accounts/{a}/{what}"
        for a in [*people, "0x" + "ab" * 20]
        for what in ("balance", "editions", "payouts", "claims", "acceptances")
    ]
    with api_client(reading_api(indexed, day)) as sql_api:
        for path in paths:
            in_memory, in_sql = get(day_api, path), get(sql_api, path)
            assert in_sql.status_code == in_memory.status_code, path
            assert in_sql.content == in_memory.content, path


def test_a_page_after_a_cursor_is_the_in_memory_one(
    indexed: Engine, day: IndexedDay, day_api: ApiClient
) -> None:
    with api_client(reading_api(indexed, day)) as sql_api:
        path = "/v1/events?limit=5"
        for _ in range(4):
            in_memory, in_sql = get(day_api, path), get(sql_api, path)
            assert in_sql.content == in_memory.content
            assert len(in_sql.json()["items"]) == 5
            path = f"/v1/events?limit=5&after={in_memory.json()['next']}"


def test_a_read_on_postgresql_is_one_statement_outside_a_transaction(
    postgresql_url: str, day: IndexedDay
) -> None:
    engine = create_engine_for(postgresql_url)
    empty_tables(engine)
    statements: list[str] = []
    in_transaction: list[bool] = []

    class Counted(psycopg.Cursor[Any]):
        """Counts what is sent, on whichever path it goes (SQLAlchemy's or the driver's)."""

        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(str(query))
            in_transaction.append(self.connection.info.transaction_status != 0)  # 0: idle
            return super().execute(query, *args, **kwargs)

    checkouts: list[object] = []

    @event.listens_for(engine, "checkout")
    def _counted(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.cursor_factory = Counted
        checkouts.append(dbapi_connection)

    try:
        Indexer(
            day.ledger, SqlUnitOfWork(engine), IndexerSettings(CHAIN, batch_blocks=9)
        ).catch_up()
        with api_client(reading_api(engine, day)) as api:
            api.get("/v1/stats")  # the pool's first connection asks the server its settings
            for path in ONE_STATEMENT_PATHS:
                statements.clear()
                in_transaction.clear()
                checkouts.clear()
                answer = get(api, path)
                assert answer.status_code in (200, 404), path
                assert len(statements) == 1, (path, statements)
                assert in_transaction == [False], path
                assert checkouts == [], path  # on the connection kept for reading
                if answer.status_code == 200:
                    assert answer.json()["block"] == day.ledger.head().number, path
    finally:
        empty_tables(engine)
        engine.dispose()


def test_the_checkpoint_comes_along_with_an_empty_page_and_without_one(
    postgresql_engine: Engine,
) -> None:
    empty_tables(postgresql_engine)
    reads = reading_units_of_work(postgresql_engine, CHAIN)
    with reads() as uow:
        assert uow.claims.claims_of(NOBODY, after=0, limit=5) == []
        assert uow.checkpoints.get_checkpoint(CHAIN) is None
    with SqlUnitOfWork(postgresql_engine) as uow:
        uow.checkpoints.set_checkpoint(Checkpoint(CHAIN, 7, HASH))
        uow.commit()
    try:
        with reads() as uow:
            assert uow.claims.claims_of(NOBODY, after=0, limit=5) == []
            assert uow.checkpoints.get_checkpoint(CHAIN) == Checkpoint(CHAIN, 7, HASH)
            assert uow.checkpoints.get_checkpoint("another chain") is None
        with reads() as uow:  # asked for first, it is read on its own
            assert uow.checkpoints.get_checkpoint(CHAIN) == Checkpoint(CHAIN, 7, HASH)
            assert uow.balances.balance(NOBODY) == 0
    finally:
        empty_tables(postgresql_engine)


def test_a_unit_of_work_for_reading_refuses_to_commit(postgresql_engine: Engine) -> None:
    refused = pytest.raises(RuntimeError, match="a unit of work for reading writes nothing")
    with reading_units_of_work(postgresql_engine, CHAIN)() as uow, refused:
        uow.commit()
    with postgresql_engine.connect() as connection:
        assert connection.execute(select(CheckpointRow.chain)).all() == []


def test_a_cursor_of_the_largest_keys_reads_an_empty_page(
    indexed: Engine, day: IndexedDay, day_api: ApiClient
) -> None:
    someone = day.result.holdings[0].address.to_hex()
    lists = {
        "/v1/releases": ("releases", (MAX_KEY,)),
        "/v1/releases/1/editions": ("release-editions", (MAX_KEY,)),
        "/v1/releases/1/sales": ("sales", (MAX_KEY,)),
        f"/v1/accounts/{someone}/editions": ("owned-editions", (MAX_KEY,)),
        f"/v1/accounts/{someone}/claims": ("claims", (MAX_KEY,)),
        f"/v1/accounts/{someone}/acceptances": ("acceptances", (MAX_KEY, 1, MAX_KEY)),
        "/v1/documents/artist_agreement": ("documents", (MAX_KEY,)),
        "/v1/deletion-requests/open": ("open-deletions", (MAX_KEY,)),
        "/v1/events": ("events", (MAX_KEY, MAX_KEY)),
    }
    with api_client(reading_api(indexed, day)) as sql_api:
        for path, (list_name, key) in lists.items():
            after = f"{path}?after={encode_cursor(list_name, key)}"
            in_memory, in_sql = get(day_api, after), get(sql_api, after)
            assert in_sql.status_code == 200, (path, in_sql.text)
            assert in_sql.content == in_memory.content, path
            assert in_sql.json()["items"] == [], path


def test_a_read_after_the_server_closed_the_kept_connection_is_answered(
    postgresql_url: str, day: IndexedDay
) -> None:
    engine = create_engine_for(postgresql_url)
    empty_tables(engine)
    try:
        Indexer(
            day.ledger, SqlUnitOfWork(engine), IndexerSettings(CHAIN, batch_blocks=9)
        ).catch_up()
        with api_client(reading_api(engine, day)) as api:
            before = api.get("/v1/stats")
            with engine.connect() as connection:  # every other connection: the kept one too
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            after = api.get("/v1/stats")
            again = api.get("/v1/stats")
        assert (before.status_code, after.status_code, again.status_code) == (200, 200, 200)
        assert after.content == before.content == again.content
    finally:
        empty_tables(engine)
        engine.dispose()


def test_every_event_of_the_day_reads_as_the_in_memory_read_models_render_it(
    indexed: Engine, day: IndexedDay, day_api: ApiClient
) -> None:
    with api_client(reading_api(indexed, day)) as sql_api:
        path: str | None = "/v1/events?limit=10"
        pages = 0
        while path is not None:
            in_memory, in_sql = get(day_api, path), get(sql_api, path)
            assert in_sql.content == in_memory.content, path
            following = in_memory.json()["next"]
            path = None if following is None else f"/v1/events?limit=10&after={following}"
            pages += 1
    assert pages > 1


def test_an_event_as_stored_renders_as_the_event_itself(day: IndexedDay) -> None:
    render = Render(AddressText(CRYPTO.keccak256))
    tron = Render(AddressText(CRYPTO.keccak256, base58=True))
    stored = day.uow.events.list(CHAIN, limit=100_000)
    kinds = set()
    for one in stored:
        position = one.position
        as_stored = StoredEventJson(
            one.chain,
            position.block_number,
            position.log_index,
            position.tx_id,
            position.block_hash,
            kind_of(one.event),
            json.loads(encode_event_text(one.event, placed_at=position)),
        )
        assert render.stored_event(as_stored) == render.event(one)
        assert tron.stored_event(as_stored) == tron.event(one)
        kinds.add(as_stored.kind)
    assert len(kinds) >= 10


def test_disposing_of_the_engine_closes_the_connection_kept_for_reading(
    postgresql_url: str, postgresql_engine: Engine
) -> None:
    name = f"kept-for-reading-{uuid.uuid4().hex[:8]}"

    def connections() -> int:
        with postgresql_engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": name},
                ).scalar_one()
            )

    engine = create_engine_for(postgresql_url, connect_args={"application_name": name})
    with reading_units_of_work(engine, CHAIN)() as uow:
        uow.balances.balance(NOBODY)
    assert connections() == 1  # kept, with nothing else checked out
    engine.dispose()
    deadline = time.monotonic() + 5  # a server process ends a moment after its client left
    while connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert connections() == 0
