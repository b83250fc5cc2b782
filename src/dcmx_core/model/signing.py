"""Signed consent: EIP-712 typed data, and the ``Crypto`` port that hashes and recovers.

A user's acceptance or deletion request can be relayed by anyone (so the user needs no coin),
but only with the user's own signature over what they consent to, a nonce and an expiry: no
operator can consent for them. The digest is EIP-712 typed data, which ``ecrecover`` checks the
same way on EVM chains and on TRON's TVM. Keccak-256 and secp256k1 recovery are not in the
standard library, so the core asks for them through ``Crypto``; it carries no crypto code.
"""

from __future__ import annotations

from typing import Final, Protocol

from dcmx_core.model.values import Address, Hash32

# secp256k1's group order; OpenZeppelin's ECDSA refuses s in the upper half (malleable copies).
SECP256K1_N: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

DOMAIN_NAME: Final = "DCMX Compliance"
DOMAIN_VERSION: Final = "1"
DOMAIN_TYPE: Final = (
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
ACCEPTANCE_TYPE: Final = (
    "Acceptance(address user,uint8 docType,uint32 version,bytes32 documentHash,"
    "uint256 nonce,uint256 expiry)"
)
DELETION_TYPE: Final = "DeletionRequest(address user,uint8 regime,uint256 nonce,uint256 expiry)"


class Crypto(Protocol):
    """What the core needs of cryptography and cannot take from the standard library."""

    def keccak256(self, data: bytes) -> bytes:
        """The Keccak-256 digest (Ethereum's, not NIST SHA3-256) of ``data``."""

    def recover_signer(self, digest: bytes, signature: bytes) -> Address | None:
        """The address whose key made the 65-byte ``r ‖ s ‖ v`` signature over ``digest``,
        or None when no key did."""


class Signer(Protocol):
    """One account's key, wherever it is kept (a raw key, a keystore):
    it tells its address and signs 32-byte digests, and never shows the key itself. A
    transaction's signing digest (keccak of its RLP on EVM chains, the txID on TRON) and an
    EIP-712 typed-data digest are both such digests."""

    @property
    def address(self) -> Address:
        """The account the key signs for."""

    def sign_digest(self, digest: bytes) -> bytes:
        """The 65-byte ``r ‖ s ‖ v`` signature (low s, v 27 or 28) of the 32-byte ``digest``."""


Word = int | bytes | Address


def _word(value: Word) -> bytes:
    if isinstance(value, Address):
        return bytes(12) + value.raw
    if isinstance(value, bytes):
        if len(value) != 32:
            raise ValueError(f"a bytes32 word is 32 bytes, not {len(value)}")
        return value
    return value.to_bytes(32, "big")


def domain_separator(crypto: Crypto, chain_id: int, verifying_contract: Address) -> bytes:
    """The EIP-712 domain of a compliance registry on one chain."""
    return crypto.keccak256(
        b"".join(
            _word(word)
            for word in (
                crypto.keccak256(DOMAIN_TYPE.encode()),
                crypto.keccak256(DOMAIN_NAME.encode()),
                crypto.keccak256(DOMAIN_VERSION.encode()),
                chain_id,
                verifying_contract,
            )
        )
    )


def typed_data_digest(crypto: Crypto, separator: bytes, type_string: str, *values: Word) -> bytes:
    """``keccak256(0x1901 ‖ domain separator ‖ hashStruct(message))`` for a message of static
    fields (addresses, integers, bytes32)."""
    struct_hash = crypto.keccak256(
        crypto.keccak256(type_string.encode()) + b"".join(_word(v) for v in values)
    )
    return crypto.keccak256(b"\x19\x01" + separator + struct_hash)


def signer_of(crypto: Crypto, digest: bytes, signature: bytes) -> Address | None:
    """Who signed ``digest``, by OpenZeppelin ECDSA's rules: 65 bytes, v of 27 or 28, s in the
    lower half of the curve order; anything else has no signer."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        return None
    s = int.from_bytes(signature[32:64], "big")
    if s > SECP256K1_N // 2:
        return None
    return crypto.recover_signer(digest, signature)


def acceptance_digest(
    crypto: Crypto,
    separator: bytes,
    *,
    user: Address,
    doc_type: int,
    version: int,
    document_hash: Hash32,
    nonce: int,
    expiry: int,
) -> bytes:
    """What a user signs to accept a document version."""
    return typed_data_digest(
        crypto,
        separator,
        ACCEPTANCE_TYPE,
        user,
        doc_type,
        version,
        document_hash.raw,
        nonce,
        expiry,
    )


def deletion_digest(
    crypto: Crypto, separator: bytes, *, user: Address, regime: int, nonce: int, expiry: int
) -> bytes:
    """What a user signs to ask for the deletion of their personal data."""
    return typed_data_digest(crypto, separator, DELETION_TYPE, user, regime, nonce, expiry)
