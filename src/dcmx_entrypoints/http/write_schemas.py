"""What the write endpoints take and answer with.

Amounts are decimal strings of base units (a uint256 does not fit a JSON number), hashes ``0x``
and 64 hex digits, addresses either rendering (EIP-55 hex or TRON base58check), enums their
lower-case names. Every answer is the receipt of the transaction that did the work, with the
transactions sent before it to prepare it (an approval, a pool's configuration).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from dcmx_core.model.access import NONCE_PATTERN
from dcmx_core.model.enums import DocumentType, Pool, Regime

MAX_ID: Final = 2**63 - 1


def _one_of(names: list[str]) -> str:
    return "^(" + "|".join(names) + ")$"


POOLS: Final = [pool.name.lower() for pool in Pool]
DOCUMENT_TYPES: Final = [doc_type.name.lower() for doc_type in DocumentType]
REGIMES: Final = [regime.name.lower() for regime in Regime]

ADDRESS_FORMAT: Final = {
    "format": "address",
    "examples": [
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "THVmXun9u721tBiYcT3VfLQKcwYBmoY1xX",
    ],
    "x-pattern": r"^(0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33})$",
}
"""How the OpenAPI document names an address: 0x and 40 hex digits (EIP-55 when mixed case) or
base58check (``T`` and 33 more). ``x-pattern`` documents it without making validators of the
document refuse what the API reads itself (with a problem that says what was wrong)."""

AddressIn = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="An address: 0x hex (EIP-55 if mixed case) or TRON base58check (T…).",
        json_schema_extra=ADDRESS_FORMAT,
    ),
]
AmountIn = Annotated[
    str, Field(pattern=r"^[0-9]{1,78}$", description="Base units, a decimal string.")
]
HashIn = Annotated[
    str, Field(pattern=r"^0x[0-9a-fA-F]{64}$", description="32 bytes: 0x and 64 hex digits.")
]
SignatureIn = Annotated[
    str,
    Field(
        pattern=r"^0x[0-9a-fA-F]{130}$",
        description="65 bytes r ‖ s ‖ v (v 27 or 28), 0x hex, as wallets give it.",
    ),
]
DECIMAL_DIGITS: Final = re.compile(r"[0-9]{1,19}")


def whole_number(value: object) -> object:
    """An id as a JSON integer, or (in a path or a query) its digits only: ``1.0``, ``+1``,
    `` 1`` or ``true`` are no id."""
    if isinstance(value, bool | float):
        raise ValueError("an id is a whole number, not a float or a boolean")
    if isinstance(value, str) and not DECIMAL_DIGITS.fullmatch(value):
        raise ValueError("an id is a whole number written in digits only")
    return value


StrictDigits = BeforeValidator(whole_number)
"""Ids are read strictly (pydantic alone would take ``1.0`` and ``"1"`` for 1)."""

IdIn = Annotated[int, Field(ge=1, le=MAX_ID), StrictDigits]
PoolIn = Annotated[str, Field(pattern=_one_of(POOLS), description="One of " + ", ".join(POOLS))]
DocumentTypeIn = Annotated[
    str, Field(pattern=_one_of(DOCUMENT_TYPES), description="One of " + ", ".join(DOCUMENT_TYPES))
]
RegimeIn = Annotated[
    str, Field(pattern=_one_of(REGIMES), description="One of " + ", ".join(REGIMES))
]
NonceIn = Annotated[
    str, Field(pattern=NONCE_PATTERN, description="8 to 64 letters and digits, never reused.")
]
ExpiresIn = Annotated[
    int, Field(ge=0, le=MAX_ID, description="Unix seconds; in the future, and not too far.")
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # 1.0 or "1" is no integer


# --- operator requests ------------------------------------------------------------------------


class ShareIn(Body):
    recipient: AddressIn
    share_bps: int = Field(ge=0, le=10_000, description="Basis points of 10,000.")


class ReleaseIn(Body):
    artist: AddressIn
    title: str = Field(max_length=2_048, description="At most 1,024 UTF-8 bytes.")
    artist_name: str = Field(max_length=2_048, description="At most 1,024 UTF-8 bytes.")
    content_hash: HashIn
    max_editions: int = Field(ge=0, le=MAX_ID, description="1 to 100,000.")
    royalty_bps: int = Field(ge=0, le=10_000, description="0 to 5,000 basis points.")
    split: list[ShareIn] = Field(
        min_length=1, max_length=64, description="1 to 20 recipients, shares adding to 10,000."
    )


class MintIn(Body):
    recipient: AddressIn


class ListingIn(Body):
    currency: AddressIn = Field(description="The zero address for the native coin, else a token.")
    price: AmountIn


class RoyaltyIn(Body):
    currency: AddressIn
    amount: AmountIn


class WithdrawalIn(Body):
    currency: AddressIn


class PoolFundingIn(Body):
    amount: AmountIn = Field(description="Added to the pool's allocation.")
    daily_limit: AmountIn | None = Field(
        default=None, description="The per-user daily limit to set first; unchanged when null."
    )


class VerifierIn(Body):
    account: AddressIn


class ReviewIn(Body):
    approved: bool


class DocumentIn(Body):
    version: IdIn
    text: str = Field(
        min_length=1,
        max_length=60_000,
        description="The document's text; its SHA-256 (of the UTF-8 bytes) is registered.",
    )


# --- signed by users --------------------------------------------------------------------------


class TypedSignatureIn(Body):
    """A user's EIP-712 signature, which the compliance contract verifies when relayed."""

    user: AddressIn
    nonce: int = Field(ge=0, le=MAX_ID, description="The user's nonce on the contract.")
    expiry: ExpiresIn
    signature: SignatureIn


