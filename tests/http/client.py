"""A synchronous client for an ASGI app, through httpx's ASGI transport on an anyio portal: the
requests go through the whole app (middleware, routing, error handlers) with no server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI


class ApiClient:
    def __init__(self, portal: BlockingPortal, client: httpx.AsyncClient) -> None:
        self._portal = portal
        self._client = client

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self._portal.call(partial(self._client.get, path, params=params))

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """Any request: ``json=``, ``content=``, ``headers=``, ``params=`` as httpx takes them."""
        return self._portal.call(partial(self._client.request, method, path, **options))

    def post(self, path: str, **options: Any) -> httpx.Response:
        return self.request("POST", path, **options)


@contextmanager
def api_client(app: FastAPI, *, raise_app_exceptions: bool = True) -> Iterator[ApiClient]:
    """A client of ``app``; an exception the app lets through is raised in the test, unless
    ``raise_app_exceptions`` is false (then only the 500 answer is seen, as a client sees it)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    with start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=transport, base_url="http://dcmx.test")
        try:
            yield ApiClient(portal, client)
        finally:
            portal.call(client.aclose)
