"""The ``Crypto`` port with the libraries the field trusts: eth-hash for Keccak-256 and
eth-keys on its coincurve (libsecp256k1) backend for secp256k1 keys; signatures and recovery
come from coincurve directly, the same calls eth-keys' backend makes, without making eth-keys'
key and signature objects each time.

Library types stop here: callers get ``bytes`` and ``dcmx_core`` addresses, never eth-keys
objects, and a signature that has no signer is ``None``, never an eth-keys exception.
"""

from __future__ import annotations

import functools
from typing import Final

import coincurve
from eth_hash.auto import keccak
from eth_keys.backends.coincurve import CoinCurveECCBackend
from eth_keys.datatypes import PrivateKey

from dcmx_core.model.values import Address

# Ethereum's recovery id is 27 or 28 in a 65-byte r ‖ s ‖ v signature; eth-keys counts from 0.
_V_OFFSET: Final = 27
# libsecp256k1 through coincurve: the fast, audited backend (eth-keys' pure-Python one is slow).
_BACKEND: Final = CoinCurveECCBackend()


@functools.lru_cache(maxsize=8)
def _signing_key(private_key: bytes) -> coincurve.PrivateKey:
    """libsecp256k1's key object for a private key (checked by eth-keys first, with its
    errors), made once for the few keys that sign again and again (the local node signs every
    block with one): eth-keys makes two a signature, most of a signature's cost."""
    PrivateKey(private_key, backend=_BACKEND)
    return coincurve.PrivateKey(private_key)


class EthCrypto:
    """Keccak-256 and secp256k1 as Ethereum (and TRON's TVM) use them."""

    def keccak256(self, data: bytes) -> bytes:
        """The Keccak-256 digest (Ethereum's, not NIST SHA3-256) of ``data``."""
        return bytes(keccak(data))

    def recover_signer(self, digest: bytes, signature: bytes) -> Address | None:
        """The address whose key made the 65-byte ``r ‖ s ‖ v`` signature (v 27 or 28) over the
        32-byte ``digest``, or None when no key did."""
        if len(signature) != 65 or signature[64] not in (27, 28) or len(digest) != 32:
            return None
        # libsecp256k1 through coincurve, as eth-keys' backend calls it, without the two
        # eth-keys objects a recovery would make: it refuses r or s out of range, as eth-keys.
        compact = signature[:64] + bytes([signature[64] - _V_OFFSET])
        try:
            public_key = coincurve.PublicKey.from_signature_and_message(
                compact, digest, hasher=None
            )
        except ValueError:
            return None
        return Address(self.keccak256(public_key.format(compressed=False)[1:])[12:])

    def sign_digest(self, private_key: bytes, digest: bytes) -> bytes:
        """The 65-byte ``r ‖ s ‖ v`` signature (low s, v 27 or 28) of the 32-byte ``digest``."""
        # r ‖ s ‖ recovery id, low s: what eth-keys' coincurve backend signs with.
        signature = _signing_key(private_key).sign_recoverable(digest, hasher=None)
        return signature[:64] + bytes([signature[64] + _V_OFFSET])

    def address_of(self, private_key: bytes) -> Address:
        """The address a 32-byte secp256k1 private key signs for."""
        public_key = PrivateKey(private_key, backend=_BACKEND).public_key
        return Address(bytes(public_key.to_canonical_address()))
