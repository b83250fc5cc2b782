"""TronGrid's event API (``/v1/contracts/{address}/events``, ``/v1/transactions/{id}/events``,
``/v1/blocks/{number|id|latest}/events``) over the local node, which TronWeb's
``getEventResult``, ``getEventByTransactionID`` and ``event.getEventsByBlockNumber`` read.

A log becomes an event as java-tron's event plugin makes one (``ContractTriggerCapsule``,
``ContractEventParserAbi``): the emitting contract's ABI names it (a non-anonymous event whose
signature hashes to the first topic; logs no ABI names are not events); indexed parameters are
read from the topics, the others from the data, each under its position and its name; a data
layout the parser does not handle (arrays, tuples) leaves the data whole, in hex, under the
first non-indexed position. Values print as TronGrid prints them: numbers in decimal, booleans
as ``true``/``false``, addresses as ``0x`` and 20 bytes of hex, bytes in hex. Events of blocks
above the solidified head carry ``"_unconfirmed": true``.

Answers are TronGrid's: ``{"data": [...], "success": true, "meta": {"at": ms, "page_size": n}}``,
pages of at most 200 with an opaque ``fingerprint`` (and ``links.next``) while more remain; a bad
request is ``BadRequest``, which the server answers with HTTP 400 and
``{"success": false, "error": ..., "statusCode": 400}``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from dcmx_adapters.crypto import EthCrypto
from dcmx_devnode.protobuf import MalformedMessage, parse_address
from dcmx_devnode.records import Block
from dcmx_devnode.transaction import address_json, tron_address
from dcmx_devnode.tvm import Emitted

if TYPE_CHECKING:
    from dcmx_devnode.node import LocalTronNode

Json = dict[str, Any]
Key = tuple[int, int, int]
"""Where an event is: (block number, transaction index in the block, log index in it)."""

DEFAULT_LIMIT: Final = 20
MAX_LIMIT: Final = 200
_WORD: Final = 32
_CRYPTO: Final = EthCrypto()
_ARRAY: Final = re.compile(r"^.*\[\d*\]$")
_FIXED_BYTES: Final = re.compile(r"^bytes\d+$")


class BadRequest(Exception):
    """A request TronGrid refuses with HTTP 400."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.body: Json = {"success": False, "error": error, "statusCode": 400}


# --- decoding, as java-tron's event parser does -----------------------------------------------


def _kind(solidity_type: str) -> str:
    """java-tron's ``basicType``: the few types its parser reads (arrays are none of them)."""
    if _ARRAY.match(solidity_type):
        return "unknown"
    if solidity_type.startswith(("int", "uint", "trcToken")):
        return "int"
    if solidity_type in ("bool", "address", "string", "bytes"):
        return solidity_type
    return "fixed" if _FIXED_BYTES.match(solidity_type) else "unknown"


def _number(word: bytes, solidity_type: str) -> str:
    return str(int.from_bytes(word, signed=solidity_type.startswith("int")))


def _topic_value(topic: bytes, solidity_type: str) -> str:
    kind = _kind(solidity_type)
    if kind == "int":
        return _number(topic, solidity_type)
    if kind == "bool":
        return "true" if any(topic) else "false"
    if kind == "address":
        return "0x" + topic[-20:].hex()
    return topic.hex()  # fixed bytes as they are; a string's or bytes' hash


def _data_value(data: bytes, solidity_type: str, index: int) -> str:
    """The ``index``-th word of the data as ``solidity_type``; ValueError where java-tron's
    parser gives up (an unsupported type, or data too short)."""
    kind = _kind(solidity_type)
    word = _slice(data, index * _WORD, _WORD)
    if kind == "int":
        return _number(word, solidity_type)
    if kind == "bool":
        return "true" if any(word) else "false"
    if kind == "fixed":
        return word.hex()
    if kind == "address":
        return "0x" + word[-20:].hex()
    if kind in ("string", "bytes"):
        start = int.from_bytes(word)
        length = int.from_bytes(_slice(data, start, _WORD))
        raw = _slice(data, start + _WORD, length) if length else b""
        return raw.decode(errors="replace") if kind == "string" else raw.hex()
    raise ValueError(f"unsupported type: {solidity_type}")


def _slice(data: bytes, start: int, length: int) -> bytes:
    if start >= len(data) or length > 2**31:
        raise ValueError(f"data start: {start}, length: {length}")
    return data[start : start + length].ljust(length, b"\x00")


def _signature(entry: Mapping[str, Any]) -> str:
    types = ",".join(str(param.get("type", "")) for param in entry.get("inputs", []))
    return f"{entry.get('name', '')}({types})"


def _described(entry: Mapping[str, Any]) -> str:
    """TronGrid's ``event``: ``Transfer(address indexed from, address indexed to, ...)``."""
    params = []
    for param in entry.get("inputs", []):
        words = [str(param.get("type", ""))]
        words += ["indexed"] if param.get("indexed") else []
        words += [str(param["name"])] if param.get("name") else []
        params.append(" ".join(words))
    return f"{entry.get('name', '')}({', '.join(params)})"


