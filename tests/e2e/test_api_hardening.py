"""``dcmx serve`` holds no connection for a client that declares a body and never sends it
(408 after ``DCMX_REQUEST_BODY_SECONDS``, the connection closed), and takes no more than
``DCMX_API_CONNECTIONS_MAX`` connections at once (503 beyond)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.test_operations import Server, environment, start


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("hardening")
    env = environment(
        tmp_path / "data", DCMX_REQUEST_BODY_SECONDS="1", DCMX_API_CONNECTIONS_MAX="4"
    )
    served = start(tmp_path, "serve", "serve", env=env)
    try:
        served.wait_until("/healthz")
        yield served
    finally:
        served.process.kill()
        served.process.wait()
        served.output.close()


def _read_all(sock: socket.socket, seconds: float) -> bytes:
    sock.settimeout(seconds)
    answer = b""
    while chunk := sock.recv(65_536):
        answer += chunk
    return answer


def test_a_body_that_never_comes_is_a_408_problem_and_the_connection_closes(
    server: Server,
) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        began = time.monotonic()
        sock.sendall(
            b"POST /v1/releases HTTP/1.1\r\nHost: dcmx\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        answer = _read_all(sock, seconds=10)  # returns when the server closes the connection
        waited = time.monotonic() - began
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer
    assert json.loads(body)["type"] == "/problems/request-timeout"
    assert 0.9 <= waited < 5


def test_connections_beyond_the_cap_are_answered_503(server: Server) -> None:
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(4)]
    try:
        time.sleep(0.3)  # the server has taken them all
        answer = httpx.get(server.url("/healthz"), timeout=5)
        assert answer.status_code == 503
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 5
    while httpx.get(server.url("/healthz"), timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the server never took connections again"
        time.sleep(0.1)


def test_a_body_that_arrives_in_time_is_read(server: Server) -> None:
    answer = httpx.post(server.url("/v1/releases"), json={"title": "x"}, timeout=5)
    # Read all the way to the door: no key is a 401, not a timeout.
    assert answer.status_code == 401, answer.text
