"""A key that signs again and again (the local node's witness key) signs exactly what eth-keys
signs, from the first signature to the last."""

from __future__ import annotations

from eth_keys.datatypes import PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from dcmx_adapters.crypto import EthCrypto

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@given(
    secret=st.integers(1, SECP256K1_ORDER - 1),
    digests=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=4),
)
def test_a_key_signs_each_digest_as_eth_keys_does(secret: int, digests: list[bytes]) -> None:
    key = secret.to_bytes(32, "big")
    for digest in digests:
        expected = PrivateKey(key).sign_msg_hash(digest)
        v = bytes([expected.v + 27])
        assert EthCrypto().sign_digest(key, digest) == expected.to_bytes()[:64] + v
