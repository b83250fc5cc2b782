"""Stake 2.0 on the local node as tronpy and TronWeb drive it: freezing TRX for bandwidth or
energy, unfreezing it and withdrawing it 14 days later, cancelling an unfreezing, delegating
resources and taking them back; each refusal in java-tron's words; the resource endpoints that
report it all; and TRX conserved through any sequence of them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]

from dcmx_devnode import parameters
from dcmx_devnode.api import dispatch
from dcmx_devnode.node import STAKE_VAULT, LocalTronNode
from dcmx_devnode.protobuf import encode
from dcmx_devnode.provider import LocalTronProvider
from dcmx_devnode.transaction import ZERO_ADDRESS, Transaction
from tests.tron.conftest import TRX, account, key_of

MAINNET = parameters.mainnet()
DAY_MS = 24 * 3600 * 1000
FRIEND_KEY = key_of("friend")
FRIEND = FRIEND_KEY.public_key.to_base58check_address()


def request(node: LocalTronNode, path: str, **params: Any) -> Any:
    return dispatch(node, path, params | {"visible": True})


def broadcast(node: LocalTronNode, built: dict[str, Any], key: PrivateKey) -> dict[str, Any]:
    """Sign what the node built, broadcast it; the node's answer."""
    tx = Transaction.from_json(built)
    signed = built | {"signature": [key.sign_msg_hash(tx.txid).hex()]}
    answer: dict[str, Any] = request(node, "wallet/broadcasttransaction", **signed)
    return answer


def stake_op(node: LocalTronNode, path: str, key: PrivateKey, **params: Any) -> dict[str, Any]:
    """Build ``path`` on the node as TronWeb does, sign and broadcast it; its info, or the
    refusal (``Error`` from the builder)."""
    owner = key.public_key.to_base58check_address()
    built = request(node, f"wallet/{path}", owner_address=owner, **params)
    if "Error" in built:
        return dict(built)
    answer = broadcast(node, built, key)
    assert answer.get("result") is True, answer
    info: dict[str, Any] = request(node, "wallet/gettransactioninfobyid", value=answer["txid"])
    return info


def refusal(built: dict[str, Any]) -> str:
    return str(built["Error"]).removeprefix(
        "class org.tron.core.exception.ContractValidateException : "
    )


def sent(builder: Any, key: PrivateKey) -> dict[str, Any]:
    info: dict[str, Any] = builder.build().sign(key).broadcast().wait()
    return info


@pytest.fixture
def friend(node: LocalTronNode, admin: str) -> str:
    node.fund(FRIEND, 10 * TRX)
    return str(FRIEND)


# --- freezing --------------------------------------------------------------------------------


def test_freezing_moves_trx_from_the_balance_into_the_stake(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    before = node.balance(admin)
    info = sent(client.trx.freeze_balance(admin, 1_000 * TRX, "ENERGY"), admin_key)
    assert node.balance(admin) == before - 1_000 * TRX - info.get("fee", 0)
    account_info = client.get_account(admin)
    assert account_info["frozenV2"] == [
        {},
        {"type": "ENERGY", "amount": 1_000 * TRX},
        {"type": "TRON_POWER"},
    ]
    resources = client.get_account_resource(admin)
    weight = MAINNET.network_energy_weight + 1_000
    assert resources["TotalEnergyWeight"] == weight
    assert resources["EnergyLimit"] == int(1_000 * (MAINNET.total_energy_limit / weight))
    assert resources["tronPowerLimit"] == 1_000
    assert client.get_energy(admin) == resources["EnergyLimit"]


def test_frozen_bandwidth_shows_as_staked_bandwidth(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    sent(client.trx.freeze_balance(admin, 1_000 * TRX, "BANDWIDTH"), admin_key)
    net = request(node, "wallet/getaccountnet", address=admin)
    weight = MAINNET.network_net_weight + 1_000
    assert net["TotalNetWeight"] == weight
    assert net["NetLimit"] == int(1_000 * (MAINNET.total_net_limit / weight))
    assert client.get_account(admin)["frozenV2"][0] == {"amount": 1_000 * TRX}


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"frozen_balance": 0}, "frozenBalance must be positive"),
        ({"frozen_balance": TRX - 1}, "frozenBalance must be greater than or equal to 1 TRX"),
        ({"frozen_balance": 10**15}, "frozenBalance must be less than or equal to accountBalance"),
        ({"owner_address": "TNPdqto8HiuMzoG7Vv9wyyYhWzCojLeHAF"}, "Account["),
    ],
)
def test_a_freeze_java_tron_refuses_is_refused(
    node: LocalTronNode, admin: str, admin_key: PrivateKey, changes: dict[str, Any], said: str
) -> None:
    params = {"owner_address": admin, "frozen_balance": TRX, "resource": "ENERGY"} | changes
    built = request(node, "wallet/freezebalancev2", **params)
    assert refusal(built).startswith(said)
    if said == "Account[":
        assert refusal(built).endswith("] not exists")


