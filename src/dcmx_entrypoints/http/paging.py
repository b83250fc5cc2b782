"""Keyset paging: a page is the records after a key, and its cursor is the last record's key.

A cursor is opaque to clients: URL-safe base64 of a JSON list naming the list it belongs to and
the key. A cursor of another list, or one that was tampered with, is refused (``InvalidCursor``),
never misread. A page is asked for one record more than it shows, so ``next`` is null exactly
when nothing follows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Final, TypeVar

from attrs import frozen

from dcmx_core.model.values import Address
from dcmx_entrypoints.http.problems import InvalidCursor

Key = tuple[int | str, ...]
Record = TypeVar("Record")

MAX_CURSOR_LENGTH: Final = 512
MAX_KEY: Final = 2**63 - 1
"""The largest number a key holds (the databases' 64-bit integers)."""


@frozen
class PageRequest:
    after: str | None
    limit: int


def encode_cursor(list_name: str, key: Key) -> str:
    text = json.dumps([list_name, *key], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(list_name: str, cursor: str, shape: Sequence[type]) -> Key:
    """The key in ``cursor``, which must be of list ``list_name`` and hold values of the types in
    ``shape`` (``int``: a non-negative integer; ``str``: text)."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("too long")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidCursor("not a cursor this API gave out") from None
    if not isinstance(data, list) or not data or data[0] != list_name:
        raise InvalidCursor(f"not a cursor of the list of {list_name}")
    key = data[1:]
    if len(key) != len(shape) or not all(map(_is_of, key, shape)):
        raise InvalidCursor(f"not a cursor of the list of {list_name}")
    return tuple(key)


def _is_of(value: object, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_KEY
    return isinstance(value, kind)


def cut(
    records: list[Record], limit: int, list_name: str, key: Callable[[Record], Key]
) -> tuple[list[Record], str | None]:
    """The page (at most ``limit`` of ``records``, which were fetched with ``limit + 1``) and
    the cursor of the next page, or None when nothing follows."""
    if len(records) <= limit:
        return records, None
    shown = records[:limit]
    return shown, encode_cursor(list_name, key(shown[-1]))


def address_key(cursor_key: Key) -> Address:
    """The address a cursor holds (as lower-case hex)."""
    (text,) = cursor_key
    try:
        return Address.from_hex(str(text))
    except ValueError:
        raise InvalidCursor("not a cursor of this list") from None
