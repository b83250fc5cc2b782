"""The HTTP API: reads served from the read models (never from the ledger), health, readiness
and metrics. ``create_app`` takes the pieces it needs, so tests can hand it any unit of work;
``app_from_container`` takes them from the container."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

import attrs
from anyio import to_thread
from attrs import frozen
from fastapi import APIRouter, FastAPI, HTTPException, Path
from sqlalchemy.pool import Pool

from dcmx_core import __version__
from dcmx_core.live import IndexNotices
from dcmx_core.model.values import Address, Keccak
from dcmx_core.ports import UnitOfWork
from dcmx_core.services.indexer import IndexerStatus
from dcmx_entrypoints.container import (
    HANDLER_THREADS,
    OPERATOR_KEY_SETTINGS,
    Container,
    container_from_environment,
)
from dcmx_entrypoints.http.access import KeyCheck
from dcmx_entrypoints.http.chain_watch import ChainBlocks, ChainSources, ChainWatch, FeePayer
from dcmx_entrypoints.http.counted_ledger import counted
from dcmx_entrypoints.http.direct_reads import DirectReads, DirectRoutes
from dcmx_entrypoints.http.docs import add_docs
from dcmx_entrypoints.http.event_stream import (
    event_frame,
    note_server_send,
    retraction_frame,
    stream_routes,
)
from dcmx_entrypoints.http.health import ReadinessChecks, Replication, health_routes
from dcmx_entrypoints.http.limits import (
    BodyLimit,
    InProcessBuckets,
    Rate,
    RateCounter,
    RateLimiter,
)
from dcmx_entrypoints.http.live_feed import LiveFeed
from dcmx_entrypoints.http.market import MarketAnswers, market_routes
from dcmx_entrypoints.http.metrics import (
    ChainGauges,
    LiveFeedGauges,
    Metrics,
    ReplicaGauges,
    RequestMetrics,
    metrics_routes,
)
from dcmx_entrypoints.http.operator_routes import operator_routes
from dcmx_entrypoints.http.problems import (
    ProblemDescription,
    install_problem_handlers,
    known_problems,
    problem_responses,
)
from dcmx_entrypoints.http.reading import Reads
from dcmx_entrypoints.http.records import RecordAnswers, records_routes
from dcmx_entrypoints.http.schemas import AddressText, Render
from dcmx_entrypoints.http.signed_requests import SignedRequests
from dcmx_entrypoints.http.signed_routes import signed_routes
from dcmx_entrypoints.http.wallet_routes import wallet_routes
from dcmx_entrypoints.http.writing import Operator, WriteLimits, Writes
from dcmx_entrypoints.settings import LedgerKind

DESCRIPTION = """The read side of DCMX: releases, editions, balances, sales, payouts, claims and
the compliance record, as the indexer has built them from the ledger's events; and the write
side: the operator's use cases (an API key with a scope: `Authorization: Bearer <key>` or
`X-API-Key: <key>`) and the requests a user signs with their wallet (`/v1/signed/...`). A write
answers with the receipt of its transaction (tx id, block, events); the read models show it
once the indexer has reached that block.

Lists page by keyset: pass a page's `next` as `?after=` for the one after it. Amounts are
decimal strings (base units), hashes 0x hex, addresses the chain's own rendering. Every answer
carries `block`, the indexed block the data is consistent with. Errors are RFC 9457 problem
documents whose `type` names the kind of error (see `/problems/{kind}`)."""


@frozen
class LedgerWatch:
    """How the metrics read the ledger: at most every ``every`` seconds, waiting for an
    answer at most ``timeout`` seconds; the operator's balance below ``balance_low`` (in the
    chain's smallest unit) wants topping up."""

    every: float = 5.0
    timeout: float = 2.0
    balance_low: int = 0


