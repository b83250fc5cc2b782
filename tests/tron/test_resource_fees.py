"""What a transaction costs on the local node, by TRON mainnet's figures and java-tron's rules,
as tronpy reads it back: bandwidth from stake, else the free daily allowance, else TRX burned
a byte at a time; an account's creation; a memo; energy from stake, else TRX burned, within
what the fee limit buys; and nothing at all on a free node."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.contract import Contract  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]

from dcmx_adapters.evm.artifacts import artifact
from dcmx_devnode import parameters
from dcmx_devnode.fees import WINDOW_SLOTS, increase
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.provider import LocalTronProvider
from dcmx_devnode.transaction import Transaction
from tests.tron.conftest import CALL_FEE_LIMIT, TRX, key_of

MAINNET = parameters.mainnet()
DAY_SECONDS = 24 * 3600


def address_of(name: str) -> str:
    return str(key_of(name).public_key.to_base58check_address())


def sent(builder: Any, key: PrivateKey) -> dict[str, Any]:
    """Build, sign and broadcast with tronpy; the transaction's info."""
    info: dict[str, Any] = builder.build().sign(key).broadcast().wait()
    return info


def size_of(client: Tron, txid: str) -> int:
    """The bytes java-tron bills for a mined transaction."""
    found = client.provider.make_request("wallet/gettransactionbyid", {"value": txid})
    return Transaction.from_json(found).bandwidth


def account_net(client: Tron, address: str) -> dict[str, Any]:
    net: dict[str, Any] = client.provider.make_request(
        "wallet/getaccountnet", {"address": address, "visible": True}
    )
    return net


@pytest.fixture
def friend(node: LocalTronNode, admin: str) -> str:
    """An account that exists already, so that sending to it creates nothing."""
    address = address_of("friend")
    node.fund(address, TRX)
    return address


def test_the_chain_parameters_are_mainnets_from_the_data_file(client: Tron) -> None:
    reported = {p["key"]: p.get("value", 0) for p in client.get_chain_parameters()}
    assert reported["getEnergyFee"] == 100
    assert reported["getTransactionFee"] == 1_000
    assert reported["getFreeNetLimit"] == 600
    assert reported["getCreateAccountFee"] == 100_000
    assert reported["getCreateNewAccountFeeInSystemContract"] == TRX
    assert reported["getMemoFee"] == TRX
    assert reported["getMaxFeeLimit"] == 15_000 * TRX
    assert reported["getUnfreezeDelayDays"] == 14
    assert reported == dict(MAINNET.as_chain_parameters())


def test_a_free_node_reports_no_price() -> None:
    client = Tron(provider=LocalTronProvider(LocalTronNode(free=True)))
    reported = {p["key"]: p.get("value", 0) for p in client.get_chain_parameters()}
    assert reported["getEnergyFee"] == reported["getTransactionFee"] == 0
    assert reported["getMemoFee"] == reported["getCreateAccountFee"] == 0


def test_a_transfer_uses_the_free_bandwidth_and_burns_nothing(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey, friend: str
) -> None:
    before = node.balance(admin)
    info = sent(client.trx.transfer(admin, friend, TRX), admin_key)
    size = size_of(client, info["id"])
    assert info["receipt"] == {"net_usage": size}
    assert "fee" not in info
    assert node.balance(admin) == before - TRX
    assert account_net(client, admin)["freeNetUsed"] == size


def test_once_the_free_bandwidth_is_used_up_the_bytes_are_burned(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey, friend: str
) -> None:
    sent(client.trx.transfer(admin, friend, 1), admin_key)
    sent(client.trx.transfer(admin, friend, 2), admin_key)  # 2 × ~270 bytes of 600
    before = node.balance(admin)
    info = sent(client.trx.transfer(admin, friend, 3), admin_key)
    burned = size_of(client, info["id"]) * MAINNET.transaction_fee
    assert info["receipt"] == {"net_fee": burned}
    assert info["fee"] == burned
    assert node.balance(admin) == before - 3 - burned


def test_the_free_bandwidth_recovers_within_a_day(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey, friend: str
) -> None:
    sent(client.trx.transfer(admin, friend, 1), admin_key)
    used = account_net(client, admin)["freeNetUsed"]
    node.warp(DAY_SECONDS / 2)
    node.mine()
    assert account_net(client, admin)["freeNetUsed"] == pytest.approx(used / 2, abs=1)
    node.warp(DAY_SECONDS / 2)
    node.mine()
    assert "freeNetUsed" not in account_net(client, admin)


