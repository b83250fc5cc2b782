"""ABI encoding and decoding straight from the artifacts, with eth-abi: no per-log web3 event
objects on the hot path (they are ~30× slower than decoding by hand).

An event whose arguments are all one-word types (addresses, unsigned integers, booleans,
``bytes32``: nearly every log an indexer reads) is decoded by slicing its topics and data into
32-byte words, with eth-abi's checks (padding, range, length), at a fraction of eth-abi's cost
per log; any other event goes through eth-abi.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from attrs import field, frozen
from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError, InsufficientDataBytes, NonEmptyPaddingBytes
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


WORD = 32
_PADDING = bytes(WORD)
_UINT = re.compile(r"uint(\d+)")

WordReader = Callable[[bytes], Any]


def _word(word: bytes) -> bytes:
    if len(word) != WORD:
        raise InsufficientDataBytes(f"an ABI word is {WORD} bytes, not {len(word)}")
    return word


def _address_word(word: bytes) -> Address:
    if _word(word)[:12] != _PADDING[:12]:
        raise NonEmptyPaddingBytes(f"the padding of an address is not empty: 0x{word.hex()}")
    return Address(word[12:])


def _bool_word(word: bytes) -> bool:
    if _word(word)[:31] != _PADDING[:31] or word[31] > 1:
        raise NonEmptyPaddingBytes(f"a bool is 0 or 1, not 0x{word.hex()}")
    return word[31] == 1


def _bytes32_word(word: bytes) -> bytes:
    return _word(word)


def _uint_reader(bits: int) -> WordReader:
    def read(word: bytes) -> int:
        value = int.from_bytes(_word(word), "big")
        if value >> bits:
            raise NonEmptyPaddingBytes(f"a uint{bits} cannot hold 0x{word.hex()}")
        return value

    return read


def word_reader(kind: str) -> WordReader | None:
    """How to read an ABI value of type ``kind`` from its one 32-byte word, checked as eth-abi
    checks it (an address as a domain ``Address``); None for a type that is not one word."""
    fixed: dict[str, WordReader] = {
        "address": _address_word,
        "bool": _bool_word,
        "bytes32": _bytes32_word,
    }
    if kind in fixed:
        return fixed[kind]
    unsigned = _UINT.fullmatch(kind)
    if unsigned is not None and 0 < int(unsigned.group(1)) <= 256:
        return _uint_reader(int(unsigned.group(1)))
    return None


def _word_readers(types: Sequence[str]) -> tuple[WordReader, ...] | None:
    readers = tuple(word_reader(kind) for kind in types)
    return None if None in readers else readers  # type: ignore[return-value]


@frozen
class Event:
    name: str
    topic: bytes
    names: tuple[str, ...]
    indexed: tuple[bool, ...]
    types: tuple[str, ...]
    _words: tuple[WordReader, ...] | None = field(init=False, eq=False, repr=False)

    @_words.default
    def _one_word_each(self) -> tuple[WordReader, ...] | None:
        return _word_readers(self.types)

    def decode(self, topics: Sequence[bytes], data: bytes) -> tuple[Any, ...]:
        """The event's arguments in declaration order (addresses of one-word events as domain
        ``Address`` values, as eth-abi gives the others). A log whose topics are not the
        event's, or whose data is short or badly padded, raises ``DecodingError``."""
        indexed = sum(self.indexed)
        if len(topics) != 1 + indexed:
            raise DecodingError(
                f"{self.name} has {indexed} indexed arguments; the log has {len(topics) - 1}"
            )
        if self._words is None:
            return self._decode_with_eth_abi(topics, data)
        if len(data) < WORD * (len(self.types) - indexed):
            raise InsufficientDataBytes(
                f"{self.name} needs {WORD * (len(self.types) - indexed)} bytes of data, "
                f"the log has {len(data)}"
            )
        values = []
        topic, offset = 1, 0
        for read, is_indexed in zip(self._words, self.indexed, strict=True):
            if is_indexed:
                values.append(read(topics[topic]))
                topic += 1
            else:
                values.append(read(data[offset : offset + WORD]))
                offset += WORD
        return tuple(values)

    def _decode_with_eth_abi(self, topics: Sequence[bytes], data: bytes) -> tuple[Any, ...]:
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
