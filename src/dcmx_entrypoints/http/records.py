"""Read endpoints of rewards, compliance and the chain's record: claims, document versions,
acceptances, open deletion requests, the raw events and the quarantined logs."""

from __future__ import annotations

from typing import Annotated, Final, Protocol, runtime_checkable

from attrs import frozen
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from dcmx_adapters.sql.read_statements import StoredEventJson
from dcmx_core.events import EVENT_TYPES
from dcmx_core.model.enums import DocumentType
from dcmx_core.model.values import Address, Hash32
from dcmx_entrypoints.http.paging import PageRequest, cut, decode_cursor
from dcmx_entrypoints.http.problems import InvalidCursor
from dcmx_entrypoints.http.reading import (
    PAGED_PROBLEMS,
    Reads,
    page_answer,
    page_document,
    route_options,
)
from dcmx_entrypoints.http.schemas import (
    Acceptance,
    Claim,
    DeletionRequest,
    Document,
    Event,
    JsonObject,
    Page,
    Quarantined,
)

EVENT_KINDS: Final = tuple(sorted(kind.__name__ for kind in EVENT_TYPES))
DOCUMENT_TYPES: Final = tuple(doc_type.name.lower() for doc_type in DocumentType)


def _one_of(names: tuple[str, ...]) -> str:
    return "^(" + "|".join(names) + ")$"


def _after_int(list_name: str, page: PageRequest) -> int:
    if page.after is None:
        return 0
    (key,) = decode_cursor(list_name, page.after, (int,))
    return int(key)


@runtime_checkable
class StoredEventPages(Protocol):
    """Events whose pages can be read with their fields as stored (``SqlEventRepository``),
    which the API renders without decoding each event first."""

    def stored_page(
        self, chain: str, *, after: tuple[int, int] | None, limit: int, kind: str | None
    ) -> list[StoredEventJson]: ...


@frozen
class RecordAnswers:
    """The answers of the busiest reads of rewards, compliance and the chain's record, as
    documents: the routes below give them, and so does ``DirectReads``."""

    reads: Reads

    def claims(self, user: Address, page: PageRequest) -> JsonObject:
        after = _after_int("claims", page)
        with self.reads.reading() as read:
            found = read.uow.claims.claims_of(user, after=after, limit=page.limit + 1)
        shown, next_ = cut(found, page.limit, "claims", lambda c: (c.claim_id,))
        return page_document([self.reads.render.claim(c) for c in shown], next_, read.block)

    def acceptances(self, user: Address, page: PageRequest) -> JsonObject:
        after = None
        if page.after is not None:
            at, doc_type, version = decode_cursor("acceptances", page.after, (int, int, int))
            after = (int(at), _document_type(int(doc_type)), int(version))
        with self.reads.reading() as read:
            found = read.uow.compliance.acceptances_of(user, after=after, limit=page.limit + 1)
        shown, next_ = cut(
            found,
            page.limit,
            "acceptances",
            lambda a: (a.accepted_at, int(a.doc_type), a.version),
        )
        render = self.reads.render
        return page_document([render.acceptance(a) for a in shown], next_, read.block)

    def events(self, kind: str | None, page: PageRequest) -> JsonObject:
        after = None
        if page.after is not None:
            block_number, log_index = decode_cursor("events", page.after, (int, int))
            after = (int(block_number), int(log_index))
        reads, limit = self.reads, page.limit
        with reads.reading() as read:
            events = read.uow.events
            if isinstance(events, StoredEventPages):
                stored = events.stored_page(reads.chain, after=after, limit=limit + 1, kind=kind)
            else:
                found = events.list(reads.chain, after=after, limit=limit + 1, kind=kind)
        if isinstance(events, StoredEventPages):
            shown, next_ = cut(stored, limit, "events", lambda e: (e.block_number, e.log_index))
            items = [reads.render.stored_event(e) for e in shown]
        else:
            decoded, next_ = cut(
                found, limit, "events", lambda e: (e.position.block_number, e.position.log_index)
            )
            items = [reads.render.event(e) for e in decoded]
        return page_document(items, next_, read.block)


