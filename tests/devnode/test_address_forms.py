"""The node reads and writes TRON addresses by tronpy's rules without loading tronpy: whatever a
request holds, it takes the same bytes from it that tronpy takes, or refuses it with tronpy's
reason; and it writes the base58check text tronpy writes."""

from __future__ import annotations

import hashlib
import string
from typing import Any

import base58
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tronpy.keys import to_base58check_address, to_hex_address  # type: ignore[import-untyped]

from dcmx_devnode.protobuf import MalformedMessage, parse_address, render_address

HEX = "0123456789abcdefABCDEF"


def base58check(raw: bytes) -> str:
    return base58.b58encode_check(raw).decode()


def tampered(text: str) -> str:
    """``text`` with its last letter changed: a checksum that no longer matches."""
    return text[:-1] + ("1" if text[-1] != "1" else "2")


addresses = st.binary(min_size=20, max_size=20).map(lambda raw: b"\x41" + raw)
texts = st.one_of(
    addresses.map(base58check),
    addresses.map(base58check).map(tampered),
    addresses.map(bytes.hex),
    addresses.map(lambda raw: "0x" + raw.hex()),
    addresses.map(lambda raw: "0x" + raw[1:].hex()),
    st.binary(max_size=30).map(bytes.hex),
    st.binary(max_size=30).map(lambda raw: "0x" + raw.hex()),
    st.text(alphabet=HEX + "xT", max_size=46),
    st.text(alphabet=string.ascii_letters + string.digits, min_size=33, max_size=35).map(
        lambda text: "T" + text[1:]
    ),
    st.text(max_size=50),
)


def tronpy_reading(text: Any) -> bytes | str:
    """The bytes tronpy takes from ``text``, or the reason it refuses it."""
    try:
        return bytes.fromhex(to_hex_address(text))
    except (ValueError, IndexError) as error:
        return f"{text!r} is not a TRON address: {error}"


def node_reading(text: Any) -> bytes | str:
    try:
        return parse_address(text)
    except MalformedMessage as error:
        return str(error)


@given(texts)
@example("")
@example("T")
@example("0x")
@example("41" + "zz" * 20)
@example("0x" + "zz" * 20)
@example(base58check(hashlib.sha256(b"an account").digest()[:21]))
def test_the_node_reads_an_address_as_tronpy_does(text: str) -> None:
    assert node_reading(text) == tronpy_reading(text)


@pytest.mark.parametrize("value", [None, 41, 4.1, ["T"], {"address": "T"}])
def test_an_address_that_is_no_text_is_refused_as_tronpy_refuses_it(value: Any) -> None:
    assert node_reading(value) == tronpy_reading(value)


@given(addresses)
def test_the_node_writes_an_address_as_tronpy_does(raw: bytes) -> None:
    assert render_address(raw, True) == to_base58check_address(raw.hex())
    assert render_address(raw, False) == raw.hex()


@given(st.binary(min_size=1, max_size=30).filter(lambda raw: len(raw) != 21))
def test_only_21_bytes_are_written_as_an_address(raw: bytes) -> None:
    said = repr(raw.hex())  # tronpy's reason: the text it was given
    with pytest.raises(ValueError, match=f"^{said}$"):
        render_address(raw, True)
    with pytest.raises(ValueError, match=f"^{said}$"):
        to_base58check_address(raw.hex())
