"""Value objects shared by every rule: addresses, hashes, amounts, basis points.

An address is 20 bytes whatever the chain; rendering is per chain (EIP-55 hex on EVM chains,
base58check ``T…`` on TRON). EIP-55 needs Keccak-256, which the standard library lacks, so the
functions that need it take a ``keccak`` function (the ``Crypto`` port's ``keccak256``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Final

from attrs import field, frozen

from dcmx_core.exceptions import InvalidAddress, InvalidHash, OutOfRange

Keccak = Callable[[bytes], bytes]

UINT256_MAX: Final = 2**256 - 1
BPS_DENOMINATOR: Final = 10_000
TRON_ADDRESS_PREFIX: Final = 0x41

_B58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX: Final = {char: index for index, char in enumerate(_B58_ALPHABET)}
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")


def _twenty_bytes(_instance: object, _attribute: object, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 20:
        raise InvalidAddress(value, "an address is exactly 20 bytes")


@frozen(order=True)
class Address:
    """A 20-byte account or contract address."""

    raw: bytes = field(validator=_twenty_bytes)

    @classmethod
    def from_hex(cls, text: str, keccak: Keccak | None = None) -> Address:
        """Parse ``0x`` + 40 hex digits. Mixed case must be a valid EIP-55 checksum, which needs
        ``keccak``; all-lower or all-upper text carries no checksum and is accepted as is."""
        if not isinstance(text, str) or not text.startswith(("0x", "0X")):
            raise InvalidAddress(text, "a hex address starts with 0x")
        digits = text[2:]
        if len(digits) != 40:
            raise InvalidAddress(text, f"a hex address has 40 digits, not {len(digits)}")
        if not set(digits) <= _HEX_DIGITS:
            raise InvalidAddress(text, "a hex address has only the digits 0-9 and a-f")
        address = cls(bytes.fromhex(digits))
        if digits not in (digits.lower(), digits.upper()):
            if keccak is None:
                raise InvalidAddress(text, "a mixed-case address needs its EIP-55 checksum checked")
            if address.to_checksum_hex(keccak) != "0x" + digits:
                raise InvalidAddress(text, "the EIP-55 checksum does not match")
        return address

    @classmethod
    def from_base58(cls, text: str) -> Address:
        """Parse a TRON base58check address (``T…``: 0x41, the 20 bytes, a 4-byte checksum)."""
        if not isinstance(text, str) or not text:
            raise InvalidAddress(text, "a TRON address is a non-empty base58 string")
        number = 0
        for char in text:
            if char not in _B58_INDEX:
                raise InvalidAddress(text, f"{char!r} is not a base58 digit")
            number = number * 58 + _B58_INDEX[char]
        leading_zeros = len(text) - len(text.lstrip("1"))
        body = number.to_bytes((number.bit_length() + 7) // 8, "big")
        payload = b"\x00" * leading_zeros + body
        if len(payload) != 25:
            raise InvalidAddress(text, f"a TRON address decodes to 25 bytes, not {len(payload)}")
        data, checksum = payload[:21], payload[21:]
        if _double_sha256(data)[:4] != checksum:
            raise InvalidAddress(text, "the base58check checksum does not match")
        if data[0] != TRON_ADDRESS_PREFIX:
            raise InvalidAddress(text, f"a TRON address starts with byte 0x41, not {data[0]:#04x}")
        return cls(data[1:])

    @classmethod
    def parse(cls, text: str, keccak: Keccak | None = None) -> Address:
        """Parse either rendering: ``0x…`` hex or TRON ``T…`` base58check."""
        if isinstance(text, str) and text.startswith(("0x", "0X")):
            return cls.from_hex(text, keccak)
        return cls.from_base58(text)

    def to_hex(self) -> str:
        """Lower-case ``0x`` hex (no checksum)."""
        return "0x" + self.raw.hex()

    def to_checksum_hex(self, keccak: Keccak) -> str:
        """EIP-55 mixed-case hex: a letter is upper case where the Keccak-256 of the lower-case
        hex digits has a nibble of 8 or more."""
        lower = self.raw.hex()
        digest = keccak(lower.encode("ascii")).hex()
        return "0x" + "".join(
            char.upper() if int(nibble, 16) >= 8 else char
            for char, nibble in zip(lower, digest, strict=False)
        )

    def to_base58(self) -> str:
        """TRON base58check rendering (``T…``)."""
        data = bytes([TRON_ADDRESS_PREFIX]) + self.raw
        payload = data + _double_sha256(data)[:4]
        number = int.from_bytes(payload, "big")
        chars = []
        while number:
            number, remainder = divmod(number, 58)
            chars.append(_B58_ALPHABET[remainder])
        leading_zeros = len(payload) - len(payload.lstrip(b"\x00"))
        return "1" * leading_zeros + "".join(reversed(chars))

    @property
    def is_zero(self) -> bool:
        return self.raw == bytes(20)

    def __str__(self) -> str:
        return self.to_hex()

    def __repr__(self) -> str:
        return f"Address({self.to_hex()})"


ZERO_ADDRESS: Final = Address(bytes(20))


def _double_sha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _thirty_two_bytes(_instance: object, _attribute: object, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidHash(value, "a hash is exactly 32 bytes")


@frozen(order=True)
class Hash32:
    """A 32-byte hash: content hashes, document hashes, proof hashes, transaction and block ids."""

    raw: bytes = field(validator=_thirty_two_bytes)

    @classmethod
    def from_hex(cls, text: str) -> Hash32:
        """Parse 64 hex digits, with or without ``0x``."""
        if not isinstance(text, str):
            raise InvalidHash(text, "expected a hex string")
        digits = text[2:] if text.startswith(("0x", "0X")) else text
        if len(digits) != 64 or not set(digits) <= _HEX_DIGITS:
            raise InvalidHash(text, "expected 64 hex digits")
        return cls(bytes.fromhex(digits))

    @classmethod
    def of(cls, data: bytes) -> Hash32:
        """The SHA-256 of ``data``: how off-chain content and documents are fingerprinted."""
        return cls(hashlib.sha256(data).digest())

    @property
    def is_zero(self) -> bool:
        return self.raw == bytes(32)

    def to_hex(self) -> str:
        return "0x" + self.raw.hex()

    def __str__(self) -> str:
        return self.to_hex()

    def __repr__(self) -> str:
        return f"Hash32({self.to_hex()})"


ZERO_HASH: Final = Hash32(bytes(32))


def check_amount(name: str, value: int) -> int:
    """An amount is an int number of base units, 0 ≤ value ≤ 2²⁵⁶ − 1 (what a uint256 holds)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= UINT256_MAX:
        raise OutOfRange(name, value, "an integer from 0 to 2**256 - 1")
    return value


def check_bps(name: str, value: int, maximum: int = BPS_DENOMINATOR) -> int:
    """Basis points are an int from 0 to ``maximum`` (at most 10,000, which is 100 %)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise OutOfRange(name, value, f"basis points from 0 to {maximum}")
    return value


def bps_of(amount: int, bps: int) -> int:
    """``floor(amount × bps / 10,000)``: the one rounding rule for every percentage."""
    return amount * bps // BPS_DENOMINATOR
