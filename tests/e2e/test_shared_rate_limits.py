"""Three ``dcmx serve`` processes counting in one Redis give a client the configured rate in
total, not three times it: with 10 signed requests a minute allowed, the 11th across the
processes is refused, whichever process it reaches."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.test_operations import Server, environment, start
from tests.redis_server import forget, shared_url, unique_prefix

ALLOWED = 10


def test_processes_sharing_redis_give_a_client_the_rate_in_total(tmp_path: Path) -> None:
    url, prefix = shared_url(), unique_prefix()
    env = environment(
        tmp_path / "data",
        DCMX_RATE_LIMIT_URL=url,
        DCMX_RATE_LIMIT_PREFIX=prefix,
        DCMX_RATE_SIGNED_PER_MINUTE=str(ALLOWED),
        DCMX_RATE_SIGNED_BURST=str(ALLOWED),
    )
    servers: list[Server] = []
    try:
        servers = [start(tmp_path, name, "serve", env=env) for name in ("a", "b", "c")]
        for server in servers:
            server.wait_until("/healthz")
        statuses = [
            # An empty body: the client's limit is taken before the body is looked at (422).
            httpx.post(servers[i % 3].url("/v1/signed/claims"), json={}, timeout=5).status_code
            for i in range(3 * ALLOWED)
        ]
        assert statuses[:ALLOWED] == [422] * ALLOWED
        assert statuses[ALLOWED:] == [429] * (2 * ALLOWED)
        refused = httpx.post(servers[0].url("/v1/signed/claims"), json={}, timeout=5)
        assert refused.json()["type"] == "/problems/rate-limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 6
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.terminate()
            server.output.close()
        forget(url, prefix)
