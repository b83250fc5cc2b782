"""The local node on a real HTTP port, as ``dcmx node`` runs it: java-tron's HTTP API over GET
and POST (a GET's query is its parameters, as java-tron's servlets read them), an answer to
every request however malformed, a faucet, its funded accounts' keys for TronBox (as TRON
Quickstart gives them), and blocks made on a timer, empty or not, so that
the solidified head moves and clients that wait for it (``wait(solid=True)``, ``dcmx deploy``)
finish in seconds.

Requests are answered one at a time, under one lock with the block timer: the node is a
single chain in memory.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from attrs import frozen

from dcmx_adapters.crypto import EthCrypto
from dcmx_devnode.api import UnknownEndpoint, dispatch
from dcmx_devnode.events import BadRequest
from dcmx_devnode.http_requests import LeanRequestHandler
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.protobuf import MalformedMessage, parse_address
from dcmx_devnode.transaction import address_json

FAUCET_PATH: Final = "admin/fund"
"""``POST /admin/fund {"address": "T…", "amount": sun}``: the faucet (not java-tron's API)."""
ACCOUNTS_PATH: Final = "admin/accounts-json"
"""``GET /admin/accounts-json``: ``{"privateKeys": [hex, ...]}``, the funded accounts' keys, as
TRON Quickstart and TronBox's runtime environment answer it; ``tronbox test`` takes its
``accounts`` from there on a local node (not java-tron's API)."""
Lock = AbstractContextManager[Any]
TRX: Final = 1_000_000
ACCOUNT_FUNDS: Final = 1_000_000 * TRX
"""What each of the node's accounts starts with: a million TRX."""
_CRYPTO: Final = EthCrypto()


@frozen
class DevAccount:
    """One of the node's funded accounts: its base58 address and its private key (hex)."""

    address: str
    key: str


def dev_accounts(count: int) -> list[DevAccount]:
    """``count`` accounts whose keys derive from their numbers, so every start has the same
    ones (as Hardhat's and TRON Quickstart's do). Publicly known keys: a local chain's only."""
    accounts = []
    for number in range(count):
        key = hashlib.sha256(f"dcmx node account {number}".encode()).digest()
        tron = b"\x41" + _CRYPTO.address_of(key).raw
        accounts.append(DevAccount(address_json(tron, True), key.hex()))
    return accounts


class BlockTimer:
    """Makes a block every ``interval`` seconds, packing what was broadcast since the last one,
    empty or not, under the server's lock."""

    def __init__(self, node: LocalTronNode, lock: Lock, interval: float) -> None:
        self._node = node
        self._lock = lock
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="block timer", daemon=True)

    def start(self) -> None:
        with self._lock:
            self._node.finish_block()  # a block a crash left being packed is mined first
            self._node.start_block()
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                self._node.finish_block(even_empty=True)
                self._node.start_block()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._lock:
            self._node.finish_block()


_ANSWER_FIELDS: Final = (
    "Access-Control-Allow-Origin: *\r\n"
    "Access-Control-Allow-Headers: *\r\n"
    "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
    "Content-Type: application/json\r\n"
)
"""The header fields of every JSON answer besides its date and length: CORS, as TronWeb in
a browser needs them, and the type."""


def _target(text: str) -> tuple[str, str]:
    """A request target's path and query (``urlsplit``'s, which a plain path skips)."""
    if text.startswith("/") and "?" not in text and "#" not in text:
        return text, ""
    parts = urlsplit(text)
    return parts.path, parts.query


def _query(text: str) -> dict[str, Any]:
    """A GET's parameters: java-tron reads ``visible=true`` and numbers from the query."""
    found: dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        if value in ("true", "false"):
            found[name] = value == "true"
        elif value.isdigit():
            found[name] = int(value)
        else:
            found[name] = value
    return found


def fund(node: LocalTronNode, params: Mapping[str, Any]) -> dict[str, Any]:
    """The faucet: ``amount`` sun to ``address`` (either rendering)."""
    try:
        address = parse_address(str(params["address"]))
        amount = int(params["amount"])
        node.fund(address, amount)
    except (KeyError, ValueError, TypeError, MalformedMessage) as error:
        return {"Error": f"class {type(error).__name__} : {error}"}
    return {
        "result": True,
        "address": address_json(address, True),
        "balance": node.balance(address),
    }


