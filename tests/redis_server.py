"""Redis for the tests: the one named by ``DCMX_TEST_REDIS_URL`` (or the local one at
127.0.0.1:6379), where every test works under a key prefix of its own; and throwaway servers
started from ``redis-server`` on a free port, for the tests that stop one. Where there is no
Redis, a loud skip (a failure when ``CI`` is set)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

DEFAULT_URL = "redis://127.0.0.1:6379/0"
URL_VARIABLE = "DCMX_TEST_REDIS_URL"


def unavailable(reason: str) -> None:
    message = f"Redis tests NOT RUN: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def shared_url() -> str:
    """The URL of a Redis that answers (skips where none does)."""
    url = os.environ.get(URL_VARIABLE) or DEFAULT_URL
    if not answers(url):
        unavailable(f"no Redis answers at {url} (set {URL_VARIABLE})")
    return url


def unique_prefix() -> str:
    """A key prefix no other test (nor another run on the same Redis) uses."""
    return f"dcmx-test:{os.getpid()}:{secrets.token_hex(4)}:"


def forget(url: str, prefix: str) -> None:
    """Delete the keys under ``prefix``."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class OwnRedis:
    """A ``redis-server`` of the test's own on ``port``, kept in memory only."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
            return
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(
            [binary, *arguments, "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not answers(self.url):
            assert self.process.poll() is None, "redis-server exited at start"
            assert time.monotonic() < deadline, "redis-server did not answer within 10 s"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
