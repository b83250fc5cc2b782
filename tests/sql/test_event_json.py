"""Every domain event survives the trip to JSON and back exactly: uint256 maxima, empty and
NUL-laden strings, long UTF-8, every enum member, empty and long tuples, with and without its
position."""

from __future__ import annotations

import json

import attrs
import pytest

from dcmx_adapters.sql.event_json import (
    EVENT_CLASSES,
    EventJsonError,
    decode_event,
    encode_event,
    encode_event_text,
    kind_of,
)
from dcmx_core.events import DomainEvent, LogPosition, ReleaseCreated
from dcmx_core.model.values import UINT256_MAX
from tests.event_samples import case_id, event_cases, event_classes, extreme_event, position

CASES = event_cases()


def through_json(event: DomainEvent, placed_at: LogPosition | None) -> DomainEvent:
    text = json.dumps(encode_event(event, placed_at=placed_at))
    return decode_event(kind_of(event), json.loads(text), placed_at=placed_at)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_an_unplaced_event_comes_back_equal(case: tuple[type[DomainEvent], str]) -> None:
    event = extreme_event(*case)
    assert through_json(event, None) == event


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_placed_event_comes_back_equal_at_its_position(
    case: tuple[type[DomainEvent], str],
) -> None:
    event = extreme_event(*case).placed(position(2**63 - 1, 2**31 - 1))
    assert through_json(event, event.position) == event


@pytest.mark.parametrize("cls", event_classes(), ids=lambda cls: cls.__name__)
def test_an_event_placed_elsewhere_than_its_row_keeps_its_own_position(
    cls: type[DomainEvent],
) -> None:
    event = extreme_event(cls, "awkward").placed(position(7, 1))
    assert through_json(event, position(8, 0)) == event
    assert through_json(event.unplaced(), position(8, 0)) == event.unplaced()


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("placed", ["unplaced", "at its row", "elsewhere"])
def test_the_text_form_is_the_same_json(case: tuple[type[DomainEvent], str], placed: str) -> None:
    event = extreme_event(*case)
    row = position(8, 0)
    if placed != "unplaced":
        event = event.placed(row if placed == "at its row" else position(7, 1))
    text = encode_event_text(event, placed_at=row)
    assert json.loads(text) == encode_event(event, placed_at=row)
    assert decode_event(kind_of(event), json.loads(text), placed_at=row) == event


def test_the_position_is_left_out_where_the_row_holds_it() -> None:
    event = extreme_event(ReleaseCreated, "largest").placed(position(1, 0))
    assert "position" not in encode_event(event, placed_at=event.position)


def test_ints_are_decimal_strings_and_addresses_hex() -> None:
    data = encode_event(extreme_event(ReleaseCreated, "largest"), placed_at=None)
    assert data["max_editions"] == str(UINT256_MAX)
    assert data["artist"] == "0x" + "ff" * 20
    assert data["content_hash"] == "0x" + "ff" * 32


def test_every_event_class_is_known_by_its_name() -> None:
    assert sorted(EVENT_CLASSES.items()) == [(cls.__name__, cls) for cls in event_classes()]
    assert len(EVENT_CLASSES) >= 33


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(EventJsonError, match="Nonsense"):
        decode_event("Nonsense", {}, placed_at=None)


def test_a_missing_field_is_refused() -> None:
    data = encode_event(extreme_event(ReleaseCreated, "largest"), placed_at=None)
    del data["title"]
    with pytest.raises(EventJsonError, match="ReleaseCreated"):
        decode_event("ReleaseCreated", data, placed_at=None)


def test_an_extra_field_is_refused() -> None:
    data = encode_event(extreme_event(ReleaseCreated, "largest"), placed_at=None)
    with pytest.raises(EventJsonError):
        decode_event("ReleaseCreated", {**data, "genre": "jazz"}, placed_at=None)


@pytest.mark.parametrize("amount", [1, "1.5", "1e3", "0x10", "٣", ""])
def test_an_int_that_is_not_a_decimal_string_is_refused(amount: object) -> None:
    data = encode_event(extreme_event(ReleaseCreated, "largest"), placed_at=None)
    with pytest.raises(EventJsonError):
        decode_event("ReleaseCreated", {**data, "royalty_bps": amount}, placed_at=None)


def test_a_field_type_without_a_json_form_fails_loudly() -> None:
    @attrs.frozen
    class Odd(DomainEvent):
        ratio: float

    with pytest.raises(TypeError, match="float"):
        encode_event(Odd(0.5), placed_at=None)
