"""The node reads a request's headers as the standard library's parser reads them, answers
every request line and header section as the standard library's handler answers it, and keeps
a connection alive until a request asks to close it."""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dcmx_devnode.http_requests import (
    MAX_HEADERS,
    MAX_LINE,
    FieldsRefused,
    LeanRequestHandler,
    read_fields,
)
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.server import serve

NAMES = st.sampled_from(["Host", "Content-Length", "Connection", "Expect", "X-Api-Key"]).flatmap(
    lambda name: st.builds(
        lambda flips: "".join(
            c.swapcase() if flip else c for c, flip in zip(name, flips, strict=True)
        ),
        st.lists(st.booleans(), min_size=len(name), max_size=len(name)),
    )
)
VALUES = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)


@given(st.lists(st.tuples(NAMES, VALUES), max_size=8))
def test_header_fields_read_as_the_standard_library_reads_them(
    fields: list[tuple[str, str]],
) -> None:
    section = "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n"
    ours = read_fields(io.BytesIO(section.encode()))
    theirs = http.client.parse_headers(io.BytesIO(section.encode()))
    for name in ["Host", "content-length", "CONNECTION", "expect", "x-api-key"]:
        assert ours.field(name) == theirs.get(name, "")


def test_a_folded_line_continues_its_field() -> None:
    fields = read_fields(io.BytesIO(b"Host: a\r\n  b\r\nAccept: *\r\n\r\n"))
    assert (fields.field("host"), fields.field("accept")) == ("a b", "*")


def test_a_header_line_too_long_is_refused() -> None:
    with pytest.raises(FieldsRefused, match="Line too long"):
        read_fields(io.BytesIO(b"X: " + b"a" * MAX_LINE + b"\r\n\r\n"))


def test_more_header_lines_than_the_limit_are_refused() -> None:
    section = b"".join(b"X-%d: 1\r\n" % number for number in range(MAX_HEADERS + 1)) + b"\r\n"
    with pytest.raises(FieldsRefused, match="Too many headers"):
        read_fields(io.BytesIO(section))


class Reference(BaseHTTPRequestHandler):
    """The standard library's request handling, answering every request it accepts alike."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_POST = do_GET  # noqa: N815 (http.server's method name)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class Lean(LeanRequestHandler, Reference):
    """The same handler, its requests read by ``LeanRequestHandler``."""


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[tuple[str, int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield str(host), int(port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _exchange(address: tuple[str, int], raw: bytes) -> bytes:
    """Send ``raw`` and read until the server closes the connection (or falls silent), without
    the lines that carry the time and the server's name."""
    with socket.create_connection(address, timeout=1) as connection:
        connection.sendall(raw)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    lines = received.split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.startswith((b"Date:", b"Server:")))


@pytest.mark.parametrize(
    "raw",
    [
        b"NONSENSE\r\n\r\n",
        b"\r\n",
        b"GET / HTTX/1.1\r\n\r\n",
        b"GET / HTTP/1.x\r\n\r\n",
        b"GET / HTTP/1.12345678901\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"POST /wallet/getnowblock\r\n\r\n",
        b"GET /x\r\n",
        b"GET / HTTP/1.1 extra\r\n\r\n",
        b"GET //a//b HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/1.0\r\n\r\n",
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nconnection: CLOSE\r\n\r\n",
        b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: " + b"a" * (MAX_LINE + 1) + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * (MAX_HEADERS + 1) + b"\r\n",
    ],
)
def test_a_request_is_answered_as_the_standard_library_answers_it(raw: bytes) -> None:
    with serving(Reference) as reference, serving(Lean) as lean:
        assert _exchange(lean, raw) == _exchange(reference, raw)


def test_the_node_keeps_a_connection_alive_until_a_request_asks_to_close() -> None:
    body = json.dumps({"num": 1}).encode()
    request = b"POST /wallet/getblockbynum HTTP/1.1\r\nhost: node\r\ncontent-LENGTH: %d\r\n%s\r\n%s"
    raw = request % (len(body), b"", body) + request % (len(body), b"Connection: close\r\n", body)
    with serve(LocalTronNode()) as url:
        host, port = url.removeprefix("http://").rstrip("/").split(":")
        answers = _exchange((host, int(port)), raw).split(b"HTTP/1.1 ")[1:]
    assert [answer[:3] for answer in answers] == [b"200", b"200"]
    assert all(b'"number": 1' in answer for answer in answers)
