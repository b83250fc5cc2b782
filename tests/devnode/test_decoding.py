"""A message the node serialized decodes back to the hex JSON form it was serialized from, so
that a mined transaction kept as its bytes prints as it did when it arrived."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dcmx_devnode.decoding import decode
from dcmx_devnode.protobuf import (
    CONTRACT_TYPES,
    ENUMS,
    MESSAGES,
    Field,
    MalformedMessage,
    encode,
    render,
)
from dcmx_devnode.transaction import Transaction

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=8)
_HEX = st.binary(min_size=1, max_size=40).map(bytes.hex)


def _contract(contract_type: str) -> st.SearchStrategy[dict[str, Any]]:
    url = f"type.googleapis.com/protocol.{contract_type}"
    return _message(contract_type).map(lambda value: {"value": value, "type_url": url})


def _value(field: Field) -> st.SearchStrategy[Any]:
    """A value of ``field`` as the node keeps it: never proto3's default, which is left out."""
    if field.kind == "int":
        return st.integers(-(2**63), 2**63 - 1).filter(bool)
    if field.kind == "bool":
        return st.just(True)
    if field.kind == "enum":
        return st.sampled_from([name for name, n in ENUMS[field.target].items() if n])
    if field.kind == "string":
        return _TEXT
    if field.kind == "message":
        return st.deferred(lambda: _message(field.target))
    if field.kind == "any":
        return st.sampled_from(sorted(CONTRACT_TYPES)).flatmap(_contract)
    return _HEX  # bytes, addresses and text, all hex without visible


def _message(name: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = MESSAGES[name]
    optional = {
        field.name: st.lists(_value(field), min_size=1, max_size=2)
        if field.repeated
        else _value(field)
        for field in fields
    }
    order = [field.name for field in fields]
    return st.fixed_dictionaries({}, optional=optional).map(
        lambda found: {key: found[key] for key in order if key in found}
    )


@given(_message("Transaction.raw"))
def test_a_serialized_transaction_decodes_to_the_form_it_was_serialized_from(
    raw_data: dict[str, Any],
) -> None:
    assert render("Transaction.raw", raw_data, visible=False) == raw_data
    decoded = decode("Transaction.raw", encode("Transaction.raw", raw_data))
    assert json.dumps(decoded) == json.dumps(raw_data)  # the same keys in the same order


@given(_message("BlockHeader.raw"))
def test_a_serialized_block_header_decodes_to_the_form_it_was_serialized_from(
    header: dict[str, Any],
) -> None:
    assert json.dumps(decode("BlockHeader.raw", encode("BlockHeader.raw", header))) == (
        json.dumps(header)
    )


def test_an_empty_list_is_left_out_as_protobuf_leaves_it_out() -> None:
    raw_data = {"contract": [], "expiration": 5}
    assert decode("Transaction.raw", encode("Transaction.raw", raw_data)) == {"expiration": 5}


@pytest.mark.parametrize(
    "data",
    [b"\x08", b"\x40\x80", b"\x5a\x05ab", b"\x0d\x00\x00\x00\x00", b"\xf8\x07\x01"],
    ids=["varint cut", "varint unfinished", "length past the end", "fixed32", "no such field"],
)
def test_bytes_that_are_not_a_message_the_node_wrote_are_refused(data: bytes) -> None:
    with pytest.raises(MalformedMessage):
        decode("Transaction.raw", data)


def _printed(tx: Transaction, visible: bool) -> Any:
    """What printing ``tx`` gives: its JSON, or the kind of error (a contract without its
    type, an address field whose hex is no address with ``visible``)."""
    try:
        return tx.to_json(visible=visible, contract_ret="SUCCESS")
    except (ValueError, KeyError) as error:
        return type(error)


@given(_message("Transaction.raw"), st.lists(st.binary(min_size=65, max_size=65), max_size=2))
def test_a_stored_transaction_prints_as_the_transaction_it_stores(
    raw_data: dict[str, Any], signatures: list[bytes]
) -> None:
    tx = Transaction.from_json(
        {"raw_data": raw_data, "signature": [signature.hex() for signature in signatures]}
    )
    for visible in (False, True):
        assert _printed(tx.stored(), visible) == _printed(tx, visible)
