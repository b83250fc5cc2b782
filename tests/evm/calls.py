"""What the contract tests need beyond ``tests.evm.chain``: refusals as (name, arguments) with
addresses checksummed, and the block time of the next transaction."""

from __future__ import annotations

import ast
from typing import Any

from eth_tester.exceptions import TransactionFailed
from eth_utils import is_address, to_checksum_address
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from tests.evm.chain import GAS, Chain


def refused(chain: Chain, call: ContractFunction, sender: str) -> tuple[str, tuple[Any, ...]]:
    """The custom error ``call`` from ``sender`` reverts with in the next block (decoded from the
    revert data by its 4-byte selector), as ``(name, arguments)``; the transaction is then mined
    in that block and must fail too."""
    try:
        # The pending block, not the latest: its time is the one the transaction will see.
        call.call({"from": sender, "gas": GAS}, block_identifier="pending")
    except TransactionFailed as failure:
        refusal = chain.decode_error(revert_data(failure))
    else:
        raise AssertionError(f"{call.fn_name} did not revert")
    tx_hash = call.transact({"from": sender, "gas": GAS})
    assert chain.w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 0
    return refusal.name, tuple(_plain(value) for value in refusal.args_)


def revert_data(failure: TransactionFailed) -> bytes:
    """The revert data eth-tester reports (through web3) as ``execution reverted: b'...'``."""
    text = str(failure.args[0]).removeprefix("execution reverted: ")
    data = ast.literal_eval(text) if text.startswith(("b'", 'b"')) else b""
    assert isinstance(data, bytes)
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, str) and is_address(value):
        return to_checksum_address(value)
    return value


def next_timestamp(w3: Web3) -> int:
    """The block time of the next transaction (eth-tester stamps each block 1 s after the last)."""
    return int(w3.eth.get_block("pending")["timestamp"])


def travel_to(w3: Web3, timestamp: int) -> None:
    """Make ``timestamp`` the block time of the next transaction."""
    # eth-tester mines a block stamped a second earlier, so that the next one is at `timestamp`.
    w3.provider.ethereum_tester.time_travel(timestamp)  # type: ignore[attr-defined]
    assert next_timestamp(w3) == timestamp


def block_time(w3: Web3, receipt: TxReceipt) -> int:
    return int(w3.eth.get_block(receipt["blockNumber"])["timestamp"])
