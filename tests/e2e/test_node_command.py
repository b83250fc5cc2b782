"""``dcmx node`` as a TRON developer uses it: started as a process, reached over HTTP by tronpy
(unchanged, through its own HTTP provider) and by ``dcmx deploy``; its blocks come on a timer,
so waiting for solidification ends in seconds; GET and POST, a faucet, and an answer to every
request however malformed."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]
from tronpy.providers import HTTPProvider  # type: ignore[import-untyped]

from dcmx_devnode.server import dev_accounts
from tests.e2e.test_operations import STARTUP_SECONDS, dcmx, dcmx_script, environment, free_port

TRX = 1_000_000


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("node")
    port = free_port()
    output = (folder / "node.out").open("w")
    process = subprocess.Popen(
        [dcmx_script(), "node", "--port", str(port), "--block-time", "0.5", "--accounts", "3"],
        env=environment(folder),
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, (folder / "node.out").read_text()
            try:
                httpx.get(f"{url}/wallet/getnowblock", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "dcmx node never answered"
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 130  # Ctrl-C: stopped in order, told as interrupted
        output.close()
        printed = (folder / "node.out").read_text()
        for account in dev_accounts(3):  # the accounts and keys were printed on start
            assert account.address in printed
            assert account.key in printed


def client(url: str) -> Tron:
    return Tron(provider=HTTPProvider(url))


def test_tronpy_sends_trx_and_waits_for_solidification_in_seconds(node: str) -> None:
    sender = dev_accounts(3)[0]
    receiver = PrivateKey(bytes(31) + b"\x42").public_key.to_base58check_address()
    tron = client(node)
    started = time.monotonic()
    sent = (
        tron.trx.transfer(sender.address, receiver, 5 * TRX)
        .build()
        .sign(PrivateKey(bytes.fromhex(sender.key)))
        .broadcast()
    )
    info = sent.wait(timeout=20, interval=0.2, solid=True)
    assert info["blockNumber"] >= 1
    assert time.monotonic() - started < 10
    assert tron.get_account_balance(receiver) == 5


def test_blocks_come_on_the_timer_and_the_solidified_head_follows(node: str) -> None:
    first = httpx.get(f"{node}/wallet/getnowblock").json()["block_header"]["raw_data"]
    time.sleep(1.6)
    later = httpx.post(f"{node}/wallet/getnowblock", json={}).json()["block_header"]["raw_data"]
    assert later["number"] >= first["number"] + 2
    solid = httpx.get(f"{node}/walletsolidity/getnowblock").json()["block_header"]["raw_data"]
    assert later["number"] - 2 <= solid["number"] < later["number"] + 1


def test_the_faucet_funds_any_address_and_get_reads_it_back(node: str) -> None:
    address = PrivateKey(bytes(31) + b"\x43").public_key.to_base58check_address()
    funded = httpx.post(f"{node}/admin/fund", json={"address": address, "amount": 7 * TRX})
    assert funded.json() == {"result": True, "address": address, "balance": 7 * TRX}
    account = httpx.get(f"{node}/wallet/getaccount", params={"address": address, "visible": "true"})
    assert account.json()["balance"] == 7 * TRX


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/wallet/getaccount", b"{not json"),
        ("/wallet/getaccount", b'{"address": 5}'),
        ("/wallet/broadcasttransaction", b'{"raw_data": "nonsense"}'),
        ("/wallet/getblockbynum", b'{"num": "many"}'),
        ("/admin/fund", b'{"address": "T", "amount": -1}'),
        ("/wallet/getaccount", b"[1, 2]"),
    ],
)
def test_a_malformed_request_is_answered_as_java_tron_answers_it(
    node: str, path: str, body: bytes
) -> None:
    answer = httpx.post(f"{node}{path}", content=body)
    assert answer.status_code == 200
    assert "Error" in answer.json()


def test_an_unknown_route_is_404(node: str) -> None:
    assert httpx.get(f"{node}/wallet/nosuchthing").status_code == 404


def test_dcmx_deploy_finishes_in_seconds_on_it(node: str, tmp_path: Path) -> None:
    deployer = dev_accounts(3)[1]
    env = environment(tmp_path, DCMX_TRON_PRIVATE_KEY=deployer.key)
    started = time.monotonic()
    done = dcmx("deploy", "--chain", "tron", "--network", node, "--timeout", "30", env=env)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^DCMX_TRON_DEPLOYMENT=.+tron-\d+\.json$", done.stdout, re.MULTILINE)
    assert time.monotonic() - started < 90
