"""``serve_in_processes``: server processes on one port, and the failures it reports."""

from __future__ import annotations

import socket
import sys

import pytest
import uvicorn

from dcmx_entrypoints.running import CommandFailed, listening_socket, serve_in_processes

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forks server processes")


def test_a_server_process_that_cannot_start_fails_the_command_and_stops_the_rest() -> None:
    reserved = listening_socket("127.0.0.1", 0, shared=True, listen=False)

    def build() -> uvicorn.Server:
        raise RuntimeError("no app to serve")

    try:
        with pytest.raises(CommandFailed, match="a server process could not start"):
            serve_in_processes(build, reserved, 3)
    finally:
        reserved.close()


def test_the_reserved_port_takes_no_connections() -> None:
    reserved = listening_socket("127.0.0.1", 0, shared=True, listen=False)
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(reserved.getsockname(), timeout=2)
    finally:
        reserved.close()


def test_a_port_held_by_another_program_is_refused_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(CommandFailed, match=f"cannot listen on 127.0.0.1:{port}: the port"):
            listening_socket("127.0.0.1", port, shared=True, listen=False)
