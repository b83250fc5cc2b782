"""Fixtures of the local TRON node tests: a fresh node, tronpy's client on it through the
in-process provider, a funded admin with a real key, and the DCMX token deployed by tronpy."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from eth_abi.abi import encode
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.contract import Contract  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]

from dcmx_adapters.evm.artifacts import artifact
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.provider import LocalTronProvider

TRX = 10**6
DEPLOY_FEE_LIMIT = 1_000 * TRX
CALL_FEE_LIMIT = 100 * TRX


def key_of(name: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(name.encode()).digest())


def account(key: PrivateKey) -> bytes:
    return bytes.fromhex(key.public_key.to_hex_address()[2:])


@pytest.fixture
def node() -> LocalTronNode:
    return LocalTronNode()


@pytest.fixture
def client(node: LocalTronNode) -> Tron:
    return Tron(provider=LocalTronProvider(node))


@pytest.fixture
def admin_key() -> PrivateKey:
    return key_of("admin")


@pytest.fixture
def admin(node: LocalTronNode, admin_key: PrivateKey) -> str:
    address: str = admin_key.public_key.to_base58check_address()
    node.fund(address, 10_000 * TRX)
    return address


def deploy_token(client: Tron, admin: str, admin_key: PrivateKey) -> dict[str, Any]:
    """Deploy DCMXToken (constructor argument appended by hand) and return its tx info."""
    built = artifact("DCMXToken")
    code = built.bytecode + encode(["address"], [account(admin_key)])
    contract = Contract(bytecode=code, abi=list(built.abi), name="DCMXToken")
    tx = client.trx.deploy_contract(admin, contract).fee_limit(DEPLOY_FEE_LIMIT).build()
    info: dict[str, Any] = tx.sign(admin_key).broadcast().wait()
    return info


@pytest.fixture
def token(client: Tron, admin: str, admin_key: PrivateKey) -> Contract:
    info = deploy_token(client, admin, admin_key)
    return client.get_contract(info["contract_address"])
