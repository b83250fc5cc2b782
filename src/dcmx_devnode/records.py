"""What the local TRON node keeps of its chain: blocks with their transactions, and each
transaction's info (java-tron's ``TransactionInfo``), printed as java-tron's HTTP API does."""

from __future__ import annotations

import functools
import hashlib
from functools import cached_property
from typing import Any, Final

from attrs import define, field, frozen

from dcmx_adapters.crypto import EthCrypto
from dcmx_devnode.protobuf import encode, render
from dcmx_devnode.transaction import Transaction, address_json, tron_address
from dcmx_devnode.tvm import Emitted

BLOCK_VERSION: Final = 32
_CRYPTO: Final = EthCrypto()


@frozen
class Receipt:
    """A transaction's outcome. ``result`` is the TVM's ``contractResult`` (None for a
    transaction the TVM never sees). Fees are in sun: ``fee`` is everything the transaction
    burned (bandwidth, energy, an account's creation, a memo)."""

    txid: bytes
    block_number: int
    block_timestamp: int
    net_usage: int
    result: str | None = None
    output: bytes = b""
    contract_address: bytes | None = None
    energy: int = 0
    """Energy used in all (``energy_usage_total``)."""
    fee: int = 0
    logs: tuple[Emitted, ...] = ()
    message: str = ""
    net_fee: int = 0
    energy_usage: int = 0
    """Energy taken from the owner's stake."""
    energy_fee: int = 0
    origin_energy_usage: int = 0
    """Energy the contract's deployer paid from its stake."""
    withdraw_expire_amount: int = 0
    cancel_unfreeze: tuple[tuple[str, int], ...] | None = None
    """What ``CancelAllUnfreezeV2`` staked again, by resource."""

    @property
    def failed(self) -> bool:
        return self.result not in (None, "SUCCESS")

    @property
    def contract_ret(self) -> str:
        """The ``contractRet`` a block shows for the transaction."""
        return self.result or "SUCCESS"

    def to_json(self, *, visible: bool) -> dict[str, Any]:
        """java-tron's ``gettransactioninfobyid``: with ``visible``, addresses (logs too) are
        base58check and ``resMessage`` is text; without it, hex, log addresses without 0x41.
        As proto3 prints, zero figures are left out."""
        receipt: dict[str, Any] = {
            "energy_usage": self.energy_usage,
            "energy_fee": self.energy_fee,
            "origin_energy_usage": self.origin_energy_usage,
            "energy_usage_total": self.energy,
            "net_usage": self.net_usage,
            "net_fee": self.net_fee,
        }
        receipt = {name: value for name, value in receipt.items() if value}
        if self.result is not None:
            receipt["result"] = self.result
        info: dict[str, Any] = {"id": self.txid.hex()}
        if self.fee:
            info["fee"] = self.fee
        info["blockNumber"] = self.block_number
        info["blockTimeStamp"] = self.block_timestamp
        info["contractResult"] = [self.output.hex()]
        if self.contract_address is not None:
            info["contract_address"] = address_json(self.contract_address, visible)
        info["receipt"] = receipt
        if self.logs:
            info["log"] = [_log_json(log, visible) for log in self.logs]
        if self.failed:
            info["result"] = "FAILED"
            text = self.message.encode()
            info["resMessage"] = self.message if visible else text.hex()
        if self.withdraw_expire_amount:
            info["withdraw_expire_amount"] = self.withdraw_expire_amount
        if self.cancel_unfreeze is not None:
            info["cancel_unfreezeV2_amount"] = [
                {"key": key, "value": value} if value else {"key": key}
                for key, value in self.cancel_unfreeze
            ]
        return info


def _log_json(log: Emitted, visible: bool) -> dict[str, Any]:
    address = address_json(tron_address(log.address), True) if visible else log.address.hex()
    out: dict[str, Any] = {"address": address}
    if log.topics:
        out["topics"] = [topic.hex() for topic in log.topics]
    if log.data:
        out["data"] = log.data.hex()
    return out


@define
class Block:
    """A block and what the node needs to undo it: the state checkpoint taken before it and
    the contracts it created. The witness signs the header when the block is first printed:
    the block's id does not cover the signature, and most blocks of a busy node are never
    read (the signature is deterministic, so the bytes are the same whenever it is made)."""

    number: int
    block_id: bytes
    timestamp: int
    parent_id: bytes
    tx_trie_root: bytes
    witness_key: bytes = field(repr=False)
    entries: list[tuple[Transaction, Receipt]] = field(factory=list)
    checkpoint: Any = None
    created: list[bytes] = field(factory=list)

    @property
    def witness_address(self) -> bytes:
        return _witness_address(self.witness_key)

    @property
    def header(self) -> dict[str, Any]:
        """``BlockHeader.raw`` in java-tron's hex JSON form."""
        return _header(
            self.number, self.parent_id, self.timestamp, self.tx_trie_root, self.witness_address
        )

    @cached_property
    def witness_signature(self) -> bytes:
        digest = hashlib.sha256(encode("BlockHeader.raw", self.header)).digest()
        return _CRYPTO.sign_digest(self.witness_key, digest)

    def to_json(self, *, visible: bool) -> dict[str, Any]:
        """java-tron's ``getblockbynum``: ``blockID``, ``block_header``, ``transactions``."""
        out: dict[str, Any] = {
            "blockID": self.block_id.hex(),
            "block_header": {
                "raw_data": render("BlockHeader.raw", self.header, visible=visible),
                "witness_signature": self.witness_signature.hex(),
            },
        }
        if self.entries:
            out["transactions"] = [
                tx.to_json(visible=visible, contract_ret=receipt.contract_ret)
                for tx, receipt in self.entries
            ]
        return out


def _header(
    number: int, parent_id: bytes, timestamp: int, tx_trie_root: bytes, witness: bytes
) -> dict[str, Any]:
    """``BlockHeader.raw`` in hex JSON form, proto3's zeros left out (the genesis block's
    number and time)."""
    header: dict[str, Any] = {"timestamp": timestamp} if timestamp else {}
    header |= {"txTrieRoot": tx_trie_root.hex(), "parentHash": parent_id.hex()}
    if number:
        header["number"] = number
    header |= {"witness_address": witness.hex(), "version": BLOCK_VERSION}
    return header


def seal(
    number: int,
    parent_id: bytes,
    timestamp: int,
    transactions: list[Transaction],
    witness_key: bytes,
) -> Block:
    """A new block: header and id (the number's 8 bytes ‖ the header hash's last 24); the
    witness's signature of the header hash is made when the block is first printed."""
    root = merkle_root([tx.serialized() for tx in transactions])
    header = _header(number, parent_id, timestamp, root, _witness_address(witness_key))
    digest = hashlib.sha256(encode("BlockHeader.raw", header)).digest()
    block_id = number.to_bytes(8, "big") + digest[8:]
    return Block(number, block_id, timestamp, parent_id, root, witness_key)


@functools.cache
def _witness_address(witness_key: bytes) -> bytes:
    """The witness's address, derived once a key: deriving it is a third of sealing a block,
    and a node replaying its journal seals thousands."""
    return tron_address(_CRYPTO.address_of(witness_key).raw)


def merkle_root(leaves: list[bytes]) -> bytes:
    """The SHA-256 Merkle root of the serialized transactions (an odd node moves up as is)."""
    level = [hashlib.sha256(leaf).digest() for leaf in leaves]
    if not level:
        return bytes(32)
    while len(level) > 1:
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [hashlib.sha256(b"".join(p)).digest() if len(p) == 2 else p[0] for p in pairs]
    return level[0]
