"""HAProxy, started from deploy/haproxy/haproxy.cfg, in front of three ``dcmx serve``
processes: it shares requests among them, takes out one that dies or whose ``/readyz`` fails
while requests go on succeeding, passes each client's address so that rate limits counted in
Redis hold in total and per client, and forwards the event stream as it comes."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import httpx

from tests.e2e.test_operations import dcmx_script
from tests.http.sse import messages
from tests.ops.conftest import OPERATOR_KEY, SIGNED_PER_MINUTE, Fleet, run_dcmx
from tests.ops.programs import (
    HAPROXY_CONFIG,
    Ports,
    Program,
    free_port,
    rendered,
    start_haproxy,
    wait_for_states,
)

HEALTH_CHECK_SECONDS = 2 * 2 + 2
"""The shipped checks: every 2 s, out after 2 failures (and a check under way)."""


def answered(api_url: str, route: str) -> int:
    """How many requests to ``route`` the API process at ``api_url`` has answered, by its
    own metrics."""
    text = httpx.get(f"{api_url}/metrics", timeout=5).text
    pattern = rf'^dcmx_http_requests_total\{{[^}}]*route="{re.escape(route)}"[^}}]*\}} (\S+)$'
    return sum(int(float(value)) for value in re.findall(pattern, text, re.MULTILINE))


def test_the_balancer_shares_requests_among_every_api_process(fleet: Fleet) -> None:
    before = [answered(fleet.api_url(i), "/v1/stats") for i in range(3)]
    statuses = [httpx.get(f"{fleet.url}/v1/stats", timeout=5).status_code for _ in range(30)]
    after = [answered(fleet.api_url(i), "/v1/stats") for i in range(3)]
    assert statuses == [200] * 30
    assert [b - a for a, b in zip(before, after, strict=True)] == [10, 10, 10]


class Requests(threading.Thread):
    """GET /v1/stats through the balancer, one after the other, until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.statuses: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.done.is_set():
                self.statuses.append(client.get(f"{self.url}/v1/stats").status_code)
                time.sleep(0.02)


def test_a_killed_api_process_is_taken_out_and_requests_still_succeed(fleet: Fleet) -> None:
    requests = Requests(fleet.url)
    requests.start()
    try:
        time.sleep(0.5)
        fleet.apis[1].kill()
        taken_out = wait_for_states(fleet.ports.stats, {"api-2": "DOWN"})
        time.sleep(1)
    finally:
        requests.done.set()
        requests.join()
    assert taken_out <= HEALTH_CHECK_SECONDS
    assert len(requests.statuses) > 50
    assert set(requests.statuses) == {200}
    fleet.restore(1)
    before = answered(fleet.api_url(1), "/v1/stats")
    for _ in range(6):
        assert httpx.get(f"{fleet.url}/v1/stats", timeout=5).status_code == 200
    assert answered(fleet.api_url(1), "/v1/stats") - before == 2


def test_an_api_process_whose_readyz_fails_gets_no_requests(fleet: Fleet) -> None:
    # It loses its way to the chain node: the process answers, but /readyz says it is not ready.
    door = fleet.doors[2]
    fleet.node.close_door(door)
    try:
        wait_for_states(fleet.ports.stats, {"api-1": "UP", "api-2": "UP", "api-3": "DOWN"}, 30)
        assert httpx.get(f"{fleet.api_url(2)}/readyz", timeout=5).status_code == 503
        before = answered(fleet.api_url(2), "/v1/stats")
        statuses = [httpx.get(f"{fleet.url}/v1/stats", timeout=5).status_code for _ in range(12)]
        assert statuses == [200] * 12
        assert answered(fleet.api_url(2), "/v1/stats") == before
    finally:
        fleet.node.open_door(int(door.rsplit(":", 1)[1]))
    wait_for_states(fleet.ports.stats, {"api-3": "UP"}, 30)