# --- unfreezing, withdrawing, cancelling -----------------------------------------------------


def test_unfrozen_trx_is_withdrawable_after_fourteen_days(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    sent(client.trx.freeze_balance(admin, 100 * TRX, "ENERGY"), admin_key)
    info = sent(client.trx.unfreeze_balance(admin, "ENERGY", unfreeze_balance=40 * TRX), admin_key)
    expires = info["blockTimeStamp"] + 14 * DAY_MS
    account_info = client.get_account(admin)
    assert account_info["frozenV2"][1] == {"type": "ENERGY", "amount": 60 * TRX}
    assert account_info["unfrozenV2"] == [
        {"type": "ENERGY", "unfreeze_amount": 40 * TRX, "unfreeze_expire_time": expires}
    ]
    assert request(node, "wallet/getavailableunfreezecount", owner_address=admin) == {"count": 31}
    early = request(node, "wallet/withdrawexpireunfreeze", owner_address=admin)
    assert refusal(early) == "no unFreeze balance to withdraw "
    assert request(node, "wallet/getcanwithdrawunfreezeamount", owner_address=admin) == {}
    later = request(
        node, "wallet/getcanwithdrawunfreezeamount", owner_address=admin, timestamp=expires
    )
    assert later == {"amount": 40 * TRX}

    node.warp(14 * 24 * 3600)
    node.mine()
    before = node.balance(admin)
    withdrawn = stake_op(node, "withdrawexpireunfreeze", admin_key)
    assert withdrawn["withdraw_expire_amount"] == 40 * TRX
    assert node.balance(admin) == before + 40 * TRX - withdrawn.get("fee", 0)
    assert "unfrozenV2" not in client.get_account(admin)


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"resource": "BANDWIDTH", "unfreeze_balance": TRX}, "no frozenBalance(BANDWIDTH)"),
        ({"resource": "ENERGY", "unfreeze_balance": 0}, "Invalid unfreeze_balance, [0] is error"),
        (
            {"resource": "ENERGY", "unfreeze_balance": 11 * TRX},
            "Invalid unfreeze_balance, [11000000] is error",
        ),
    ],
)
def test_an_unfreeze_java_tron_refuses_is_refused(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey, params: Any, said: str
) -> None:
    sent(client.trx.freeze_balance(admin, 10 * TRX, "ENERGY"), admin_key)
    built = request(node, "wallet/unfreezebalancev2", owner_address=admin, **params)
    assert refusal(built) == said


