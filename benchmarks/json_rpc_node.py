"""A read-only EVM node over JSON-RPC, serving a chain written to a file: what an indexer asks a
node for while it backfills (``eth_chainId``, ``eth_blockNumber``, ``eth_getBlockByNumber``,
``eth_getLogs`` over a range of blocks), answered as a node answers (hex quantities, checksummed
addresses, a log's block, transaction and index).

``write_chain`` saves a chain's blocks and logs; ``python -m benchmarks.json_rpc_node FILE PORT``
serves them on 127.0.0.1 in a process of its own, so that the node's work is not the
indexer's: the backfill benchmark reads through web3.py's HTTP provider, as in production.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address

from dcmx_adapters.evm.chain import Chain


def write_chain(chain: Chain, path: Path) -> None:
    """Save ``chain``'s blocks and their logs, as a node would show them, to ``path``."""
    head = chain.head().number
    blocks, logs = [], []
    for number in range(head + 1):
        block = chain.block(number)
        blocks.append(_block(block.number, block.hash.raw, block.parent_hash.raw, block.timestamp))
        logs.append([_log(log) for log in chain.logs(number, number)])
    path.write_text(json.dumps({"chain_id": chain.chain_id, "blocks": blocks, "logs": logs}))


def _block(number: int, hash_: bytes, parent: bytes, timestamp: int) -> dict[str, Any]:
    return {
        "number": hex(number),
        "hash": "0x" + hash_.hex(),
        "parentHash": "0x" + parent.hex(),
        "timestamp": hex(timestamp),
        "miner": "0x" + "00" * 20,
        "gasLimit": hex(30_000_000),
        "gasUsed": "0x0",
        "baseFeePerGas": "0x0",
        "transactions": [],
        "uncles": [],
    }


def _log(log: Any) -> dict[str, Any]:
    return {
        "address": to_checksum_address(log.address.raw),
        "topics": ["0x" + topic.hex() for topic in log.topics],
        "data": "0x" + log.data.hex(),
        "blockNumber": hex(log.block_number),
        "blockHash": "0x" + log.block_hash.raw.hex(),
        "transactionHash": "0x" + log.tx_id.raw.hex(),
        "transactionIndex": "0x0",
        "logIndex": hex(log.log_index),
        "removed": False,
    }


class _Node(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as web3's session expects
    # An answer leaves in one write: headers and body written apart wait out the client's
    # delayed acknowledgement (tens of milliseconds a request) on a kept-alive connection.
    wbufsize = -1
    chain: dict[str, Any]

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        try:
            answer = {"result": self._answer(request["method"], request.get("params", []))}
        except (LookupError, ValueError) as error:
            answer = {"error": {"code": -32602, "message": str(error)}}
        body = json.dumps({"jsonrpc": "2.0", "id": request.get("id"), **answer}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, method: str, params: list[Any]) -> Any:
        blocks = self.chain["blocks"]
        if method == "eth_chainId":
            return hex(self.chain["chain_id"])
        if method == "eth_blockNumber":
            return hex(len(blocks) - 1)
        if method == "eth_getBlockByNumber":
            number = self._number(params[0])
            return blocks[number] if number < len(blocks) else None
        if method == "eth_getLogs":
            query = params[0]
            first, last = self._number(query["fromBlock"]), self._number(query["toBlock"])
            return [log for logs in self.chain["logs"][first : last + 1] for log in logs]
        raise LookupError(f"the method {method} is not served here")

    def _number(self, tag: str) -> int:
        return len(self.chain["blocks"]) - 1 if tag == "latest" else int(tag, 16)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a request a line would swamp the benchmark's output."""


def serve(path: Path, port: int) -> None:
    _Node.chain = json.loads(path.read_text())
    server = ThreadingHTTPServer(("127.0.0.1", port), _Node)
    print(f"serving {len(_Node.chain['blocks'])} blocks on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))
