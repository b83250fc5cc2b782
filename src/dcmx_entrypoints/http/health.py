"""Liveness and readiness.

``/healthz`` says the process answers. ``/readyz`` says whether it should be sent traffic: the
database answers, the ledger answers, and the read models are at most ``ready_max_lag`` blocks
behind the ledger's head (head minus the indexer's checkpoint, so it holds whichever process
runs the indexer).
"""

from __future__ import annotations

from collections.abc import Callable
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
class ReadinessChecks:
    unit_of_work: Callable[[], UnitOfWork]
    chain: str
    ledger: ChainHead
    max_lag: int
    ping_database: Callable[[], None] | None = None
    writes: str = OK
    """Whether the operator's writes can be sent (reported, not a condition of readiness:
    reads work without them)."""

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
        ready = all(check == OK for check in checks.values())
        return Readiness(
            status="ready" if ready else "not ready",
            checks=checks,
            head=head,
            indexed=indexed,
            lag=lag,
            writes=self.writes,
        )

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
