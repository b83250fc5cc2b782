"""A write the ledger refuses is answered with a problem document over a real server, and the
kept-alive connection stays open for the client's next request (a refusal used to surface as a
500 from deep in the approval step, after which the server dropped the connection)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.evm.ledger import EvmLedger, local_evm_ledger
from dcmx_entrypoints.running import api_server
from tests.factories import ADMIN, signers
from tests.http.test_wallet_routes import CRYPTO, START, an_edition, app_over, hex_of


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[int, str, EvmLedger]]:
    """The API over a local EVM chain holding one edition, served by uvicorn on a free port."""
    ledger = local_evm_ledger(ADMIN, ManualClock(START), signers=signers(0))
    an_edition(ledger)
    app, token = app_over(ledger)
    server = api_server(app)
    sock = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    try:
        yield sock.getsockname()[1], token, ledger
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_refused_royalties_keep_the_kept_alive_connection(
    served: tuple[int, str, EvmLedger],
) -> None:
    port, token, ledger = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    refusals = [
        ("/v1/releases/1/royalties", hex_of(9), 422, "/problems/unsupported-currency"),
        (
            "/v1/releases/1/royalties",
            ledger.deployment.music_nft.to_checksum_hex(CRYPTO.keccak256),
            422,
            "/problems/unsupported-currency",
        ),
        ("/v1/releases/999/royalties", "0x" + "00" * 20, 404, "/problems/unknown-release"),
    ]
    connection.connect()
    opened = connection.sock
    for path, currency, status, kind in refusals:
        body = json.dumps({"currency": currency, "amount": "1000"})
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        problem = json.loads(answer.read())
        assert (answer.status, problem["type"]) == (status, kind)
        assert answer.getheader("connection", "").lower() != "close"
        assert connection.sock is opened
    connection.request("GET", "/healthz")
    assert connection.getresponse().status == 200
    assert connection.sock is opened
    connection.close()
