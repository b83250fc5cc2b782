"""Prometheus metrics of one app, in a registry of its own (so that several apps in one process
keep apart): requests and their latency by route template and status, and the indexer's head,
indexed block, lag and events per second as its ``IndexerStatus`` reports them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dcmx_core.services.indexer import IndexerStatus

UNMATCHED: Final = "unmatched"
"""The route of requests no route matches (so that stray paths add no label values)."""


class Metrics:
    def __init__(self, status: IndexerStatus) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("method", "route", "status")
        self.requests = Counter(
            "dcmx_http_requests", "HTTP requests answered.", labels, registry=self.registry
        )
        self.latency = Histogram(
            "dcmx_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            labels,
            registry=self.registry,
        )
        gauges = (
            ("dcmx_indexer_head_block", "The ledger's head block, as last seen.", "head"),
            ("dcmx_indexer_indexed_block", "The last block indexed (-1: none).", "indexed"),
            ("dcmx_indexer_lag_blocks", "Blocks between the head and the last indexed.", "lag"),
            ("dcmx_indexer_events_per_second", "Events indexed a second.", "events_per_second"),
            ("dcmx_indexer_reorgs", "Reorganizations rolled back.", "reorgs"),
        )
        for name, description, attribute in gauges:
            gauge = Gauge(name, description, registry=self.registry)
            gauge.set_function(_reading(status, attribute))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _reading(status: IndexerStatus, attribute: str) -> Callable[[], float]:
    """The status's ``attribute`` as it is when the metrics are scraped."""

    def read() -> float:
        return float(getattr(status, attribute))

    return read


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is not None:
        return str(route.path)
    # Routes of plain Starlette (the docs) do not put themselves in the scope.
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(getattr(candidate, "path", UNMATCHED))
    return UNMATCHED


class RequestMetrics:
    """ASGI middleware: counts and times every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - began
            self.metrics.observe(scope["method"], _route_template(scope), status, elapsed)


def metrics_routes(metrics: Metrics) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get(
        "/metrics",
        response_class=Response,
        summary="Prometheus metrics",
        responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
    )
    def exposition() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