def test_no_more_than_32_unfreezings_run_at_once(
    node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    stake_op(node, "freezebalancev2", admin_key, frozen_balance=40 * TRX, resource="ENERGY")
    for _ in range(32):
        stake_op(node, "unfreezebalancev2", admin_key, unfreeze_balance=TRX, resource="ENERGY")
    assert request(node, "wallet/getavailableunfreezecount", owner_address=admin) == {}
    built = request(
        node,
        "wallet/unfreezebalancev2",
        owner_address=admin,
        unfreeze_balance=TRX,
        resource="ENERGY",
    )
    assert refusal(built) == "Invalid unfreeze operation, unfreezing times is over limit"


def test_cancelling_stakes_again_what_is_unfreezing(
    node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    none_yet = request(node, "wallet/cancelallunfreezev2", owner_address=admin)
    assert refusal(none_yet) == "No unfreezeV2 list to cancel"
    stake_op(node, "freezebalancev2", admin_key, frozen_balance=30 * TRX, resource="ENERGY")
    stake_op(node, "unfreezebalancev2", admin_key, unfreeze_balance=10 * TRX, resource="ENERGY")
    info = stake_op(node, "cancelallunfreezev2", admin_key)
    assert {"key": "ENERGY", "value": 10 * TRX} in info["cancel_unfreezeV2_amount"]
    account_info = request(node, "wallet/getaccount", address=admin)
    assert account_info["frozenV2"][1] == {"type": "ENERGY", "amount": 30 * TRX}
    assert "unfrozenV2" not in account_info


# --- delegating ------------------------------------------------------------------------------


def test_delegated_energy_serves_the_receiver(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey, friend: str
) -> None:
    sent(client.trx.freeze_balance(admin, 1_000 * TRX, "ENERGY"), admin_key)
    staked = client.get_account_resource(admin)["EnergyLimit"]
    sent(client.trx.delegate_resource(admin, friend, 400 * TRX, "ENERGY"), admin_key)

    per_trx = MAINNET.total_energy_limit / (MAINNET.network_energy_weight + 1_000)
    assert client.get_account_resource(friend)["EnergyLimit"] == int(400 * per_trx)
    assert client.get_account_resource(admin)["EnergyLimit"] == int(600 * per_trx)
    assert staked == int(1_000 * per_trx)
    owner = client.get_account(admin)
    assert owner["account_resource"]["delegated_frozenV2_balance_for_energy"] == 400 * TRX
    assert owner["frozenV2"][1] == {"type": "ENERGY", "amount": 600 * TRX}
    receiver = client.get_account(friend)
    assert receiver["account_resource"]["acquired_delegated_frozenV2_balance_for_energy"] == (
        400 * TRX
    )
    (delegation,) = client.get_delegated_resource_v2(admin, friend)["delegatedResource"]
    assert delegation == {"from": admin, "to": friend, "frozen_balance_for_energy": 400 * TRX}
    assert client.get_delegated_resource_account_index_v2(admin) == {
        "account": admin,
        "toAccounts": [friend],
    }
    assert client.get_delegated_resource_account_index_v2(friend)["fromAccounts"] == [admin]
    assert client.get_can_delegated_max_size(admin, "ENERGY") == {"max_size": 600 * TRX}


def test_undelegating_gives_the_stake_back_to_its_owner(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey, friend: str
) -> None:
    sent(client.trx.freeze_balance(admin, 100 * TRX, "BANDWIDTH"), admin_key)
    sent(client.trx.delegate_resource(admin, friend, 100 * TRX, "BANDWIDTH"), admin_key)
    sent(client.trx.undelegate_resource(admin, friend, 100 * TRX, "BANDWIDTH"), admin_key)
    assert client.get_account(admin)["frozenV2"][0] == {"amount": 100 * TRX}
    assert client.get_delegated_resource_v2(admin, friend) == {}
    assert "NetLimit" not in request(node, "wallet/getaccountnet", address=friend)


def test_a_locked_delegation_cannot_be_taken_back_until_its_lock_ends(
    node: LocalTronNode, admin: str, admin_key: PrivateKey, friend: str
) -> None:
    stake_op(node, "freezebalancev2", admin_key, frozen_balance=10 * TRX, resource="ENERGY")
    stake_op(
        node,
        "delegateresource",
        admin_key,
        receiver_address=friend,
        balance=10 * TRX,
        resource="ENERGY",
        lock=True,
    )
    early = request(
        node,
        "wallet/undelegateresource",
        owner_address=admin,
        receiver_address=friend,
        balance=10 * TRX,
        resource="ENERGY",
    )
    said = "insufficient delegateFrozenBalance(Energy), request=10000000, unlock_balance=0"
    assert refusal(early) == said
    node.warp(3 * 24 * 3600 + 3)
    node.mine()
    stake_op(
        node,
        "undelegateresource",
        admin_key,
        receiver_address=friend,
        balance=10 * TRX,
        resource="ENERGY",
    )
    assert request(node, "wallet/getaccount", address=admin)["frozenV2"][1]["amount"] == 10 * TRX


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"balance": TRX - 1}, "delegateBalance must be greater than or equal to 1 TRX"),
        (
            {"balance": 11 * TRX},
            "delegateBalance must be less than or equal to available FreezeEnergyV2 balance",
        ),
        ({"receiver_address": "self"}, "receiverAddress must not be the same as ownerAddress"),
        ({"receiver_address": "stranger"}, "] not exists"),
        ({"resource": "TRON_POWER"}, "ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]"),
        (
            {"lock": True, "lock_period": 864_001},
            "The lock period of delegate resource cannot be less than 0 and cannot exceed 864000!",
        ),
    ],
)
def test_a_delegation_java_tron_refuses_is_refused(
    client: Tron,
    node: LocalTronNode,
    admin: str,
    admin_key: PrivateKey,
    friend: str,
    params: dict[str, Any],
    said: str,
) -> None:
    sent(client.trx.freeze_balance(admin, 10 * TRX, "ENERGY"), admin_key)
    receivers = {"self": admin, "stranger": key_of("stranger").public_key.to_base58check_address()}
    asked = {"receiver_address": friend, "balance": TRX, "resource": "ENERGY"} | params
    asked["receiver_address"] = receivers.get(asked["receiver_address"], asked["receiver_address"])
    built = request(node, "wallet/delegateresource", owner_address=admin, **asked)
    assert refusal(built).endswith(said)


