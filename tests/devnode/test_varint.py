"""A varint is the base-128 form of the number's 64-bit two's complement, least significant
group first, every byte but the last with its top bit set."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dcmx_devnode.protobuf import varint


def _decoded(encoded: bytes) -> int:
    assert all(byte & 0x80 for byte in encoded[:-1])
    assert not encoded[-1] & 0x80
    return sum((byte & 0x7F) << (7 * index) for index, byte in enumerate(encoded))


@given(st.integers(-(2**63), 2**64 - 1))
def test_a_varint_decodes_to_the_numbers_64_bit_twos_complement(number: int) -> None:
    assert _decoded(varint(number)) == number % 2**64


@given(st.integers(0, 2**64 - 1))
def test_a_varint_takes_a_byte_for_each_seven_bits(number: int) -> None:
    assert len(varint(number)) == max(1, -(-number.bit_length() // 7))