def _entry(abi: list[Mapping[str, Any]], topic: bytes) -> Mapping[str, Any] | None:
    for entry in abi:
        event = entry.get("type") == "Event" and not entry.get("anonymous")
        if event and _CRYPTO.keccak256(_signature(entry).encode()) == topic:
            return entry
    return None


def _matched(topics: tuple[bytes, ...], inputs: list[Mapping[str, Any]]) -> bool:
    """java-tron's ``topicsMatched``: a topic for the signature and each indexed parameter."""
    return not topics or 1 + sum(1 for p in inputs if p.get("indexed")) == len(topics)


def _topic_values(topics: tuple[bytes, ...], inputs: list[Mapping[str, Any]]) -> Json:
    """java-tron's ``parseTopics``: indexed values under their position and their name; topics
    the ABI does not account for in hex, under their own position."""
    if not _matched(topics, inputs):
        return {str(i): topic.hex() for i, topic in enumerate(topics[1:])}
    found: Json = {}
    indexed = iter(topics[1:])
    for position, param in enumerate(inputs):
        if param.get("indexed"):
            value = _topic_value(next(indexed), str(param.get("type", "")))
            found |= _named(position, param, value)
    return found


def _data_values(data: bytes, topics: tuple[bytes, ...], inputs: list[Mapping[str, Any]]) -> Json:
    """java-tron's ``parseEventData``: the other values, or the data whole, in hex, where it
    cannot read them."""
    if not data:
        return {}
    if not _matched(topics, inputs):
        return {str(len(topics) - 1): data.hex()}
    if not inputs:
        return {"0": data.hex()}
    plain = [(position, p) for position, p in enumerate(inputs) if not p.get("indexed")]
    found: Json = {}
    try:
        for index, (position, param) in enumerate(plain):
            value = _data_value(data, str(param.get("type", "")), index)
            found |= _named(position, param, value)
    except ValueError:
        return {str(plain[0][0] if plain else 0): data.hex()}
    return found


def _named(position: int, param: Mapping[str, Any], value: str) -> Json:
    return {str(position): value} | ({str(param["name"]): value} if param.get("name") else {})


def _result(log: Emitted, entry: Mapping[str, Any]) -> tuple[Json, Json]:
    """TronGrid's ``result`` (by position, then by name) and ``result_type`` (by name)."""
    inputs = list(entry.get("inputs", []))
    values = _topic_values(log.topics, inputs) | _data_values(log.data, log.topics, inputs)
    names = [str(p["name"]) for p in inputs if p.get("name")]
    positions = sorted((key for key in values if key.isdigit()), key=int)
    result = {key: values[key] for key in positions + [n for n in names if n in values]}
    types = {str(p["name"]): str(p.get("type", "")) for p in inputs if p.get("name")}
    return result, types


# --- events of the chain -------------------------------------------------------------------


def _event(node: LocalTronNode, block: Block, key: Key, log: Emitted, txid: bytes) -> Json | None:
    contract = tron_address(log.address)
    found = node.contract(contract)
    abi = list(found.get("abi", {}).get("entrys", [])) if found else []
    entry = _entry(abi, log.topics[0]) if log.topics else None
    if entry is None:
        return None  # a log without an ABI event: java-tron makes no event of it
    result, types = _result(log, entry)
    address = address_json(contract, True)
    event: Json = {
        "block_number": block.number,
        "block_timestamp": block.timestamp,
        "caller_contract_address": address,
        "contract_address": address,
        "event_index": key[2],
        "event_name": str(entry.get("name", "")),
        "result": result,
        "result_type": types,
        "event": _described(entry),
        "transaction_id": txid.hex(),
    }
    if block.number > node.solid_number:
        event["_unconfirmed"] = True
    return event


def _block_events(
    node: LocalTronNode, block: Block, emitter: bytes | None = None
) -> Iterator[tuple[Key, Json]]:
    """The events of ``block`` (only those ``emitter``, 20 bytes, emitted if given)."""
    for tx_index, (tx, receipt) in enumerate(block.entries):
        for log_index, log in enumerate(receipt.logs):
            if emitter is not None and log.address != emitter:
                continue
            key = (block.number, tx_index, log_index)
            event = _event(node, block, key, log, tx.txid)
            if event is not None:
                yield key, event


def _blocks(node: LocalTronNode) -> Iterator[Block]:
    for number in range(node.head.number + 1):
        block = node.block(number)
        if block is not None and block.entries:
            yield block


# --- queries -------------------------------------------------------------------------------


def _flag(params: Json, name: str) -> bool:
    return params.get(name) in (True, "true")


def _integer(params: Json, *names: str) -> int | None:
    for name in names:
        value = params.get(name)
        if value not in (None, ""):
            try:
                return int(value)
            except (TypeError, ValueError):
                raise BadRequest(f"{name} must be an integer") from None
    return None


def _encode_key(key: Key) -> str:
    return base64.urlsafe_b64encode(":".join(map(str, key)).encode()).decode().rstrip("=")


