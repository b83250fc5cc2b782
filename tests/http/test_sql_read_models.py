"""The API over SQL read models (SQLite, through the unit of work) answers exactly as over the
in-memory ones, and the container wires it from settings alone."""

from __future__ import annotations

from pathlib import Path

from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.model.enums import DocumentType
from dcmx_core.services.compliance import register_document
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.http import app_from_container, create_app
from dcmx_entrypoints.settings import Settings
from tests.http.client import ApiClient, api_client
from tests.http.conftest import CHAIN, CRYPTO, IndexedDay

PATHS = [
    "/v1/releases",
    "/v1/releases/1",
    "/v1/releases/1/sales?limit=2",
    "/v1/token/holders",
    "/v1/events?limit=7",
    "/v1/events?kind=PayoutCredited&limit=3",
    "/v1/documents/artist_agreement",
    "/v1/deletion-requests/open",
    "/v1/quarantine",
]


def test_sqlite_read_models_answer_as_the_in_memory_ones(
    day: IndexedDay, day_api: ApiClient, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'read_models.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    try:
        settings = IndexerSettings(CHAIN, batch_blocks=9)
        Indexer(day.ledger, SqlUnitOfWork(engine), settings).catch_up()
        app = create_app(
            unit_of_work=lambda: SqlUnitOfWork(engine),
            chain=CHAIN,
            ledger=day.ledger,
            keccak=CRYPTO.keccak256,
        )
        people = [h.address.to_hex() for h in day.result.holdings]
        paths = PATHS + [
            f"/v1/accounts/{a}/{what}"
            for a in people
            for what in ("balance", "editions", "payouts", "claims", "acceptances")
        ]
        with api_client(app) as sql_api:
            for path in paths:
                in_memory, in_sql = day_api.get(path), sql_api.get(path)
                assert in_sql.status_code == in_memory.status_code == 200, path
                assert in_sql.json() == in_memory.json(), path
            cursor = in_memory.json()["next"]
    finally:
        engine.dispose()
    assert cursor is None


def test_the_container_serves_the_api_from_settings(tmp_path: Path) -> None:
    settings = Settings.load({"DCMX_DATA_DIR": str(tmp_path / "data"), "DCMX_READY_MAX_LAG": "3"})
    assert settings.sqlite_file is not None
    settings.sqlite_file.parent.mkdir(parents=True)
    upgrade(settings.database)
    container = container_for(settings)
    operator = container.operator_signer().address
    register_document(container.ledger(), operator, DocumentType.TERMS_OF_SERVICE, 1, b"terms")
    container.indexer().catch_up()
    app = app_from_container(container)
    try:
        with api_client(app) as api:
            ready = api.get("/readyz").json()
            assert ready["checks"] == {"database": "ok", "ledger": "ok", "indexer": "ok"}
            body = api.get("/v1/events").json()
            assert body["block"] == container.ledger().head().number
            assert [e["kind"] for e in body["items"]] == ["DocumentRegistered"]
            assert body["items"][0]["chain"] == container.chain() == "memory:1337"
            (document,) = api.get("/v1/documents/terms_of_service").json()["items"]
            assert document["version"] == 1
            limit = api.get("/v1/releases", limit=settings.page_size_max + 1)
            assert limit.status_code == 422
    finally:
        container.shutdown_resources()
