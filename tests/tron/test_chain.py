"""The local node's chain: ids hashed like java-tron's, solidification, reorganizations, fees,
and the same API over a real HTTP socket."""

from __future__ import annotations

import hashlib

import pytest
import requests
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.exceptions import (  # type: ignore[import-untyped]
    TransactionNotFound,
    UnknownError,
)
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]
from tronpy.providers import HTTPProvider  # type: ignore[import-untyped]

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.exceptions import OutOfRange
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.protobuf import encode
from dcmx_devnode.records import merkle_root
from dcmx_devnode.server import serve
from dcmx_devnode.transaction import Transaction
from tests.tron.conftest import TRX, deploy_token, key_of

# A mainnet TRX transfer as java-tron's documentation prints it: raw_data and raw_data_hex.
REAL_RAW_DATA = {
    "contract": [
        {
            "parameter": {
                "value": {
                    "amount": 1000,
                    "owner_address": "41608f8da72479edc7dd921e4c30bb7e7cddbe722e",
                    "to_address": "41e9d79cc47518930bc322d9bf7cddd260a0260a8d",
                },
                "type_url": "type.googleapis.com/protocol.TransferContract",
            },
            "type": "TransferContract",
        }
    ],
    "ref_block_bytes": "5e4b",
    "ref_block_hash": "47c9dc89341b300d",
    "expiration": 1591089627000,
    "timestamp": 1591089567635,
}
REAL_RAW_DATA_HEX = (
    "0a025e4b220847c9dc89341b300d40f8fed3a2a72e5a66080112620a2d747970652e676f6f676c65617069732e"
    "636f6d2f70726f746f636f6c2e5472616e73666572436f6e747261637412310a1541608f8da72479edc7dd921e"
    "4c30bb7e7cddbe722e121541e9d79cc47518930bc322d9bf7cddd260a0260a8d18e8077093afd0a2a72e"
)


def test_the_txid_is_the_hash_of_the_raw_data_java_tron_serializes() -> None:
    tx = Transaction.from_json({"raw_data": REAL_RAW_DATA})
    assert tx.raw_bytes.hex() == REAL_RAW_DATA_HEX
    assert tx.txid == hashlib.sha256(bytes.fromhex(REAL_RAW_DATA_HEX)).digest()


def test_visible_raw_data_hashes_to_the_same_txid() -> None:
    visible = Transaction.unsigned(REAL_RAW_DATA).to_json(visible=True)
    assert visible["raw_data"]["contract"][0]["parameter"]["value"]["owner_address"][0] == "T"
    again = Transaction.from_json({"raw_data": visible["raw_data"], "visible": True})
    assert again.raw_bytes.hex() == REAL_RAW_DATA_HEX


def test_block_ids_start_with_the_number_and_chain_by_parent(
    client: Tron, node: LocalTronNode
) -> None:
    node.mine(3)
    block = client.get_block(2)
    assert block["blockID"][:16] == (2).to_bytes(8).hex()
    assert block["block_header"]["raw_data"]["parentHash"] == client.get_block(1)["blockID"]
    assert client.get_latest_block_number() == 3
    assert node.chain_id == int(client.get_block(0)["blockID"][-8:], 16)