def test_creating_an_account_costs_its_fees_instead_of_bandwidth(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    before = node.balance(admin)
    info = sent(client.trx.transfer(admin, address_of("newcomer"), 5 * TRX), admin_key)
    assert info["receipt"] == {"net_fee": MAINNET.create_account_fee}
    assert info["fee"] == MAINNET.create_account_fee + MAINNET.create_account_fee_in_contract
    assert node.balance(admin) == before - 5 * TRX - info["fee"]


def test_staked_bandwidth_pays_for_an_accounts_creation_but_not_its_fee(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    sent(client.trx.freeze_balance(admin, 5_000 * TRX, "BANDWIDTH"), admin_key)
    info = sent(client.trx.transfer(admin, address_of("newcomer"), TRX), admin_key)
    assert info["receipt"] == {"net_usage": size_of(client, info["id"])}
    assert info["fee"] == MAINNET.create_account_fee_in_contract
    assert account_net(client, admin)["NetUsed"] == info["receipt"]["net_usage"]


def test_a_memo_costs_the_memo_fee(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey, friend: str
) -> None:
    info = sent(client.trx.transfer(admin, friend, 1).memo("for the track"), admin_key)
    assert info["fee"] == MAINNET.memo_fee
    assert info["receipt"]["net_usage"] > 0


def test_a_sender_who_cannot_pay_for_the_bytes_is_refused_and_nothing_is_mined(
    client: Tron, node: LocalTronNode, admin: str
) -> None:
    poor_key = key_of("poor")
    poor = poor_key.public_key.to_base58check_address()
    node.fund(poor, 10)
    head = node.head.number
    answer = client.provider.make_request(
        "wallet/broadcasttransaction",
        client.trx.transfer(poor, address_of("newcomer"), 1).build().sign(poor_key).to_json(),
    )
    assert answer["code"] == "BANDWITH_ERROR"
    assert bytes.fromhex(answer["message"]).decode() == "Account resource insufficient error."
    assert node.head.number == head
    assert node.balance(poor) == 10


def _mint(token: Contract, admin: str, admin_key: PrivateKey, holder: str) -> dict[str, Any]:
    sent(token.functions.addMinter(admin).with_owner(admin).fee_limit(CALL_FEE_LIMIT), admin_key)
    call = token.functions.mint(holder, 10).with_owner(admin).fee_limit(CALL_FEE_LIMIT)
    return sent(call, admin_key)


def test_energy_without_stake_is_burned_at_mainnets_price(
    client: Tron, node: LocalTronNode, token: Contract, admin: str, admin_key: PrivateKey
) -> None:
    before = node.balance(admin)
    info = _mint(token, admin, admin_key, address_of("holder"))
    receipt = info["receipt"]
    assert receipt["energy_fee"] == receipt["energy_usage_total"] * MAINNET.energy_fee
    assert "energy_usage" not in receipt
    assert info["fee"] == receipt["energy_fee"] + receipt.get("net_fee", 0)
    assert node.balance(admin) < before - info["fee"]  # addMinter paid too


def test_staked_energy_is_used_before_any_trx_is_burned(
    client: Tron, node: LocalTronNode, token: Contract, admin: str, admin_key: PrivateKey
) -> None:
    node.fund(admin, 1_000_000 * TRX)
    sent(client.trx.freeze_balance(admin, 1_000_000 * TRX, "ENERGY"), admin_key)
    info = _mint(token, admin, admin_key, address_of("holder"))
    receipt = info["receipt"]
    assert receipt["energy_usage"] == receipt["energy_usage_total"]
    assert "energy_fee" not in receipt
    resources = client.get_account_resource(admin)
    assert resources["EnergyUsed"] >= receipt["energy_usage"]
    assert resources["EnergyLimit"] > resources["EnergyUsed"]


def test_energy_beyond_the_stake_is_burned(
    client: Tron, node: LocalTronNode, token: Contract, admin: str, admin_key: PrivateKey
) -> None:
    sent(client.trx.freeze_balance(admin, 500 * TRX, "ENERGY"), admin_key)
    staked = client.get_account_resource(admin)["EnergyLimit"]
    call = token.functions.addMinter(admin).with_owner(admin).fee_limit(CALL_FEE_LIMIT)
    receipt = sent(call, admin_key)["receipt"]
    assert 0 < staked < receipt["energy_usage_total"]
    assert receipt["energy_usage"] == staked
    burned = (receipt["energy_usage_total"] - staked) * MAINNET.energy_fee
    assert receipt["energy_fee"] == burned
    assert client.get_account_resource(admin)["EnergyUsed"] == staked


def test_the_fee_limit_caps_the_energy_even_with_stake(
    client: Tron, node: LocalTronNode, token: Contract, admin: str, admin_key: PrivateKey
) -> None:
    node.fund(admin, 1_000_000 * TRX)
    sent(client.trx.freeze_balance(admin, 1_000_000 * TRX, "ENERGY"), admin_key)
    call = token.functions.addMinter(admin).with_owner(admin).fee_limit(1_000 * 100)
    info = sent(call, admin_key)
    assert info["receipt"]["result"] == "OUT_OF_ENERGY"
    assert info["receipt"]["energy_usage_total"] == 1_000  # what 0.1 TRX buys at 100 sun
    assert info["receipt"]["energy_usage"] == 1_000  # taken from the stake, not burned


def test_a_contracts_deployer_pays_its_share_of_a_call_from_its_stake(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey, friend: str
) -> None:
    built = artifact("PlainERC20")
    plain = Contract(
        bytecode=built.bytecode,
        abi=list(built.abi),
        name="PlainERC20",
        user_resource_percent=30,
        origin_energy_limit=10_000_000,
    )
    deployed = sent(client.trx.deploy_contract(admin, plain).fee_limit(1_000 * TRX), admin_key)
    node.fund(admin, 1_000_000 * TRX)
    sent(client.trx.freeze_balance(admin, 1_000_000 * TRX, "ENERGY"), admin_key)
    friend_key = key_of("friend")
    node.fund(friend, 100 * TRX)
    token = client.get_contract(deployed["contract_address"])
    call = token.functions.mint(friend, 5).with_owner(friend).fee_limit(CALL_FEE_LIMIT)
    receipt = sent(call, friend_key)["receipt"]
    total = receipt["energy_usage_total"]
    assert receipt["origin_energy_usage"] == total * 70 // 100
    assert receipt["energy_fee"] == (total - total * 70 // 100) * MAINNET.energy_fee
    assert client.get_account_resource(admin)["EnergyUsed"] == receipt["origin_energy_usage"]


def test_a_free_node_charges_nothing(admin_key: PrivateKey) -> None:
    node = LocalTronNode(free=True)
    client = Tron(provider=LocalTronProvider(node))
    admin = admin_key.public_key.to_base58check_address()
    node.fund(admin, 10 * TRX)
    for amount in (1, 2, 3, 4):
        info = sent(client.trx.transfer(admin, address_of(f"n{amount}"), amount), admin_key)
        assert "fee" not in info
        assert info["receipt"]["net_usage"] > 0
    assert node.balance(admin) == 10 * TRX - 10


@given(
    usage=st.integers(0, 10**9),
    elapsed=st.integers(0, 2 * WINDOW_SLOTS),
    start=st.integers(0, 10**9),
)
def test_used_resources_recover_linearly_and_are_whole_again_after_a_day(
    usage: int, elapsed: int, start: int
) -> None:
    counted = increase(0, usage, start, start)
    later = increase(counted, 0, start, start + elapsed)
    assert usage <= counted <= usage + 1  # rounded up, never down
    assert later <= counted
    if elapsed >= WINDOW_SLOTS:
        assert later == 0
    else:
        expected = counted * (WINDOW_SLOTS - elapsed) / WINDOW_SLOTS
        assert abs(later - expected) <= 2


@given(first=st.integers(0, 10**8), second=st.integers(0, 10**8), gap=st.integers(0, 30_000))
def test_new_usage_adds_to_what_is_left_of_the_old(first: int, second: int, gap: int) -> None:
    left = increase(first, 0, 0, gap)
    both = increase(first, second, 0, gap)
    assert left + second - 1 <= both <= left + second + 2
