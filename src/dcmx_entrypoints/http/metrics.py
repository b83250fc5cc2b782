"""Prometheus metrics of one app, in a registry of its own (so that several apps in one process
keep apart): requests and their latency by route template and status; the indexer's head,
indexed block, lag and events per second as its ``IndexerStatus`` reports them; the chain as
the ``ChainWatch`` last read it (the ledger up, its head and the head's age, the read models'
lag in blocks and seconds, the operator's balance for fees and its low-water mark, and on TRON
its energy and bandwidth left); transactions sent and failed by reason; the database
pool's size, connections in use and requests waiting for one; and each read replica's state:
whether it answers and how many blocks it is behind the primary."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy.pool import Pool
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dcmx_adapters.sql.pool import PoolFigures, pool_figures
from dcmx_core.services.indexer import IndexerStatus
from dcmx_entrypoints.http.chain_watch import ChainReading, ChainWatch
from dcmx_entrypoints.http.health import Replication

if TYPE_CHECKING:
    from dcmx_entrypoints.http.live_feed import LiveFeed

UNMATCHED: Final = "unmatched"
"""The route of requests no route matches (so that stray paths add no label values)."""


class Metrics:
    """The app's metrics: the ``chain`` figures when there is a watch of it, the ``pool``'s
    when there is a database pool (the function gives the engine's pool of the moment). The
    app registers a ``ReplicaGauges`` beside them when it reads from replicas."""

    def __init__(
        self,
        status: IndexerStatus,
        *,
        chain: ChainGauges | None = None,
        pool: Callable[[], Pool] | None = None,
    ) -> None:
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
        self.transactions_sent = Counter(
            "dcmx_transactions_sent",
            "Transactions the API asked the ledger to send (failed ones too).",
            registry=self.registry,
        )
        self.transactions_failed = Counter(
            "dcmx_transactions_failed",
            "Transactions that failed, by reason (the refusal's kebab name, or unreachable).",
            ("reason",),
            registry=self.registry,
        )
        if chain is not None:
            self.registry.register(chain)
        if pool is not None:
            self.registry.register(PoolGauges(pool))

    def sent(self) -> None:
        self.transactions_sent.inc()

    def failed(self, reason: str) -> None:
        self.transactions_failed.labels(reason).inc()

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


def _gauge(name: str, description: str, value: float | None) -> GaugeMetricFamily:
    """A gauge that has no sample when its value is not known."""
    family = GaugeMetricFamily(name, description)
    if value is not None:
        family.add_metric([], value)
    return family


class ChainGauges(Collector):
    """The watch's last reading, as gauges; a figure the reading lacks has no sample."""

    def __init__(
        self,
        watch: ChainWatch,
        *,
        balance_low: int | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._watch = watch
        self._balance_low = balance_low
        self._wall = wall

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The gauges without samples (the registry asks, and the ledger need not)."""
        return self._families(ChainReading(failure="describing"), up=None)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        reading = self._watch.latest()
        return self._families(reading, up=reading.up)

    def _families(self, reading: ChainReading, up: bool | None) -> Iterator[GaugeMetricFamily]:
        head = reading.head
        yield _gauge("dcmx_ledger_up", "1 when the ledger answered when last asked.", up)
        yield _gauge(
            "dcmx_ledger_head_block",
            "The ledger's head block, when last asked.",
            None if head is None else head.number,
        )
        yield _gauge(
            "dcmx_ledger_head_age_seconds",
            "Seconds since the ledger's head block was made.",
            None if head is None else max(self._wall() - head.timestamp, 0.0),
        )
        yield from _read_model_lags(reading)
        yield from self._fee_figures(reading, up)

    def _fee_figures(self, reading: ChainReading, up: bool | None) -> Iterator[GaugeMetricFamily]:
        resources = reading.resources
        yield _gauge(
            "dcmx_operator_balance",
            "The operator's balance of the chain's coin for fees, in its smallest unit.",
            reading.balance,
        )
        yield _gauge(
            "dcmx_operator_balance_low",
            "The operator's balance below which to top it up (DCMX_OPERATOR_BALANCE_LOW).",
            None if up is None else self._balance_low,
        )
        yield _gauge(
            "dcmx_operator_energy_left",
            "Energy the operator has left before calls burn TRX (TRON).",
            None if resources is None else resources.energy_left,
        )
        yield _gauge(
            "dcmx_operator_bandwidth_left",
            "Bandwidth bytes the operator has left before transactions burn TRX (TRON).",
            None if resources is None else resources.bandwidth_left,
        )


def _read_model_lags(reading: ChainReading) -> Iterator[GaugeMetricFamily]:
    head, indexed = reading.head, reading.indexed
    number: int | None = None
    if indexed is not None:
        number = indexed.number
    elif reading.nothing_indexed:
        number = -1
    yield _gauge(
        "dcmx_read_models_block",
        "The last block in the read models (the indexer's checkpoint; -1: none).",
        number,
    )
    yield _gauge(
        "dcmx_read_models_lag_blocks",
        "Blocks between the ledger's head and the read models' last block.",
        None if head is None or number is None else max(head.number - number, 0),
    )
    yield _gauge(
        "dcmx_read_models_lag_seconds",
        "Seconds between the ledger's head block and the read models' last block.",
        None if head is None or indexed is None else max(head.timestamp - indexed.timestamp, 0),
    )


class PoolGauges(Collector):
    """The database pool's figures at the scrape; those a pool does not tell have no sample."""

    def __init__(self, pool: Callable[[], Pool]) -> None:
        self._pool = pool

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return self._families(None)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        return self._families(pool_figures(self._pool()))

    def _families(self, figures: PoolFigures | None) -> Iterator[GaugeMetricFamily]:
        yield _gauge(
            "dcmx_db_pool_size",
            "Connections the database pool keeps open.",
            None if figures is None else figures.size,
        )
        yield _gauge(
            "dcmx_db_pool_connections_max",
            "The most connections the database pool opens at once.",
            None if figures is None else figures.connections_max,
        )
        yield _gauge(
            "dcmx_db_pool_in_use",
            "Database connections lent out now.",
            None if figures is None else figures.in_use,
        )
        yield _gauge(
            "dcmx_db_pool_waiting",
            "Requests waiting for a database connection.",
            None if figures is None else figures.waiting,
        )


class ReplicaGauges(Collector):
    """Each read replica, asked at the scrape (a replica that does not answer costs the scrape
    at most its connect timeout): whether it answers, and its lag behind the primary in blocks
    (no sample when it or the primary does not answer)."""

    def __init__(self, replication: Replication) -> None:
        self._replication = replication

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(self._families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up, lag = self._families()
        for replica in self._replication.read():
            up.add_metric([replica.name], 0 if replica.failure else 1)
            if replica.lag is not None:
                lag.add_metric([replica.name], replica.lag)
        return iter((up, lag))

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        labels = ["replica"]
        return (
            GaugeMetricFamily(
                "dcmx_db_replica_up",
                "1 when the read replica answered at the scrape.",
                labels=labels,
            ),
            GaugeMetricFamily(
                "dcmx_db_replica_lag_blocks",
                "Blocks between the primary's checkpoint and the read replica's.",
                labels=labels,
            ),
        )


class LiveFeedGauges(Collector):
    """The live event stream of this process: its subscribers now, and how many it has cut off
    for reading too slowly since it started."""

    def __init__(self, feed: LiveFeed) -> None:
        self._feed = feed

    def describe(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        return iter(self._families())

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        subscribers, cut = self._families()
        subscribers.add_metric([], len(self._feed.followers))
        cut.add_metric([], self._feed.cuts)
        return iter((subscribers, cut))

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, CounterMetricFamily]:
        return (
            GaugeMetricFamily(
                "dcmx_live_subscribers", "Clients following /v1/events/stream in this process."
            ),
            CounterMetricFamily(
                "dcmx_live_subscribers_cut",
                "Subscribers cut off for reading too slowly (each told where to resume).",
            ),
        )


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
