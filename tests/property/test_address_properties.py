"""Laws of addresses: every rendering reads back as the same 20 bytes, and base58check
catches a mistyped character."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.exceptions import InvalidAddress
from dcmx_core.model.values import Address

KECCAK = EthCrypto().keccak256
B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

addresses = st.binary(min_size=20, max_size=20).map(Address)


@given(st.binary(min_size=20, max_size=20))
def test_twenty_bytes_round_trip_through_hex(raw: bytes) -> None:
    assert Address.from_hex("0x" + raw.hex()).raw == raw


@given(addresses)
def test_an_address_round_trips_through_lower_hex(address: Address) -> None:
    assert Address.from_hex(address.to_hex()) == address


@given(addresses)
def test_an_address_round_trips_through_upper_hex(address: Address) -> None:
    assert Address.from_hex("0x" + address.raw.hex().upper()) == address


@given(addresses)
def test_an_address_round_trips_through_eip55(address: Address) -> None:
    checksummed = address.to_checksum_hex(KECCAK)
    assert checksummed.lower() == address.to_hex()
    assert Address.from_hex(checksummed, KECCAK) == address


@given(addresses)
def test_an_address_round_trips_through_base58(address: Address) -> None:
    rendered = address.to_base58()
    assert rendered.startswith("T")
    assert len(rendered) == 34
    assert Address.from_base58(rendered) == address


@given(addresses)
def test_both_renderings_parse_to_the_same_address(address: Address) -> None:
    from_hex = Address.parse(address.to_checksum_hex(KECCAK), KECCAK)
    assert from_hex == Address.parse(address.to_base58()) == address


@given(addresses, st.data())
def test_a_changed_base58_character_is_never_silently_the_same_address(
    address: Address, data: st.DataObject
) -> None:
    rendered = address.to_base58()
    index = data.draw(st.integers(0, len(rendered) - 1), label="index")
    replacement = data.draw(
        st.sampled_from(B58_ALPHABET.replace(rendered[index], "")), label="replacement"
    )
    typo = rendered[:index] + replacement + rendered[index + 1 :]
    try:
        decoded = Address.from_base58(typo)
    except InvalidAddress:
        return
    assert decoded != address


@given(addresses, st.data())
def test_a_changed_eip55_letter_case_is_refused(address: Address, data: st.DataObject) -> None:
    checksummed = address.to_checksum_hex(KECCAK)
    letters = [i for i, char in enumerate(checksummed) if i >= 2 and char.isalpha()]
    assume(letters)
    index = data.draw(st.sampled_from(letters), label="index")
    flipped = checksummed[:index] + checksummed[index].swapcase() + checksummed[index + 1 :]
    # A flip that leaves all letters in one case reads as an address with no checksum.
    assume(flipped[2:] not in (flipped[2:].lower(), flipped[2:].upper()))
    with pytest.raises(InvalidAddress, match="checksum does not match"):
        Address.from_hex(flipped, KECCAK)
