"""How fast the local TRON node is, as ``dcmx node`` serves it: start time of the command,
broadcasts a second over HTTP to a ``dcmx node`` process (one kept-alive connection of the
standard library's ``http.client``, a light client, so that the figure is the node's) for TRX
transfers and TRC-20 transfers, beside the same broadcasts in process (no socket),
and the node's peak memory (its maximum resident set) once it has taken
``--memory-transactions`` transfers (100,000 by default; TRC-20 transfers make up what the
rates left). Beside each TRC-20 rate, the CPU time a transfer took the node: on a machine
that other work keeps busy, the rates fall with the CPU the node gets, the CPU time much less.
A block per transaction (``--block-time 0``), the heaviest way to run it.

Run with ``nox -s bench`` (``python -m benchmarks.devnode --transactions N`` alone). Only the
broadcasts are timed: each batch of signed transactions is made beforehand, as a wallet makes
them; signing is not the node's work.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from rich.console import Console
from rich.table import Table
from tronpy.keys import PrivateKey, to_hex_address  # type: ignore[import-untyped]

from benchmarks.startup import (
    NODE_ANSWER_TIMEOUT,
    RUNS,
    answers,
    child_environment,
    dcmx_command,
    free_port,
    node_start_time,
    warm_runs,
)
from dcmx_adapters.evm.artifacts import artifact
from dcmx_devnode.api import dispatch
from dcmx_devnode.metering import meter, meter_on_pyevm
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.protobuf import parse_address
from dcmx_devnode.server import FAUCET_PATH, dev_accounts
from dcmx_devnode.transaction import Transaction

BATCH = 2_000
MEMORY_TRANSACTIONS = 100_000
"""Transactions signed ahead at a time (they share a TaPoS block, valid for 65,536 blocks)."""
DAY_MS = 23 * 3600 * 1000
TRX = 1_000_000

Send = Callable[[str, dict[str, Any]], Any]


def signed_batch(send: Send, template: dict[str, Any], key: PrivateKey, first: int) -> list[Any]:
    """``BATCH`` signed copies of ``template`` (a built transaction), each made unique by the
    amount it carries (``first`` upwards), valid for a day."""
    raw = json.loads(json.dumps(template["raw_data"]))
    raw["expiration"] = raw["timestamp"] + DAY_MS
    batch = []
    for offset in range(BATCH):
        value = raw["contract"][0]["parameter"]["value"]
        if "amount" in value:
            value["amount"] = first + offset
        else:  # a TRC-20 transfer: the amount is the call's last word
            value["data"] = value["data"][:-64] + f"{first + offset:064x}"
        txid = Transaction.from_json({"raw_data": raw}).txid
        batch.append(
            {
                "raw_data": json.loads(json.dumps(raw)),
                "txID": txid.hex(),
                "signature": [key.sign_msg_hash(txid).hex()],
            }
        )
    return batch


def broadcasts_a_second(
    send: Send,
    build: Callable[[], dict[str, Any]],
    key: PrivateKey,
    count: int,
    cpu: Callable[[], float],
) -> tuple[float, float]:
    """Broadcast ``count`` transactions made from fresh ``build()`` templates: their rate, and
    the CPU seconds (read from ``cpu``) a broadcast took, signing left out."""
    spent = used = 0.0
    done = 0
    while done < count:
        batch = signed_batch(send, build(), key, 1 + done)[: count - done]
        started, cpu_started = time.perf_counter(), cpu()
        for tx in batch:
            answer = send("wallet/broadcasttransaction", tx)
            if answer.get("result") is not True:
                raise RuntimeError(f"refused: {answer}")
        spent += time.perf_counter() - started
        used += cpu() - cpu_started
        done += len(batch)
    return done / spent, used / done


def deploy_token(send: Send, owner: str, key: PrivateKey) -> str:
    """PaymentToken (a plain mintable TRC-20) deployed by ``owner``, who mints itself 10**30."""
    built = artifact("PaymentToken")
    tx = send(
        "wallet/deploycontract",
        {
            "owner_address": owner,
            "abi": json.dumps(list(built.abi)),
            "bytecode": built.bytecode.hex(),
            "fee_limit": 1_000 * TRX,
            "name": "PaymentToken",
            "visible": True,
        },
    )
    tx["signature"] = [key.sign_msg_hash(bytes.fromhex(tx["txID"])).hex()]
    send("wallet/broadcasttransaction", tx)
    token = str(send("wallet/gettransactioninfobyid", {"value": tx["txID"]})["contract_address"])
    mint = "40c10f19" + encode(["address", "uint256"], [_raw(owner), 10**30]).hex()
    _trigger(send, owner, key, token, mint)
    return token


def _raw(address: str) -> str:
    return "0x" + str(to_hex_address(address))[2:]


def _trigger(send: Send, owner: str, key: PrivateKey, token: str, data: str) -> None:
    built = send("wallet/triggersmartcontract", _call(owner, token, data))["transaction"]
    built["signature"] = [key.sign_msg_hash(bytes.fromhex(built["txID"])).hex()]
    send("wallet/broadcasttransaction", built)


def _call(owner: str, token: str, data: str) -> dict[str, Any]:
    return {
        "owner_address": owner,
        "contract_address": token,
        "data": data,
        "fee_limit": 100 * TRX,
        "visible": True,
    }


def measure(
    send: Send, count: int, cpu: Callable[[], float], more: int = 0
) -> tuple[float, float, float]:
    """TRX transfers and TRC-20 transfers a second through ``send``, and the CPU seconds
    (``cpu``: the node's) a TRC-20 transfer took; then ``more`` TRC-20 transfers, untimed."""
    sender, receiver = dev_accounts(2)
    key = PrivateKey(bytes.fromhex(sender.key))

    def trx() -> dict[str, Any]:
        request = {"owner_address": sender.address, "to_address": receiver.address}
        return dict(send("wallet/createtransaction", request | {"amount": 1, "visible": True}))

    token = deploy_token(send, sender.address, key)
    transfer = "a9059cbb" + encode(["address", "uint256"], [_raw(receiver.address), 1]).hex()

    def trc20() -> dict[str, Any]:
        return dict(
            send("wallet/triggersmartcontract", _call(sender.address, token, transfer))[
                "transaction"
            ]
        )

    trx_rate = broadcasts_a_second(send, trx, key, count, cpu)[0]
    trc20_rate, used = broadcasts_a_second(send, trc20, key, count, cpu)
    if more:
        broadcasts_a_second(send, trc20, key, more, cpu)
    return trx_rate, trc20_rate, used


def fresh_node() -> LocalTronNode:
    node = LocalTronNode(solidify_depth=0)
    for account in dev_accounts(2):
        node.fund(account.address, 10**12 * TRX)
    return node


class NodeProcess:
    """``dcmx node --block-time 0`` on a free port, and one kept-alive connection to it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [*dcmx_command(), "node", "--port", str(self.port), "--block-time", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=child_environment(),
        )
        started = time.perf_counter()
        while not answers(self.port):
            if self.process.poll() is not None or time.perf_counter() - started > (
                NODE_ANSWER_TIMEOUT
            ):
                self.process.kill()
                raise RuntimeError("dcmx node did not start")
            time.sleep(0.01)
        self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def send(self, path: str, body: dict[str, Any]) -> Any:
        headers = {"Content-Type": "application/json"}
        self._connection.request("POST", f"/{path}", json.dumps(body).encode(), headers)
        return json.loads(self._connection.getresponse().read())

    def cpu(self) -> float:
        """CPU seconds the node has used, in user and kernel mode (``/proc``)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_memory(self) -> int:
        """The node's maximum resident set so far, in MiB (Linux's ``VmHWM``)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) // 1024

    def stop(self) -> None:
        self._connection.close()
        self.process.terminate()
        self.process.wait(10)


def over_http(count: int, memory_transactions: int) -> tuple[float, float, float, int]:
    """TRX and TRC-20 transfers a second to a ``dcmx node``, its CPU seconds a TRC-20
    transfer, and its peak memory in MiB once it has taken ``memory_transactions`` transfers
    (TRC-20 transfers after the rates')."""
    node = NodeProcess()
    try:
        sender = dev_accounts(1)[0].address
        node.send(FAUCET_PATH, {"address": sender, "amount": 10**12 * TRX})  # fees enough
        more = max(0, memory_transactions - 2 * count)
        trx, trc20, cpu = measure(node.send, count, node.cpu, more)
        return trx, trc20, cpu, node.peak_memory()
    finally:
        node.stop()


def in_process(count: int) -> tuple[float, float, float]:
    node = fresh_node()
    return measure(
        lambda path, body: dispatch(node, path, json.loads(json.dumps(body))),
        count,
        time.process_time,
    )


METER_RUNS = 300


def metering_times() -> tuple[float, float]:
    """CPU seconds the energy of one TRC-20 transfer takes to meter: as the node meters it
    (the lean interpreter) and on py-evm's computation alone (the reference it is held to)."""
    node = fresh_node()
    sender, receiver = dev_accounts(2)
    key = PrivateKey(bytes.fromhex(sender.key))

    def send(path: str, body: dict[str, Any]) -> Any:
        return dispatch(node, path, json.loads(json.dumps(body)))

    token = parse_address(deploy_token(send, sender.address, key))[1:]
    owner = parse_address(sender.address)[1:]
    data = bytes.fromhex("a9059cbb") + encode(["address", "uint256"], [_raw(receiver.address), 1])
    times = []
    for how in (meter, meter_on_pyevm):
        started = time.process_time()
        for _ in range(METER_RUNS):
            how(
                node.tvm,
                node.tvm.block,
                sender=owner,
                to=token,
                data=data,
                value=0,
                energy_limit=10**7,
            )
        times.append((time.process_time() - started) / METER_RUNS)
    return times[0], times[1]


def rows(count: int, memory_transactions: int) -> Iterator[tuple[str, str]]:
    starts = " / ".join(f"{figure:.2f}" for figure in warm_runs(node_start_time))
    yield f"start of dcmx node, exec to first HTTP answer ({RUNS} runs)", f"{starts} s"
    trx, trc20, cpu, peak = over_http(count, memory_transactions)
    yield f"TRX transfers over HTTP ({count:,})", f"{trx:,.0f} /s"
    yield f"TRC-20 transfers over HTTP ({count:,})", f"{trc20:,.0f} /s"
    yield "CPU of dcmx node a TRC-20 transfer over HTTP", f"{cpu * 1e6:,.0f} µs"
    trx, trc20, cpu = in_process(count)
    yield f"TRX transfers in process ({count:,})", f"{trx:,.0f} /s"
    yield f"TRC-20 transfers in process ({count:,})", f"{trc20:,.0f} /s"
    yield "CPU a TRC-20 transfer in process", f"{cpu * 1e6:,.0f} µs"
    lean, reference = metering_times()
    yield "CPU to meter a TRC-20 transfer's energy, as the node does", f"{lean * 1e6:,.0f} µs"
    yield "CPU to meter it on py-evm alone (the reference)", f"{reference * 1e6:,.0f} µs"
    taken = max(memory_transactions, 2 * count)
    yield f"peak memory of dcmx node after {taken:,} transfers", f"{peak:,} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=50_000)
    parser.add_argument("--memory-transactions", type=int, default=MEMORY_TRANSACTIONS)
    known = parser.parse_known_args()[0]
    table = Table(title="dcmx node: a block per transaction", title_justify="left")
    table.add_column("measure")
    table.add_column("figure", justify="right")
    for name, figure in rows(known.transactions, known.memory_transactions):
        table.add_row(name, figure)
    Console().print(table)


if __name__ == "__main__":
    main()
