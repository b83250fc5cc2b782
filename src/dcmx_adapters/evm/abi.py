"""ABI encoding and decoding straight from the artifacts, with eth-abi: no per-log web3 event
objects on the hot path (they are ~30× slower than decoding by hand)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import frozen
from eth_abi.abi import decode, encode
from eth_hash.auto import keccak

from dcmx_core.model.values import Address, Hash32


def to_abi(value: Any) -> Any:
    """A domain value as eth-abi takes it: addresses and hashes as bytes, enums as ints."""
    if isinstance(value, Address | Hash32):
        return value.raw
    if isinstance(value, enum.IntEnum):
        return int(value)
    if isinstance(value, tuple | list):
        return [to_abi(v) for v in value]
    return value


def address_from_abi(value: Any) -> Address:
    """An address as eth-abi or web3 gives it (hex text or bytes) as a domain ``Address``."""
    if isinstance(value, Address):
        return value
    if isinstance(value, str):
        return Address(bytes.fromhex(value.removeprefix("0x")))
    return Address(bytes(value))


def _type_of(parameter: dict[str, Any]) -> str:
    kind = str(parameter["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_type_of(c) for c in parameter["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _signature(entry: dict[str, Any]) -> str:
    return f"{entry['name']}({','.join(_type_of(p) for p in entry['inputs'])})"


@frozen
class Function:
    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def encode(self, args: Sequence[Any]) -> bytes:
        return self.selector + encode(list(self.inputs), list(args))

    def decode(self, data: bytes) -> tuple[Any, ...]:
        return tuple(decode(list(self.outputs), data))

    def decode_arguments(self, calldata: bytes) -> tuple[Any, ...]:
        """The arguments of a call of this function (``calldata`` with its selector)."""
        return tuple(decode(list(self.inputs), calldata[4:]))


@frozen
class Event:
    name: str
    topic: bytes
    names: tuple[str, ...]
    indexed: tuple[bool, ...]
    types: tuple[str, ...]

    def decode(self, topics: Sequence[bytes], data: bytes) -> tuple[Any, ...]:
        """The event's arguments in declaration order."""
        plain = iter(
            decode([t for t, i in zip(self.types, self.indexed, strict=True) if not i], data)
        )
        hashed = iter(topics[1:])
        return tuple(
            decode([kind], next(hashed))[0] if is_indexed else next(plain)
            for kind, is_indexed in zip(self.types, self.indexed, strict=True)
        )


@frozen
class Error:
    name: str
    selector: bytes
    types: tuple[str, ...]

    def decode(self, data: bytes) -> tuple[Any, ...]:
        return tuple(decode(list(self.types), data[4:]))


class ContractAbi:
    """The functions, events and errors of one contract's ABI."""

    def __init__(self, entries: Iterable[dict[str, Any]]) -> None:
        self.functions: dict[str, list[Function]] = {}
        self.events: dict[bytes, Event] = {}
        self.errors: dict[bytes, Error] = {}
        self.constructor: tuple[str, ...] = ()
        for entry in entries:
            kind = entry["type"]
            if kind == "function":
                function = Function(
                    entry["name"],
                    keccak(_signature(entry).encode())[:4],
                    tuple(_type_of(p) for p in entry["inputs"]),
                    tuple(_type_of(p) for p in entry["outputs"]),
                )
                self.functions.setdefault(entry["name"], []).append(function)
            elif kind == "event":
                event = Event(
                    entry["name"],
                    keccak(_signature(entry).encode()),
                    tuple(p["name"] for p in entry["inputs"]),
                    tuple(bool(p["indexed"]) for p in entry["inputs"]),
                    tuple(_type_of(p) for p in entry["inputs"]),
                )
                self.events[event.topic] = event
            elif kind == "error":
                error = Error(
                    entry["name"],
                    keccak(_signature(entry).encode())[:4],
                    tuple(_type_of(p) for p in entry["inputs"]),
                )
                self.errors[error.selector] = error
            elif kind == "constructor":
                self.constructor = tuple(_type_of(p) for p in entry["inputs"])

    def function(self, name: str, arity: int) -> Function:
        """The function ``name`` taking ``arity`` arguments (overloads differ in arity)."""
        for function in self.functions.get(name, ()):
            if len(function.inputs) == arity:
                return function
        raise LookupError(f"no function {name} with {arity} arguments")

    def deploy_data(self, bytecode: bytes, args: Sequence[Any]) -> bytes:
        return bytecode + encode(list(self.constructor), list(args))
