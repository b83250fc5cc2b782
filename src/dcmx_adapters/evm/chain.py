"""The EVM as the ledger sees it: send a transaction, call a view, read blocks and logs.

``Web3Chain`` talks to any web3.py provider: eth-tester's in-process py-evm offline, any EVM
JSON-RPC endpoint online. The development operations (funding, block time, reorganizing) need
eth-tester. ``RevmChain`` (in ``revm.py``) offers the same surface on the much faster revm.
"""

from __future__ import annotations

import ast
from typing import Any, Protocol, cast

from attrs import frozen
from eth_account import Account
from eth_tester.exceptions import TransactionFailed
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import TxParams, Wei

from dcmx_adapters.evm.abi import address_from_abi
from dcmx_core.exceptions import OutOfRange
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Block

GAS_LIMIT = 15_000_000
PRIORITY_FEE = 10**9


@frozen
class Log:
    address: Address
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    block_hash: Hash32
    tx_id: Hash32
    log_index: int


@frozen
class TxResult:
    tx_id: Hash32
    block_number: int
    block_hash: Hash32
    logs: tuple[Log, ...]
    gas_used: int
    fee: int
    contract_address: Address | None


class Reverted(Exception):
    """A call or transaction reverted; ``data`` is the revert data (empty when none)."""

    def __init__(self, data: bytes, message: str = "") -> None:
        super().__init__(message or f"reverted with 0x{data.hex()}")
        self.data = data


class NotADevelopmentChain(RuntimeError):
    """A development operation (funding, time, reorgs) asked of a real network."""


class Chain(Protocol):
    @property
    def chain_id(self) -> int: ...

    @property
    def is_development(self) -> bool:
        """Whether the development operations (funding, block time, reorgs) are available."""

    def send(self, sender: Address, to: Address | None, data: bytes, value: int = 0) -> TxResult:
        """Mine a transaction; a revert raises ``Reverted`` and mines nothing."""

    def call(self, to: Address, data: bytes, sender: Address | None = None) -> bytes:
        """Run a view at the head; a revert raises ``Reverted``."""

    def head(self) -> Block: ...
    def block(self, number: int) -> Block: ...
    def logs(self, from_block: int, to_block: int) -> list[Log]: ...
    def balance(self, account: Address) -> int: ...
    def code(self, account: Address) -> bytes: ...

    def fund(self, account: Address, amount: int) -> None: ...
    def set_next_timestamp(self, timestamp: int) -> None: ...
    def mine(self, blocks: int = 1) -> None: ...
    def reorganize(self, depth: int) -> None: ...


def _hash(value: bytes) -> Hash32:
    return Hash32(bytes(value))


