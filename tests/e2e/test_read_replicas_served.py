"""``dcmx serve`` processes reading from a streaming replica (``DCMX_DATABASE_READ_URL``) answer
as one reading the primary; when the replica stops, their ``/readyz`` names it in one line and
nothing they say shows its password; once it runs again they are ready again."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.test_operations import DEE, Server, environment, run_up, start
from tests.postgres import scratch_database
from tests.postgres_replica import StreamingReplica, streaming_replica

__all__ = ["streaming_replica"]  # the session's fixture, used here

PASSWORD = "replica-pass-7f3a"
"""Written in the read URL (a trusting server ignores it): it must never be shown."""

PATHS = (
    "/v1/releases",
    f"/v1/accounts/{DEE.address.to_hex()}/balance",
    "/v1/stats",
    "/v1/events?limit=20",
)


def test_serve_processes_read_from_the_replica_and_say_when_it_stops(
    streaming_replica: StreamingReplica, tmp_path: Path
) -> None:
    pair = streaming_replica
    with scratch_database(pair.primary.url()) as database:
        name = database.database or ""
        primary = pair.primary_url(name)
        replica = pair.replica.url(name).set(password=PASSWORD)
        env = environment(tmp_path / "data", DCMX_DATABASE_URL=primary)
        seeded = run_up(tmp_path, "seed", env)
        assert seeded.exit_code == 0, seeded.printed
        pair.caught_up()
        read_url = replica.render_as_string(hide_password=False)
        on_replica = {**env, "DCMX_DATABASE_READ_URL": read_url}
        servers: list[Server] = []
        try:
            servers = [
                start(tmp_path, "on-replica", "serve", "--local-chain", env=on_replica),
                start(tmp_path, "on-primary", "serve", "--local-chain", env=env),
            ]
            for server in servers:
                server.wait_until("/readyz")
            reading, direct = servers
            check = f"replica 127.0.0.1:{pair.replica.port}/{name}"
            assert reading.get("/readyz")["checks"][check] == "ok"
            for path in PATHS:
                assert reading.get(path) == direct.get(path), path

            pair.replica.stop()
            try:
                stopped = httpx.get(reading.url("/readyz"), timeout=10)
                metrics = httpx.get(reading.url("/metrics"), timeout=10).text
                assert direct.get("/readyz")["status"] == "ready"
            finally:
                pair.replica.start()
            assert stopped.status_code == 503
            assert stopped.json()["detail"] == f"not ready: {check}"
            assert stopped.json()["checks"][check] == "failed: OperationalError"
            reading.wait_until("/readyz")
        finally:
            for server in servers:
                if server.process.poll() is None:
                    server.terminate()
                server.output.close()
        printed = [Path(server.output.name).read_text() for server in servers]
        shown = [*printed, stopped.text, metrics]
        assert not any(PASSWORD in text for text in shown)
        assert not any("Traceback" in text for text in shown)
        pair.caught_up()
