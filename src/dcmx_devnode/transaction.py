"""A TRON transaction as the node receives it: its ``raw_data`` serialized as protobuf (the id
is hashed from those bytes), read in java-tron's hex JSON form, and the signatures with their
signers."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, Final

from attrs import Factory, field, frozen

from dcmx_adapters.crypto import EthCrypto
from dcmx_devnode.decoding import decode
from dcmx_devnode.protobuf import (
    MalformedMessage,
    address_bytes,
    encode,
    render,
    render_address,
    varint,
)

TRON_PREFIX: Final = b"\x41"
ZERO_ADDRESS: Final = TRON_PREFIX + bytes(20)
MAX_FEE_LIMIT: Final = 15_000 * 10**6
"""The most sun a transaction's ``fee_limit`` may allow it to burn (15,000 TRX)."""
_CRYPTO: Final = EthCrypto()


_RESULT_BYTES: Final = 64
"""java-tron counts this many bytes a contract for the result it adds to a transaction."""


def tron_address(account: bytes) -> bytes:
    """The 21-byte TRON address (0x41 first) of a 20-byte account."""
    return TRON_PREFIX + account


def contract_address(txid: bytes, owner: bytes) -> bytes:
    """Where ``CreateSmartContract`` puts a contract: 0x41 ‖ keccak256(txid ‖ owner)[12:]."""
    return tron_address(_CRYPTO.keccak256(txid + owner)[12:])


def recover_signer(digest: bytes, signature: bytes) -> bytes | None:
    """The 21-byte address that made a 65-byte ``r ‖ s ‖ v`` signature (v 0, 1, 27 or 28)."""
    if len(signature) != 65:
        return None
    v = signature[64]
    normalized = signature[:64] + bytes([v + 27 if v < 27 else v])
    signer = _CRYPTO.recover_signer(digest, normalized)
    return tron_address(signer.raw) if signer is not None else None


def _txid(tx: Transaction) -> bytes:
    return hashlib.sha256(tx.raw_bytes).digest()


@frozen
class Transaction:
    """A transaction: its serialized ``raw_data``, which its id is hashed from, and its
    signatures. What the node reads of it (type, parameter, owner, limits) is worked out once,
    on first use. A mined transaction is kept as its bytes alone (``stored``): its ``raw_data``
    is decoded from them when it is printed."""

    raw_bytes: bytes
    signatures: tuple[bytes, ...]
    received: Mapping[str, Any] | None = field(default=None, eq=False, repr=False)
    """``raw_data`` in java-tron's hex JSON form (no ``visible``) as the node parsed it, or
    None to decode it from ``raw_bytes``."""
    txid: bytes = field(default=Factory(_txid, takes_self=True), eq=False, repr=False)

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> Transaction:
        """Parse a transaction as ``broadcasttransaction`` receives it (``visible`` or not)."""
        raw = payload.get("raw_data")
        if not isinstance(raw, Mapping):
            raise MalformedMessage("a transaction needs its raw_data object")
        visible = bool(payload.get("visible", False))
        raw_data = render("Transaction.raw", raw, visible=False, parsed_visible=visible)
        signatures = payload.get("signature") or []
        if not isinstance(signatures, list):
            raise MalformedMessage("signature must be a list of hex strings")
        try:
            signed = tuple(bytes.fromhex(str(s)) for s in signatures)
        except ValueError:
            raise MalformedMessage("a signature is not hex") from None
        return cls(encode("Transaction.raw", raw_data), signed, raw_data)

    @classmethod
    def unsigned(cls, raw_data: Mapping[str, Any]) -> Transaction:
        canonical = render("Transaction.raw", raw_data, visible=False)
        return cls(encode("Transaction.raw", canonical), (), canonical)

    def stored(self) -> Transaction:
        """This transaction as a block keeps it: its bytes, signatures and id, nothing
        worked out from them."""
        return Transaction(self.raw_bytes, self.signatures, txid=self.txid)

    @property
    def raw_data(self) -> Mapping[str, Any]:
        """``raw_data`` in java-tron's hex JSON form (no ``visible``)."""
        if self.received is not None:
            return self.received
        return decode("Transaction.raw", self.raw_bytes)

    @cached_property
    def contracts(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(self.raw_data.get("contract", ()))

    @cached_property
    def contract_type(self) -> str:
        return _contract_type(self.contracts)

    @cached_property
    def parameter(self) -> Mapping[str, Any]:
        """The first contract's parameter (read only: it is the transaction's own)."""
        return self.contracts[0]["parameter"]["value"] if self.contracts else {}

    @cached_property
    def owner(self) -> bytes:
        return _owner(self.contracts)

    @cached_property
    def expiration(self) -> int:
        return int(self.raw_data.get("expiration", 0))

    @cached_property
    def fee_limit(self) -> int:
        return int(self.raw_data.get("fee_limit", 0))

    @cached_property
    def ref_block_bytes(self) -> bytes:
        return bytes.fromhex(self.raw_data.get("ref_block_bytes", ""))

    @cached_property
    def ref_block_hash(self) -> bytes:
        return bytes.fromhex(self.raw_data.get("ref_block_hash", ""))

    def signers(self) -> list[bytes | None]:
        """Who made each signature (None where no key did)."""
        return [recover_signer(self.txid, signature) for signature in self.signatures]

    def serialized(self) -> bytes:
        """The protobuf ``Transaction`` (raw data and signatures, no results)."""
        out = bytearray(b"\x0a" + varint(len(self.raw_bytes)) + self.raw_bytes)
        for signature in self.signatures:
            out += b"\x12" + varint(len(signature)) + signature
        return bytes(out)

    @cached_property
    def bandwidth(self) -> int:
        """The bytes java-tron charges as bandwidth (``net_usage``) for this transaction."""
        return len(self.serialized()) + _RESULT_BYTES * len(self.contracts)

    def with_signatures(self, signatures: tuple[bytes, ...]) -> Transaction:
        return Transaction(self.raw_bytes, signatures, self.received, self.txid)

    def to_json(self, *, visible: bool, contract_ret: str | None = None) -> dict[str, Any]:
        """The transaction as java-tron prints it (``Util.printTransactionToJSON``)."""
        out: dict[str, Any] = {}
        if contract_ret is not None:
            out["ret"] = [{"contractRet": contract_ret}]
        if self.signatures:
            out["signature"] = [signature.hex() for signature in self.signatures]
        out["txID"] = self.txid.hex()
        # Read once here, not through the remembered properties: a mined transaction printed
        # keeps nothing of what it was printed from.
        raw_data = self.raw_data
        out["raw_data"] = render("Transaction.raw", raw_data, visible=visible)
        out["raw_data_hex"] = self.raw_bytes.hex()
        contracts = raw_data.get("contract", ())
        if _contract_type(contracts) == "CreateSmartContract":
            out["contract_address"] = contract_address(self.txid, _owner(contracts)).hex()
        return out


def _contract_type(contracts: Sequence[Mapping[str, Any]]) -> str:
    return str(contracts[0]["type"]) if contracts else ""


def _owner(contracts: Sequence[Mapping[str, Any]]) -> bytes:
    if not contracts:
        return b""
    return address_bytes(contracts[0]["parameter"]["value"].get("owner_address", ""))


def address_json(raw: bytes, visible: bool) -> str:
    """A 21-byte address as java-tron prints it."""
    return render_address(raw, visible)
