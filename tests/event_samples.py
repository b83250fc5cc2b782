"""Events of every kind with the extreme values of their field types, built from the type
hints, so that a new event or field is covered without editing the tests."""

from __future__ import annotations

import typing
from enum import IntEnum
from typing import Any

import attrs

from dcmx_core import events
from dcmx_core.events import EVENT_TYPES, DomainEvent, LogPosition
from dcmx_core.model.values import UINT256_MAX, Address, Hash32

LONG_UTF8 = "🎵 Ünïcødé ♫ 日本語の歌 — «Ωμέγα» " * 300
"""Multi-byte characters of every UTF-8 length, some 10,000 characters of them."""

EXTREMES = ("largest", "smallest", "awkward")


def extreme_value(hint: Any, extreme: str) -> Any:
    """A value of type ``hint``: the largest, the smallest (zero, empty), or awkward ones
    (NUL characters, the escape marker, mixed sizes)."""
    largest = extreme == "largest"
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        if extreme == "smallest":
            return ()
        return tuple(extreme_value(item, e) for e in (*EXTREMES, *EXTREMES) * 4)
    if hint is bool:
        return largest
    if isinstance(hint, type) and issubclass(hint, IntEnum):
        return max(hint) if largest else min(hint)
    if hint is int:
        return {"largest": UINT256_MAX, "smallest": 0, "awkward": 2**64 + 1}[extreme]
    if hint is str:
        return {"largest": LONG_UTF8, "smallest": "", "awkward": "\0a\0\uffff0\\0\0"}[extreme]
    if hint is Address:
        return Address({"largest": b"\xff", "smallest": b"\0", "awkward": b"\x0f"}[extreme] * 20)
    if hint is Hash32:
        return Hash32({"largest": b"\xff", "smallest": b"\0", "awkward": b"\xf0"}[extreme] * 32)
    raise TypeError(f"no extreme values for {hint!r}")


def extreme_event(cls: type[DomainEvent], extreme: str) -> DomainEvent:
    """An unplaced event of class ``cls`` whose every field holds an ``extreme`` value."""
    hints = typing.get_type_hints(cls)
    fields = [f for f in attrs.fields(cls) if f.name != "position"]
    return cls(**{f.name: extreme_value(hints[f.name], extreme) for f in fields})


def event_classes() -> list[type[DomainEvent]]:
    """Every event class once. (EVENT_TYPES can also list stale pre-slots copies of some.)"""
    names = sorted({cls.__name__ for cls in EVENT_TYPES})
    return [getattr(events, name) for name in names]


def event_cases() -> list[tuple[type[DomainEvent], str]]:
    return [(cls, extreme) for cls in event_classes() for extreme in EXTREMES]


def case_id(case: tuple[type[DomainEvent], str]) -> str:
    return f"{case[0].__name__}-{case[1]}"


def position(block: int, log_index: int, label: str = "sample") -> LogPosition:
    return LogPosition(
        block, Hash32.of(f"{label} block {block}".encode()), Hash32.of(label.encode()), log_index
    )