class AcceptanceIn(TypedSignatureIn):
    doc_type: DocumentTypeIn
    version: IdIn


class DeletionIn(TypedSignatureIn):
    regime: RegimeIn


class PersonalSignatureIn(Body):
    """A request signed with EIP-191 ``personal_sign`` over its canonical message."""

    user: AddressIn
    nonce: NonceIn
    expires: ExpiresIn
    signature: SignatureIn


class ClaimIn(PersonalSignatureIn):
    pool: PoolIn
    amount: AmountIn
    proof_hash: HashIn


class PurchaseIn(PersonalSignatureIn):
    token_id: IdIn
    currency: AddressIn
    price: AmountIn


# --- answers ----------------------------------------------------------------------------------


class ReceiptEvent(BaseModel):
    kind: str = Field(description="The event's name, such as ReleaseCreated.")
    log_index: int | None
    data: dict[str, Any] = Field(
        description="The event's fields: integers as decimal strings, addresses and hashes as "
        "text, enums by name."
    )


class Transaction(BaseModel):
    tx_id: str
    block_number: int
    block_hash: str
    events: list[ReceiptEvent]


class Outcome(Transaction):
    """The receipt of the transaction that did the work."""

    prepared: list[Transaction] = Field(
        description="Transactions sent first to make it possible (an operator grant, an "
        "approval, a pool's daily limit), in order; usually none."
    )


class ReleaseOutcome(Outcome):
    release_id: int


class EditionOutcome(Outcome):
    token_id: int


class SaleOutcome(Outcome):
    settlement_id: int


class AmountOutcome(Outcome):
    amount: str = Field(description="Base units, a decimal string.", pattern=r"^[0-9]{1,78}$")


class ClaimOutcome(Outcome):
    claim_id: int


class DocumentOutcome(Outcome):
    document_hash: str


class DeletionOutcome(Outcome):
    request_id: int


class ErasureOutcome(Outcome):
    user: str
    erased_at: int = Field(description="Unix seconds.")


class MessageFormat(BaseModel):
    """What a client needs to build the canonical message of a signed request."""

    header: str = Field(description="The message's first line.")
    chain: str = Field(description="The value of its `chain:` line.")
    prefix: str = Field(description="The EIP-191 prefix the signature is over (before the length).")
    expiry_max: int = Field(description="How far ahead of now `expires` may be, in seconds.")


class TypedData(BaseModel):
    """EIP-712 typed data for ``eth_signTypedData_v4``, and the digest a signature is over."""

    domain: dict[str, Any]
    types: dict[str, list[dict[str, str]]]
    primaryType: str  # noqa: N815 (the name EIP-712 gives it)
    message: dict[str, Any]
    digest: str
