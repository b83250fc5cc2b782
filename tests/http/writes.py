"""What the write tests share: a fresh in-memory ledger with the API over it (write side on),
API keys of each scope, and users who sign requests with their wallet's key."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from attrs import frozen
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from fastapi import FastAPI

from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.model.access import ApiKey, Scope, issue_key
from dcmx_core.model.values import Address
from dcmx_entrypoints.demo.cast import Person, person
from dcmx_entrypoints.demo.stacks import DemoStack, memory_stack
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.signed_requests import TRON_PREFIX, canonical_message
from dcmx_entrypoints.http.writing import Operator, WriteLimits
from tests.http.client import ApiClient, api_client

START = 1_767_225_600
CHAIN = "demo"
CRYPTO = EthCrypto()
ETH = 10**18
ZERO = "0x" + "00" * 20
ALL_SCOPES = tuple(Scope)


@frozen
class World:
    stack: DemoStack
    uow: MemoryUnitOfWork
    api: ApiClient
    tokens: dict[Scope, str]
    keys: dict[Scope, ApiKey]
    app: FastAPI

    @property
    def operator(self) -> Person:
        return self.stack.operator

    def auth(self, scope: Scope) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}

    def hex(self, address: Address) -> str:
        return address.to_checksum_hex(CRYPTO.keccak256)


@contextmanager
def world(
    *, limits: WriteLimits | None = None, tron: bool = False, body_max: int = 65_536
) -> Iterator[World]:
    stack = memory_stack(start=START)
    uow = MemoryUnitOfWork()
    tokens: dict[Scope, str] = {}
    keys: dict[Scope, ApiKey] = {}
    with uow:
        for scope in ALL_SCOPES:
            issued = issue_key(f"{scope.value} desk", frozenset({scope}), START)
            uow.api_keys.add_key(issued.key)
            tokens[scope], keys[scope] = issued.token, issued.key
        uow.commit()
    operator = Operator(
        ledger=stack.ledger,
        address=stack.operator.address,
        crypto=CRYPTO,
        clock=stack.clock,
        limits=limits or WriteLimits(),
    )
    app = create_app(
        unit_of_work=lambda: uow,
        chain=CHAIN,
        ledger=stack.ledger,
        keccak=CRYPTO.keccak256,
        tron_addresses=tron,
        operator=operator,
        request_body_max=body_max,
    )
    with api_client(app) as api:
        yield World(stack, uow, api, tokens, keys, app)


def user(name: str) -> Person:
    return person(name, CRYPTO)


def fresh_nonce() -> str:
    return secrets.token_hex(8)


def personal_sign(key: bytes, message: str, *, tron: bool = False) -> str:
    """EIP-191 ``personal_sign`` as a wallet does it (eth-account), or TronLink's
    ``signMessageV2`` with TRON's prefix."""
    if tron:
        data = message.encode()
        digest = CRYPTO.keccak256(TRON_PREFIX + str(len(data)).encode() + data)
        return "0x" + CRYPTO.sign_digest(key, digest).hex()
    signed = Account.sign_message(encode_defunct(text=message), private_key=key)
    return "0x" + bytes(signed.signature).hex()


def typed_sign(key: bytes, typed: dict[str, Any]) -> str:
    """``eth_signTypedData_v4`` as a wallet does it (eth-account), over what the API gave."""
    full = {name: typed[name] for name in ("domain", "types", "primaryType", "message")}
    signed = Account.sign_message(encode_typed_data(full_message=full), private_key=key)
    return "0x" + bytes(signed.signature).hex()


def signed_claim(
    w: World,
    signer: Person,
    *,
    as_user: Person | None = None,
    amount: int = 5 * ETH,
    proof: str = "0x" + "ab" * 32,
    nonce: str | None = None,
    expires: int = START + 300,
    tron: bool = False,
) -> dict[str, Any]:
    """A claim request for ``as_user`` (the signer by default) signed by ``signer``."""
    claimant = as_user or signer
    nonce = nonce or fresh_nonce()
    rendered = claimant.address.to_base58() if tron else w.hex(claimant.address)
    message = canonical_message(
        "submit-claim",
        CHAIN,
        rendered,
        [("pool", "listening"), ("amount", str(amount)), ("proof_hash", proof)],
        nonce,
        expires,
    )
    return {
        "user": rendered,
        "pool": "listening",
        "amount": str(amount),
        "proof_hash": proof,
        "nonce": nonce,
        "expires": expires,
        "signature": personal_sign(signer.key, message, tron=tron),
    }