def test_undelegating_what_was_never_delegated_is_refused(
    node: LocalTronNode, admin: str, friend: str
) -> None:
    built = request(
        node,
        "wallet/undelegateresource",
        owner_address=admin,
        receiver_address=friend,
        balance=TRX,
        resource="ENERGY",
    )
    assert refusal(built) == "delegated Resource does not exist"


# --- the wire format -------------------------------------------------------------------------


def test_stake_contracts_are_serialized_with_java_trons_field_numbers() -> None:
    owner = bytes.fromhex("41" + "11" * 20)
    receiver = bytes.fromhex("41" + "22" * 20)
    value = {
        "owner_address": owner.hex(),
        "resource": "ENERGY",
        "balance": 1_000_000,
        "receiver_address": receiver.hex(),
        "lock": True,
        "lock_period": 86_400,
    }
    expected = (
        b"\x0a\x15"
        + owner
        + b"\x10\x01"
        + b"\x18\xc0\x84\x3d"
        + b"\x22\x15"
        + receiver
        + b"\x28\x01"
        + b"\x30\x80\xa3\x05"
    )
    assert encode("DelegateResourceContract", value) == expected
    bandwidth = {"owner_address": owner.hex(), "frozen_balance": 5, "resource": "BANDWIDTH"}
    assert encode("FreezeBalanceV2Contract", bandwidth) == b"\x0a\x15" + owner + b"\x10\x05"


def test_the_node_builds_the_transaction_tronpy_builds(
    client: Tron, node: LocalTronNode, admin: str
) -> None:
    built = request(
        node, "wallet/freezebalancev2", owner_address=admin, frozen_balance=TRX, resource="ENERGY"
    )
    by_tronpy = client.trx.freeze_balance(admin, TRX, "ENERGY").build()
    ours = built["raw_data"]["contract"][0]["parameter"]["value"]
    theirs = by_tronpy.to_json()["raw_data"]["contract"][0]["parameter"]["value"]
    assert ours == {"owner_address": admin, "frozen_balance": TRX, "resource": "ENERGY"}
    assert theirs["frozen_balance"] == TRX
    assert built["raw_data"]["contract"][0]["type"] == "FreezeBalanceV2Contract"


# --- conservation ----------------------------------------------------------------------------