def create_app(
    *,
    unit_of_work: Callable[[], UnitOfWork],
    chain: str,
    ledger: ChainBlocks,
    keccak: Keccak,
    status: IndexerStatus | None = None,
    tron_addresses: bool = False,
    ping_database: Callable[[], None] | None = None,
    page_size_max: int = 100,
    ready_max_lag: int = 10,
    operator: Operator | None = None,
    request_body_max: int = 65_536,
    request_body_seconds: float = 10.0,
    connections_max: int = 1_000,
    rate_counter: RateCounter | None = None,
    pool: Callable[[], Pool] | None = None,
    ledger_watch: LedgerWatch | None = None,
    read_unit_of_work: Callable[[], UnitOfWork] | None = None,
    notices: IndexNotices | None = None,
    stream_buffer: int = 1_000,
    stream_heartbeat: float = 15.0,
    replication: Replication | None = None,
    replica_max_lag: int = 10,
) -> FastAPI:
    """The API over the read models ``unit_of_work()`` gives (a fresh unit of work a request,
    or the same one when it is the in-memory kind), for the events of ``chain``. ``ledger`` is
    asked for its head by the readiness check only; ``status`` is the in-process indexer's, for
    the metrics. With an ``operator`` the write endpoints are there too, sending to its ledger;
    a request body above ``request_body_max`` bytes, or not all there ``request_body_seconds``
    after the request began, is refused; the server that runs it (``running.api_server``) takes
    ``connections_max`` connections at once. The write side's rate limits are counted in
    ``rate_counter`` (this process's own buckets by default). The metrics tell the database
    ``pool``'s figures when there is one, and read the ledger as ``ledger_watch`` says. The
    read endpoints read through ``read_unit_of_work()`` when it is given
    (``reading_units_of_work``: one statement a read), else through ``unit_of_work()``. With
    ``notices`` (the indexer's commits) ``/v1/events/stream`` pushes the events as they are
    indexed, each client with a buffer of ``stream_buffer`` messages and a heartbeat every
    ``stream_heartbeat`` s. With a ``replication`` (the replicas ``read_unit_of_work`` reads),
    each replica is ready while it answers and is at most ``replica_max_lag`` blocks behind
    the primary, and the metrics tell its lag."""
    render = Render(AddressText(keccak, base58=tron_addresses))
    feed = None
    if notices is not None:
        frame = event_frame(render)
        feed = LiveFeed(notices, unit_of_work, chain, frame, retraction_frame, stream_heartbeat)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Synchronous handlers run on anyio's worker threads: no more at once than the database
        # pool has connections, so none opens a connection of its own or waits for one.
        to_thread.current_default_thread_limiter().total_tokens = HANDLER_THREADS
        if feed is not None:
            feed.start()
        try:
            yield
        finally:
            if feed is not None:
                await feed.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="DCMX Core API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served by add_docs, without a CDN
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    install_problem_handlers(app)
    add_docs(app, "DCMX Core API")
    metrics = _metrics(
        status, ledger, unit_of_work, chain, operator, pool, ledger_watch or LedgerWatch()
    )
    if replication is not None:
        metrics.registry.register(ReplicaGauges(replication))
    reads = Reads(read_unit_of_work or unit_of_work, chain, render, page_size_max)
    direct = DirectRoutes(MarketAnswers(reads), RecordAnswers(reads))
    app.add_middleware(DirectReads, routes=direct)  # the innermost: after the limits
    app.add_middleware(BodyLimit, limit=request_body_max, seconds=request_body_seconds)
    app.add_middleware(RequestMetrics, metrics=metrics)
    checks = ReadinessChecks(
        unit_of_work,
        chain,
        ledger,
        ready_max_lag,
        ping_database,
        _writes_state(operator),
        replication,
        replica_max_lag,
    )
    app.include_router(market_routes(reads))
    if feed is not None:  # before the records' routes: /v1/events/stream is not an event
        app.include_router(stream_routes(feed, render, buffer=stream_buffer))
        note_server_send(app)
        metrics.registry.register(LiveFeedGauges(feed))
    app.include_router(records_routes(reads))
    if operator is not None:
        counter = rate_counter if rate_counter is not None else InProcessBuckets()
        sending = attrs.evolve(operator, ledger=counted(operator.ledger, metrics))
        _include_writes(app, sending, unit_of_work, chain, render, tron_addresses, counter)
    app.include_router(health_routes(checks))
    app.include_router(metrics_routes(metrics))
    app.include_router(_problem_docs())
    app.state.metrics = metrics
    app.state.addresses = render.addresses
    app.state.connections_max = connections_max
    app.state.live_feed = feed
    return app


def _metrics(
    status: IndexerStatus | None,
    ledger: ChainBlocks,
    unit_of_work: Callable[[], UnitOfWork],
    chain: str,
    operator: Operator | None,
    pool: Callable[[], Pool] | None,
    timing: LedgerWatch,
) -> Metrics:
    payer = None
    if operator is not None and operator.address is not None:
        payer = FeePayer(operator.ledger, operator.address)
    sources = ChainSources(ledger, unit_of_work, chain, payer)
    watch = ChainWatch(sources.read, every=timing.every, timeout=timing.timeout)
    low = None if payer is None else timing.balance_low
    return Metrics(status or IndexerStatus(), chain=ChainGauges(watch, balance_low=low), pool=pool)