def records_routes(reads: Reads) -> APIRouter:
    router = APIRouter(prefix="/v1")
    answers = RecordAnswers(reads)
    render = reads.render
    paged = Depends(reads.page_parameters())
    account = Depends(reads.account_parameter())

    @router.get(
        "/accounts/{address}/claims",
        response_model=Page[Claim],
        tags=["rewards"],
        **route_options("A user's reward claims, by claim number", PAGED_PROBLEMS),
    )
    async def claims(user: Address = account, page: PageRequest = paged) -> JSONResponse:
        return JSONResponse(answers.claims(user, page))

    @router.get(
        "/documents/{doc_type}",
        response_model=Page[Document],
        tags=["compliance"],
        **route_options("The registered versions of a legal document, by version", PAGED_PROBLEMS),
    )
    async def documents(
        doc_type: Annotated[
            str,
            Path(
                pattern=_one_of(DOCUMENT_TYPES), description="One of " + ", ".join(DOCUMENT_TYPES)
            ),
        ],
        page: PageRequest = paged,
    ) -> JSONResponse:
        after = _after_int("documents", page)
        kind = DocumentType[doc_type.upper()]
        with reads.reading() as read:
            found = read.uow.compliance.documents(kind, after=after, limit=page.limit + 1)
        shown, next_ = cut(found, page.limit, "documents", lambda d: (d.version,))
        return page_answer([render.document(d) for d in shown], next_, read.block)

    @router.get(
        "/accounts/{address}/acceptances",
        response_model=Page[Acceptance],
        tags=["compliance"],
        **route_options("A user's acceptances of legal documents, oldest first", PAGED_PROBLEMS),
    )
    async def acceptances(user: Address = account, page: PageRequest = paged) -> JSONResponse:
        return JSONResponse(answers.acceptances(user, page))

    @router.get(
        "/deletion-requests/open",
        response_model=Page[DeletionRequest],
        tags=["compliance"],
        **route_options("Deletion requests not yet processed, by request number", PAGED_PROBLEMS),
    )
    async def open_deletions(page: PageRequest = paged) -> JSONResponse:
        after = _after_int("open-deletions", page)
        with reads.reading() as read:
            found = read.uow.compliance.open_deletions(after=after, limit=page.limit + 1)
        shown, next_ = cut(found, page.limit, "open-deletions", lambda d: (d.request_id,))
        return page_answer([render.deletion(d) for d in shown], next_, read.block)

    @router.get(
        "/events",
        response_model=Page[Event],
        tags=["chain"],
        **route_options("The indexed events, in chain order", PAGED_PROBLEMS),
    )
    async def events(
        kind: Annotated[
            str | None,
            Query(pattern=_one_of(EVENT_KINDS), description="Only events of this name."),
        ] = None,
        page: PageRequest = paged,
    ) -> JSONResponse:
        return JSONResponse(answers.events(kind, page))

    @router.get(
        "/quarantine",
        response_model=Page[Quarantined],
        tags=["chain"],
        **route_options("Logs the indexer could not decode, in chain order", PAGED_PROBLEMS),
    )
    async def quarantine(page: PageRequest = paged) -> JSONResponse:
        after: tuple[int, int, bytes] | None = None
        if page.after is not None:
            block_number, log_index, tx = decode_cursor("quarantine", page.after, (int, int, str))
            after = (int(block_number), int(log_index), _tx_bytes(str(tx)))
        with reads.reading() as read:
            logs = read.uow.quarantine.quarantined(reads.chain)
        ordered = sorted(logs, key=lambda q: (q.block_number, q.log_index, q.tx_id.raw))
        following = [
            q
            for q in ordered
            if after is None or (q.block_number, q.log_index, q.tx_id.raw) > after
        ]
        shown, next_ = cut(
            following[: page.limit + 1],
            page.limit,
            "quarantine",
            lambda q: (q.block_number, q.log_index, q.tx_id.to_hex()),
        )
        return page_answer([render.quarantined(q) for q in shown], next_, read.block)

    return router


def _tx_bytes(text: str) -> bytes:
    try:
        return Hash32.from_hex(text).raw
    except ValueError:
        raise InvalidCursor("not a cursor of the list of quarantine") from None


def _document_type(value: int) -> DocumentType:
    try:
        return DocumentType(value)
    except ValueError:
        raise InvalidCursor("not a cursor of the list of acceptances") from None
