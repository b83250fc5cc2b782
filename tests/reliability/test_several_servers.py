"""Several ``dcmx serve`` processes over one database answer alike, and a cursor one of them
handed out pages on at another: they keep no state of their own, so a load balancer may send
any request to any of them."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_operations import DEE, Server, environment, run_up, start

PATHS = (
    "/v1/releases",
    "/v1/releases/1",
    f"/v1/accounts/{DEE.address.to_hex()}/balance",
    f"/v1/accounts/{DEE.address.to_hex()}/claims",
    f"/v1/accounts/{DEE.address.to_hex()}/editions",
    "/v1/stats",
    "/v1/events?limit=7",
)


def test_serve_processes_over_one_database_answer_alike(tmp_path: Path) -> None:
    env = environment(tmp_path / "data")
    seeded = run_up(tmp_path, "seed", env)
    assert seeded.exit_code == 0, seeded.printed
    servers: list[Server] = []
    try:
        for name in ("a", "b"):
            servers.append(start(tmp_path, name, "serve", "--local-chain", env=env))
        for server in servers:
            server.wait_until("/readyz")
        a, b = servers
        for path in PATHS:
            assert a.get(path) == b.get(path), path
        first = a.get("/v1/events?limit=7")
        assert first["next"] is not None
        following = f"/v1/events?limit=7&after={first['next']}"
        assert b.get(following) == a.get(following)
        assert b.get(following)["items"][0] != first["items"][0]
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.terminate()
            server.output.close()
