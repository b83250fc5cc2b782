"""``dcmx node --data-dir`` as a process, driven over HTTP: what clients did on it (the faucet,
a TRX transfer, a contract deployed and called, blocks on the timer) is there again, with the
same block ids, after a restart (a crash's torn last line dropped); the dev accounts are funded
once; a journal that cannot be replayed is one line and exit code 2. The rest of the command's
choices are tested in process: tests/entrypoints/test_node_cli.py."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from attrs import define
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.contract import Contract  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]
from tronpy.providers import HTTPProvider  # type: ignore[import-untyped]

from dcmx_adapters.evm.artifacts import artifact
from dcmx_devnode.server import ACCOUNT_FUNDS, dev_accounts
from tests.e2e.test_operations import STARTUP_SECONDS, dcmx_script, environment, free_port

TRX = 1_000_000
OWNER = dev_accounts(2)[0]
RECEIVER = PrivateKey(bytes(31) + b"\x51").public_key.to_base58check_address()
FUNDED = PrivateKey(bytes(31) + b"\x52").public_key.to_base58check_address()
TORN = b'{"op":"finish_block","even_'


@define
class Node:
    process: subprocess.Popen[str]
    url: str
    log: Path

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        assert self.process.wait(10) == 130  # Ctrl-C: stopped in order, told as interrupted
        return self.log.read_text()


def start_node(folder: Path, name: str, data_dir: Path, *options: str) -> Node:
    port = free_port()
    log = folder / f"{name}.out"
    with log.open("w") as output:
        process = subprocess.Popen(
            [dcmx_script(), "node", "--port", str(port), "--data-dir", str(data_dir), *options],
            env=environment(folder),
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(f"{url}/wallet/getnowblock", timeout=2)
            return Node(process, url, log)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "dcmx node never answered"
            time.sleep(0.1)


def clients_day(url: str) -> str:
    """What TRON developers do on a node: the faucet, TRX, a contract deployed and called.
    The contract's address."""
    tron = Tron(provider=HTTPProvider(url))
    key = PrivateKey(bytes.fromhex(OWNER.key))
    funded = httpx.post(f"{url}/admin/fund", json={"address": FUNDED, "amount": 3 * TRX})
    assert funded.json()["result"] is True
    sent = tron.trx.transfer(OWNER.address, RECEIVER, 5 * TRX).build().sign(key).broadcast()
    sent.wait(timeout=20, interval=0.1)
    built = artifact("PlainERC20")
    plain = Contract(bytecode=built.bytecode, abi=list(built.abi), name="PlainERC20")
    deploy = tron.trx.deploy_contract(OWNER.address, plain).fee_limit(1_000 * TRX).build()
    address: str = deploy.sign(key).broadcast().wait(timeout=20, interval=0.1)["contract_address"]
    token = tron.get_contract(address)
    mint = token.functions.mint(RECEIVER, 42).with_owner(OWNER.address).fee_limit(100 * TRX)
    mint.build().sign(key).broadcast().wait(timeout=20, interval=0.1)
    return address


def chain_of(url: str, contract: str, last: int) -> dict[str, Any]:
    """What a client reads of blocks 0 to ``last``, the balances, the contract and its events."""

    def get(path: str, **params: Any) -> Any:
        return httpx.post(f"{url}/{path}", json=params, timeout=10).json()

    return {
        "blocks": [get("wallet/getblockbynum", num=n) for n in range(last + 1)],
        "infos": [get("wallet/gettransactioninfobyblocknum", num=n) for n in range(last + 1)],
        "balances": {
            a: get("wallet/getaccount", address=a, visible=True).get("balance", 0)
            for a in (OWNER.address, dev_accounts(2)[1].address, RECEIVER, FUNDED)
        },
        "contract": get("wallet/getcontract", value=contract, visible=True),
        "events": httpx.get(
            f"{url}/v1/contracts/{contract}/events", params={"only_confirmed": "true"}
        ).json()["data"],
    }


def head_of(url: str) -> int:
    block = httpx.get(f"{url}/wallet/getnowblock").json()
    return int(block["block_header"]["raw_data"]["number"])


@define
class Restart:
    before: dict[str, Any]
    after: dict[str, Any]
    printed: str
    data_dir: Path


@pytest.fixture(scope="module")
def restart(tmp_path_factory: pytest.TempPathFactory) -> Restart:
    folder = tmp_path_factory.mktemp("node-data-dir")
    data_dir = folder / "chain"
    first = start_node(folder, "first", data_dir, "--block-time", "0.3", "--accounts", "2")
    try:
        contract = clients_day(first.url)
        time.sleep(0.7)  # the last events are solidified
        last = head_of(first.url)
        before = chain_of(first.url, contract, last)
    finally:
        first.stop()
    with (data_dir / "node.jsonl").open("ab") as file:
        file.write(TORN)  # as if the node had crashed while writing its last line
    second = start_node(folder, "second", data_dir, "--block-time", "0.3")
    try:
        after = chain_of(second.url, contract, last)
    finally:
        printed = second.stop()
    return Restart(before, after, printed, data_dir)


def test_a_restarted_node_has_the_same_blocks_balances_contract_and_events(
    restart: Restart,
) -> None:
    assert restart.after == restart.before
    assert [e["event_name"] for e in restart.after["events"]] == ["Transfer"]
    assert restart.after["balances"][RECEIVER] == 5 * TRX
    assert restart.after["balances"][FUNDED] == 3 * TRX
    assert "replayed from" in restart.printed


def test_the_dev_accounts_are_funded_once(restart: Restart) -> None:
    assert restart.after["balances"][dev_accounts(2)[1].address] == ACCOUNT_FUNDS
    assert OWNER.address in restart.printed  # the same accounts, printed again
    journal = (restart.data_dir / "node.jsonl").read_text()
    assert journal.count('"op":"fund"') == 3  # two dev accounts and the faucet, once each


def test_a_torn_last_line_is_dropped_and_cut_off_before_the_next(restart: Restart) -> None:
    assert "torn last line" in restart.printed
    journal = (restart.data_dir / "node.jsonl").read_bytes()
    assert TORN not in journal
    assert all(json.loads(line) for line in journal.splitlines())


def refused(folder: Path, data_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [dcmx_script(), "node", "--port", str(free_port()), "--data-dir", str(data_dir), *options],
        env=environment(folder),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_journal_that_cannot_be_replayed_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    data_dir = tmp_path / "chain"
    data_dir.mkdir()  # another chain's journal (tests/devnode/test_journal.py: garbage)
    (data_dir / "node.jsonl").write_text('{"op":"genesis","ledger":"evm","engine":"revm"}\n')
    done = refused(tmp_path, data_dir)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "line 1: not the journal of a local TRON node" in line
    assert "--reset" in line
    assert "Traceback" not in done.stderr
