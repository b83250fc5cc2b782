"""Domain events as JSON, exactly: built once per event class from its attrs fields and their
type hints, so a new event or field needs no code here (and an unknown field type fails loudly).

Ints are decimal strings (a uint256 survives any JSON reader), addresses and hashes ``0x`` hex,
enums their value, tuples lists, nested attrs values objects, ``None`` null.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Mapping
from enum import IntEnum
from functools import partial
from operator import attrgetter
from typing import Any

import attrs

from dcmx_core import events
from dcmx_core.events import EVENT_TYPES, DomainEvent, LogPosition
from dcmx_core.model.values import Address, Hash32

Json = Any
_JSON = partial(json.dumps, separators=(",", ":"), ensure_ascii=False)
Encode = Callable[[Any], Json]
Decode = Callable[[Json], Any]

# EVENT_TYPES is read off DomainEvent.__subclasses__(), which can still list the class attrs
# built before making each one slotted (until the collector removes it); the module's own
# attribute of that name is the class events are made of.
EVENT_CLASSES: Mapping[str, type[DomainEvent]] = {
    cls.__name__: getattr(events, cls.__name__) for cls in EVENT_TYPES
}


class EventJsonError(ValueError):
    """Stored JSON that does not describe an event of the kind it is filed under."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"cannot read a stored {kind} event: {reason}")
        self.kind = kind
        self.reason = reason


def kind_of(event: DomainEvent) -> str:
    """The name an event is filed under: its class name."""
    return type(event).__name__


def encode_event(event: DomainEvent, *, placed_at: LogPosition | None) -> dict[str, Json]:
    """The event's fields as JSON. Its position is left out when it is ``placed_at`` (the row
    holds it in its own columns) and written otherwise, so every event comes back equal."""
    data = {name: write(getattr(event, name)) for name, write in _event_fields(type(event))}
    if event.position != placed_at:
        data["position"] = _codec(LogPosition | None)[0](event.position)
    return data


def encode_event_text(event: DomainEvent, *, placed_at: LogPosition | None) -> str:
    """``encode_event`` as compact JSON text, written in one step from a template per event
    class without building the object first: the bulk path's form, several times faster for
    the same JSON."""
    text = _text_writer(type(event))(event)
    if event.position is not placed_at and event.position != placed_at:
        position = '"position":' + _JSON(_codec(LogPosition | None)[0](event.position))
        return text[:-1] + ("," if len(text) > 2 else "") + position + "}"
    return text


TextWriter = Callable[[DomainEvent], str]


def _text_writer(cls: type[DomainEvent]) -> TextWriter:
    writer = _TEXT_WRITERS.get(cls)
    if writer is None:
        writer = _TEXT_WRITERS[cls] = _build_text_writer(cls)
    return writer


def _build_text_writer(cls: type[DomainEvent]) -> TextWriter:
    """A ``%`` template of the class's JSON with one slot a field, and what fills each slot.
    Addresses, hashes and ints need no escaping (hex and digits), so they skip ``json``."""
    hints = typing.get_type_hints(cls)
    fields = _event_fields(cls)
    pieces: list[str] = []
    fillers: list[Callable[[Any], object]] = []
    for name, encode in fields:
        hint = hints[name]
        fill: Callable[[Any], object]
        if hint in (Address, Hash32):
            piece, fill = '"0x%s"', _raw_hex
        elif hint is int:
            piece, fill = '"%s"', _int_text
        elif isinstance(hint, type) and issubclass(hint, IntEnum):
            piece, fill = "%s", partial(_number, encode)
        else:
            piece, fill = "%s", partial(_as_json, encode)
        pieces.append(_JSON(name) + ":" + piece)
        fillers.append(fill)
    template = "{" + ",".join(pieces) + "}"
    if not fields:
        return lambda _event: template
    values = attrgetter(*(name for name, _ in fields))
    if len(fields) == 1:
        (only,) = fillers
        return lambda event: template % (only(values(event)),)
    return lambda event: (
        template % tuple([f(v) for f, v in zip(fillers, values(event), strict=True)])
    )


def _raw_hex(value: Address | Hash32) -> str:
    return value.raw.hex()


def _number(encode: Encode, value: Any) -> str:
    return str(encode(value))


def _as_json(encode: Encode, value: Any) -> str:
    return _JSON(encode(value))