def _writes_state(operator: Operator | None) -> str:
    if operator is None:
        return "off: this server serves reads only"
    if operator.address is None:
        return f"off: no operator key (set {OPERATOR_KEY_SETTINGS})"
    return "ok"


def _include_writes(
    app: FastAPI,
    operator: Operator,
    unit_of_work: Callable[[], UnitOfWork],
    chain: str,
    render: Render,
    tron: bool,
    counter: RateCounter,
) -> None:
    writes = Writes(
        ledger=operator.ledger,
        operator_account=operator.address,
        crypto=operator.crypto,
        clock=operator.clock,
        unit_of_work=unit_of_work,
        chain=chain,
        render=render,
        limits=operator.limits,
        tron=tron,
    )
    keys = KeyCheck(unit_of_work, RateLimiter(operator.limits.key_rate, counter))
    signed_rate = operator.limits.signed_rate
    signed = SignedRequests(
        writes, RateLimiter(signed_rate, counter), RateLimiter(signed_rate, counter)
    )
    app.include_router(operator_routes(writes, keys, signed))
    app.include_router(signed_routes(writes, signed))
    app.include_router(wallet_routes(writes, signed))


def _problem_docs() -> APIRouter:
    router = APIRouter(tags=["operations"])
    kinds = known_problems()

    @router.get(
        "/problems/{kind}",
        response_model=ProblemDescription,
        summary="What a kind of problem means",
        responses=problem_responses(404, 422),
    )
    def problem(kind: Annotated[str, Path(max_length=64)]) -> ProblemDescription:
        found = kinds.get(kind)
        if found is None:
            raise HTTPException(404, f"no problem kind {kind!r}")
        return ProblemDescription(
            type=found.type, title=found.title, status=found.status, description=found.description
        )

    return router


def app_from_container(container: Container, *, writes: bool = True, processes: int = 1) -> FastAPI:
    """The API wired from the container: SQL read models, the configured ledger, settings'
    page size and lag bound; the write side too unless ``writes`` is off (a ledger opened to
    be read only), its rate limits counted where the settings say for an API served from
    ``processes`` processes. Shutting the app down disposes the container's resources."""
    settings = container.settings()
    engine = container.engine()
    app = create_app(
        unit_of_work=container.unit_of_work,
        chain=container.chain(),
        ledger=container.ledger(),
        keccak=container.crypto().keccak256,
        status=container.indexer_status(),
        tron_addresses=settings.ledger is LedgerKind.TRON,
        ping_database=container.ping_database(),
        page_size_max=settings.page_size_max,
        ready_max_lag=settings.ready_max_lag,
        operator=_operator(container) if writes else None,
        request_body_max=settings.request_body_max,
        request_body_seconds=settings.request_body_seconds,
        connections_max=settings.api_connections_max,
        rate_counter=container.rate_counter(processes=processes) if writes else None,
        pool=lambda: engine.pool,
        ledger_watch=LedgerWatch(balance_low=settings.operator_balance_low_mark),
        read_unit_of_work=container.read_units_of_work(),
        notices=container.index_notices(),
        replication=container.replication(),
        replica_max_lag=settings.read_replica_max_lag,
    )

    serving = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[None]:
        async with serving(served):
            yield
        container.shutdown_resources()

    app.router.lifespan_context = lifespan
    return app


def _operator(container: Container) -> Operator:
    settings = container.settings()
    return Operator(
        ledger=container.ledger(),
        address=_operator_address(container),
        crypto=container.crypto(),
        clock=container.clock(),
        limits=WriteLimits(
            key_rate=Rate(settings.rate_key_per_minute, settings.rate_key_burst),
            signed_rate=Rate(settings.rate_signed_per_minute, settings.rate_signed_burst),
            expiry_max=settings.signed_expiry_max,
        ),
    )


def _operator_address(container: Container) -> Address | None:
    signer = container.operator_signer()
    return None if signer is None else signer.address


def app_from_environment() -> FastAPI:
    """For ``uvicorn --factory dcmx_entrypoints.http:app_from_environment``."""
    return app_from_container(container_from_environment())