class Web3Chain:
    """A chain reached through web3.py; transactions are signed here with the sender's key."""

    def __init__(self, w3: Web3, keys: dict[Address, bytes]) -> None:
        self._w3 = w3
        self._keys = dict(keys)
        self._chain_id = w3.eth.chain_id

    @classmethod
    def in_process(cls, keys: dict[Address, bytes]) -> Web3Chain:
        """A fresh eth-tester (py-evm) chain, offline."""
        return cls(Web3(EthereumTesterProvider()), keys)

    @property
    def chain_id(self) -> int:
        return self._chain_id

    @property
    def is_development(self) -> bool:
        return isinstance(self._w3.provider, EthereumTesterProvider)

    @property
    def w3(self) -> Web3:
        """The web3.py client this chain talks through."""
        return self._w3

    def add_key(self, private_key: bytes) -> Address:
        account = address_from_abi(Account.from_key(private_key).address)
        self._keys[account] = private_key
        return account

    # --- transactions and views -------------------------------------------------------------

    def send(self, sender: Address, to: Address | None, data: bytes, value: int = 0) -> TxResult:
        tx: dict[str, Any] = {"from": _checksum(sender), "data": data, "value": value}
        if to is not None:
            tx["to"] = _checksum(to)
            self._simulate(tx)
        key = self._keys.get(sender)
        if key is None:
            raise LookupError(f"no key for {sender}: the ledger cannot sign for it")
        base_fee = self._w3.eth.get_block("latest")["baseFeePerGas"]
        tx |= {
            "chainId": self._chain_id,
            "nonce": self._w3.eth.get_transaction_count(tx["from"]),
            "gas": GAS_LIMIT,
            "maxFeePerGas": 2 * base_fee + PRIORITY_FEE,
            "maxPriorityFeePerGas": PRIORITY_FEE,
        }
        signed = Account.sign_transaction(tx, key)
        tx_hash = self._w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self._w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise Reverted(b"", f"transaction {tx_hash.hex()} failed")
        return TxResult(
            _hash(receipt["transactionHash"]),
            receipt["blockNumber"],
            _hash(receipt["blockHash"]),
            tuple(_log(entry) for entry in receipt["logs"]),
            receipt["gasUsed"],
            receipt["gasUsed"] * receipt["effectiveGasPrice"],
            address_from_abi(receipt["contractAddress"]) if receipt["contractAddress"] else None,
        )

    def _simulate(self, tx: dict[str, Any]) -> None:
        try:
            self._w3.eth.call(cast(TxParams, tx), "pending")
        except ContractLogicError as error:
            raise Reverted(_revert_data(error.data), str(error)) from None
        except TransactionFailed as error:
            raise Reverted(revert_data_of_failure(error), str(error)) from None

    def call(self, to: Address, data: bytes, sender: Address | None = None) -> bytes:
        tx: dict[str, Any] = {"to": _checksum(to), "data": data}
        if sender is not None:
            tx["from"] = _checksum(sender)
        try:
            return bytes(self._w3.eth.call(cast(TxParams, tx), "latest"))
        except ContractLogicError as error:
            raise Reverted(_revert_data(error.data), str(error)) from None
        except TransactionFailed as error:
            raise Reverted(revert_data_of_failure(error), str(error)) from None

    # --- blocks and logs --------------------------------------------------------------------

    def head(self) -> Block:
        return _block(self._w3.eth.get_block("latest"))

    def block(self, number: int) -> Block:
        head = self.head().number
        if not 0 <= number <= head:
            raise OutOfRange("block number", number, f"0 to {head}")
        return _block(self._w3.eth.get_block(number))

    def logs(self, from_block: int, to_block: int) -> list[Log]:
        entries = self._w3.eth.get_logs({"fromBlock": from_block, "toBlock": to_block})
        return [_log(entry) for entry in entries]

    def balance(self, account: Address) -> int:
        return int(self._w3.eth.get_balance(_checksum(account)))

    def code(self, account: Address) -> bytes:
        return bytes(self._w3.eth.get_code(_checksum(account)))

    # --- development operations (eth-tester) ------------------------------------------------

    def _tester(self) -> Any:
        provider = self._w3.provider
        if not isinstance(provider, EthereumTesterProvider):
            raise NotADevelopmentChain(f"{type(provider).__name__} is not eth-tester")
        return provider.ethereum_tester

    def fund(self, account: Address, amount: int) -> None:
        tester = self._tester()
        self._w3.eth.send_transaction(
            {"from": tester.get_accounts()[0], "to": _checksum(account), "value": Wei(amount)}
        )

    def set_next_timestamp(self, timestamp: int) -> None:
        backend = self._tester().backend
        backend.chain.header = backend.chain.header.copy(timestamp=timestamp)

    def mine(self, blocks: int = 1) -> None:
        self._tester().mine_blocks(blocks)

    def reorganize(self, depth: int) -> None:
        tester = self._tester()
        head = self.head().number
        if not 1 <= depth <= head:
            raise OutOfRange("depth", depth, f"1 to {head}")
        target = self._w3.eth.get_block(head - depth)
        tester.backend.revert_to_snapshot(bytes(target["hash"]))


def _checksum(address: Address) -> ChecksumAddress:
    return Web3.to_checksum_address(address.raw)


def _block(raw: Any) -> Block:
    return Block(raw["number"], _hash(raw["hash"]), _hash(raw["parentHash"]), raw["timestamp"])


def _log(raw: Any) -> Log:
    return Log(
        address_from_abi(raw["address"]),
        tuple(bytes(topic) for topic in raw["topics"]),
        bytes(raw["data"]),
        raw["blockNumber"],
        _hash(raw["blockHash"]),
        _hash(raw["transactionHash"]),
        raw["logIndex"],
    )


def revert_data_of_failure(error: TransactionFailed) -> bytes:
    """The revert data of an eth-tester failure. web3's eth-tester provider passes it on as
    text, ``execution reverted: b'...'`` (a bytes literal), unless it was an Error(string)."""
    text = str(error.args[0]) if error.args else ""
    literal = text.removeprefix("execution reverted: ")
    if literal.startswith(("b'", 'b"')):
        value = ast.literal_eval(literal)
        if isinstance(value, bytes):
            return value
    return b""


def _revert_data(data: Any) -> bytes:
    if isinstance(data, str):
        return bytes.fromhex(data.removeprefix("0x"))
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    return b""
