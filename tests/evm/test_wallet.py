"""Sending as a wallet does: signing through the Signer port, fees from the node, and what a
node's refusals become. The node here is a scripted JSON-RPC provider (what it answers is
what geth, Hardhat and anvil answer); the whole path runs against Hardhat in ``nox -s
hardhat``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.providers.base import BaseProvider

from dcmx_adapters.evm.chain import Web3Chain
from dcmx_adapters.evm.wallet import (
    DEFAULT_TIP,
    MissingKey,
    Sender,
    SendRefused,
    fee_fields,
    gas_limit,
    refusal_kind,
    sign_transaction,
)
from dcmx_adapters.signing import KeySigner
from dcmx_core.model.values import Address
from tests.factories import key

Answer = Callable[[list[Any]], Any]


class ScriptedNode(BaseProvider):
    """Answers each JSON-RPC method with what its script says (a value, or an error object);
    records every call."""

    def __init__(self, script: dict[str, Any]) -> None:
        super().__init__()
        self.script = script
        self.calls: list[tuple[str, list[Any]]] = []

    def make_request(self, method: Any, params: Any) -> Any:
        self.calls.append((str(method), list(params)))
        found = self.script.get(str(method), {"error": {"code": -32601, "message": "no method"}})
        if callable(found):
            found = found(list(params))
        if isinstance(found, dict) and "error" in found:
            return {"jsonrpc": "2.0", "id": 1, "error": found["error"]}
        return {"jsonrpc": "2.0", "id": 1, "result": found}

    def sent(self, method: str) -> list[list[Any]]:
        return [params for name, params in self.calls if name == method]


SIGNER = KeySigner(key(1))
TX = {"to": "0x" + "22" * 20, "value": 5, "data": b"\x01\x02", "gas": 60_000, "nonce": 7}


@pytest.mark.parametrize(
    "fees",
    [
        {"maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9, "type": 2},
        {"gasPrice": 2 * 10**9},
    ],
    ids=["eip-1559", "legacy"],
)
def test_a_transaction_signed_through_the_port_is_the_one_eth_account_signs(
    fees: dict[str, int],
) -> None:
    tx = TX | fees | {"chainId": 31337}
    expected = Account.sign_transaction(tx, key(1)).raw_transaction
    assert sign_transaction(SIGNER, tx) == bytes(expected)


def test_the_signed_transaction_comes_from_the_signers_account() -> None:
    raw = sign_transaction(SIGNER, TX | {"chainId": 1, "gasPrice": 10**9})
    assert Account.recover_transaction(raw) == Web3.to_checksum_address(SIGNER.address.raw)


HISTORY = {
    "oldestBlock": "0x10",
    "baseFeePerGas": ["0x3b9aca00"] * 5 + ["0x77359400"],  # the next block's: 2 gwei
    "gasUsedRatio": [0.5] * 5,
    "reward": [["0x5f5e100"]] * 5,  # 0.1 gwei
}


def test_eip_1559_fees_leave_room_for_the_base_fee_to_double() -> None:
    node = ScriptedNode({"eth_feeHistory": HISTORY, "eth_maxPriorityFeePerGas": "0x3b9aca00"})
    assert fee_fields(Web3(node)) == {
        "maxFeePerGas": 2 * 2 * 10**9 + 10**9,
        "maxPriorityFeePerGas": 10**9,
    }


def test_without_max_priority_fee_the_tip_is_the_recent_median() -> None:
    node = ScriptedNode({"eth_feeHistory": HISTORY})
    fees = fee_fields(Web3(node))
    assert fees["maxPriorityFeePerGas"] == 10**8
    assert fees["maxFeePerGas"] == 4 * 10**9 + 10**8


def test_without_tips_or_the_method_the_tip_is_one_gwei() -> None:
    node = ScriptedNode({"eth_feeHistory": HISTORY | {"reward": [["0x0"]] * 5}})
    assert fee_fields(Web3(node))["maxPriorityFeePerGas"] == DEFAULT_TIP


def test_a_node_without_fee_history_is_priced_the_legacy_way() -> None:
    node = ScriptedNode({"eth_gasPrice": "0x4a817c800"})
    assert fee_fields(Web3(node)) == {"gasPrice": 20 * 10**9}


def test_gas_is_the_estimate_with_a_fifth_more() -> None:
    assert gas_limit(100_000) == 120_001


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("nonce too low", "nonce-taken"),
        ("Nonce too low. Expected nonce to be 2 but got 1.", "nonce-taken"),
        ("already known", "already-known"),
        ("replacement transaction underpriced", "fee-too-low"),
        ("transaction underpriced", "fee-too-low"),
        ("max fee per gas less than block base fee", "fee-too-low"),
        (
            "Transaction maxFeePerGas (1) is too low for the next block, which has a "
            "baseFeePerGas of 670283134",
            "fee-too-low",
        ),
        ("insufficient funds for gas * price + value", "no-funds"),
        ("execution reverted", None),
    ],
)
def test_a_nodes_refusal_is_sorted_by_what_it_says(said: str, kind: str | None) -> None:
    assert refusal_kind(said) == kind


def receipt(tx_hash: str, status: int = 1) -> dict[str, Any]:
    return {
        "transactionHash": tx_hash,
        "blockNumber": "0x11",
        "blockHash": "0x" + "ab" * 32,
        "logs": [],
        "gasUsed": "0x5208",
        "effectiveGasPrice": "0x3b9aca00",
        "contractAddress": None,
        "status": hex(status),
        "transactionIndex": "0x0",
        "from": "0x" + SIGNER.address.raw.hex(),
        "to": TX["to"],
        "cumulativeGasUsed": "0x5208",
        "logsBloom": "0x" + "00" * 256,
        "type": "0x2",
    }


def sender_node(**overrides: Any) -> ScriptedNode:
    script: dict[str, Any] = {
        "eth_chainId": "0x7a69",
        "eth_feeHistory": HISTORY,
        "eth_maxPriorityFeePerGas": "0x3b9aca00",
        "eth_getTransactionCount": "0x7",
        "eth_sendRawTransaction": "0x" + "cd" * 32,
        "eth_getTransactionReceipt": receipt("0x" + "cd" * 32),
    }
    return ScriptedNode(script | overrides)


def send(node: ScriptedNode) -> Any:
    unsigned = {"to": TX["to"], "value": 5, "data": b"\x01"}
    return Sender(Web3(node), SIGNER, timeout=1, poll_seconds=0.01).send(unsigned, 50_000)


def test_a_transaction_is_sent_with_the_pending_nonce_and_the_nodes_fees() -> None:
    node = sender_node()
    assert send(node)["status"] == 1
    [[raw]] = node.sent("eth_sendRawTransaction")
    signed = Account.recover_transaction(raw)
    assert signed == Web3.to_checksum_address(SIGNER.address.raw)
    assert node.sent("eth_getTransactionCount")[0][1] == "pending"


def test_a_nonce_taken_by_another_sender_is_signed_again_with_the_next() -> None:
    answers = iter([{"error": {"code": -32000, "message": "nonce too low"}}, "0x" + "cd" * 32])
    counts = iter(["0x7", "0x8"])
    node = sender_node(
        eth_sendRawTransaction=lambda _: next(answers),
        eth_getTransactionCount=lambda _: next(counts),
    )
    send(node)
    first, second = (Account.recover_transaction(p[0]) for p in node.sent("eth_sendRawTransaction"))
    assert first == second  # the same sender, signing again: nothing was sent twice
    assert len(node.sent("eth_sendRawTransaction")) == 2


def test_a_fee_under_the_base_fee_is_priced_again() -> None:
    answers = iter(
        [
            {"error": {"code": -32000, "message": "max fee per gas less than block base fee"}},
            "0x" + "cd" * 32,
        ]
    )
    node = sender_node(eth_sendRawTransaction=lambda _: next(answers))
    assert send(node)["status"] == 1
    assert len(node.sent("eth_feeHistory")) == 2


def test_a_sender_without_coin_for_gas_is_refused_naming_the_account_not_the_key() -> None:
    node = sender_node(
        eth_sendRawTransaction={"error": {"code": -32000, "message": "insufficient funds"}}
    )
    with pytest.raises(SendRefused) as refused:
        send(node)
    shown = Web3.to_checksum_address(SIGNER.address.raw)
    assert str(refused.value) == f"{shown} has not enough coin to pay for the transaction's gas"
    assert key(1).hex() not in str(refused.value)


def test_a_transaction_already_in_the_pool_is_waited_for_not_sent_again() -> None:
    node = sender_node(
        eth_sendRawTransaction={"error": {"code": -32000, "message": "already known"}},
        eth_getTransactionReceipt=lambda params: receipt(params[0]),
    )
    assert send(node)["status"] == 1
    assert len(node.sent("eth_sendRawTransaction")) == 1


def test_a_transaction_whose_nonce_another_took_is_told_replaced() -> None:
    node = sender_node(
        eth_getTransactionReceipt=None,
        eth_getTransactionCount=lambda params: "0x8" if params[1] == "latest" else "0x7",
    )
    with pytest.raises(SendRefused, match="was replaced: another transaction of 0x"):
        send(node)


def test_a_transaction_the_node_forgot_is_sent_again_as_the_same_bytes() -> None:
    receipts = iter([None, None, receipt("0x" + "cd" * 32)])
    node = sender_node(
        eth_getTransactionReceipt=lambda _: next(receipts),
        eth_getTransactionByHash=None,
    )
    assert send(node)["status"] == 1
    first, again = node.sent("eth_sendRawTransaction")[:2]
    assert first == again


def test_a_transaction_never_mined_is_refused_after_the_timeout() -> None:
    node = sender_node(eth_getTransactionReceipt=None, eth_getTransactionByHash={"hash": "0x"})
    with pytest.raises(SendRefused, match="was not mined within 1 s"):
        send(node)


def test_a_transaction_a_node_mined_though_it_refused_it_is_waited_for() -> None:
    mined = "0x" + "ef" * 32
    node = sender_node(
        eth_sendRawTransaction={
            "error": {
                "code": -32603,
                "message": "Error: VM Exception while processing transaction: reverted with an "
                "unrecognized custom error (return data: 0x82b42900)",
                "data": {"message": "...", "txHash": mined, "data": "0x82b42900"},
            }
        },
        eth_getTransactionReceipt=lambda params: receipt(params[0], status=0),
    )
    assert send(node)["transactionHash"] == bytes.fromhex(mined[2:])
    assert len(node.sent("eth_sendRawTransaction")) == 1


def test_a_transaction_counts_once_its_confirmations_are_on_top_of_it() -> None:
    heads = iter(["0x11", "0x12", "0x13", "0x13"])
    node = sender_node(
        eth_estimateGas="0xc350",
        eth_blockNumber=lambda _: next(heads),
        eth_getTransactionReceipt=lambda params: receipt(params[0]),
    )
    chain = Web3Chain(Web3(node), [SIGNER], confirmations=2, poll_seconds=0.001)
    result = chain.send(SIGNER.address, Address.parse(TX["to"]), b"\x01")
    assert result.block_number == 0x11
    assert len(node.sent("eth_blockNumber")) == 3  # 0x11, 0x12: not yet; 0x13: two on top


def test_a_sender_without_a_signer_is_refused_naming_the_account() -> None:
    chain = Web3Chain(Web3(sender_node(eth_estimateGas="0xc350")), [])
    with pytest.raises(MissingKey, match=r"no key for 0x[0-9a-fA-F]{40}: the ledger cannot sign"):
        chain.send(SIGNER.address, Address.parse(TX["to"]), b"\x01")


def test_any_other_refusal_of_the_node_is_told_in_its_words() -> None:
    node = sender_node(
        eth_sendRawTransaction={"error": {"code": -32000, "message": "invalid sender"}}
    )
    with pytest.raises(SendRefused, match="the node refused the transaction: invalid sender"):
        send(node)
