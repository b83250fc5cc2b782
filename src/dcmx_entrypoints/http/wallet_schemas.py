"""What the wallet routes take and answer with (``wallet_routes.py``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dcmx_entrypoints.http.write_schemas import (
    AddressIn,
    AmountIn,
    Body,
    DocumentTypeIn,
    HashIn,
    IdIn,
    PoolIn,
    RegimeIn,
)


class UserIn(Body):
    user: AddressIn = Field(description="Who signs and sends it, in their own wallet.")


class PurchasePrepareIn(UserIn):
    token_id: IdIn


class ListingPrepareIn(UserIn):
    token_id: IdIn
    currency: AddressIn = Field(description="The zero address for the native coin, else a token.")
    price: AmountIn


class ClaimPrepareIn(UserIn):
    pool: PoolIn
    amount: AmountIn
    proof_hash: HashIn


class WithdrawalPrepareIn(UserIn):
    currency: AddressIn


class TransferPrepareIn(UserIn):
    to: AddressIn
    amount: AmountIn


class ApprovalPrepareIn(UserIn):
    spender: AddressIn
    amount: AmountIn


class AcceptancePrepareIn(UserIn):
    doc_type: DocumentTypeIn
    version: IdIn


class DeletionPrepareIn(UserIn):
    regime: RegimeIn


class Prepared(BaseModel):
    """Unsigned transactions for the user's wallet, to sign and relay in order."""

    chain: str = Field(description="The chain they are for, as the API names it.")
    user: str = Field(description="Who signs them.")
    transactions: list[dict[str, Any]] = Field(
        description="On an EVM chain: {chainId, from, to, data, value, gas, nonce, "
        "maxFeePerGas, maxPriorityFeePerGas (or gasPrice), type}, quantities as 0x hex, what "
        "eth_signTransaction takes. On TRON: java-tron's triggersmartcontract transaction "
        "{raw_data, raw_data_hex, txID, visible}, what TronLink's signTransaction takes."
    )


class SignedIn(Body):
    signed: str | dict[str, Any] = Field(
        description="The signed transaction: raw, as 0x hex, on an EVM chain; java-tron's "
        "JSON with `signature` on TRON."
    )