Operation = tuple[str, int]
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["freeze", "unfreeze", "delegate", "undelegate", "withdraw", "cancel", "wait"]
        ),
        st.integers(1, 50),
    ),
    max_size=12,
)


def _apply(node: LocalTronNode, key: PrivateKey, receiver: str, operation: Operation) -> None:
    kind, amount = operation
    resource = "ENERGY" if amount % 2 else "BANDWIDTH"
    sun = amount * TRX
    if kind == "wait":
        node.warp(amount * 24 * 3600 / 10)
        node.mine()
        return
    path, params = {
        "freeze": ("freezebalancev2", {"frozen_balance": sun, "resource": resource}),
        "unfreeze": ("unfreezebalancev2", {"unfreeze_balance": sun, "resource": resource}),
        "delegate": (
            "delegateresource",
            {"receiver_address": receiver, "balance": sun, "resource": resource},
        ),
        "undelegate": (
            "undelegateresource",
            {"receiver_address": receiver, "balance": sun, "resource": resource},
        ),
        "withdraw": ("withdrawexpireunfreeze", {}),
        "cancel": ("cancelallunfreezev2", {}),
    }[kind]
    stake_op(node, path, key, **params)  # a refusal is a possible outcome, not a failure


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_staking_never_creates_or_loses_trx(operations: list[Operation]) -> None:
    node = LocalTronNode()
    key = key_of("staker")
    owner = key.public_key.to_base58check_address()
    node.fund(owner, 500 * TRX)
    node.fund(FRIEND, TRX)
    people = [bytes.fromhex("41") + account(k) for k in (key, FRIEND_KEY)]

    def held() -> int:
        return sum(node.balance(p) for p in people) + node.balance(STAKE_VAULT)

    start = held() + node.balance(ZERO_ADDRESS)
    for operation in operations:
        _apply(node, key, str(FRIEND), operation)
        assert held() + node.balance(ZERO_ADDRESS) == start  # burned fees go to the zero address
        assert node.balance(STAKE_VAULT) == sum(node.stakes.of(p).locked for p in people)
        stake = node.stakes.of(people[0])
        delegated = [
            sum(d.amount(r) for (o, _, _), d in node.stakes.delegations.items() if o == people[0])
            for r in ("BANDWIDTH", "ENERGY")
        ]
        assert list(stake.delegated) == delegated
        assert list(node.stakes.of(people[1]).acquired) == delegated
        assert all(amount >= 0 for amount in (*stake.frozen, *stake.delegated))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_the_networks_staked_weight_is_the_sum_of_its_accounts(
    operations: list[Operation],
) -> None:
    node = LocalTronNode(solidify_depth=2)
    key = key_of("staker")
    node.fund(key.public_key.to_base58check_address(), 500 * TRX)
    node.fund(FRIEND, TRX)
    for operation in operations:
        _apply(node, key, str(FRIEND), operation)
        for resource in ("BANDWIDTH", "ENERGY", "TRON_POWER"):
            summed = sum(stake.weight(resource) for stake in node.stakes.accounts.values())
            assert node.stakes.total_weight(resource) == summed
    if node.head.number > node.solid_number:  # and so it is after a reorganization
        node.reorganize(1)
        summed = sum(stake.weight("ENERGY") for stake in node.stakes.accounts.values())
        assert node.stakes.total_weight("ENERGY") == summed


def test_a_reorganization_takes_a_stake_back_with_its_block(admin_key: PrivateKey) -> None:
    node = LocalTronNode(solidify_depth=2)
    client = Tron(provider=LocalTronProvider(node))
    admin = admin_key.public_key.to_base58check_address()
    node.fund(admin, 100 * TRX)
    before = node.balance(admin)
    sent(client.trx.freeze_balance(admin, 50 * TRX, "ENERGY"), admin_key)
    assert node.stakes.of(bytes.fromhex(client.to_hex_address(admin))).frozen[1] == 50 * TRX
    node.reorganize(1)
    assert node.balance(admin) == before
    assert client.get_account(admin)["frozenV2"][1] == {"type": "ENERGY"}
    assert "EnergyLimit" not in client.get_account_resource(admin)
