"""EthCrypto: Keccak-256, secp256k1 signing and recovery as Ethereum does them."""

from __future__ import annotations

import hashlib

import pytest
from eth_keys import KeyAPI
from eth_keys.exceptions import BadSignature
from eth_utils.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.model.signing import SECP256K1_N
from dcmx_core.model.values import Address

CRYPTO = EthCrypto()
KEY = hashlib.sha256(b"key-1").digest()
OTHER_KEY = hashlib.sha256(b"key-2").digest()
DIGEST = CRYPTO.keccak256(b"dcmx")
# Made with eth-account's Account.unsafe_sign_hash(DIGEST, KEY), an independent implementation.
KNOWN_SIGNATURE = bytes.fromhex(
    "d83fd96248691e343e7fabb76ae8e1c86f68bc8e8170e06d263a4018a6cc71b7"
    "02ba8cb77045a9cea5f93559b475cfc2f10559e048db34cee9197f2059fd7928"
    "1b"
)


def _with_v(signature: bytes, v: int) -> bytes:
    return signature[:64] + bytes([v])


# --- keccak256 ----------------------------------------------------------------------------------


def test_keccak256_of_nothing_is_ethereums_empty_hash() -> None:
    expected = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert CRYPTO.keccak256(b"") == bytes.fromhex(expected)


def test_keccak256_is_not_nist_sha3() -> None:
    expected = "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    assert CRYPTO.keccak256(b"abc") == bytes.fromhex(expected)
    assert CRYPTO.keccak256(b"abc") != hashlib.sha3_256(b"abc").digest()


def test_keccak256_returns_plain_bytes() -> None:
    assert type(CRYPTO.keccak256(b"abc")) is bytes


# --- address_of ---------------------------------------------------------------------------------


def test_address_of_private_key_one_is_the_well_known_address() -> None:
    key = (1).to_bytes(32, "big")
    expected = Address.from_hex("0x7e5f4552091a69125d5dfcb7b8c2659029395bdf")
    assert CRYPTO.address_of(key) == expected


def test_address_of_returns_a_core_address() -> None:
    assert type(CRYPTO.address_of(KEY)) is Address


# --- sign_digest --------------------------------------------------------------------------------


def test_sign_digest_matches_an_independent_implementation() -> None:
    assert CRYPTO.sign_digest(KEY, DIGEST) == KNOWN_SIGNATURE


def test_a_signature_is_r_s_v_with_v_27_or_28() -> None:
    signature = CRYPTO.sign_digest(KEY, DIGEST)
    assert len(signature) == 65
    assert signature[64] in (27, 28)


@pytest.mark.parametrize("label", [b"a", b"b", b"c", b"d", b"e", b"f"])
def test_a_signature_has_s_in_the_lower_half(label: bytes) -> None:
    signature = CRYPTO.sign_digest(KEY, CRYPTO.keccak256(label))
    assert int.from_bytes(signature[32:64], "big") <= SECP256K1_N // 2


# --- recover_signer -----------------------------------------------------------------------------


def test_the_signer_is_recovered_from_the_signature() -> None:
    signature = CRYPTO.sign_digest(KEY, DIGEST)
    assert CRYPTO.recover_signer(DIGEST, signature) == CRYPTO.address_of(KEY)


def test_recovery_returns_a_core_address() -> None:
    recovered = CRYPTO.recover_signer(DIGEST, CRYPTO.sign_digest(KEY, DIGEST))
    assert type(recovered) is Address


def test_each_key_is_recovered_as_itself() -> None:
    signature = CRYPTO.sign_digest(OTHER_KEY, DIGEST)
    assert CRYPTO.recover_signer(DIGEST, signature) == CRYPTO.address_of(OTHER_KEY)
    assert CRYPTO.address_of(OTHER_KEY) != CRYPTO.address_of(KEY)


def test_a_tampered_digest_recovers_someone_else() -> None:
    signature = CRYPTO.sign_digest(KEY, DIGEST)
    tampered = CRYPTO.keccak256(b"dcmy")
    recovered = CRYPTO.recover_signer(tampered, signature)
    assert recovered is not None
    assert recovered != CRYPTO.address_of(KEY)


def test_the_other_recovery_id_recovers_someone_else() -> None:
    signature = CRYPTO.sign_digest(KEY, DIGEST)
    flipped = _with_v(signature, 55 - signature[64])
    assert CRYPTO.recover_signer(DIGEST, flipped) not in (None, CRYPTO.address_of(KEY))


@pytest.mark.parametrize("v", [0, 1, 26, 29, 255])
def test_a_v_other_than_27_or_28_has_no_signer(v: int) -> None:
    signature = _with_v(CRYPTO.sign_digest(KEY, DIGEST), v)
    assert CRYPTO.recover_signer(DIGEST, signature) is None


def test_a_short_signature_has_no_signer() -> None:
    signature = CRYPTO.sign_digest(KEY, DIGEST)
    assert CRYPTO.recover_signer(DIGEST, signature[:63] + signature[64:]) is None


def test_a_long_signature_has_no_signer() -> None:
    signature = CRYPTO.sign_digest(KEY, DIGEST)
    assert CRYPTO.recover_signer(DIGEST, signature + signature[64:]) is None


def test_a_digest_of_the_wrong_length_has_no_signer() -> None:
    signature = CRYPTO.sign_digest(KEY, DIGEST)
    assert CRYPTO.recover_signer(DIGEST[:31], signature) is None


def test_a_zero_r_has_no_signer() -> None:
    signature = CRYPTO.sign_digest(KEY, DIGEST)
    assert CRYPTO.recover_signer(DIGEST, bytes(32) + signature[32:]) is None


def test_an_r_beyond_the_curve_order_has_no_signer() -> None:
    signature = CRYPTO.sign_digest(KEY, DIGEST)
    r = SECP256K1_N.to_bytes(32, "big")
    assert CRYPTO.recover_signer(DIGEST, r + signature[32:]) is None


@given(
    st.binary(min_size=32, max_size=32),
    st.one_of(
        st.integers(0, 2**256 - 1), st.integers(SECP256K1_N - 3, SECP256K1_N + 3), st.just(0)
    ),
    st.integers(0, 2**256 - 1),
    st.sampled_from([27, 28]),
)
def test_recovery_agrees_with_eth_keys(digest: bytes, r: int, s: int, v: int) -> None:
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    try:
        key = KeyAPI.Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(digest)
        expected = Address(key.to_canonical_address())
    except (BadSignature, ValidationError):
        expected = None
    assert CRYPTO.recover_signer(digest, signature) == expected
