"""What the API answers with: one pydantic model per read model, and how a record becomes one.

Amounts are decimal strings (a uint256 does not fit a JSON number), hashes `0x` hex, enums
their lower-case names, and addresses the chain's own rendering (`AddressText`).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from enum import IntEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import attrs
from attrs import frozen
from pydantic import BaseModel, Field

from dcmx_adapters.sql.event_json import EVENT_CLASSES, EventJsonError
from dcmx_core.events import DomainEvent
from dcmx_core.model.values import Address, Hash32, Keccak
from dcmx_core.read_models import (
    AcceptanceRecord,
    ClaimRecord,
    DeletionRecord,
    DocumentRecord,
    EditionRecord,
    PayoutRecord,
    PlatformStats,
    QuarantinedLog,
    ReleaseRecord,
    SaleRecord,
    StoredEvent,
)

if TYPE_CHECKING:
    from dcmx_adapters.sql.read_statements import StoredEventJson

Item = TypeVar("Item")

AMOUNT = "An amount in base units, as a decimal string."
BLOCK = (
    "The block number of the indexer's checkpoint the data is consistent with; null before the "
    "first block is indexed."
)


@frozen
class AddressText:
    """Addresses as text for one chain: EIP-55 hex on EVM chains, base58check on TRON. Either
    rendering is read."""

    keccak: Keccak
    base58: bool = False

    def parse(self, text: str) -> Address:
        return Address.parse(text.strip(), self.keccak)

    def render(self, address: Address) -> str:
        return _rendered(address, self.keccak, self.base58)

    def render_hex(self, text: str) -> str:
        """``render`` of the address written ``text`` (``0x`` and 40 hex digits)."""
        return _rendered_hex(text, self.keccak, self.base58)

    def in_text(self, text: str) -> str:
        """``text`` with every address in it (``0x`` and 40 hex digits, as the domain's messages
        write them) in this chain's form."""
        return _HEX_ADDRESS.sub(lambda m: self.render(Address(bytes.fromhex(m[1]))), text)


_HEX_ADDRESS: Final = re.compile(r"\b0x([0-9a-fA-F]{40})(?![0-9a-fA-F])")


@lru_cache(maxsize=65_536)
def _rendered(address: Address, keccak: Keccak, base58: bool) -> str:
    # A hash (EIP-55) or a double SHA-256 (base58check) an address: pages name the same
    # accounts again and again, so each is worked out once.
    return address.to_base58() if base58 else address.to_checksum_hex(keccak)


@lru_cache(maxsize=65_536)
def _rendered_hex(text: str, keccak: Keccak, base58: bool) -> str:
    return _rendered(Address.from_hex(text), keccak, base58)


def enum_name(value: IntEnum) -> str:
    return value.name.lower()


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next: str | None = Field(description="The cursor of the next page (`?after=`), or null.")
    block: int | None = Field(description=BLOCK)


class SplitShare(BaseModel):
    recipient: str
    share_bps: int = Field(description="Basis points of 10,000.")


class Edition(BaseModel):
    token_id: int
    release_id: int
    edition: int
    owner: str


class Release(BaseModel):
    release_id: int
    artist: str
    title: str
    artist_name: str
    content_hash: str
    max_editions: int
    minted: int
    royalty_bps: int
    split: list[SplitShare]
    created_block: int


class ReleaseWithEditions(BaseModel):
    release: Release
    editions: list[Edition] = Field(description="The first page of the release's editions.")
    editions_next: str | None = Field(
        description="The cursor of the next page at /v1/releases/{release_id}/editions, or null."
    )
    block: int | None = Field(description=BLOCK)


class Balance(BaseModel):
    account: str
    amount: str = Field(description=AMOUNT, pattern=r"^[0-9]{1,78}$")
    block: int | None = Field(description=BLOCK)


class Volume(BaseModel):
    currency: str = Field(description="The currency (the zero address is the native coin).")
    amount: str = Field(description=AMOUNT, pattern=r"^[0-9]{1,78}$")


class Stats(BaseModel):
    """Platform figures, kept up to date by the indexer."""

    releases: int
    editions: int
    nft_transfers: int = Field(description="Editions moved between holders (mints not counted).")
    sales: int
    primary_sales: int
    sales_volume: list[Volume] = Field(description="What sales have paid, per currency.")
    token_supply: str = Field(description="DCMX minted less burned. " + AMOUNT)
    token_transfers: int
    claims: int
    claims_paid: int
    rewards_paid: str = Field(description="DCMX paid out for claims. " + AMOUNT)
    documents: int
    acceptances: int
    deletion_requests: int
    deletions_processed: int
    block: int | None = Field(description=BLOCK)


class Holder(BaseModel):
    account: str
    amount: str = Field(description=AMOUNT, pattern=r"^[0-9]{1,78}$")


