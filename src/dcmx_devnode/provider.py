"""tronpy's way in to the local TRON node: an ``HTTPProvider`` (``Tron(provider=...)`` accepts
nothing else) that hands each request to the node in the same process, and ``serve`` for tools
that want the node at a real HTTP address."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from tronpy.providers import HTTPProvider  # type: ignore[import-untyped]

from dcmx_devnode.api import UnknownEndpoint, dispatch
from dcmx_devnode.node import LocalTronNode

LOCAL_URI = "http://local-tron-node/"


class LocalTronProvider(HTTPProvider):  # type: ignore[misc]
    """Answers tronpy's requests from ``node`` without a socket. JSON goes through a round of
    encoding both ways, so that tronpy sees exactly what it would read off the wire."""

    def __init__(self, node: LocalTronNode) -> None:
        super().__init__(LOCAL_URI)
        self.node = node
        self._lock = threading.Lock()

    def make_request(self, method: str, params: Any = None) -> Any:
        request = json.loads(json.dumps(params or {}))
        try:
            with self._lock:
                answer = dispatch(self.node, method.strip("/"), request)
        except UnknownEndpoint as error:
            # What HTTPProvider raises on the 404 a real node answers.
            raise requests.HTTPError(f"404 Client Error: Not Found for url: {method}") from error
        return json.loads(json.dumps(answer))


@contextmanager
def serve(node: LocalTronNode, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``node``'s HTTP API at ``http://host:port/`` (port 0: any free one) while the
    context is open; yields the base URL."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                params = json.loads(body or b"{}")
                with lock:
                    answer = dispatch(node, self.path.strip("/"), params)
            except UnknownEndpoint:
                self._reply(404, {"Error": f"no endpoint {self.path}"})
            except json.JSONDecodeError as error:
                self._reply(200, {"Error": f"class JSONException : {error}"})
            else:
                self._reply(200, answer)

        def _reply(self, status: int, answer: Any) -> None:
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the node is a test fixture, not a service with an access log."""

    server = ThreadingHTTPServer((host, port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
