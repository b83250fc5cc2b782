"""Value objects: addresses in both renderings, 32-byte hashes, amounts and basis points."""

from __future__ import annotations

import pytest

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.exceptions import InvalidAddress, InvalidHash, OutOfRange
from dcmx_core.model.values import (
    UINT256_MAX,
    ZERO_ADDRESS,
    ZERO_HASH,
    Address,
    Hash32,
    bps_of,
    check_amount,
    check_bps,
)

KECCAK = EthCrypto().keccak256

# The checksummed examples of EIP-55 itself.
EIP55_VECTORS = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]

# Well-known TRON addresses with their 0x41-prefixed hex (USDT's TRC-20 contract is one).
TRON_VECTORS = [
    ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"),
    ("TBREsCfBdPyD612xZnwvGPux7osbXvtzLh", "410fe47f49fd91f0edb7fa2b94a3c45d9c2231709c"),
    ("THPvaUhoh2Qn2y9THCZML3H815hhFhn5YC", "41517591d35d313bf6a5e33098284502b045e2bc08"),
    ("T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb", "41" + "00" * 20),
]

USDT_BASE58 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
USDT_RAW = bytes.fromhex("a614f803b6fd780986a42c78ec9c7f77e6ded13c")
LOWER = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"


# --- Address: construction ------------------------------------------------------------------


def test_an_address_is_exactly_twenty_bytes() -> None:
    assert Address(bytes(range(20))).raw == bytes(range(20))


@pytest.mark.parametrize("raw", [bytes(19), bytes(21), b""])
def test_an_address_of_another_length_is_refused(raw: bytes) -> None:
    with pytest.raises(InvalidAddress):
        Address(raw)


def test_an_address_is_made_of_bytes_only() -> None:
    with pytest.raises(InvalidAddress):
        Address(bytearray(20))  # type: ignore[arg-type]


def test_only_the_zero_address_is_zero() -> None:
    assert ZERO_ADDRESS.is_zero
    assert not Address(USDT_RAW).is_zero


# --- Address: hex -----------------------------------------------------------------------------


def test_lower_case_hex_is_accepted_without_a_checksum() -> None:
    assert Address.from_hex(LOWER).raw == bytes.fromhex(LOWER[2:])


def test_upper_case_hex_is_accepted_without_a_checksum() -> None:
    assert Address.from_hex("0x" + LOWER[2:].upper()) == Address.from_hex(LOWER)


@pytest.mark.parametrize("checksummed", EIP55_VECTORS)
def test_a_valid_eip55_checksum_is_accepted(checksummed: str) -> None:
    assert Address.from_hex(checksummed, KECCAK) == Address.from_hex(checksummed.lower())


@pytest.mark.parametrize("checksummed", EIP55_VECTORS)
def test_checksum_rendering_matches_the_eip55_examples(checksummed: str) -> None:
    assert Address.from_hex(checksummed.lower()).to_checksum_hex(KECCAK) == checksummed


def test_a_mixed_case_address_with_a_wrong_checksum_is_refused() -> None:
    wrong = EIP55_VECTORS[0].replace("aA", "Aa", 1)
    with pytest.raises(InvalidAddress, match="checksum does not match"):
        Address.from_hex(wrong, KECCAK)


def test_a_mixed_case_address_is_refused_when_no_keccak_can_check_it() -> None:
    with pytest.raises(InvalidAddress, match="EIP-55"):
        Address.from_hex(EIP55_VECTORS[0])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (LOWER[:-1], "40 digits, not 39"),
        (LOWER + "0", "40 digits, not 41"),
        ("0x", "40 digits, not 0"),
        (LOWER[:-1] + "g", "only the digits"),
        (LOWER[:-1] + " ", "only the digits"),
        (LOWER[2:] + "00", "starts with 0x"),
    ],
)
def test_malformed_hex_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidAddress, match=reason):
        Address.from_hex(text)


def test_the_hex_refusal_names_the_input() -> None:
    text = LOWER[:-1] + "g"
    with pytest.raises(InvalidAddress) as caught:
        Address.from_hex(text)
    assert repr(text) in str(caught.value)
    assert caught.value.details["text"] == text


def test_to_hex_is_lower_case_with_0x() -> None:
    assert Address.from_hex(EIP55_VECTORS[0], KECCAK).to_hex() == EIP55_VECTORS[0].lower()


# --- Address: TRON base58check -----------------------------------------------------------------


@pytest.mark.parametrize(("base58", "hex41"), TRON_VECTORS)
def test_base58_decodes_to_the_known_bytes(base58: str, hex41: str) -> None:
    assert Address.from_base58(base58).raw == bytes.fromhex(hex41)[1:]


@pytest.mark.parametrize(("base58", "hex41"), TRON_VECTORS)
def test_base58_rendering_matches_the_known_address(base58: str, hex41: str) -> None:
    assert Address(bytes.fromhex(hex41)[1:]).to_base58() == base58


