"""Read endpoints of the market: releases and their editions, editions an account owns, token
balances and holders, sales and payouts."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run
# time, and some name values local to the function that builds the routes (the page bound).

from typing import Annotated

from attrs import frozen
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from dcmx_core.exceptions import UnknownRelease
from dcmx_core.model.values import Address
from dcmx_core.ports import UnitOfWork
from dcmx_entrypoints.http.paging import PageRequest, address_key, cut, decode_cursor
from dcmx_entrypoints.http.problems import problem_responses
from dcmx_entrypoints.http.reading import (
    ONE_PROBLEMS,
    PAGED_PROBLEMS,
    Reads,
    ReleaseId,
    page_answer,
    page_document,
    route_options,
)
from dcmx_entrypoints.http.schemas import (
    Balance,
    Edition,
    Holder,
    JsonObject,
    Page,
    Payout,
    Release,
    ReleaseWithEditions,
    Sale,
    Stats,
)


def _after_int(list_name: str, page: PageRequest) -> int:
    if page.after is None:
        return 0
    (key,) = decode_cursor(list_name, page.after, (int,))
    return int(key)


def _known_release(uow: UnitOfWork, release_id: int) -> None:
    if uow.releases.get_release(release_id) is None:
        raise UnknownRelease(release_id)


@frozen
class MarketAnswers:
    """The answers of the market's busiest reads, as documents: the routes below give them,
    and so does ``DirectReads``, which answers them without FastAPI's machinery."""

    reads: Reads

    def release(self, release_id: int) -> JsonObject:
        reads, render = self.reads, self.reads.render
        limit = reads.page_size_max
        with reads.reading() as read:
            found = read.uow.releases.get_release(release_id)
            if found is None:
                raise UnknownRelease(release_id)
            editions = read.uow.releases.editions_of_release(release_id, limit=limit + 1)
        shown, next_ = cut(editions, limit, "release-editions", lambda e: (e.token_id,))
        return {
            "release": render.release(found),
            "editions": [render.edition(e) for e in shown],
            "editions_next": next_,
            "block": read.block,
        }

    def owned(self, owner: Address, page: PageRequest) -> JsonObject:
        after = _after_int("owned-editions", page)
        with self.reads.reading() as read:
            found = read.uow.releases.editions_of_owner(owner, after=after, limit=page.limit + 1)
        shown, next_ = cut(found, page.limit, "owned-editions", lambda e: (e.token_id,))
        return page_document([self.reads.render.edition(e) for e in shown], next_, read.block)

    def balance(self, holder: Address) -> JsonObject:
        with self.reads.reading() as read:
            amount = read.uow.balances.balance(holder)
        return {
            "account": self.reads.render.address(holder),
            "amount": str(amount),
            "block": read.block,
        }

    def stats(self) -> JsonObject:
        with self.reads.reading() as read:
            found = read.uow.stats.get()
        return self.reads.render.stats(found, read.block)

    def payouts(self, recipient: Address, page: PageRequest) -> JsonObject:
        after = None
        if page.after is not None:
            after = address_key(decode_cursor("payouts", page.after, (str,)))
        with self.reads.reading() as read:
            found = read.uow.sales.payouts_of(recipient, after=after, limit=page.limit + 1)
        shown, next_ = cut(found, page.limit, "payouts", lambda p: (p.currency.to_hex(),))
        return page_document([self.reads.render.payout(p) for p in shown], next_, read.block)


def market_routes(reads: Reads) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["market"])
    answers = MarketAnswers(reads)
    render = reads.render
    paged = Depends(reads.page_parameters())
    account = Depends(reads.account_parameter())

    @router.get(
        "/releases",
        response_model=Page[Release],
        **route_options("Releases, by release number", PAGED_PROBLEMS),
    )
    async def releases(page: PageRequest = paged) -> JSONResponse:
        after = _after_int("releases", page)
        with reads.reading() as read:
            found = read.uow.releases.list_releases(after=after, limit=page.limit + 1)
        shown, next_ = cut(found, page.limit, "releases", lambda r: (r.release_id,))
        return page_answer([render.release(r) for r in shown], next_, read.block)

    @router.get(
        "/releases/{release_id}",
        response_model=ReleaseWithEditions,
        **route_options("One release, with the first page of its editions", ONE_PROBLEMS),
    )
    async def release(release_id: ReleaseId) -> JSONResponse:
        return JSONResponse(answers.release(release_id))

    @router.get(
        "/releases/{release_id}/editions",
        response_model=Page[Edition],
        **route_options("The editions of a release, by token id", ONE_PROBLEMS),
    )
    async def release_editions(release_id: ReleaseId, page: PageRequest = paged) -> JSONResponse:
        after = _after_int("release-editions", page)
        with reads.reading() as read:
            _known_release(read.uow, release_id)
            found = read.uow.releases.editions_of_release(
                release_id, after=after, limit=page.limit + 1
            )
        shown, next_ = cut(found, page.limit, "release-editions", lambda e: (e.token_id,))
        return page_answer([render.edition(e) for e in shown], next_, read.block)

    @router.get(
        "/releases/{release_id}/sales",
        response_model=Page[Sale],
        **route_options("The sales of a release, by settlement", ONE_PROBLEMS),
    )
    async def sales(release_id: ReleaseId, page: PageRequest = paged) -> JSONResponse:
        after = _after_int("sales", page)
        with reads.reading() as read:
            _known_release(read.uow, release_id)
            found = read.uow.sales.sales_of_release(release_id, after=after, limit=page.limit + 1)
        shown, next_ = cut(found, page.limit, "sales", lambda s: (s.settlement_id,))
        return page_answer([render.sale(s) for s in shown], next_, read.block)

    @router.get(
        "/accounts/{address}/editions",
        response_model=Page[Edition],
        **route_options("The editions (NFTs) an account owns, by token id", PAGED_PROBLEMS),
    )
    async def owned(owner: Address = account, page: PageRequest = paged) -> JSONResponse:
        return JSONResponse(answers.owned(owner, page))

    @router.get(
        "/accounts/{address}/balance",
        response_model=Balance,
        **route_options("An account's DCMX token balance", PAGED_PROBLEMS),
    )
    async def balance(holder: Address = account) -> JSONResponse:
        return JSONResponse(answers.balance(holder))

    @router.get(
        "/stats",
        response_model=Stats,
        tags=["platform"],
        **route_options(
            "Platform figures: releases, sales and their volume, supply, claims",
            problem_responses(503),
        ),
    )
    async def stats() -> JSONResponse:
        return JSONResponse(answers.stats())

    @router.get(
        "/token/holders",
        response_model=Page[Holder],
        **route_options(
            "The largest DCMX holders, largest first (one page: `next` is always null)",
            PAGED_PROBLEMS,
        ),
    )
    async def holders(
        limit: Annotated[
            int,
            Query(
                ge=1,
                le=reads.page_size_max,
                description=f"How many holders, 1 to {reads.page_size_max}.",
            ),
        ] = reads.page_size_max,
    ) -> JSONResponse:
        with reads.reading() as read:
            found = read.uow.balances.holders(limit=limit)
        return page_answer([render.holder(a, amount) for a, amount in found], None, read.block)

    @router.get(
        "/accounts/{address}/payouts",
        response_model=Page[Payout],
        **route_options("What an account is owed and has withdrawn, by currency", PAGED_PROBLEMS),
    )
    async def payouts(recipient: Address = account, page: PageRequest = paged) -> JSONResponse:
        return JSONResponse(answers.payouts(recipient, page))

    return router
