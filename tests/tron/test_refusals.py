"""Transactions java-tron refuses, refused here in java-tron's shapes, raising in tronpy what
tronpy raises on a real node."""

from __future__ import annotations

import pytest
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.exceptions import (  # type: ignore[import-untyped]
    BadSignature,
    TaposError,
    TransactionError,
    UnknownError,
    ValidationError,
)
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]
from tronpy.tron import Transaction as TronpyTransaction  # type: ignore[import-untyped]

from dcmx_devnode.node import LocalTronNode
from tests.tron.conftest import key_of


def _transfer(client: Tron, sender: str, amount: int = 1_000) -> TronpyTransaction:
    receiver = key_of("receiver").public_key.to_base58check_address()
    return client.trx.transfer(sender, receiver, amount).build()


def test_a_signature_by_another_key_is_refused(
    client: Tron, node: LocalTronNode, admin: str
) -> None:
    tx = _transfer(client, admin)
    forged = key_of("forger").sign_msg_hash(bytes.fromhex(tx.txid)).hex()
    tx.set_signature([forged])

    answer = client.provider.make_request("wallet/broadcasttransaction", tx.to_json())
    assert answer["code"] == "SIGERROR"
    assert bytes.fromhex(answer["message"]).decode().startswith("Validate signature error: ")
    with pytest.raises(BadSignature, match="but it is not contained of permission"):
        tx.broadcast()
    assert node.head.number == 0


def test_an_unsigned_transaction_is_refused(client: Tron, admin: str) -> None:
    with pytest.raises(BadSignature, match="miss sig or contract"):
        _transfer(client, admin).broadcast()


def test_an_expired_transaction_is_refused(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    tx = _transfer(client, admin).sign(admin_key)
    node.warp(61)

    with pytest.raises(TransactionError, match="Transaction expiration"):
        tx.broadcast()
    assert node.head.number == 0


def test_a_duplicate_is_refused(client: Tron, admin: str, admin_key: PrivateKey) -> None:
    tx = _transfer(client, admin).sign(admin_key)
    tx.broadcast()

    with pytest.raises(UnknownError) as refused:
        tx.broadcast()
    assert refused.value.args == ("Dup transaction.", "DUP_TRANSACTION_ERROR")


def test_a_transaction_on_a_dropped_block_fails_its_tapos_check(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    node.mine(2)
    receiver = key_of("receiver").public_key.to_base58check_address()
    built = client.provider.make_request(
        "wallet/createtransaction",
        {"owner_address": client.to_hex_address(admin), "to_address": receiver, "amount": 5},
    )
    assert built["raw_data"]["ref_block_bytes"] == "0002"  # TaPoS on the head block
    tx = TronpyTransaction(built["raw_data"], client=client, txid=built["txID"], permission=None)
    tx.sign(admin_key)
    node.reorganize(1)
    node.mine(1)

    with pytest.raises(TaposError, match="Tapos failed"):
        tx.broadcast()


def test_a_transfer_beyond_the_balance_fails_validation(
    client: Tron, admin: str, admin_key: PrivateKey
) -> None:
    tx = _transfer(client, admin, amount=10**18).sign(admin_key)
    with pytest.raises(ValidationError, match="balance is not sufficient"):
        tx.broadcast()


def test_signing_weight_names_the_owner_permission(
    client: Tron, admin: str, admin_key: PrivateKey
) -> None:
    tx = _transfer(client, admin)
    unsigned = client.get_sign_weight(tx)
    signed = client.get_sign_weight(tx.sign(admin_key))

    owner = admin_key.public_key.to_hex_address()
    assert unsigned["permission"]["keys"] == [{"address": owner, "weight": 1}]
    assert unsigned["result"] == {"code": "NOT_ENOUGH_PERMISSION"}
    assert signed["result"] == {"code": "ENOUGH_PERMISSION"}
    assert signed["approved_list"] == [owner]
    assert signed["transaction"]["transaction"]["txID"] == tx.txid


def test_an_account_that_does_not_exist_has_no_permission(client: Tron) -> None:
    nobody = key_of("nobody").public_key.to_base58check_address()
    weight = client.get_sign_weight(_transfer(client, nobody))
    assert weight["result"] == {"code": "PERMISSION_ERROR", "message": "Account does not exist!"}
    assert "permission" not in weight
