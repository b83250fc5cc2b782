"""What keeps one client from crowding out the rest: bounds on the size of a request's body and
on the time it may take to arrive, and rate limits (token buckets) per API key, per client IP
and per signing address, counted in this process or in a store every process shares
(``dcmx_adapters.rate_buckets``: the container chooses which)."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Hashable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dcmx_adapters.rate_buckets import InProcessBuckets, Rate, RateCounter
from dcmx_entrypoints.http.problems import API_PROBLEMS, ApiRefusal, problem_response

__all__ = ["BodyLimit", "InProcessBuckets", "Rate", "RateCounter", "RateLimiter"]


class BodyLimit:
    """Refuses a request whose body is larger than ``limit`` bytes with a 413 problem, by its
    ``Content-Length`` before reading anything, else while reading it (a chunked body); and one
    whose body has not all arrived ``seconds`` after the request began with a 408 problem (a
    client that declares a body and never sends it holds no connection for long)."""

    def __init__(self, app: ASGIApp, limit: int, seconds: float = 10.0) -> None:
        self.app = app
        self.limit = limit
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        deadline = asyncio.get_running_loop().time() + self.seconds
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                await self._too_slow(scope, receive, send)
                return
            if message["type"] != "http.request":
                # The client went away: let the app see it as it would have.
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _too_slow(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        kind = API_PROBLEMS["request-timeout"]
        detail = f"the body did not arrive within {self.seconds:g} s"
        response = problem_response(request, kind, detail, seconds=self.seconds)
        response.headers["connection"] = "close"
        await response(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        kind = API_PROBLEMS["request-too-large"]
        detail = f"the body may be at most {self.limit} bytes"
        response = problem_response(request, kind, detail, limit=self.limit)
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


class RateLimiter:
    """Token buckets by key (an API key's id, an IP, an address) at one rate, counted in
    ``counter`` (this process's own buckets by default): each request takes a token, tokens
    come back at the rate, and a request that finds none is refused with a 429 problem telling
    in ``Retry-After`` when the next token comes."""

    def __init__(
        self,
        rate: Rate,
        counter: RateCounter | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.counter = counter if counter is not None else InProcessBuckets(now)

    def take(self, key: Hashable, what: str) -> None:
        """Take a token for ``key``, or raise the 429 refusal (``what`` says whose limit)."""
        wait = self.counter.take(_key_text(key), self.rate)
        if wait <= 0:
            return
        # Whole seconds, at least one; a store's rounding must not add a second.
        seconds = max(math.ceil(round(wait, 6)), 1)
        raise ApiRefusal(
            "rate-limited",
            f"too many requests for this {what}: at most {self.rate.per_minute} a minute",
            headers={"Retry-After": str(seconds)},
            retry_after=seconds,
        )


def _key_text(key: Hashable) -> str:
    """A bucket's name in a store: ``("client", "10.0.0.1")`` is ``client:10.0.0.1``."""
    if isinstance(key, tuple):
        return ":".join(str(part) for part in key)
    return str(key)