def answer(
    node: LocalTronNode,
    path: str,
    params: dict[str, Any],
    accounts: Sequence[DevAccount] = (),
) -> tuple[int, Any]:
    """The status and JSON body java-tron gives for ``path`` with ``params`` (the node's own
    ``admin/`` paths answer with ``accounts``)."""
    if path == FAUCET_PATH:
        return 200, fund(node, params)
    if path == ACCOUNTS_PATH:
        return 200, {"privateKeys": [account.key for account in accounts]}
    try:
        return 200, dispatch(node, path, params)
    except UnknownEndpoint:
        return 404, {"Error": f"no endpoint /{path}"}
    except BadRequest as refusal:  # the event API's (TronGrid's) refusals
        return 400, refusal.body
    except Exception as error:  # an answer to every request: java-tron's servlets print it
        return 200, {"Error": f"class {type(error).__name__} : {error}"}


def _linked(body: Any, host: str | None) -> Any:
    """The event API's ``meta.links.next`` as a full URL on the host the client asked, as
    TronGrid gives it (the endpoint knows only the path)."""
    links = body.get("meta", {}).get("links") if isinstance(body, dict) else None
    if isinstance(links, dict) and str(links.get("next", "")).startswith("/") and host:
        links["next"] = f"http://{host}{links['next']}"
    return body


def handler_for(
    node: LocalTronNode, lock: Lock, accounts: Sequence[DevAccount] = ()
) -> type[BaseHTTPRequestHandler]:
    class Handler(LeanRequestHandler):
        protocol_version = "HTTP/1.1"  # kept-alive connections, as java-tron's Jetty keeps them
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the
        # body back for the client's delayed ACK, 40 ms a request.
        disable_nagle_algorithm = True
        # An answer leaves in one write (the handler flushes after each request): a write for
        # the headers and another for the body wake the client twice, which costs more than
        # most requests' own work.
        wbufsize = 1 << 16

        def do_GET(self) -> None:  # noqa: N802 (http.server's method name)
            path, query = _target(self.path)
            self._answer(path, _query(query))

        def do_POST(self) -> None:  # noqa: N802 (http.server's method name)
            path, query = _target(self.path)
            length = int(self.fields.field("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                params = json.loads(body) if body.strip() else {}
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                self._reply(200, {"Error": f"class JSONException : {error}"})
                return
            if not isinstance(params, dict):
                self._reply(200, {"Error": "class JSONException : not a JSON object"})
                return
            self._answer(path, _query(query) | params if query else params)

        # A browser's preflight, before TronWeb's requests.
        def do_OPTIONS(self) -> None:  # noqa: N802 (http.server's method name)
            self.send_response(204)
            self._cors()
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _answer(self, path: str, params: dict[str, Any]) -> None:
            with lock:
                status, body = answer(node, path.strip("/"), params, accounts)
            self._reply(status, _linked(body, self.fields.field("host") or None))

        def _cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")

        def _reply(self, status: int, body: Any) -> None:
            self.send_answer(status, _ANSWER_FIELDS, json.dumps(body).encode())

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a development node, not a service with an access log."""

    return Handler


class NodeServer:
    """``node``'s HTTP API on ``host:port`` (port 0: any free one), with blocks every
    ``block_time`` seconds (0: a block per transaction); ``accounts`` are the funded accounts
    whose keys it hands out. Requests and the block timer take ``lock`` (by default one of
    their own): whatever else reads or changes the node in this process must take the same
    one."""

    def __init__(
        self,
        node: LocalTronNode,
        host: str = "127.0.0.1",
        port: int = 0,
        block_time: float = 0,
        accounts: Sequence[DevAccount] = (),
        *,
        lock: Lock | None = None,
    ) -> None:
        self.node = node
        self.lock: Lock = lock if lock is not None else threading.Lock()
        handler = handler_for(node, self.lock, accounts)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._timer = BlockTimer(node, self.lock, block_time) if block_time > 0 else None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> None:
        with self.lock:
            if self.node.head.number == 0:
                # A chain still at its genesis block gets a first block: java-tron prints
                # neither the genesis block's number nor its time (proto3 zeros), and TronWeb
                # builds a transaction's TaPoS reference and expiration from both.
                self.node.mine(1)
        if self._timer is not None:
            self._timer.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and the block timer, and free the port (a server never started too;
        stopping twice does nothing more)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        if self._timer is not None:
            self._timer.stop()


@contextmanager
def serve(
    node: LocalTronNode,
    host: str = "127.0.0.1",
    port: int = 0,
    block_time: float = 0,
    accounts: Sequence[DevAccount] = (),
) -> Iterator[str]:
    """Serve ``node``'s HTTP API while the context is open; yields the base URL."""
    server = NodeServer(node, host, port, block_time, accounts)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
