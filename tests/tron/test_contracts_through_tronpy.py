"""tronpy's own code path against the local node: deploy, trigger, wait, call, read infos."""

from __future__ import annotations

from typing import Any

import pytest
from eth_hash.auto import keccak
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.contract import Contract  # type: ignore[import-untyped]
from tronpy.exceptions import TvmError  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey, to_base58check_address  # type: ignore[import-untyped]

from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.transaction import contract_address
from tests.tron.conftest import CALL_FEE_LIMIT, account, deploy_token, key_of

TRANSFER_TOPIC = keccak(b"Transfer(address,address,uint256)").hex()


def _send(method: Any, owner: str, key: PrivateKey) -> dict[str, Any]:
    builder = method.with_owner(owner).fee_limit(CALL_FEE_LIMIT)
    info: dict[str, Any] = builder.build().sign(key).broadcast().wait()
    return info


def test_a_contract_goes_where_tron_puts_it(
    client: Tron, admin: str, admin_key: PrivateKey
) -> None:
    info = deploy_token(client, admin, admin_key)
    owner = bytes.fromhex(admin_key.public_key.to_hex_address())
    expected = contract_address(bytes.fromhex(str(info["id"])), owner)
    assert info["contract_address"] == to_base58check_address(expected.hex())
    assert info["receipt"]["result"] == "SUCCESS"
    token = client.get_contract(info["contract_address"])
    assert token.functions.name() == "DCMX"
    assert token.functions.admin() == admin


def test_a_state_change_is_mined_with_its_transfer_log(
    client: Tron, node: LocalTronNode, token: Contract, admin: str, admin_key: PrivateKey
) -> None:
    holder = key_of("holder").public_key.to_base58check_address()
    _send(token.functions.addMinter(admin), admin, admin_key)
    info = _send(token.functions.mint(holder, 1_234), admin, admin_key)

    assert token.functions.balanceOf(holder) == 1_234
    assert info["receipt"]["result"] == "SUCCESS"
    assert info["receipt"]["energy_usage_total"] > 0
    assert info["receipt"].get("net_usage", 0) or info["receipt"]["net_fee"]
    (log,) = info["log"]
    assert log["address"] == token.contract_address  # visible: base58check, as tronpy asks
    assert log["topics"][0] == TRANSFER_TOPIC
    assert log["topics"][2] == account(key_of("holder")).rjust(32, b"\0").hex()
    assert int(log["data"], 16) == 1_234


def test_a_block_lists_every_receipt_with_hex_log_addresses(
    client: Tron, node: LocalTronNode, token: Contract, admin: str, admin_key: PrivateKey
) -> None:
    _send(token.functions.addMinter(admin), admin, admin_key)
    info = _send(token.functions.mint(admin, 5), admin, admin_key)
    number = info["blockNumber"]

    infos = client.provider.make_request("wallet/gettransactioninfobyblocknum", {"num": number})
    block = client.get_block(number)

    assert [i["id"] for i in infos] == [t["txID"] for t in block["transactions"]]
    assert block["transactions"][0]["ret"] == [{"contractRet": "SUCCESS"}]
    # Without visible, java-tron prints a log's address as the 20 bytes, without 0x41.
    contract = bytes.fromhex(client.to_hex_address(token.contract_address))
    assert infos[0]["log"][0]["address"] == contract[1:].hex()
    assert infos[0]["contract_address"] == contract.hex()


def test_a_revert_is_mined_as_failed_with_its_revert_data(
    client: Tron, token: Contract, admin: str, admin_key: PrivateKey
) -> None:
    stranger_key = key_of("stranger")
    stranger = stranger_key.public_key.to_base58check_address()
    client.provider.node.fund(stranger, 10**9)
    ret = (
        token.functions.mint(stranger, 1)
        .with_owner(stranger)
        .fee_limit(CALL_FEE_LIMIT)
        .build()
        .sign(stranger_key)
        .broadcast()
    )
    info = ret.wait()

    assert info["result"] == "FAILED"
    assert info["receipt"]["result"] == "REVERT"
    assert info["resMessage"] == "REVERT opcode executed"
    not_minter = keccak(b"NotMinter(address)")[:4].hex()
    assert info["contractResult"][0] == not_minter + account(stranger_key).rjust(32, b"\0").hex()
    with pytest.raises(TvmError, match="REVERT opcode executed"):
        ret.result()
    raw = client.provider.make_request("wallet/gettransactioninfobyid", {"value": ret.txid})
    assert raw["resMessage"] == b"REVERT opcode executed".hex()


def test_a_reverting_constant_call_raises_tvm_error(
    client: Tron, token: Contract, admin: str
) -> None:
    with pytest.raises(TvmError, match="REVERT opcode executed"):
        client.trigger_constant_contract(
            admin, token.contract_address, "mint(address,uint256)", "00" * 64
        )


def test_a_constant_call_on_no_contract_is_refused(client: Tron, admin: str) -> None:
    answer = client.provider.make_request(
        "wallet/triggerconstantcontract",
        {
            "owner_address": admin,
            "contract_address": admin,
            "function_selector": "name()",
            "visible": True,
        },
    )
    assert answer == {
        "result": {"code": "CONTRACT_VALIDATE_ERROR", "message": "Smart contract is not exist."}
    }


def test_trx_moves_with_a_transfer_and_creates_the_account(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    newcomer = key_of("newcomer").public_key.to_base58check_address()
    info = (
        client.trx.transfer(admin, newcomer, 2_500_000).build().sign(admin_key).broadcast().wait()
    )

    assert node.balance(newcomer) == 2_500_000
    assert client.get_account(newcomer)["balance"] == 2_500_000
    assert "result" not in info["receipt"]  # a transfer never reaches the TVM
    # A new account without staked bandwidth: 0.1 TRX instead of bandwidth, and 1 TRX for the
    # account itself (getCreateAccountFee, getCreateNewAccountFeeInSystemContract).
    assert info["receipt"] == {"net_fee": 100_000}
    assert info["fee"] == 1_100_000
