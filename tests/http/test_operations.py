"""Liveness, readiness (failing for each of its reasons), Prometheus metrics and the OpenAPI
description."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.ports import Block, DevLedger, UnitOfWork
from dcmx_core.read_models import Checkpoint
from dcmx_core.services.indexer import IndexerStatus
from dcmx_entrypoints.http import create_app
from tests.factories import digest
from tests.http.client import ApiClient, api_client
from tests.http.conftest import CHAIN, CRYPTO, IndexedDay, app_over

PROBLEM = "application/problem+json"


def indexed_to(block: int) -> MemoryUnitOfWork:
    uow = MemoryUnitOfWork()
    with uow:
        uow.checkpoints.set_checkpoint(Checkpoint(CHAIN, block, digest(f"block {block}")))
        uow.commit()
    return uow


class ChainAt:
    """A ledger whose head is block ``number``, or that cannot be reached (``None``)."""

    def __init__(self, number: int | None) -> None:
        self.number = number

    def head(self) -> Block:
        if self.number is None:
            raise ConnectionError("the node does not answer")
        return Block(self.number, digest("head"), digest("parent"), 1_767_225_600)


def readiness(
    uow: UnitOfWork,
    ledger: ChainAt,
    *,
    max_lag: int = 10,
    ping: Callable[[], None] | None = None,
) -> tuple[int, dict[str, object], str]:
    app = app_over(uow, ledger, ready_max_lag=max_lag, ping_database=ping)
    with api_client(app) as api:
        response = api.get("/readyz")
    return response.status_code, response.json(), response.headers["content-type"]


def test_healthz_says_the_process_answers(small_api: ApiClient) -> None:
    response = small_api.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_when_database_ledger_and_lag_are_fine() -> None:
    status, body, _ = readiness(indexed_to(95), ChainAt(100), max_lag=5)
    assert status == 200
    assert body == {
        "status": "ready",
        "checks": {"database": "ok", "ledger": "ok", "indexer": "ok"},
        "head": 100,
        "indexed": 95,
        "lag": 5,
        "writes": "off: this server serves reads only",
    }


def test_not_ready_when_the_indexer_lags_too_far() -> None:
    status, body, media = readiness(indexed_to(94), ChainAt(100), max_lag=5)
    assert (status, media) == (503, PROBLEM)
    assert body["type"] == "/problems/not-ready"
    assert body["detail"] == "not ready: indexer"
    assert body["lag"] == 6
    assert str(body["checks"]["indexer"]).startswith("failed: 6 blocks behind")  # type: ignore[index]


def test_not_ready_before_anything_is_indexed() -> None:
    status, body, _ = readiness(MemoryUnitOfWork(), ChainAt(20), max_lag=10)
    assert status == 503
    assert (body["indexed"], body["lag"]) == (None, 21)


def test_not_ready_when_the_ledger_does_not_answer() -> None:
    status, body, _ = readiness(indexed_to(5), ChainAt(None))
    assert status == 503
    assert body["detail"] == "not ready: ledger, indexer"
    assert body["checks"] == {
        "database": "ok",
        "ledger": "failed: ConnectionError",
        "indexer": "unknown: needs the database and the ledger",
    }


def test_not_ready_when_the_database_does_not_answer() -> None:
    def ping() -> None:
        raise ConnectionRefusedError("no database at that address")

    status, body, _ = readiness(indexed_to(100), ChainAt(100), ping=ping)
    assert status == 503
    assert body["checks"]["database"] == "failed: ConnectionRefusedError"  # type: ignore[index]
    assert body["detail"] == "not ready: database, indexer"
    assert "no database at that address" not in str(body)


def test_the_database_check_pings_it(fresh_ledger: DevLedger) -> None:
    pings: list[bool] = []
    app = app_over(indexed_to(0), ChainAt(0), ping_database=lambda: pings.append(True))
    with api_client(app) as api:
        assert api.get("/readyz").status_code == 200
    assert pings == [True]


def test_metrics_count_requests_by_route_template_and_status(
    day: IndexedDay, fresh_ledger: DevLedger
) -> None:
    app = app_over(MemoryUnitOfWork(), fresh_ledger, status=day.status)
    with api_client(app) as api:
        api.get("/v1/releases/1")
        api.get("/v1/releases/2")
        api.get("/v1/releases")
        api.get("/not/a/route")
        text = api.get("/metrics").text
    assert (
        'dcmx_http_requests_total{method="GET",route="/v1/releases/{release_id}",status="404"} 2.0'
        in text
    )
    assert 'dcmx_http_requests_total{method="GET",route="/v1/releases",status="200"} 1.0' in text
    assert 'dcmx_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert (
        'dcmx_http_request_duration_seconds_count{method="GET",route="/v1/releases",status="200"}'
        in text
    )
    assert (
        'dcmx_http_request_duration_seconds_bucket{le="+Inf",method="GET",'
        'route="/v1/releases/{release_id}",status="404"} 2.0'
    ) in text


def test_metrics_report_the_indexer(day: IndexedDay, fresh_ledger: DevLedger) -> None:
    status = IndexerStatus(head=50, indexed=42, events=300, seconds=2.0)
    with api_client(app_over(MemoryUnitOfWork(), fresh_ledger, status=status)) as api:
        response = api.get("/metrics")
        status.indexed = 50
        later = api.get("/metrics").text
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "dcmx_indexer_lag_blocks 8.0" in text
    assert "dcmx_indexer_indexed_block 42.0" in text
    assert "dcmx_indexer_head_block 50.0" in text
    assert "dcmx_indexer_events_per_second 150.0" in text
    assert "dcmx_indexer_lag_blocks 0.0" in later


def test_two_apps_keep_their_metrics_apart(fresh_ledger: DevLedger) -> None:
    first = app_over(MemoryUnitOfWork(), fresh_ledger)
    second = app_over(MemoryUnitOfWork(), fresh_ledger)
    with api_client(first) as one, api_client(second) as other:
        one.get("/healthz")
        one.get("/healthz")
        other.get("/healthz")
        assert 'route="/healthz",status="200"} 2.0' in one.get("/metrics").text
        assert 'route="/healthz",status="200"} 1.0' in other.get("/metrics").text


def test_openapi_describes_every_endpoint_with_its_models(small_api: ApiClient) -> None:
    spec = small_api.get("/openapi.json").json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert all(op.get("summary") for op in operations)
    assert len(spec["paths"]) >= 17
    payouts = spec["paths"]["/v1/accounts/{address}/payouts"]["get"]
    assert payouts["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Page_Payout_"
    }
    assert PROBLEM in payouts["responses"]["422"]["content"]
    limit = next(p for p in payouts["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 3
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert small_api.get("/docs").status_code == 200


@pytest.mark.parametrize("route", ["/docs", "/redoc"])
def test_the_docs_pages_need_no_internet(small_api: ApiClient, route: str) -> None:
    page = small_api.get(route)
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(sources) >= 2
    for source in sources:
        assert source.startswith("/docs/assets/"), source  # nothing from a CDN
        asset = small_api.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 1_000, source
    assert "'/openapi.json'" in page.text or '"/openapi.json"' in page.text


def test_the_api_reads_the_read_models_only(fresh_ledger: DevLedger) -> None:
    """The ledger has nothing to say about reads: a ledger that refuses everything but its head
    changes no answer."""

    class HeadOnly:
        def head(self) -> Block:
            return fresh_ledger.head()

    uow = indexed_to(0)
    app = create_app(
        unit_of_work=lambda: uow, chain=CHAIN, ledger=HeadOnly(), keccak=CRYPTO.keccak256
    )
    with api_client(app) as api:
        assert api.get("/v1/releases").json() == {"items": [], "next": None, "block": 0}
