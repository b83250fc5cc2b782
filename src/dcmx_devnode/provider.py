"""tronpy's way in to the local TRON node in the same process: an ``HTTPProvider``
(``Tron(provider=...)`` accepts nothing else) that hands each request to the node without a
socket (``server.py`` puts the node on a real port)."""

from __future__ import annotations

import json
import threading
from contextlib import AbstractContextManager
from typing import Any

import requests
from tronpy.providers import HTTPProvider  # type: ignore[import-untyped]

from dcmx_devnode.api import UnknownEndpoint, dispatch
from dcmx_devnode.node import LocalTronNode

LOCAL_URI = "http://local-tron-node/"


class LocalTronProvider(HTTPProvider):  # type: ignore[misc]
    """Answers tronpy's requests from ``node`` without a socket. JSON goes through a round of
    encoding both ways, so that tronpy sees exactly what it would read off the wire. Requests
    take ``lock`` (by default one of their own): one the node's HTTP server shares, when the
    node is served too."""

    def __init__(
        self, node: LocalTronNode, lock: AbstractContextManager[Any] | None = None
    ) -> None:
        super().__init__(LOCAL_URI)
        self.node = node
        self._lock = lock if lock is not None else threading.Lock()

    def make_request(self, method: str, params: Any = None) -> Any:
        request = json.loads(json.dumps(params or {}))
        try:
            with self._lock:
                answer = dispatch(self.node, method.strip("/"), request)
        except UnknownEndpoint as error:
            # What HTTPProvider raises on the 404 a real node answers.
            raise requests.HTTPError(f"404 Client Error: Not Found for url: {method}") from error
        return json.loads(json.dumps(answer))