def _event_fields(cls: type[DomainEvent]) -> list[tuple[str, Encode]]:
    """How to write each field of an event class but its position."""
    if cls not in _FIELDS:
        _FIELDS[cls] = _build_event_fields(cls)
    return _FIELDS[cls]


def _build_event_fields(cls: type[DomainEvent]) -> list[tuple[str, Encode]]:
    hints = typing.get_type_hints(cls)
    return [(f.name, _codec(hints[f.name])[0]) for f in attrs.fields(cls) if f.name != "position"]


def decode_event(
    kind: str, data: Mapping[str, Json], *, placed_at: LogPosition | None
) -> DomainEvent:
    """The event ``encode_event`` wrote, given the position of its row."""
    try:
        cls = EVENT_CLASSES[kind]
    except KeyError:
        raise EventJsonError(kind, "no event class has this name") from None
    if "position" not in data:
        data = {**data, "position": _codec(LogPosition)[0](placed_at) if placed_at else None}
    try:
        event: DomainEvent = _codec(cls)[1](data)
    except (KeyError, TypeError, ValueError) as error:
        raise EventJsonError(kind, str(error)) from error
    return event


_CODECS: dict[object, tuple[Encode, Decode]] = {}
_FIELDS: dict[type[DomainEvent], list[tuple[str, Encode]]] = {}
_TEXT_WRITERS: dict[type[DomainEvent], TextWriter] = {}


def _codec(hint: object) -> tuple[Encode, Decode]:
    """How to write and read a value of type ``hint`` (built once per type)."""
    if hint not in _CODECS:
        _CODECS[hint] = _build_codec(hint)
    return _CODECS[hint]


def _build_codec(hint: Any) -> tuple[Encode, Decode]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _optional(hint, args)
    if origin is tuple:
        return _tuple(hint, args)
    if hint is bool:
        return _checked(bool), _checked(bool)
    if isinstance(hint, type) and issubclass(hint, IntEnum):
        return int, _enum(hint)
    if hint is int:
        return _int_text, _int_of
    if hint is str:
        return _checked(str), _checked(str)
    if hint is Address:
        return Address.to_hex, Address.from_hex
    if hint is Hash32:
        return Hash32.to_hex, Hash32.from_hex
    if isinstance(hint, type) and attrs.has(hint):
        return _attrs_class(hint)
    raise TypeError(f"no JSON form for values of type {hint!r}")


def _optional(hint: Any, args: tuple[Any, ...]) -> tuple[Encode, Decode]:
    present = [arg for arg in args if arg is not type(None)]
    if len(present) != 1 or len(args) != 2:
        raise TypeError(f"no JSON form for values of type {hint!r}")
    encode, decode = _codec(present[0])
    return (
        lambda value: None if value is None else encode(value),
        lambda data: None if data is None else decode(data),
    )


def _tuple(hint: Any, args: tuple[Any, ...]) -> tuple[Encode, Decode]:
    if len(args) != 2 or args[1] is not Ellipsis:
        raise TypeError(f"no JSON form for values of type {hint!r}")
    encode, decode = _codec(args[0])
    return (
        lambda values: [encode(value) for value in values],
        lambda data: tuple(decode(item) for item in _a_list(data)),
    )


def _attrs_class(cls: type) -> tuple[Encode, Decode]:
    hints = typing.get_type_hints(cls)
    fields = [(field.name, *_codec(hints[field.name])) for field in attrs.fields(cls)]
    names = {name for name, _, _ in fields}

    def encode(value: Any) -> dict[str, Json]:
        return {name: write(getattr(value, name)) for name, write, _ in fields}

    def decode(data: Json) -> Any:
        if not isinstance(data, dict) or data.keys() != names:
            raise ValueError(f"{cls.__name__} has the fields {sorted(names)}, not {data!r}")
        return cls(**{name: read(data[name]) for name, _, read in fields})

    return encode, decode


def _checked(kind: type) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {value!r}")
        return value

    return check


_a_list, _an_int, _a_str = _checked(list), _checked(int), _checked(str)


def _enum(enum: type[IntEnum]) -> Decode:
    return lambda data: enum(_an_int(data))


def _int_text(value: int) -> str:
    if type(value) is not int:
        raise TypeError(f"expected int, got {value!r}")
    return str(value)


def _int_of(data: Json) -> int:
    text = _a_str(data)
    if not text.lstrip("-").isdigit() or not text.isascii():
        raise ValueError(f"{text!r} is not a decimal integer")
    return int(text)