def test_the_solidified_head_lags_by_the_depth(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    ret = client.trx.transfer(admin, key_of("b").public_key.to_base58check_address(), 1)
    ret = ret.build().sign(admin_key).broadcast()
    node.mine(10)

    assert client.get_latest_solid_block_number() == 0  # 11 blocks < 19
    with pytest.raises(TransactionNotFound):
        client.get_solid_transaction_info(ret.txid)
    node.mine(9)
    assert client.get_latest_solid_block_number() == node.head.number - 19 == 1
    assert client.get_solid_transaction_info(ret.txid)["blockNumber"] == 1
    solid = client.provider.make_request("walletsolidity/getnowblock", {})
    assert solid["block_header"]["raw_data"]["number"] == 1


def test_reorganizing_drops_blocks_state_and_transactions(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    receiver = key_of("receiver").public_key.to_base58check_address()
    ret = client.trx.transfer(admin, receiver, 7 * TRX).build().sign(admin_key).broadcast()
    old_id = client.get_block(1)["blockID"]

    node.reorganize(1)
    node.mine(1)

    assert client.get_block(1)["blockID"] != old_id
    assert node.balance(receiver) == 0
    assert client.provider.make_request("wallet/getaccount", {"address": receiver}) == {}
    with pytest.raises(TransactionNotFound):
        client.get_transaction_info(ret.txid)


def test_reorganizing_removes_a_dropped_contract(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    info = deploy_token(client, admin, admin_key)
    node.reorganize(1)
    assert (
        client.provider.make_request(
            "wallet/getcontract", {"value": info["contract_address"], "visible": True}
        )
        == {}
    )
    assert node.tvm.code(bytes.fromhex(client.to_hex_address(info["contract_address"]))) == b""
    assert deploy_token(client, admin, admin_key)["receipt"]["result"] == "SUCCESS"


def test_solidified_blocks_cannot_be_reorganized() -> None:
    node = LocalTronNode(solidify_depth=2)
    node.mine(5)
    node.reorganize(2)
    with pytest.raises(OutOfRange):
        node.reorganize(3)


def test_energy_is_paid_for_and_capped_by_the_fee_limit(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    info = deploy_token(client, admin, admin_key)
    receipt = info["receipt"]
    assert receipt["energy_fee"] == receipt["energy_usage_total"] * 100
    assert info["fee"] == receipt["energy_fee"] + receipt.get("net_fee", 0)
    assert node.balance(admin) == 10_000 * TRX - info["fee"]

    cheap = client.provider.make_request(
        "wallet/deploycontract",
        {
            "owner_address": admin,
            "abi": "[]",
            "bytecode": "5b600056",  # JUMPDEST PUSH1 0 JUMP: loops until out of energy
            "fee_limit": 1_000,
            "origin_energy_limit": 1,
            "visible": True,
        },
    )
    signed = dict(cheap, signature=[admin_key.sign_msg_hash(bytes.fromhex(cheap["txID"])).hex()])
    assert client.provider.make_request("wallet/broadcasttransaction", signed)["result"] is True
    out_of_energy = client.get_transaction_info(cheap["txID"])
    assert out_of_energy["receipt"]["result"] == "OUT_OF_ENERGY"
    assert out_of_energy["receipt"]["energy_fee"] == 1_000  # all the fee limit buys, burned


def test_an_unknown_endpoint_is_a_404(client: Tron) -> None:
    with pytest.raises(requests.HTTPError, match="404"):
        client.provider.make_request("wallet/listwitnesses", {})


def test_the_node_answers_over_http_too(node: LocalTronNode) -> None:
    node.mine(2)
    with serve(node) as url:
        client = Tron(provider=HTTPProvider(url))
        assert client.get_latest_block_number() == 2
        block = node.block(1)
        assert block is not None
        assert client.get_block(1)["blockID"] == block.block_id.hex()


def test_transactions_broadcast_in_one_block_are_mined_together(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    receivers = [key_of(name).public_key.to_base58check_address() for name in ("r1", "r2")]
    with node.one_block():
        sent = [
            client.trx.transfer(admin, to, TRX).build().sign(admin_key).broadcast()
            for to in receivers
        ]
        with pytest.raises(TransactionNotFound):
            client.get_transaction_info(sent[0].txid)  # not mined until the block is

    block = client.get_block(1)
    infos = client.provider.make_request("wallet/gettransactioninfobyblocknum", {"num": 1})
    assert node.head.number == 1
    assert [t["txID"] for t in block["transactions"]] == [s.txid for s in sent]
    assert [i["id"] for i in infos] == [s.txid for s in sent]
    mined = node.block(1)
    assert mined is not None
    root = merkle_root([tx.serialized() for tx, _ in mined.entries])
    assert block["block_header"]["raw_data"]["txTrieRoot"] == root.hex()
    assert all(node.balance(to) == TRX for to in receivers)


def test_a_transaction_twice_in_one_block_is_refused(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    receiver = key_of("r1").public_key.to_base58check_address()
    tx = client.trx.transfer(admin, receiver, TRX).build().sign(admin_key)
    with node.one_block():
        tx.broadcast()
        with pytest.raises(UnknownError, match="Dup transaction"):
            tx.broadcast()
    assert node.balance(receiver) == TRX


def test_a_blocks_witness_signature_is_its_witness_signing_the_header_hash() -> None:
    node = LocalTronNode()
    node.mine(2)
    block = node.block(2)
    assert block is not None
    printed = block.to_json(visible=False)["block_header"]
    digest = hashlib.sha256(encode("BlockHeader.raw", printed["raw_data"])).digest()
    assert digest[8:] == block.block_id[8:]
    signer = EthCrypto().recover_signer(digest, bytes.fromhex(printed["witness_signature"]))
    assert signer is not None
    assert "41" + signer.raw.hex() == printed["raw_data"]["witness_address"]
