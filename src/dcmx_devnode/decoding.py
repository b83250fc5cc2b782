"""The node's protobuf bytes read back into the hex JSON form it keeps (``protobuf.render`` with
``visible`` false): what lets the node keep a mined transaction as its serialized bytes alone and
print its ``raw_data`` only when someone asks for it.

Decoding is ``protobuf.encode`` run backwards over the same message table: fields in number
order, proto3 defaults absent, an ``Any`` as ``{"value": ..., "type_url": ...}``. The one form
it cannot give back is an empty list, which protobuf does not write; java-tron, printing from
the bytes as well, leaves it out too.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Final

from dcmx_devnode.protobuf import CONTRACT_TYPES, ENUMS, MESSAGES, Field, MalformedMessage

_INT64_SIGN: Final = 1 << 63
_INT64: Final = 1 << 64
_VARINT: Final = 0
_DELIMITED: Final = 2


@functools.cache
def _fields(message: str) -> Mapping[int, Field]:
    return {field.number: field for field in MESSAGES[message]}


@functools.cache
def _enum_names(enum: str) -> Mapping[int, str]:
    return {number: name for name, number in ENUMS[enum].items()}


def decode(message: str, data: bytes) -> dict[str, Any]:
    """The hex JSON form of the serialized ``message`` in ``data``."""
    fields = _fields(message)
    found: dict[str, Any] = {}
    position, end = 0, len(data)
    while position < end:
        key, position = _varint(data, position)
        field = fields.get(key >> 3)
        if field is None:
            raise MalformedMessage(f"{message} has no field numbered {key >> 3}")
        if key & 7 == _VARINT:
            number, position = _varint(data, position)
            item = _scalar(field, number)
        elif key & 7 == _DELIMITED:
            length, position = _varint(data, position)
            if position + length > end:
                raise MalformedMessage(f"{message}.{field.name} runs past the message's end")
            item = _delimited(field, data[position : position + length])
            position += length
        else:
            raise MalformedMessage(f"{message}.{field.name} has wire type {key & 7}")
        if field.repeated:
            found.setdefault(field.name, []).append(item)
        else:
            found[field.name] = item
    # In the table's order, as ``render`` prints: fields arrive in number order, but need not.
    return {field.name: found[field.name] for field in MESSAGES[message] if field.name in found}


def _varint(data: bytes, position: int) -> tuple[int, int]:
    """The varint at ``position`` and the position after it."""
    value = shift = 0
    while True:
        if position >= len(data):
            raise MalformedMessage("a varint runs past the message's end")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


def _scalar(field: Field, number: int) -> Any:
    if field.kind == "int":
        return number - _INT64 if number >= _INT64_SIGN else number
    if field.kind == "bool":
        return bool(number)
    if field.kind == "enum":
        name = _enum_names(field.target).get(number)
        if name is None:
            raise MalformedMessage(f"{field.target} has no value numbered {number}")
        return name
    raise MalformedMessage(f"{field.name} is not a number")


def _delimited(field: Field, chunk: bytes) -> Any:
    if field.kind == "message":
        return decode(field.target, chunk)
    if field.kind == "any":
        return _any(chunk)
    if field.kind == "string":
        return chunk.decode(errors="replace")
    if field.kind in ("bytes", "address", "text"):
        return chunk.hex()
    raise MalformedMessage(f"{field.name} is a number, not bytes")


def _any(chunk: bytes) -> dict[str, Any]:
    """A contract's ``parameter``: its ``type_url`` (field 1) and the contract (field 2)."""
    parts: dict[int, bytes] = {}
    position = 0
    while position < len(chunk):
        key, position = _varint(chunk, position)
        if key & 7 != _DELIMITED:
            raise MalformedMessage(f"a contract's parameter has wire type {key & 7}")
        length, position = _varint(chunk, position)
        parts[key >> 3] = chunk[position : position + length]
        position += length
    type_url = parts.get(1, b"").decode(errors="replace")
    contract_type = type_url.rsplit(".", 1)[-1]
    if contract_type not in CONTRACT_TYPES:
        raise MalformedMessage(f"contract type {contract_type!r} is not executed here")
    return {"value": decode(contract_type, parts.get(2, b"")), "type_url": type_url}