def signed_claim(source: str, url: str, headers: dict[str, str] | None = None) -> int:
    """The status of an empty signed claim from the address ``source`` (the client's limit is
    taken before the body is looked at: 422 when allowed, 429 when not)."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=5) as client:
        return client.post(f"{url}/v1/signed/claims", json={}, headers=headers).status_code


def test_a_client_gets_the_configured_rate_in_total_through_the_balancer(fleet: Fleet) -> None:
    before = [answered(fleet.api_url(i), "/v1/signed/claims") for i in range(3)]
    statuses = [signed_claim("127.0.0.3", fleet.url) for _ in range(3 * SIGNED_PER_MINUTE)]
    after = [answered(fleet.api_url(i), "/v1/signed/claims") for i in range(3)]
    assert statuses[:SIGNED_PER_MINUTE] == [422] * SIGNED_PER_MINUTE
    assert statuses[SIGNED_PER_MINUTE:] == [429] * (2 * SIGNED_PER_MINUTE)
    assert [b - a for a, b in zip(before, after, strict=True)] == [SIGNED_PER_MINUTE] * 3


def test_the_balancer_passes_each_client_s_own_address(fleet: Fleet) -> None:
    for _ in range(SIGNED_PER_MINUTE):
        signed_claim("127.0.0.5", fleet.url)
    assert signed_claim("127.0.0.5", fleet.url) == 429
    # A client that names another address is still itself; another client has its own limit.
    assert signed_claim("127.0.0.5", fleet.url, {"X-Forwarded-For": "127.0.0.6"}) == 429
    assert signed_claim("127.0.0.6", fleet.url) == 422


class Subscriber(threading.Thread):
    """A client of the event stream at ``url``: when its first event came, and its id."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.connected = threading.Event()
        self.arrived: float | None = None
        self.event_id: str | None = None

    def run(self) -> None:
        with (
            httpx.Client(timeout=60) as client,
            client.stream("GET", f"{self.url}/v1/events/stream") as response,
        ):
            assert response.status_code == 200
            self.connected.set()
            for message in messages(response):
                if message.event == "message":
                    self.arrived, self.event_id = time.monotonic(), message.id
                    return


def publish_release(fleet: Fleet, title: str) -> None:
    """The operator publishes a release."""
    artist = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    run_dcmx(
        *("release", "create", "--artist", artist, "--title", title, "--artist-name", "Ensemble"),
        *("--content-hash", "0x" + title.encode().hex().ljust(64, "0")[:64]),
        *("--max-editions", "10", "--royalty-bps", "500", "--split", f"{artist}=10000"),
        env={**fleet.env, "DCMX_PRIVATE_KEY": OPERATOR_KEY},
        cwd=fleet.workdir,
    )


def first_events(urls: list[str], fleet: Fleet, title: str, quiet: float = 0.0) -> list[Subscriber]:
    """Subscribers at ``urls``, once each has the event of a release published after they
    connected and ``quiet`` seconds without events."""
    subscribers = [Subscriber(url) for url in urls]
    for subscriber in subscribers:
        subscriber.start()
        assert subscriber.connected.wait(10), f"{subscriber.url}: the stream did not open"
    time.sleep(quiet)
    publish_release(fleet, title)
    for subscriber in subscribers:
        subscriber.join(30)
        assert subscriber.arrived is not None, f"{subscriber.url}: no event came"
    return subscribers


def test_an_event_reaches_a_client_through_the_balancer_as_soon_as_directly(fleet: Fleet) -> None:
    # Directly from each process, one of which the balancer chose for its client.
    urls = [fleet.api_url(0), fleet.api_url(1), fleet.api_url(2), fleet.url]
    *direct, balanced = first_events(urls, fleet, "Through")
    assert {subscriber.event_id for subscriber in direct} == {balanced.event_id}
    assert balanced.arrived is not None
    assert balanced.arrived - max(subscriber.arrived or 0.0 for subscriber in direct) < 0.5


def test_a_quiet_stream_outlives_the_balancer_s_ordinary_timeouts(
    fleet: Fleet, tmp_path: Path
) -> None:
    # The shipped file with every ordinary timeout of 1 s: only the stream's own keep it open.
    ports = Ports(free_port(), fleet.ports.apis, free_port(), fleet.ports.prometheus)
    text = rendered(HAPROXY_CONFIG, ports.substitutions())
    shortened = re.sub(r"timeout (client|server|http-request) \d+s", r"timeout \1 1s", text)
    assert shortened.count(" 1s\n") == 3
    balancer = start_haproxy(tmp_path, ports, shortened)
    try:
        wait_for_states(ports.stats, {"api-1": "UP", "api-2": "UP", "api-3": "UP"})
        url = f"http://127.0.0.1:{ports.balancer}"
        (subscriber,) = first_events([url], fleet, "Quiet", quiet=3.0)
        assert subscriber.event_id is not None
    finally:
        balancer.stop()


def test_a_process_that_does_not_trust_the_balancer_sees_one_client(
    fleet: Fleet, tmp_path: Path
) -> None:
    # What the guide warns of: FORWARDED_ALLOW_IPS not naming the balancer's address.
    port = free_port()
    command = [dcmx_script(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    distrusting = {**fleet.env, "FORWARDED_ALLOW_IPS": "192.0.2.1"}
    api = Program.start(command, tmp_path / "api.log", distrusting)
    ports = Ports(free_port(), (port, port, port), free_port(), fleet.ports.prometheus)
    balancer: Program | None = None
    try:
        api.wait_until_answers(f"http://127.0.0.1:{port}/readyz")
        balancer = start_haproxy(tmp_path, ports)
        url = f"http://127.0.0.1:{ports.balancer}"
        for _ in range(SIGNED_PER_MINUTE):
            assert signed_claim("127.0.0.7", url) == 422
        assert signed_claim("127.0.0.8", url) == 429
    finally:
        if balancer is not None:
            balancer.stop()
        api.stop()
