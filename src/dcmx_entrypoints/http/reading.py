"""What every read endpoint shares: a unit of work per request, the checkpoint the data is
consistent with, the page parameters and the address in the path."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run
# time, and some name values local to the function that builds the routes (the page bound).

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from attrs import define, frozen
from fastapi import Path, Query
from fastapi.responses import JSONResponse

from dcmx_core.model.values import Address
from dcmx_core.ports import UnitOfWork
from dcmx_entrypoints.http.paging import MAX_KEY, PageRequest
from dcmx_entrypoints.http.problems import problem_responses
from dcmx_entrypoints.http.schemas import JsonObject, Render
from dcmx_entrypoints.http.write_schemas import ADDRESS_FORMAT, StrictDigits

ADDRESS_HELP = "An address: 0x hex (EIP-55 checksum if mixed case) or TRON base58check (T…)."
PAGED_PROBLEMS = problem_responses(422, 503)
ONE_PROBLEMS = problem_responses(404, 422, 503)


@define
class Reading:
    """A read in progress: its unit of work, and the checkpoint's block once it is done."""

    uow: UnitOfWork
    block: int | None = None


@frozen
class Reads:
    """Where the read endpoints read from, and how they answer.

    The read endpoints are coroutines that read the database in place, on the event loop: each
    is a read of a few indexed rows, over in about a millisecond, less than a trip to the thread
    pool and back costs in CPU. One process thus works on one read at a time; the API grows by
    processes (``dcmx serve --workers``). Whatever may wait on the network for long (the ledger,
    the readiness checks) runs on the thread pool instead.

    With read replicas (``DCMX_DATABASE_READ_URL``) ``unit_of_work`` reads them in turn, and
    the checkpoint an answer gives is the one of the replica that answered."""

    unit_of_work: Callable[[], UnitOfWork]
    chain: str
    render: Render
    page_size_max: int

    @contextmanager
    def reading(self) -> Iterator[Reading]:
        """The read models; once the block is left, the block of the checkpoint the reads saw
        (or None). The checkpoint is asked for after the reads: a unit of work for reading
        (``SqlUnitOfWork.for_reading``) answers with the one its first read brought along,
        of that read's snapshot."""
        uow = self.unit_of_work()
        with uow:
            read = Reading(uow)
            yield read
            checkpoint = uow.checkpoints.get_checkpoint(self.chain)
            read.block = None if checkpoint is None else checkpoint.block_number

    # The parameters are read on the event loop (async, and no I/O): a synchronous dependency
    # would cost every request a trip to the thread pool.
    def page_parameters(self) -> Callable[..., Awaitable[PageRequest]]:
        maximum = self.page_size_max

        async def page(
            after: Annotated[
                str | None,
                Query(
                    description="The `next` cursor of the page before; none for the first.",
                    json_schema_extra={"format": "cursor"},
                ),
            ] = None,
            limit: Annotated[
                int, Query(ge=1, le=maximum, description=f"Records a page, 1 to {maximum}.")
            ] = maximum,
        ) -> PageRequest:
            return PageRequest(after, limit)

        return page

    def account_parameter(self) -> Callable[..., Awaitable[Address]]:
        addresses = self.render.addresses

        async def account(
            address: Annotated[
                str, Path(description=ADDRESS_HELP, max_length=64, json_schema_extra=ADDRESS_FORMAT)
            ],
        ) -> Address:
            return addresses.parse(address)

        return account


ReleaseId = Annotated[
    int, Path(ge=1, le=MAX_KEY, description="The release's number."), StrictDigits
]


def page_document(items: list[JsonObject], next_: str | None, block: int | None) -> JsonObject:
    """A page as the ``Page`` model describes it (the route's ``response_model`` still
    describes it in the OpenAPI document)."""
    return {"items": items, "next": next_, "block": block}


def page_answer(items: list[JsonObject], next_: str | None, block: int | None) -> JSONResponse:
    """``page_document``, encoded as FastAPI encodes a model."""
    return JSONResponse(page_document(items, next_, block))


def route_options(summary: str, problems: dict[int | str, dict[str, Any]]) -> dict[str, Any]:
    return {"summary": summary, "responses": problems}