class Sale(BaseModel):
    settlement_id: int
    release_id: int
    token_id: int
    seller: str
    buyer: str
    currency: str = Field(description="The zero address for the native coin, else a token.")
    price: str = Field(description=AMOUNT, pattern=r"^[0-9]{1,78}$")
    primary: bool
    block_number: int


class Payout(BaseModel):
    recipient: str
    currency: str
    credited: str = Field(description=AMOUNT, pattern=r"^[0-9]{1,78}$")
    withdrawn: str = Field(description=AMOUNT, pattern=r"^[0-9]{1,78}$")
    pending: str = Field(description=AMOUNT, pattern=r"^[0-9]{1,78}$")


class Claim(BaseModel):
    claim_id: int
    user: str
    pool: str
    amount: str = Field(description=AMOUNT, pattern=r"^[0-9]{1,78}$")
    proof_hash: str
    day: int = Field(description="The UTC day (days since the Unix epoch) it counts against.")
    status: str


class Document(BaseModel):
    doc_type: str
    version: int
    document_hash: str
    registered_block: int


class Acceptance(BaseModel):
    user: str
    doc_type: str
    version: int
    document_hash: str
    accepted_at: int = Field(description="Unix seconds.")


class DeletionRequest(BaseModel):
    request_id: int
    user: str
    regime: str
    requested_at: int = Field(description="Unix seconds.")
    processed_at: int | None = Field(description="Unix seconds; null while open.")


class Event(BaseModel):
    chain: str
    block_number: int
    block_hash: str
    tx_id: str
    log_index: int
    kind: str = Field(description="The event's name, such as TokensTransferred.")
    data: dict[str, Any] = Field(
        description="The event's fields: integers as decimal strings, addresses and hashes as "
        "text, enums by name."
    )


class Quarantined(BaseModel):
    chain: str
    block_number: int
    tx_id: str
    log_index: int
    reason: str
    raw: str = Field(description="The log as it came, 0x hex.")


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]
    head: int | None
    indexed: int | None
    lag: int | None
    writes: str = Field(
        description="`ok` when the operator's writes can be sent; else `off:` and why (the "
        "server holds no operator key, or serves reads only). Not a condition of readiness."
    )


# --- records into documents ------------------------------------------------------------------


JsonObject = dict[str, Any]
"""A JSON document as the models above describe it, keys in their fields' order."""


