"""What the local node's journal (``dcmx node --data-dir``) costs and how fast a restart replays
it: TRX and TRC-20 transfers broadcast in process into a journaled node (a line fsynced per
transaction) beside the same into a node kept in memory only, then the replay of that journal
into a fresh node (its wall-clock time, and the CPU time this process spent: on a busy machine
the two part); once with a block per transaction (``--block-time 0``), once with the
transactions packed by the block timer (100 a block).

Run with ``nox -s bench`` (``python -m benchmarks.node_journal --transactions N`` alone; N TRX
and N TRC-20 transfers, 5,000 of each by default: 10,000 in all). Signing is done beforehand,
as wallets do.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from eth_abi import encode
from rich.console import Console
from rich.table import Table
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]

from benchmarks.devnode import _call, _raw, deploy_token, signed_batch
from dcmx_devnode import journal
from dcmx_devnode.api import dispatch
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.server import dev_accounts

TRX = 1_000_000
PACKED = 100
"""Transactions a block when the block timer packs them."""

Send = Callable[[str, dict[str, Any]], Any]


def sender_of(node: LocalTronNode) -> Send:
    return lambda path, body: dispatch(node, path, json.loads(json.dumps(body)))


def funded(node: LocalTronNode) -> LocalTronNode:
    for account in dev_accounts(2):
        node.fund(account.address, 10**12 * TRX)
    node.mine(1)
    return node


def signed(send: Send, count: int) -> Iterator[dict[str, Any]]:
    """``count`` TRX transfers, then ``count`` TRC-20 transfers of a token deployed first."""
    sender, receiver = dev_accounts(2)
    key = PrivateKey(bytes.fromhex(sender.key))
    request = {"owner_address": sender.address, "to_address": receiver.address}
    done = 0
    while done < count:
        template = send("wallet/createtransaction", request | {"amount": 1, "visible": True})
        batch = signed_batch(send, template, key, 1 + done)[: count - done]
        yield from batch
        done += len(batch)
    token = deploy_token(send, sender.address, key)
    transfer = "a9059cbb" + encode(["address", "uint256"], [_raw(receiver.address), 1]).hex()
    done = 0
    while done < count:
        template = send("wallet/triggersmartcontract", _call(sender.address, token, transfer))
        batch = signed_batch(send, template["transaction"], key, 1 + done)[: count - done]
        yield from batch
        done += len(batch)


def broadcast_all(node: LocalTronNode, count: int, packed: bool) -> float:
    """Broadcast ``2 * count`` transactions into ``node``; the seconds the broadcasts took."""
    send = sender_of(node)
    spent = 0.0
    in_block = 0
    for tx in signed(send, count):
        started = time.perf_counter()
        if packed and in_block == 0:
            node.start_block()
        answer = send("wallet/broadcasttransaction", tx)
        if answer.get("result") is not True:
            raise RuntimeError(f"refused: {answer}")
        in_block += 1
        if packed and in_block == PACKED:
            node.finish_block(even_empty=True)
            in_block = 0
        spent += time.perf_counter() - started
    if packed and in_block:
        node.finish_block(even_empty=True)
    return spent


def run(folder: Path, count: int, packed: bool) -> Iterator[tuple[str, str]]:
    how = f"{PACKED} a block" if packed else "a block per transaction"
    total = 2 * count
    memory_only = broadcast_all(funded(LocalTronNode(solidify_depth=0)), count, packed)
    path = folder / ("packed.jsonl" if packed else "blocks.jsonl")
    node = journal.start(path, time.time, {"solidify_depth": 0}, {"by": "benchmark"})
    journaled = broadcast_all(funded(node), count, packed)
    head = node.head.block_id
    node.close()
    started, cpu = time.perf_counter(), time.process_time()
    replayed, _ = journal.replay(path, time.time, writable=False)
    replay, replay_cpu = time.perf_counter() - started, time.process_time() - cpu
    if replayed.head.block_id != head:
        raise RuntimeError("the replay did not end on the same head block")
    yield f"broadcast, in memory only ({how})", f"{total / memory_only:,.0f} tx/s"
    yield f"broadcast, journaled, fsync a line ({how})", f"{total / journaled:,.0f} tx/s"
    yield f"journal of {total:,} transactions ({how})", f"{path.stat().st_size / 2**20:.1f} MiB"
    yield f"replay of {total:,} transactions ({how})", f"{replay:.1f} s"
    yield f"  of which this process's CPU ({how})", f"{replay_cpu:.1f} s"
    yield f"replay rate ({how})", f"{total / replay:,.0f} tx/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=5_000)
    count = parser.parse_known_args()[0].transactions
    table = Table(
        title=f"dcmx node --data-dir: {count:,} TRX + {count:,} TRC-20 transfers",
        title_justify="left",
    )
    table.add_column("measure")
    table.add_column("figure", justify="right")
    with tempfile.TemporaryDirectory() as folder:
        for packed in (False, True):
            for name, figure in run(Path(folder), count, packed):
                table.add_row(name, figure)
    Console().print(table)


if __name__ == "__main__":
    main()
