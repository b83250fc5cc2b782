"""The few protobuf messages of java-tron that a transaction's id and a block's id are hashed
from, with their JSON forms as java-tron's HTTP API reads and prints them.

A transaction id is the SHA-256 of the serialized ``Transaction.raw``, so it must be serialized
exactly as java-tron does: fields in number order, proto3 defaults left out, an ``Any`` holding
the serialized contract. JSON comes in and goes out the way java-tron's ``JsonFormat`` handles it:
bytes as hex; with ``visible`` addresses as base58check and a few text fields as text; enum names
in any case of their first letter (``"function"`` is ``Function``); unknown keys ignored.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Final, Literal

import base58
from attrs import frozen

Kind = Literal["int", "bool", "bytes", "address", "text", "string", "enum", "message", "any"]


class MalformedMessage(ValueError):
    """A JSON message that java-tron could not have parsed (bad hex, address, enum or type)."""


@frozen
class Field:
    name: str
    number: int
    kind: Kind
    repeated: bool = False
    target: str = ""
    """The message type of a ``message`` field, or the enum of an ``enum`` field."""


CONTRACT_TYPES: Final[Mapping[str, int]] = {
    "TransferContract": 1,
    "CreateSmartContract": 30,
    "TriggerSmartContract": 31,
    "FreezeBalanceV2Contract": 54,
    "UnfreezeBalanceV2Contract": 55,
    "WithdrawExpireUnfreezeContract": 56,
    "DelegateResourceContract": 57,
    "UnDelegateResourceContract": 58,
    "CancelAllUnfreezeV2Contract": 59,
}
"""The contract types this node executes (java-tron's ``Transaction.Contract.ContractType``)."""

ENUMS: Final[Mapping[str, Mapping[str, int]]] = {
    "ContractType": CONTRACT_TYPES,
    "ResourceCode": {"BANDWIDTH": 0, "ENERGY": 1, "TRON_POWER": 2},
    "EntryType": {
        "UnknownEntryType": 0,
        "Constructor": 1,
        "Function": 2,
        "Event": 3,
        "Fallback": 4,
        "Receive": 5,
        "Error": 6,
    },
    "StateMutabilityType": {
        "UnknownMutabilityType": 0,
        "Pure": 1,
        "View": 2,
        "Nonpayable": 3,
        "Payable": 4,
    },
}

F = Field
MESSAGES: Final[Mapping[str, tuple[Field, ...]]] = {
    "Transaction": (
        F("raw_data", 1, "message", target="Transaction.raw"),
        F("signature", 2, "bytes", repeated=True),
    ),
    "Transaction.raw": (
        F("ref_block_bytes", 1, "bytes"),
        F("ref_block_num", 3, "int"),
        F("ref_block_hash", 4, "bytes"),
        F("expiration", 8, "int"),
        F("auths", 9, "message", repeated=True, target="authority"),
        F("data", 10, "bytes"),
        F("contract", 11, "message", repeated=True, target="Transaction.Contract"),
        F("scripts", 12, "bytes"),
        F("timestamp", 14, "int"),
        F("fee_limit", 18, "int"),
    ),
    "authority": (
        F("account", 1, "message", target="AccountId"),
        F("permission_name", 2, "text"),
    ),
    "AccountId": (F("name", 1, "text"), F("address", 2, "address")),
    "Transaction.Contract": (
        F("type", 1, "enum", target="ContractType"),
        F("parameter", 2, "any"),
        F("provider", 3, "bytes"),
        F("ContractName", 4, "text"),
        F("Permission_id", 5, "int"),
    ),
    "TransferContract": (
        F("owner_address", 1, "address"),
        F("to_address", 2, "address"),
        F("amount", 3, "int"),
    ),
    "TriggerSmartContract": (
        F("owner_address", 1, "address"),
        F("contract_address", 2, "address"),
        F("call_value", 3, "int"),
        F("data", 4, "bytes"),
        F("call_token_value", 5, "int"),
        F("token_id", 6, "int"),
    ),
    "FreezeBalanceV2Contract": (
        F("owner_address", 1, "address"),
        F("frozen_balance", 2, "int"),
        F("resource", 3, "enum", target="ResourceCode"),
    ),
    "UnfreezeBalanceV2Contract": (
        F("owner_address", 1, "address"),
        F("unfreeze_balance", 2, "int"),
        F("resource", 3, "enum", target="ResourceCode"),
    ),
    "WithdrawExpireUnfreezeContract": (F("owner_address", 1, "address"),),
    "DelegateResourceContract": (
        F("owner_address", 1, "address"),
        F("resource", 2, "enum", target="ResourceCode"),
        F("balance", 3, "int"),
        F("receiver_address", 4, "address"),
        F("lock", 5, "bool"),
        F("lock_period", 6, "int"),
    ),
    "UnDelegateResourceContract": (
        F("owner_address", 1, "address"),
        F("resource", 2, "enum", target="ResourceCode"),
        F("balance", 3, "int"),
        F("receiver_address", 4, "address"),
    ),
    "CancelAllUnfreezeV2Contract": (F("owner_address", 1, "address"),),
    "CreateSmartContract": (
        F("owner_address", 1, "address"),
        F("new_contract", 2, "message", target="SmartContract"),
        F("call_token_value", 3, "int"),
        F("token_id", 4, "int"),
    ),
    "SmartContract": (
        F("origin_address", 1, "address"),
        F("contract_address", 2, "address"),
        F("abi", 3, "message", target="SmartContract.ABI"),
        F("bytecode", 4, "bytes"),
        F("call_value", 5, "int"),
        F("consume_user_resource_percent", 6, "int"),
        F("name", 7, "string"),
        F("origin_energy_limit", 8, "int"),
        F("code_hash", 9, "bytes"),
        F("trx_hash", 10, "bytes"),
        F("version", 11, "int"),
    ),
    "SmartContract.ABI": (F("entrys", 1, "message", repeated=True, target="ABI.Entry"),),
    "ABI.Entry": (
        F("anonymous", 1, "bool"),
        F("constant", 2, "bool"),
        F("name", 3, "string"),
        F("inputs", 4, "message", repeated=True, target="ABI.Param"),
        F("outputs", 5, "message", repeated=True, target="ABI.Param"),
        F("type", 6, "enum", target="EntryType"),
        F("payable", 7, "bool"),
        F("stateMutability", 8, "enum", target="StateMutabilityType"),
    ),
    "ABI.Param": (F("indexed", 1, "bool"), F("name", 2, "string"), F("type", 3, "string")),
    "BlockHeader.raw": (
        F("timestamp", 1, "int"),
        F("txTrieRoot", 2, "bytes"),
        F("parentHash", 3, "bytes"),
        F("number", 7, "int"),
        F("witness_id", 8, "int"),
        F("witness_address", 9, "address"),
        F("version", 10, "int"),
        F("accountStateRoot", 11, "bytes"),
    ),
}
del F

_INT64: Final = 1 << 64


# --- wire format -----------------------------------------------------------------------------


_ONE_BYTE: Final = tuple(bytes([value]) for value in range(0x80))
"""The varints of 0 to 127, one byte each: tags and lengths, most of the varints written."""


def varint(value: int) -> bytes:
    """A base-128 varint; negative numbers as their 64-bit two's complement (int64)."""
    if 0 <= value < 0x80:
        return _ONE_BYTE[value]
    value %= _INT64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


@functools.cache
def _tag(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def _delimited(number: int, payload: bytes) -> bytes:
    return _tag(number, 2) + varint(len(payload)) + payload


# --- JSON in, bytes out ----------------------------------------------------------------------


def encode(message: str, value: Mapping[str, Any], *, visible: bool = False) -> bytes:
    """Serialize the JSON form of ``message`` as java-tron would after parsing it."""
    if not isinstance(value, Mapping):
        raise MalformedMessage(f"{message} must be a JSON object, not {type(value).__name__}")
    out = bytearray()
    for field in MESSAGES[message]:
        item = value.get(field.name)
        if item is None:
            continue
        if field.repeated:
            if not isinstance(item, list):
                raise MalformedMessage(f"{message}.{field.name} must be a list")
            for element in item:
                out += _encode_one(field, element, visible, always=True)
        else:
            out += _encode_one(field, item, visible, always=False)
    return bytes(out)


def _encode_one(field: Field, item: Any, visible: bool, *, always: bool) -> bytes:
    number = field.number
    if field.kind in ("int", "bool", "enum"):
        scalar = enum_number(field.target, item) if field.kind == "enum" else _integer(item)
        return _tag(number, 0) + varint(scalar) if scalar or always else b""
    if field.kind == "message":
        return _delimited(number, encode(field.target, item, visible=visible))
    if field.kind == "any":
        return _delimited(number, _encode_any(item, visible))
    raw = parse_bytes(field.kind, item, visible)
    return _delimited(number, raw) if raw or always else b""


def _encode_any(parameter: Any, visible: bool) -> bytes:
    if not isinstance(parameter, Mapping):
        raise MalformedMessage("a contract's parameter must be a JSON object")
    type_url = str(parameter.get("type_url", ""))
    contract_type = type_url.rsplit(".", 1)[-1]
    if contract_type not in CONTRACT_TYPES:
        raise MalformedMessage(f"contract type {contract_type or type_url!r} is not executed here")
    inner = encode(contract_type, parameter.get("value", {}), visible=visible)
    out = _delimited(1, type_url.encode()) if type_url else b""
    return out + (_delimited(2, inner) if inner else b"")


_INT64_RANGE: Final = range(-(1 << 63), 1 << 63)


def _integer(item: Any) -> int:
    if isinstance(item, bool):
        return int(item)
    if isinstance(item, int):
        number = item
    elif isinstance(item, str) and item.lstrip("-").isdigit():
        number = int(item)
    else:
        raise MalformedMessage(f"{item!r} is not an integer")
    if number not in _INT64_RANGE:  # what java-tron's JSON parser refuses for an int64
        raise MalformedMessage(f"Number out of range for 64-bit signed integer: {item}")
    return number


def enum_number(enum: str, item: Any) -> int:
    """The number of an enum value given by name (first letter in either case) or number."""
    values = ENUMS[enum]
    if isinstance(item, int) and not isinstance(item, bool):
        if item not in values.values():
            raise MalformedMessage(f"{enum} has no value numbered {item}")
        return item
    name = str(item)
    if name.islower():
        name = name[:1].upper() + name[1:]
    if name not in values:
        raise MalformedMessage(f'{enum} has no value named "{name}"')
    return values[name]


def parse_bytes(kind: Kind, item: Any, visible: bool) -> bytes:
    """The bytes of a JSON bytes field: hex; an address also as base58check; text as UTF-8."""
    if not isinstance(item, str):
        raise MalformedMessage(f"{item!r} is not a string")
    if kind == "string" or (kind == "text" and visible):
        return item.encode()
    if kind == "address" and item:
        return address_bytes(item)
    try:
        return bytes.fromhex(item.removeprefix("0x"))
    except ValueError:
        raise MalformedMessage(f"{item!r} is not hex") from None


def parse_address(text: str) -> bytes:
    """A TRON address, base58check or 21-byte hex, as its 21 bytes (0x41 first)."""
    if not isinstance(text, str):
        raise MalformedMessage(f"{text!r} is not a TRON address: {text!r}")
    return _parsed_address(text)


@functools.lru_cache(maxsize=4096)
def _parsed_address(text: str) -> bytes:
    """``parse_address``, remembered for the addresses last seen: transactions name the same
    few again and again, and base58 is slow."""
    try:
        return base58.b58decode_check(_base58check(text))
    except (ValueError, IndexError) as error:  # an empty text has no first letter
        raise MalformedMessage(f"{text!r} is not a TRON address: {error}") from None


def _base58check(text: str) -> str:
    """The base58check form of an address written as base58check (checked), as 21-byte hex, or
    as ``0x`` and 20- or 21-byte hex; ``ValueError`` for anything else. tronpy's rules and
    texts (``tronpy.keys.to_base58check_address``), on the base58 library tronpy uses: the
    node loads without tronpy and its clients."""
    if not isinstance(text, str):
        raise ValueError(repr(text))
    if text[0] == "T" and len(text) == 34:
        try:
            base58.b58decode_check(text)
        except ValueError:
            raise ValueError("bad base58check format") from None
        return text
    if len(text) == 42:
        raw = b"\x41" + bytes.fromhex(text[2:]) if text.startswith("0x") else bytes.fromhex(text)
        return base58.b58encode_check(raw).decode()
    if text.startswith("0x") and len(text) == 44:
        return base58.b58encode_check(bytes.fromhex(text[2:])).decode()
    raise ValueError(repr(text))


def address_bytes(text: str) -> bytes:
    """An address field's bytes as java-tron's parser takes them: base58check (checked), or
    hex of any length. Whether they make a valid address is the actuators' to say
    (``"Invalid toAddress!"``), not the parser's."""
    if len(text) == 34 and text.startswith("T"):
        return parse_address(text)
    try:
        return bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raise MalformedMessage(
            f"{text!r} is not a TRON address: neither base58check nor hex"
        ) from None


@functools.lru_cache(maxsize=4096)
def render_address(raw: bytes, visible: bool) -> str:
    return _base58check(raw.hex()) if visible else raw.hex()


# --- JSON in, JSON out -----------------------------------------------------------------------


def render(
    message: str, value: Mapping[str, Any], *, visible: bool, parsed_visible: bool = False
) -> dict[str, Any]:
    """The JSON java-tron prints (with or without ``visible``) for ``value``, which was sent
    with or without ``parsed_visible``: defaults left out, unknown keys dropped. Rendering with
    both false gives the hex form the node keeps."""
    if not isinstance(value, Mapping):
        raise MalformedMessage(f"{message} must be a JSON object, not {type(value).__name__}")
    out: dict[str, Any] = {}
    for field in MESSAGES[message]:
        item = value.get(field.name)
        if item is None:
            continue
        if field.repeated:
            if not isinstance(item, list):
                raise MalformedMessage(f"{message}.{field.name} must be a list")
            out[field.name] = [_render_one(field, e, visible, parsed_visible) for e in item]
        elif field.kind == "enum" and enum_number(field.target, item) == 0:
            continue  # proto3 leaves a default enum value out
        else:
            rendered = _render_one(field, item, visible, parsed_visible)
            if rendered not in (0, False, "") or field.kind in ("message", "any"):
                out[field.name] = rendered
    return out


def _render_one(field: Field, item: Any, visible: bool, parsed_visible: bool) -> Any:
    if field.kind == "int":
        return _integer(item)
    if field.kind == "bool":
        return bool(item)
    if field.kind == "enum":
        number = enum_number(field.target, item)
        return next(name for name, n in ENUMS[field.target].items() if n == number)
    if field.kind == "message":
        return render(field.target, item, visible=visible, parsed_visible=parsed_visible)
    if field.kind == "any":
        if not isinstance(item, Mapping):
            raise MalformedMessage("a contract's parameter must be a JSON object")
        type_url = str(item.get("type_url", ""))
        contract_type = type_url.rsplit(".", 1)[-1]
        if contract_type not in CONTRACT_TYPES:
            raise MalformedMessage(f"contract type {contract_type!r} is not executed here")
        value = item.get("value", {})
        inner = render(contract_type, value, visible=visible, parsed_visible=parsed_visible)
        return {"value": inner, "type_url": type_url}
    raw = parse_bytes(field.kind, item, parsed_visible)
    if field.kind == "address":
        return render_address(raw, visible) if raw else ""
    if field.kind == "string" or (field.kind == "text" and visible):
        return raw.decode(errors="replace")
    return raw.hex()
