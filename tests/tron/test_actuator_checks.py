"""Each field checked as java-tron's actuators check it, in their order and with their texts:
a transaction java-tron refuses is refused here, mines nothing and changes nothing; and every
request, however malformed, gets an answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]

from dcmx_devnode.api import UnknownEndpoint, dispatch
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.transaction import Transaction
from tests.tron.conftest import deploy_token, key_of


@pytest.fixture
def node() -> LocalTronNode:
    """A free node: these are the actuators' own checks, which on a charging node come after
    the bandwidth bill (a sender too poor for it is refused for that first)."""
    return LocalTronNode(free=True)


def signed(built: dict[str, Any], key: PrivateKey, **changes: Any) -> dict[str, Any]:
    """``built`` with its contract's parameter changed, its txID worked out again, signed."""
    raw = json.loads(json.dumps(built["raw_data"]))
    raw["contract"][0]["parameter"]["value"] |= changes
    tx = Transaction.from_json({"raw_data": raw})
    return {"raw_data": raw, "txID": tx.txid.hex(), "signature": [key.sign_msg_hash(tx.txid).hex()]}


def refusal(client: Tron, payload: dict[str, Any]) -> tuple[str, str]:
    answer = client.provider.make_request("wallet/broadcasttransaction", payload)
    return answer.get("code", ""), bytes.fromhex(answer.get("message", "")).decode()


def transfer(client: Tron, admin: str, amount: int = 1_000) -> dict[str, Any]:
    receiver = key_of("receiver").public_key.to_base58check_address()
    return dict(client.trx.transfer(admin, receiver, amount).build().to_json())


def test_a_transfer_to_an_invalid_address_is_refused_as_java_tron_refuses_it(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    for to, said in (("4100", "Invalid toAddress!"), ("42" + "11" * 20, "Invalid toAddress!")):
        payload = signed(transfer(client, admin), admin_key, to_address=to)
        assert refusal(client, payload) == ("CONTRACT_VALIDATE_ERROR", said)
    assert node.head.number == 0


def test_an_amount_out_of_int64_is_refused_by_the_parser(
    client: Tron, admin: str, admin_key: PrivateKey
) -> None:
    built = transfer(client, admin)
    built["raw_data"]["contract"][0]["parameter"]["value"]["amount"] = 1 << 64
    answer = client.provider.make_request(
        "wallet/broadcasttransaction", built | {"signature": ["00" * 65]}
    )
    assert "Number out of range for 64-bit signed integer" in answer["Error"]


def test_the_checks_go_in_java_trons_order(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    stranger_key = key_of("stranger")
    stranger = stranger_key.public_key.to_base58check_address()
    node.fund(stranger, 10)
    too_much = signed(transfer(client, stranger, 10**6), stranger_key)
    said = "Validate TransferContract error, balance is not sufficient."
    assert refusal(client, too_much) == ("CONTRACT_VALIDATE_ERROR", said)
    nothing = signed(transfer(client, admin), admin_key, amount=0)
    assert refusal(client, nothing) == ("CONTRACT_VALIDATE_ERROR", "Amount must be greater than 0.")


def test_a_call_value_above_the_balance_is_refused_before_it_runs(
    client: Tron, node: LocalTronNode, admin: str, admin_key: PrivateKey
) -> None:
    token = deploy_token(client, admin, admin_key)
    head = node.head.number
    contract = client.get_contract(token["contract_address"])
    built = contract.functions.transfer(admin, 0).with_owner(admin).fee_limit(10**8).build()
    payload = signed(built.to_json(), admin_key, call_value=node.balance(admin) + 1)
    said = "Validate InternalTransfer error, balance is not sufficient."
    assert refusal(client, payload) == ("CONTRACT_VALIDATE_ERROR", said)
    assert node.head.number == head


PATHS = st.sampled_from(
    [
        "wallet/broadcasttransaction",
        "wallet/getaccount",
        "wallet/createtransaction",
        "wallet/triggersmartcontract",
        "wallet/triggerconstantcontract",
        "wallet/getblockbynum",
        "wallet/gettransactionbyid",
        "wallet/deploycontract",
        "walletsolidity/getnowblock",
    ]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner),
    max_leaves=12,
)
FIELDS = st.dictionaries(
    st.sampled_from(
        [
            "owner_address",
            "to_address",
            "amount",
            "raw_data",
            "signature",
            "visible",
            "num",
            "value",
            "contract_address",
            "data",
            "call_value",
            "fee_limit",
            "address",
        ]
    ),
    JSON,
    max_size=5,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=PATHS, params=FIELDS)
def test_a_malformed_request_gets_an_answer_and_changes_nothing(
    path: str, params: dict[str, Any]
) -> None:
    node = LocalTronNode(solidify_depth=0)
    node.fund(key_of("someone").public_key.to_base58check_address(), 10**9)
    head = node.head.block_id
    try:
        answer = dispatch(node, path, params)
    except UnknownEndpoint:  # a route's 404, which the server answers
        return
    json.dumps(answer)  # an answer, in JSON
    assert node.head.block_id == head  # nothing unsigned or malformed is ever mined
