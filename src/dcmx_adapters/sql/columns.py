"""Column types that store the core's values exactly, the same way on PostgreSQL and SQLite.

Each type converts at the boundary: rows hold ``Address``, ``Hash32``, enums and ints, and the
database holds bytes, numbers and text it can index and sort.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import IntEnum
from typing import Any

from sqlalchemy import JSON, LargeBinary, Numeric, SmallInteger, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from dcmx_core.model.values import UINT256_MAX, Address, Hash32

UINT256_DIGITS = 78
"""Decimal digits of 2**256 - 1."""


class Uint256(TypeDecorator[int]):
    """An int from 0 to 2**256 - 1, exact: NUMERIC(78, 0) on PostgreSQL; on SQLite, whose
    numbers are 64-bit or floating point, 78 zero-padded decimal digits, so that text order is
    number order and indexes sort amounts correctly."""

    impl = Numeric(UINT256_DIGITS, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(UINT256_DIGITS))
        return dialect.type_descriptor(Numeric(UINT256_DIGITS, 0))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> object:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= UINT256_MAX:
            raise ValueError(f"{value!r} is not a uint256 (an int from 0 to 2**256 - 1)")
        if dialect.name == "sqlite":
            return f"{value:0{UINT256_DIGITS}d}"
        return Decimal(value)

    def process_result_value(self, value: object, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return int(value)
        return int(str(value))


class AddressBytes(TypeDecorator[Address]):
    """An address as its 20 bytes (bytea / BLOB): compact, indexed, ordered as ``Address`` is."""

    impl = LargeBinary(20)
    cache_ok = True

    def process_bind_param(self, value: Address | None, dialect: Dialect) -> bytes | None:
        return None if value is None else value.raw

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> Address | None:
        return None if value is None else Address(bytes(value))


class HashBytes(TypeDecorator[Hash32]):
    """A 32-byte hash as its bytes."""

    impl = LargeBinary(32)
    cache_ok = True

    def process_bind_param(self, value: Hash32 | None, dialect: Dialect) -> bytes | None:
        return None if value is None else value.raw

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> Hash32 | None:
        return None if value is None else Hash32(bytes(value))


class IntEnumValue(TypeDecorator[IntEnum]):
    """An ``IntEnum`` member stored by its value, the number the contracts emit."""

    impl = SmallInteger
    cache_ok = True

    def __init__(self, enum: type[IntEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: IntEnum | None, dialect: Dialect) -> int | None:
        return None if value is None else int(self.enum(value))

    def process_result_value(self, value: int | None, dialect: Dialect) -> IntEnum | None:
        return None if value is None else self.enum(value)


class AddressList(TypeDecorator[tuple[Address, ...]]):
    """A tuple of addresses as a JSON list of ``0x`` hex strings, in order."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: tuple[Address, ...] | None, dialect: Dialect) -> object:
        return None if value is None else [address.to_hex() for address in value]

    def process_result_value(
        self, value: list[str] | None, dialect: Dialect
    ) -> tuple[Address, ...] | None:
        return None if value is None else tuple(Address.from_hex(text) for text in value)


class IntList(TypeDecorator[tuple[int, ...]]):
    """A tuple of ints as a JSON list of decimal strings, so that any size survives."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: tuple[int, ...] | None, dialect: Dialect) -> object:
        return None if value is None else [str(number) for number in value]

    def process_result_value(
        self, value: list[str] | None, dialect: Dialect
    ) -> tuple[int, ...] | None:
        return None if value is None else tuple(int(text) for text in value)


# PostgreSQL text cannot hold U+0000, and a title read off a chain may contain one. A string
# with a NUL (or one that starts with the marker) is stored as the marker followed by the text
# with every marker doubled and every NUL written as marker + "0"; every other string, which is
# nearly all of them, is stored exactly as it is, so it stays readable and searchable in SQL.
_MARKER = "\uffff"
_ESCAPED = re.compile(_MARKER + "(.)", re.DOTALL)


def escape_text(text: str) -> str:
    if "\0" not in text and not text.startswith(_MARKER):
        return text
    return _MARKER + text.replace(_MARKER, _MARKER * 2).replace("\0", _MARKER + "0")


def unescape_text(stored: str) -> str:
    if not stored.startswith(_MARKER):
        return stored
    return _ESCAPED.sub(lambda m: "\0" if m[1] == "0" else m[1], stored[1:])


class ExactText(TypeDecorator[str]):
    """Text that comes back exactly as it went in, NUL characters included (see above)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else escape_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else unescape_text(value)