@frozen
class Render:
    """Records into the documents the models above describe, with one chain's address
    rendering. Plain dicts, not models: a page of them is encoded as it is (``json_answer``),
    without a model built and validated for every row."""

    addresses: AddressText

    def address(self, address: Address) -> str:
        return self.addresses.render(address)

    def release(self, record: ReleaseRecord) -> JsonObject:
        address = self.address
        return {
            "release_id": record.release_id,
            "artist": address(record.artist),
            "title": record.title,
            "artist_name": record.artist_name,
            "content_hash": record.content_hash.to_hex(),
            "max_editions": record.max_editions,
            "minted": record.minted,
            "royalty_bps": record.royalty_bps,
            "split": [
                {"recipient": address(r), "share_bps": s}
                for r, s in zip(record.recipients, record.shares_bps, strict=True)
            ],
            "created_block": record.created_block,
        }

    def edition(self, record: EditionRecord) -> JsonObject:
        return {
            "token_id": record.token_id,
            "release_id": record.release_id,
            "edition": record.edition,
            "owner": self.address(record.owner),
        }

    def holder(self, account: Address, amount: int) -> JsonObject:
        return {"account": self.address(account), "amount": str(amount)}

    def sale(self, record: SaleRecord) -> JsonObject:
        address = self.address
        return {
            "settlement_id": record.settlement_id,
            "release_id": record.release_id,
            "token_id": record.token_id,
            "seller": address(record.seller),
            "buyer": address(record.buyer),
            "currency": address(record.currency),
            "price": str(record.price),
            "primary": record.primary,
            "block_number": record.block_number,
        }

    def payout(self, record: PayoutRecord) -> JsonObject:
        return {
            "recipient": self.address(record.recipient),
            "currency": self.address(record.currency),
            "credited": str(record.credited),
            "withdrawn": str(record.withdrawn),
            "pending": str(record.pending),
        }

    def stats(self, record: PlatformStats, block: int | None) -> JsonObject:
        counts = attrs.asdict(record, recurse=False)
        counts["sales_volume"] = [
            {"currency": self.address(currency), "amount": str(amount)}
            for currency, amount in record.sales_volume
        ]
        counts["token_supply"] = str(record.token_supply)
        counts["rewards_paid"] = str(record.rewards_paid)
        document = {name: counts[name] for name in Stats.model_fields if name != "block"}
        document["block"] = block
        return document

    def claim(self, record: ClaimRecord) -> JsonObject:
        return {
            "claim_id": record.claim_id,
            "user": self.address(record.user),
            "pool": enum_name(record.pool),
            "amount": str(record.amount),
            "proof_hash": record.proof_hash.to_hex(),
            "day": record.day,
            "status": enum_name(record.status),
        }

    def document(self, record: DocumentRecord) -> JsonObject:
        return {
            "doc_type": enum_name(record.doc_type),
            "version": record.version,
            "document_hash": record.document_hash.to_hex(),
            "registered_block": record.registered_block,
        }

    def acceptance(self, record: AcceptanceRecord) -> JsonObject:
        return {
            "user": self.address(record.user),
            "doc_type": enum_name(record.doc_type),
            "version": record.version,
            "document_hash": record.document_hash.to_hex(),
            "accepted_at": record.accepted_at,
        }

    def deletion(self, record: DeletionRecord) -> JsonObject:
        return {
            "request_id": record.request_id,
            "user": self.address(record.user),
            "regime": enum_name(record.regime),
            "requested_at": record.requested_at,
            "processed_at": record.processed_at,
        }

    def event(self, stored: StoredEvent) -> JsonObject:
        position = stored.position
        return {
            "chain": stored.chain,
            "block_number": position.block_number,
            "block_hash": position.block_hash.to_hex(),
            "tx_id": position.tx_id.to_hex(),
            "log_index": position.log_index,
            "kind": type(stored.event).__name__,
            "data": self.event_fields(stored.event),
        }

    def event_fields(self, event: DomainEvent) -> dict[str, Any]:
        return {
            field.name: self.value(getattr(event, field.name))
            for field in attrs.fields(type(event))
            if field.name != "position"
        }

    def value(self, value: object) -> Any:
        """A field of an event as JSON; a type no event field has fails loudly."""
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, IntEnum):
            return enum_name(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, Address):
            return self.address(value)
        if isinstance(value, Hash32):
            return value.to_hex()
        if isinstance(value, bytes):
            return "0x" + value.hex()
        if isinstance(value, tuple):
            return [self.value(item) for item in value]
        raise TypeError(f"no JSON rendering for an event field of type {type(value).__name__}")

    def stored_event(self, stored: StoredEventJson) -> JsonObject:
        """What ``event`` gives for the event, from its fields as stored, without decoding
        them into the event first: only enums and addresses read differently."""
        fields = stored.fields
        return {
            "chain": stored.chain,
            "block_number": stored.block_number,
            "block_hash": stored.block_hash.to_hex(),
            "tx_id": stored.tx_id.to_hex(),
            "log_index": stored.log_index,
            "kind": stored.kind,
            "data": {name: read(self, fields[name]) for name, read in _stored_fields(stored.kind)},
        }

    def quarantined(self, log: QuarantinedLog) -> JsonObject:
        return {
            "chain": log.chain,
            "block_number": log.block_number,
            "tx_id": log.tx_id.to_hex(),
            "log_index": log.log_index,
            "reason": log.reason,
            "raw": "0x" + log.raw.hex(),
        }


StoredRead = Callable[[Render, Any], Any]
"""A field of an event as stored (``event_json``) into what ``Render.value`` makes of it."""


def _stored_fields(kind: str) -> list[tuple[str, StoredRead]]:
    found = _STORED_FIELDS.get(kind)
    if found is None:
        cls = EVENT_CLASSES.get(kind)
        if cls is None:
            raise EventJsonError(kind, "no event class has this name")
        hints = typing.get_type_hints(cls)
        found = _STORED_FIELDS[kind] = [
            (field.name, _stored_read(hints[field.name]))
            for field in attrs.fields(cls)
            if field.name != "position"
        ]
    return found


_STORED_FIELDS: dict[str, list[tuple[str, StoredRead]]] = {}


def _as_stored(_render: Render, value: Any) -> Any:
    return value


def _stored_read(hint: Any) -> StoredRead:
    """Ints are stored as decimal strings and hashes as ``0x`` hex, as they are answered;
    enums are stored by value and answered by name, addresses stored as hex and answered in
    the chain's rendering."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        (present,) = [arg for arg in args if arg is not type(None)]
        inner = _stored_read(present)
        return lambda render, value: None if value is None else inner(render, value)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _stored_read(args[0])
        return lambda render, values: [item(render, value) for value in values]
    if isinstance(hint, type) and issubclass(hint, IntEnum):
        names = {int(member): enum_name(member) for member in hint}
        return lambda _render, value: names[value]
    if hint is Address:
        return lambda render, value: render.addresses.render_hex(value)
    if hint in (bool, str, int, Hash32):
        return _as_stored
    raise TypeError(f"no JSON rendering for an event field of type {hint!r}")
