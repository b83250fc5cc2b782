"""The EVM ledger over JSON-RPC: the same code that talks to eth-tester in process talks to any
node over HTTP. Here the node is eth-tester served on 127.0.0.1 by a small JSON-RPC server, so
the test stays offline while every request goes through web3's HTTP provider."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from eth_tester.exceptions import TransactionFailed
from web3 import EthereumTesterProvider, HTTPProvider, Web3

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.evm.chain import NotADevelopmentChain, Web3Chain, revert_data_of_failure
from dcmx_adapters.evm.deploy import deploy_platform
from dcmx_adapters.evm.ledger import EvmLedger
from dcmx_core import commands as c
from dcmx_core.events import MinterAdded, TokensTransferred
from dcmx_core.exceptions import NotMinter, OutOfRange
from dcmx_core.model.values import ZERO_ADDRESS
from tests.factories import ADMIN, ALICE, BOB, signers

UNIT = 10**18


class _JsonRpc(BaseHTTPRequestHandler):
    """Answers JSON-RPC with eth-tester, through the provider's own formatting middleware."""

    provider: EthereumTesterProvider
    lock = threading.Lock()

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        local = Web3(self.provider)
        answer = self.provider.request_func(local, local.middleware_onion)
        with self.lock:
            try:
                response = answer(request["method"], request["params"])
            except TransactionFailed as failure:
                # What a node answers for a revert: code 3 with the revert data.
                data = "0x" + revert_data_of_failure(failure).hex()
                response = {"error": {"code": 3, "message": "execution reverted", "data": data}}
        if "error" in response:
            answered = {"error": dict(response["error"])}
        else:
            answered = {"result": _jsonable(response["result"])}
        body = json.dumps({"jsonrpc": "2.0", "id": request["id"], **answered})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return hex(value)
    return value


@pytest.fixture
def node() -> Iterator[tuple[str, EthereumTesterProvider]]:
    provider = EthereumTesterProvider()
    handler = type("Handler", (_JsonRpc,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", provider
    server.shutdown()
    server.server_close()


@pytest.fixture
def ledger(node: tuple[str, EthereumTesterProvider]) -> EvmLedger:
    url, provider = node
    # The node's own funded account pays the operator, as a faucet would on a testnet.
    local = Web3(provider)
    for account in (ADMIN, ALICE):
        local.eth.send_transaction(
            {
                "from": local.eth.accounts[0],
                "to": Web3.to_checksum_address(account.raw),
                "value": 10 * UNIT,
            }
        )
    chain = Web3Chain(Web3(HTTPProvider(url)), signers(0, 1, 2))
    deployment = deploy_platform(chain, ADMIN)
    return EvmLedger(chain, deployment, admin=ADMIN, clock=ManualClock(0))


def test_commands_and_events_travel_over_json_rpc(ledger: EvmLedger) -> None:
    receipt = ledger.execute(ADMIN, c.AddMinter(ADMIN))
    assert [e.unplaced() for e in receipt.events] == [MinterAdded(ADMIN)]
    ledger.execute(ADMIN, c.Mint(ALICE, 5 * UNIT))
    ledger.execute(ALICE, c.Transfer(BOB, 2 * UNIT))
    assert (ledger.token_balance(ALICE), ledger.token_balance(BOB)) == (3 * UNIT, 2 * UNIT)
    transfers = [
        e for e in ledger.events(0, ledger.head().number) if isinstance(e, TokensTransferred)
    ]
    assert [t.unplaced() for t in transfers] == [
        TokensTransferred(ZERO_ADDRESS, ALICE, 5 * UNIT),
        TokensTransferred(ALICE, BOB, 2 * UNIT),
    ]


def test_a_refusal_over_json_rpc_is_the_domain_error(ledger: EvmLedger) -> None:
    head = ledger.head()
    with pytest.raises(NotMinter):
        ledger.execute(ALICE, c.Mint(ALICE, 1))
    assert ledger.head() == head


def test_a_real_network_refuses_development_operations(ledger: EvmLedger) -> None:
    with pytest.raises(NotADevelopmentChain):
        ledger.reorganize(1)


def test_blocks_and_logs_read_over_json_rpc_are_the_nodes_own(
    ledger: EvmLedger, node: tuple[str, EthereumTesterProvider]
) -> None:
    ledger.execute(ADMIN, c.AddMinter(ADMIN))
    ledger.execute(ADMIN, c.Mint(ALICE, 5 * UNIT))
    remote, local = ledger.chain, Web3Chain(Web3(node[1]))
    head = remote.head()
    assert head == local.head()
    assert [remote.block(n) for n in range(head.number + 1)] == [
        local.block(n) for n in range(head.number + 1)
    ]
    assert remote.logs(0, head.number) == local.logs(0, head.number)
    assert remote.logs(0, head.number)


def test_a_block_beyond_the_head_is_out_of_range_over_json_rpc(ledger: EvmLedger) -> None:
    head = ledger.head().number
    for number in (head + 1, -1):
        with pytest.raises(OutOfRange):
            ledger.block(number)
