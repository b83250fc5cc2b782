"""Hardhat Network answers as the harness promises: its chain id, Hardhat's funded accounts
with the keys we hold for them, and the snapshots the end-to-end tests roll the chain back
with."""

from __future__ import annotations

import os

import pytest
from eth_account import Account
from web3 import Web3
from web3.types import RPCEndpoint

from tests.hardhat_node import HardhatNode

pytestmark = pytest.mark.skipif(
    os.environ.get("DCMX_HARDHAT") != "1",
    reason="starts Hardhat Network (from npm): run `nox -s hardhat`, or set DCMX_HARDHAT=1",
)

FIRST_ACCOUNT = Web3.to_checksum_address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
FIRST_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")


def test_the_node_is_hardhats_chain_and_account_0_holds_10000_eth(
    node: HardhatNode, w3: Web3
) -> None:
    assert node.chain_id == 31337
    assert w3.eth.chain_id == 31337
    assert node.accounts[0] == (FIRST_ACCOUNT, FIRST_KEY)
    assert list(w3.eth.accounts) == [address for address, _ in node.accounts]
    assert w3.eth.get_balance(FIRST_ACCOUNT) == Web3.to_wei(10_000, "ether")


def test_a_transfer_signed_here_with_an_account_key_is_mined(node: HardhatNode, w3: Web3) -> None:
    (sender, key), (receiver, _) = node.accounts[1], node.accounts[2]
    before = w3.eth.get_balance(receiver)
    signed = Account.sign_transaction(
        {
            "chainId": node.chain_id,
            "nonce": w3.eth.get_transaction_count(sender),
            "to": receiver,
            "value": 12_345,
            "gas": 21_000,
            "maxFeePerGas": 2 * w3.eth.get_block("latest")["baseFeePerGas"] + 10**9,
            "maxPriorityFeePerGas": 10**9,
        },
        key,
    )

    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(signed.raw_transaction)
    )

    assert receipt["status"] == 1
    assert receipt["from"] == sender
    assert w3.eth.get_balance(receiver) == before + 12_345


def test_reverting_to_a_snapshot_takes_the_head_back(w3: Web3) -> None:
    before = w3.eth.block_number
    snapshot = w3.provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]
    for _ in range(3):
        w3.provider.make_request(RPCEndpoint("evm_mine"), [])
    assert w3.eth.block_number == before + 3

    reverted = w3.provider.make_request(RPCEndpoint("evm_revert"), [snapshot])

    assert reverted["result"] is True
    assert w3.eth.block_number == before