def _decode_key(fingerprint: str) -> Key:
    try:
        text = base64.urlsafe_b64decode(fingerprint + "=" * (-len(fingerprint) % 4)).decode()
        block, tx, log = (int(part) for part in text.split(":"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("Invalid fingerprint") from None
    return block, tx, log


Filter = Callable[[Key, Json], bool]


def _filters(node: LocalTronNode, params: Json) -> list[Filter]:
    confirmed, unconfirmed = _flag(params, "only_confirmed"), _flag(params, "only_unconfirmed")
    if confirmed and unconfirmed:
        raise BadRequest("only_confirmed and only_unconfirmed cannot both be true")
    solid = node.solid_number
    found: list[Filter] = []
    if confirmed:
        found.append(lambda key, _: key[0] <= solid)
    if unconfirmed:
        found.append(lambda key, _: key[0] > solid)
    if name := params.get("event_name"):
        found.append(lambda _, event: event["event_name"] == name)
    if (number := _integer(params, "block_number")) is not None:
        found.append(lambda key, _: key[0] == number)
    if (low := _integer(params, "min_block_timestamp", "min_timestamp")) is not None:
        found.append(lambda _, event: event["block_timestamp"] >= low)
    if (high := _integer(params, "max_block_timestamp", "max_timestamp")) is not None:
        found.append(lambda _, event: event["block_timestamp"] <= high)
    return found


def _next_link(path: str, params: Json, fingerprint: str) -> str:
    """The path and query of the next page (the server puts the host before it)."""
    query = {k: v for k, v in params.items() if k not in ("fingerprint", *_PATH_PARAMETERS)}
    query["fingerprint"] = fingerprint
    texts = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in query.items()}
    return f"/{path}?{urlencode(texts)}"


def _page(node: LocalTronNode, path: str, params: Json, events: Iterator[tuple[Key, Json]]) -> Json:
    """The events that pass the filters, in order, one page from the fingerprint on."""
    order = str(params.get("order_by") or "block_timestamp,desc").replace(" ", "")
    if order not in ("block_timestamp,desc", "block_timestamp,asc", "timestamp,asc"):
        raise BadRequest(f"Invalid order_by: {order}")
    descending = order.endswith("desc")
    limit = _integer(params, "limit")
    limit = DEFAULT_LIMIT if limit is None else min(max(limit, 1), MAX_LIMIT)
    filters = _filters(node, params)
    chosen = [(key, e) for key, e in events if all(passes(key, e) for passes in filters)]
    chosen.sort(key=lambda pair: pair[0], reverse=descending)
    if fingerprint := params.get("fingerprint"):
        after = _decode_key(str(fingerprint))
        chosen = [(k, e) for k, e in chosen if (k < after if descending else k > after)]
    meta: Json = {"at": node.now_ms(), "page_size": min(len(chosen), limit)}
    if len(chosen) > limit:
        meta["fingerprint"] = _encode_key(chosen[limit - 1][0])
        meta["links"] = {"next": _next_link(path, params, meta["fingerprint"])}
    return {"data": [event for _, event in chosen[:limit]], "success": True, "meta": meta}


def contract_events(node: LocalTronNode, params: Json) -> Json:
    """``GET /v1/contracts/{address}/events``: the events a contract emitted."""
    text = str(params.get("address", ""))
    try:
        contract = parse_address(text)[1:]
    except MalformedMessage:
        raise BadRequest(f"Invalid address: {text}") from None
    events = (pair for block in _blocks(node) for pair in _block_events(node, block, contract))
    return _page(node, f"v1/contracts/{text}/events", params, events)


def transaction_events(node: LocalTronNode, params: Json) -> Json:
    """``GET /v1/transactions/{id}/events``: the events of one transaction."""
    text = str(params.get("id", ""))
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise BadRequest(f"Invalid transaction id: {text}")
    found = node.transaction(bytes.fromhex(text))
    events = iter(()) if found is None else _block_events(node, found[0])
    mine = ((key, event) for key, event in events if event["transaction_id"] == text.lower())
    return _page(node, f"v1/transactions/{text}/events", params, mine)


def block_events(node: LocalTronNode, params: Json) -> Json:
    """``GET /v1/blocks/{number, id or latest}/events``: the events of one block."""
    text = str(params.get("identifier", ""))
    if text == "latest":
        block: Block | None = node.head
    elif text.isdigit():
        block = node.block(int(text))
    elif re.fullmatch(r"[0-9a-fA-F]{64}", text):
        block = node.block_by_id(bytes.fromhex(text))
    else:
        raise BadRequest(f"Invalid block identifier: {text}")
    events = iter(()) if block is None else _block_events(node, block)
    return _page(node, f"v1/blocks/{text}/events", params, events)


_PATH_PARAMETERS: Final = ("address", "id", "identifier")
ROUTES: Final = (
    (re.compile(r"v1/contracts/(?P<address>[^/]+)/events"), contract_events),
    (re.compile(r"v1/transactions/(?P<id>[^/]+)/events"), transaction_events),
    (re.compile(r"v1/blocks/(?P<identifier>[^/]+)/events"), block_events),
)
"""The event API's paths, their parameters named, and their endpoints."""
