"""The busiest reads answered without FastAPI's routing, dependencies and validation.

A read of a few indexed rows costs less CPU than FastAPI spends finding its route (a regular
expression a route, in order), solving its dependencies and validating its parameters with
pydantic. ``DirectReads`` sits in front of the application's routes and answers the reads a
client makes most (an account's balance, editions, payouts, claims and acceptances, a release,
the platform figures, the raw events) itself: it matches the path by its segments, takes the
parameters only in their plain, valid form, and gives the document the route gives
(``MarketAnswers``, ``RecordAnswers``: one code for both), encoded as the route encodes it.

Whatever it does not answer in full goes on to FastAPI as before: another method, a parameter
it does not take as it stands (a limit out of bounds, an unknown parameter, a repeated one, a
malformed address), or an answer that is not a 200 (an unknown release, a bad cursor, the
database away). FastAPI then answers it, problem document and all, exactly as it always has;
so every answer, and the OpenAPI document, stay byte for byte what they were.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final
from urllib.parse import parse_qsl

from attrs import frozen
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from dcmx_core.model.values import Address
from dcmx_entrypoints.http.market import MarketAnswers
from dcmx_entrypoints.http.paging import MAX_KEY, PageRequest
from dcmx_entrypoints.http.records import EVENT_KINDS, RecordAnswers
from dcmx_entrypoints.http.schemas import JsonObject

Query = Mapping[str, str]
Answer = Callable[[str, Query], JsonObject | None]
"""A read's document from its path parameter and its query; None when it takes neither as
they stand (FastAPI answers then)."""

ADDRESS_LENGTH_MAX: Final = 64
"""The longest address text the routes take (``account_parameter``)."""


@frozen
class DirectRoutes:
    """What ``DirectReads`` answers: reads by template (``/v1/stats``), and reads of an
    account by their last segment (``/v1/accounts/{address}/balance``)."""

    market: MarketAnswers
    records: RecordAnswers

    def fixed(self) -> dict[str, Answer]:
        return {"/v1/stats": self._stats, "/v1/events": self._events}

    def of_account(self) -> dict[str, Answer]:
        return {
            "balance": self._balance,
            "editions": self._account_page(self.market.owned),
            "payouts": self._account_page(self.market.payouts),
            "claims": self._account_page(self.records.claims),
            "acceptances": self._account_page(self.records.acceptances),
        }

    def _stats(self, _: str, query: Query) -> JsonObject | None:
        return None if query else self.market.stats()

    def _events(self, _: str, query: Query) -> JsonObject | None:
        kind = query.get("kind")
        if kind is not None and kind not in EVENT_KINDS:
            return None
        page = self._page(query, extra=("kind",))
        return None if page is None else self.records.events(kind, page)

    def _balance(self, address: str, query: Query) -> JsonObject | None:
        return None if query else self.market.balance(self._address(address))

    def _account_page(self, read: Callable[[Address, PageRequest], JsonObject]) -> Answer:
        def answer(address: str, query: Query) -> JsonObject | None:
            page = self._page(query)
            return None if page is None else read(self._address(address), page)

        return answer

    def release(self, release_id: str, query: Query) -> JsonObject | None:
        number = _number(release_id, MAX_KEY)
        return None if number is None or query else self.market.release(number)

    def _address(self, text: str) -> Address:
        if len(text) > ADDRESS_LENGTH_MAX:
            raise ValueError("longer than an address")
        return self.market.reads.render.addresses.parse(text)

    def _page(self, query: Query, extra: tuple[str, ...] = ()) -> PageRequest | None:
        maximum = self.market.reads.page_size_max
        if not query.keys() <= {"after", "limit", *extra}:
            return None
        limit = maximum if "limit" not in query else _number(query["limit"], maximum)
        return None if limit is None else PageRequest(query.get("after"), limit)


def _number(text: str, maximum: int) -> int | None:
    """``text`` as a number from 1 to ``maximum`` when written plainly (digits, no leading
    zero); None otherwise, though pydantic may read it (FastAPI answers then)."""
    if not (text.isascii() and text.isdigit()) or text[0] == "0" or len(text) > 19:
        return None
    number = int(text)
    return number if number <= maximum else None


class DirectReads:
    """ASGI middleware, the innermost: answers the reads of ``routes`` itself, and passes the
    rest on to ``app`` (FastAPI's exception handling and routing).

    A read it answers carries its FastAPI route in the scope, as a routed request does (the
    metrics name it by its template). It learns each route from FastAPI itself: the first
    read of a template goes through FastAPI, and the route FastAPI chose for it is kept."""

    def __init__(self, app: ASGIApp, routes: DirectRoutes) -> None:
        self.app = app
        self._fixed = routes.fixed()
        self._of_account = routes.of_account()
        self._release = routes.release
        self._routes: dict[str, object] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            found = self._matched(scope["path"])
            if found is not None:
                template = found[0]
                route = self._routes.get(template)
                if route is None:
                    await self.app(scope, receive, send)
                    self._learn(template, scope.get("route"))
                    return
                document = self._answer(scope, *found[1:])
                if document is not None:
                    scope["route"] = route
                    await JSONResponse(document)(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _learn(self, template: str, route: object) -> None:
        if getattr(route, "path", None) == template:
            self._routes[template] = route

    def _answer(self, scope: Scope, answer: Answer, parameter: str) -> JsonObject | None:
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        query = dict(pairs)
        if len(query) != len(pairs):
            return None  # a parameter given twice: FastAPI reads the last
        try:
            return answer(parameter, query)
        except Exception:  # FastAPI answers it again, and tells what went wrong
            return None

    def _matched(self, path: str) -> tuple[str, Answer, str] | None:
        fixed = self._fixed.get(path)
        if fixed is not None:
            return path, fixed, ""
        parts = path.split("/")
        if len(parts) == 5 and parts[1] == "v1" and parts[2] == "accounts" and parts[3]:
            of_account = self._of_account.get(parts[4])
            if of_account is not None:
                return f"/v1/accounts/{{address}}/{parts[4]}", of_account, parts[3]
        if len(parts) == 4 and parts[1] == "v1" and parts[2] == "releases" and parts[3]:
            return "/v1/releases/{release_id}", self._release, parts[3]
        return None
