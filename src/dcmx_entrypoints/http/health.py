"""Liveness and readiness.

``/healthz`` says the process answers. ``/readyz`` says whether it should be sent traffic: the
database answers, the ledger answers, and the read models are at most ``ready_max_lag`` blocks
behind the ledger's head (head minus the indexer's checkpoint, so it holds whichever process
runs the indexer). With read replicas, each must answer and be at most ``replica_max_lag``
blocks behind the primary (its checkpoint against the primary's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from attrs import frozen
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dcmx_core.ports import Block, UnitOfWork
from dcmx_entrypoints.http.problems import API_PROBLEMS, problem_response, problem_responses
from dcmx_entrypoints.http.schemas import Health, Readiness

OK = "ok"


class ChainHead(Protocol):
    def head(self) -> Block: ...


@frozen
class Replica:
    """A read replica: its name (``host:port/database``) and units of work that read it."""

    name: str
    unit_of_work: Callable[[], UnitOfWork]


@frozen
class ReplicaLag:
    """A replica as last asked: how many blocks its checkpoint is behind the primary's; None
    when it did not answer (``failure`` says how) or the primary did not."""

    name: str
    lag: int | None = None
    failure: str = ""


@frozen
class Replication:
    """The replicas the API reads from, and the primary (``unit_of_work``) they copy."""

    unit_of_work: Callable[[], UnitOfWork]
    chain: str
    replicas: Sequence[Replica] = ()

    def read(self) -> list[ReplicaLag]:
        """Each replica's lag: the primary's checkpoint read first, each replica's after it
        (so that the indexer committing meanwhile makes a replica look ahead, never behind)."""
        try:
            primary: int | None = _indexed_block(self.unit_of_work, self.chain)
        except Exception:  # the primary's health is the readiness check's own to tell
            primary = None
        return self.behind(primary)

    def behind(self, primary: int | None) -> list[ReplicaLag]:
        """Each replica's lag behind the primary's block ``primary`` (-1: nothing indexed;
        None: not known)."""
        lags = []
        for replica in self.replicas:
            try:
                block = _indexed_block(replica.unit_of_work, self.chain)
            except Exception as error:  # a replica that fails is reported, never raised
                lags.append(ReplicaLag(replica.name, failure=type(error).__name__))
                continue
            lag = None if primary is None else max(primary - block, 0)
            lags.append(ReplicaLag(replica.name, lag))
        return lags


def _indexed_block(unit_of_work: Callable[[], UnitOfWork], chain: str) -> int:
    uow = unit_of_work()
    with uow:
        checkpoint = uow.checkpoints.get_checkpoint(chain)
    return -1 if checkpoint is None else checkpoint.block_number


@frozen
class ReadinessChecks:
    unit_of_work: Callable[[], UnitOfWork]
    chain: str
    ledger: ChainHead
    max_lag: int
    ping_database: Callable[[], None] | None = None
    writes: str = OK
    """Whether the operator's writes can be sent (reported, not a condition of readiness:
    reads work without them)."""
    replication: Replication | None = None
    """The read replicas, each a check of its own (``replica host:port/database``)."""
    replica_max_lag: int = 10
    """The most blocks a replica may be behind the primary and the API still be ready."""

    def run(self) -> Readiness:
        checks: dict[str, str] = {}
        indexed = head = lag = None
        try:
            indexed = self._indexed()
            checks["database"] = OK
        except Exception as error:  # a readiness probe reports failures, it never raises
            checks["database"] = f"failed: {type(error).__name__}"
        try:
            head = self.ledger.head().number
            checks["ledger"] = OK
        except Exception as error:
            checks["ledger"] = f"failed: {type(error).__name__}"
        if head is None or checks["database"] != OK:
            checks["indexer"] = "unknown: needs the database and the ledger"
        else:
            lag = head - (-1 if indexed is None else indexed)
            within = lag <= self.max_lag
            checks["indexer"] = (
                OK if within else f"failed: {lag} blocks behind the head, at most {self.max_lag}"
            )
        checks |= self._replicas(indexed, database_ok=checks["database"] == OK)
        ready = all(check == OK for check in checks.values())
        return Readiness(
            status="ready" if ready else "not ready",
            checks=checks,
            head=head,
            indexed=indexed,
            lag=lag,
            writes=self.writes,
        )

    def _replicas(self, indexed: int | None, *, database_ok: bool) -> dict[str, str]:
        if self.replication is None:
            return {}
        primary = (-1 if indexed is None else indexed) if database_ok else None
        return {
            f"replica {replica.name}": self._replica_check(replica)
            for replica in self.replication.behind(primary)
        }

    def _replica_check(self, replica: ReplicaLag) -> str:
        if replica.failure:
            return f"failed: {replica.failure}"
        if replica.lag is None:
            return "unknown: needs the database"
        if replica.lag > self.replica_max_lag:
            return (
                f"failed: {replica.lag} blocks behind the primary, at most {self.replica_max_lag}"
            )
        return OK

    def _indexed(self) -> int | None:
        if self.ping_database is not None:
            self.ping_database()
        uow = self.unit_of_work()
        with uow:
            checkpoint = uow.checkpoints.get_checkpoint(self.chain)
        return None if checkpoint is None else checkpoint.block_number


def health_routes(checks: ReadinessChecks) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", response_model=Health, summary="The process answers")
    async def healthz() -> Health:
        return Health(status="ok")

    @router.get(
        "/readyz",
        response_model=Readiness,
        summary="Database, ledger and indexer lag are fine",
        responses=problem_responses(503),
    )
    def readyz(request: Request) -> Readiness | JSONResponse:
        readiness = checks.run()
        if readiness.status == "ready":
            return readiness
        failed = [name for name, check in readiness.checks.items() if check != OK]
        return problem_response(
            request,
            API_PROBLEMS["not-ready"],
            "not ready: " + ", ".join(failed),
            **readiness.model_dump(exclude={"status"}),
        )

    return router