def test_the_zero_address_renders_as_tron_black_hole() -> None:
    assert ZERO_ADDRESS.to_base58() == "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb"


def test_a_base58_address_with_a_wrong_checksum_is_refused() -> None:
    tampered = USDT_BASE58[:-1] + ("u" if USDT_BASE58[-1] != "u" else "v")
    with pytest.raises(InvalidAddress, match="checksum does not match"):
        Address.from_base58(tampered)


def test_a_base58check_address_of_another_chain_is_refused() -> None:
    bitcoin_genesis = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # valid base58check, prefix 0x00
    with pytest.raises(InvalidAddress, match="not 0x00"):
        Address.from_base58(bitcoin_genesis)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (USDT_BASE58[:-2], "25 bytes, not 24"),
        (USDT_BASE58 + "1", "25 bytes, not 26"),
        ("1" + USDT_BASE58, "25 bytes, not 26"),
        ("", "non-empty"),
    ],
)
def test_base58_of_the_wrong_length_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidAddress, match=reason):
        Address.from_base58(text)


@pytest.mark.parametrize("char", ["0", "O", "I", "l", " "])
def test_a_character_outside_the_base58_alphabet_is_refused(char: str) -> None:
    with pytest.raises(InvalidAddress, match="not a base58 digit"):
        Address.from_base58(USDT_BASE58[:5] + char + USDT_BASE58[6:])


def test_the_base58_refusal_names_the_input() -> None:
    text = USDT_BASE58[:-2]
    with pytest.raises(InvalidAddress) as caught:
        Address.from_base58(text)
    assert repr(text) in str(caught.value)
    assert caught.value.details["text"] == text


# --- Address: either rendering -----------------------------------------------------------------


def test_parse_reads_hex() -> None:
    assert Address.parse(EIP55_VECTORS[0], KECCAK) == Address.from_hex(LOWER)


def test_parse_reads_base58() -> None:
    assert Address.parse(USDT_BASE58) == Address(USDT_RAW)


def test_parse_reads_text_without_0x_as_base58() -> None:
    with pytest.raises(InvalidAddress, match="not a base58 digit"):
        Address.parse(LOWER[2:], KECCAK)


# --- Hash32 -------------------------------------------------------------------------------------


def test_a_hash_is_exactly_thirty_two_bytes() -> None:
    with pytest.raises(InvalidHash):
        Hash32(bytes(31))


@pytest.mark.parametrize("prefix", ["0x", "0X", ""])
def test_hash_hex_is_read_with_or_without_0x(prefix: str) -> None:
    assert Hash32.from_hex(prefix + "ab" * 32).raw == b"\xab" * 32


@pytest.mark.parametrize("text", ["ab" * 31, "ab" * 33, "zz" * 32, "0x"])
def test_malformed_hash_hex_is_refused(text: str) -> None:
    with pytest.raises(InvalidHash, match="64 hex digits"):
        Hash32.from_hex(text)


def test_hash_of_is_sha256() -> None:
    expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert Hash32.of(b"") == Hash32.from_hex(expected)


def test_only_the_zero_hash_is_zero() -> None:
    assert ZERO_HASH.is_zero
    assert not Hash32.of(b"").is_zero


def test_hash_renders_as_0x_hex() -> None:
    assert Hash32(b"\x01" * 32).to_hex() == "0x" + "01" * 32


# --- amounts and basis points --------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, UINT256_MAX])
def test_an_amount_is_an_integer_a_uint256_holds(value: int) -> None:
    assert check_amount("amount", value) == value


@pytest.mark.parametrize("value", [-1, UINT256_MAX + 1, True, 1.0, "1"])
def test_anything_else_is_not_an_amount(value: object) -> None:
    with pytest.raises(OutOfRange) as caught:
        check_amount("price", value)  # type: ignore[arg-type]
    assert caught.value.details["name"] == "price"


@pytest.mark.parametrize("value", [0, 2_500, 10_000])
def test_basis_points_run_from_0_to_10000(value: int) -> None:
    assert check_bps("share", value) == value


@pytest.mark.parametrize("value", [-1, 10_001, False])
def test_basis_points_outside_0_to_10000_are_refused(value: int) -> None:
    with pytest.raises(OutOfRange):
        check_bps("share", value)


def test_basis_points_respect_a_lower_maximum() -> None:
    with pytest.raises(OutOfRange, match="0 to 1000"):
        check_bps("fee", 1_001, maximum=1_000)


@pytest.mark.parametrize(
    ("amount", "bps", "part"),
    [(10_000, 2_500, 2_500), (999, 1, 0), (19_999, 5_000, 9_999), (7, 10_000, 7), (7, 0, 0)],
)
def test_bps_of_rounds_down(amount: int, bps: int, part: int) -> None:
    assert bps_of(amount, bps) == part
