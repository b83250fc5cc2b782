"""The EVM as the ledger sees it: send a transaction, call a view, read blocks and logs.

``Web3Chain`` talks to any web3.py provider: eth-tester's in-process py-evm offline, any EVM
JSON-RPC endpoint online. The development operations (funding, block time, reorganizing) need
eth-tester. ``RevmChain`` (in ``revm.py``) offers the same surface on the much faster revm.
"""

from __future__ import annotations

import ast
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from attrs import frozen
from eth_utils.address import to_checksum_address

from dcmx_adapters.evm.abi import address_from_abi
from dcmx_adapters.evm.reverts import revert_data_from
from dcmx_adapters.evm.wallet import (
    DEPENDENT_GAS,
    Broadcast,
    MissingKey,
    Retry,
    Sender,
    SendRefused,
    SignedTransaction,
    fee_fields,
    gas_limit,
    sign_transaction,
    unsigned_json,
)
from dcmx_core.exceptions import OutOfRange
from dcmx_core.model.signing import Signer
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Block

if TYPE_CHECKING:  # web3 and eth-tester load only where a Web3Chain is used: revm needs neither
    from eth_tester.exceptions import TransactionFailed
    from eth_typing import ChecksumAddress
    from web3 import Web3
    from web3.types import TxParams

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
    """A chain reached through web3.py; transactions are signed here by the senders' signers.

    On eth-tester (in process) a transaction gets a fixed gas limit and is mined at once. On a
    real node it is sent as a wallet sends it (``wallet.py``): fees and gas from the node, the
    pending nonce, then a wait for the receipt and for ``confirmations`` blocks on top of it."""

    def __init__(
        self,
        w3: Web3,
        signers: Iterable[Signer] = (),
        *,
        confirmations: int = 0,
        timeout: float = 120.0,
        poll_seconds: float = 0.2,
    ) -> None:
        self._w3 = w3
        self._signers = {signer.address: signer for signer in signers}
        self._chain_id = w3.eth.chain_id
        self._confirmations = confirmations
        self._timeout = timeout
        self._poll = poll_seconds
        self._lock = threading.Lock()

    @classmethod
    def in_process(cls, signers: Iterable[Signer] = ()) -> Web3Chain:
        """A fresh eth-tester (py-evm) chain, offline."""
        from web3 import Web3
        from web3.providers.eth_tester import EthereumTesterProvider

        return cls(Web3(EthereumTesterProvider()), signers)

    @property
    def chain_id(self) -> int:
        return self._chain_id

    @property
    def is_development(self) -> bool:
        from web3.providers.eth_tester import EthereumTesterProvider

        return isinstance(self._w3.provider, EthereumTesterProvider)

    @property
    def w3(self) -> Web3:
        """The web3.py client this chain talks through."""
        return self._w3

    def add_signer(self, signer: Signer) -> Address:
        """Let ``signer`` send from its account."""
        self._signers[signer.address] = signer
        return signer.address

    def signs_for(self, account: Address) -> bool:
        return account in self._signers

    # --- transactions and views -------------------------------------------------------------

    def send(self, sender: Address, to: Address | None, data: bytes, value: int = 0) -> TxResult:
        tx: dict[str, Any] = {"from": _checksum(sender), "data": data, "value": value}
        if to is not None:
            tx["to"] = _checksum(to)
        # Tried first, so that a refusal costs nothing; on a real node the gas estimate is
        # that trial.
        gas = GAS_LIMIT
        if not self.is_development:
            gas = gas_limit(self._trial(tx, self._w3.eth.estimate_gas))
        elif to is not None:
            self._trial(tx, lambda call: self._w3.eth.call(call, "pending"))
        signer = self._signers.get(sender)
        if signer is None:
            raise MissingKey(_checksum(sender))
        with self._lock:  # one nonce at a time from this process
            if self.is_development:
                receipt = self._send_in_process(signer, tx)
            else:
                unsigned = {k: v for k, v in tx.items() if k != "from"}
                receipt = Sender(self._w3, signer, self._timeout, self._poll).send(unsigned, gas)
        return self._result(tx, receipt)

    def _result(self, tx: dict[str, Any], receipt: Any) -> TxResult:
        if receipt["status"] != 1:
            raise self._failure(tx, receipt)
        if not self.is_development and self._confirmations:
            receipt = self._confirmed(receipt)
        return TxResult(
            _hash(receipt["transactionHash"]),
            receipt["blockNumber"],
            _hash(receipt["blockHash"]),
            tuple(_log_from_json(entry) for entry in receipt["logs"]),
            receipt["gasUsed"],
            receipt["gasUsed"] * receipt["effectiveGasPrice"],
            address_from_abi(receipt["contractAddress"]) if receipt["contractAddress"] else None,
        )

    # --- a user's own transactions, signed in their wallet -----------------------------------

    def prepare(
        self, sender: Address, calls: Sequence[tuple[Address, bytes, int]]
    ) -> list[dict[str, Any]]:
        """Unsigned transactions from ``sender`` for ``calls`` (to, data, value), in order,
        for the sender's wallet to sign: the pending nonce and the ones after it, the node's
        fees, gas from the node's estimate (``DEPENDENT_GAS`` for one that cannot be
        estimated before those ahead of it are mined). A first call that reverts raises
        ``Reverted``: nothing is prepared that the chain would refuse now."""
        account = _checksum(sender)
        nonce = int(self._w3.eth.get_transaction_count(account, "pending"))
        fees = fee_fields(self._w3)
        kind = {"type": 2} if "maxFeePerGas" in fees else {}
        prepared = []
        for offset, (to, data, value) in enumerate(calls):
            tx: dict[str, Any] = {
                "from": account,
                "to": _checksum(to),
                "data": data,
                "value": value,
            }
            try:
                gas = gas_limit(self._trial(tx, self._w3.eth.estimate_gas))
            except Reverted:
                if offset == 0:
                    raise
                gas = DEPENDENT_GAS
            fields = {"chainId": self._chain_id, **tx, "gas": gas, "nonce": nonce + offset}
            prepared.append(unsigned_json(fields | fees | kind))
        return prepared

    def broadcast(self, raw: bytes, signed: SignedTransaction) -> TxResult:
        """Send a transaction a wallet signed (``raw``, read as ``signed``) and wait for it
        as for the ledger's own; a failure raises ``Reverted`` with its revert data."""
        broadcast = Broadcast(self._w3, signed.sender, self._timeout, self._poll)
        with self._lock:
            try:
                receipt = broadcast.send(raw, signed.nonce)
            except Retry as retry:
                raise SendRefused(f"{retry}: prepare the transaction again") from None
        tx: dict[str, Any] = {"from": broadcast.shown, "data": signed.data, "value": signed.value}
        if signed.to is not None:
            tx["to"] = _checksum(signed.to)
        return self._result(tx, receipt)

    def _send_in_process(self, signer: Signer, tx: dict[str, Any]) -> Any:
        base_fee = self._w3.eth.get_block("latest")["baseFeePerGas"]
        tx = tx | {
            "chainId": self._chain_id,
            "nonce": self._w3.eth.get_transaction_count(tx["from"]),
            "gas": GAS_LIMIT,
            "maxFeePerGas": 2 * base_fee + PRIORITY_FEE,
            "maxPriorityFeePerGas": PRIORITY_FEE,
        }
        del tx["from"]
        tx_hash = self._w3.eth.send_raw_transaction(sign_transaction(signer, tx))
        return self._w3.eth.wait_for_transaction_receipt(tx_hash)

    def _failure(self, tx: dict[str, Any], receipt: Any) -> Reverted:
        """A mined transaction that failed: its revert data, from running it again as a call
        in the state it met (a node keeps no revert data in receipts)."""
        tx_hash = receipt["transactionHash"]
        if "to" in tx:
            try:
                self._w3.eth.call(cast("TxParams", tx), receipt["blockNumber"] - 1)
            except Exception as error:  # the revert, as the node tells it
                data = revert_data_from(error)
                if data is not None:
                    return Reverted(data, f"transaction 0x{bytes(tx_hash).hex()} reverted")
        return Reverted(b"", f"transaction 0x{bytes(tx_hash).hex()} failed")

    def _confirmed(self, receipt: Any) -> Any:
        """The receipt once ``confirmations`` blocks are on top of its block, looked up again
        then, so that a transaction a reorganization moved is reported where it ended up."""
        deadline = time.monotonic() + self._timeout
        tx_hash = receipt["transactionHash"]
        while True:
            head = self._w3.eth.block_number
            current = _receipt_or_none(self._w3, tx_hash)
            if current is not None and head >= current["blockNumber"] + self._confirmations:
                return current
            if time.monotonic() > deadline:
                raise SendRefused(
                    f"transaction 0x{bytes(tx_hash).hex()} has not reached "
                    f"{self._confirmations} confirmations within {self._timeout:g} s"
                )
            time.sleep(self._poll)

    def _trial(self, tx: dict[str, Any], run: Callable[[TxParams], Any]) -> Any:
        """What ``run`` (a call or a gas estimate) answers for ``tx``; a revert raises
        ``Reverted`` with its data."""
        try:
            return run(cast("TxParams", tx))
        except Exception as error:  # a revert in whatever shape the node gives it
            found = revert_data_from(error)
            if found is None:
                raise
            raise Reverted(found, _revert_message(error)) from None

    def call(self, to: Address, data: bytes, sender: Address | None = None) -> bytes:
        tx: dict[str, Any] = {"to": _checksum(to), "data": data}
        if sender is not None:
            tx["from"] = _checksum(sender)
        try:
            return bytes(self._w3.eth.call(cast("TxParams", tx), "latest"))
        except Exception as error:  # a revert in whatever shape the node gives it
            found = revert_data_from(error)
            if found is None:
                raise
            raise Reverted(found, _revert_message(error)) from None

    # --- blocks and logs --------------------------------------------------------------------

    # Blocks and logs are read from the node's own JSON: web3's formatting of them (HexBytes,
    # checksummed addresses, every field of a block) costs several times what reading the
    # fields the indexer needs does, and a block is one request, not two.

    def head(self) -> Block:
        found = self._request("eth_getBlockByNumber", ["latest", False])
        if found is None:
            raise OutOfRange("block number", "latest", "a block the node has")
        return _block_from_json(found)

    def block(self, number: int) -> Block:
        found = self._request("eth_getBlockByNumber", [hex(number), False]) if number >= 0 else None
        if found is None:
            raise OutOfRange("block number", number, f"0 to {self.head().number}")
        return _block_from_json(found)

    def logs(self, from_block: int, to_block: int) -> list[Log]:
        span = {"fromBlock": hex(from_block), "toBlock": hex(to_block)}
        return [_log_from_json(entry) for entry in self._request("eth_getLogs", [span])]

    def _request(self, method: str, params: list[Any]) -> Any:
        """The result of a JSON-RPC request as the node gave it; an error raises web3's. A
        node's answer skips web3's middleware, whose copy of every log into attribute
        dictionaries would cost more than the rest of the read; eth-tester answers only
        through it."""
        from web3.types import RPCEndpoint

        endpoint = RPCEndpoint(method)
        if self.is_development:
            return self._w3.manager.request_blocking(endpoint, params)
        response = self._w3.provider.make_request(endpoint, params)
        return self._w3.manager.formatted_response(response, params)

    def balance(self, account: Address) -> int:
        return int(self._w3.eth.get_balance(_checksum(account)))

    def code(self, account: Address) -> bytes:
        return bytes(self._w3.eth.get_code(_checksum(account)))

    # --- development operations (eth-tester) ------------------------------------------------

    def _tester(self) -> Any:
        from web3.providers.eth_tester import EthereumTesterProvider

        provider = self._w3.provider
        if not isinstance(provider, EthereumTesterProvider):
            raise NotADevelopmentChain(f"{type(provider).__name__} is not eth-tester")
        return provider.ethereum_tester

    def fund(self, account: Address, amount: int) -> None:
        from web3.types import Wei

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
    return to_checksum_address(address.raw)


def _quantity(value: str | int) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _bytes_of(value: str | bytes) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def _block_from_json(raw: Mapping[str, Any]) -> Block:
    return Block(
        _quantity(raw["number"]),
        Hash32(_bytes_of(raw["hash"])),
        Hash32(_bytes_of(raw["parentHash"])),
        _quantity(raw["timestamp"]),
    )


def _log_from_json(raw: Mapping[str, Any]) -> Log:
    """A log as a node gives it (hex text), or as web3 formats it in a receipt (bytes, ints)."""
    return Log(
        Address(_bytes_of(raw["address"])),
        tuple(_bytes_of(topic) for topic in raw["topics"]),
        _bytes_of(raw["data"]),
        _quantity(raw["blockNumber"]),
        Hash32(_bytes_of(raw["blockHash"])),
        Hash32(_bytes_of(raw["transactionHash"])),
        _quantity(raw["logIndex"]),
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


def _revert_message(error: Exception) -> str:
    """One line of the node's words for a revert (never a Python repr of its reply)."""
    message = error.args[0] if error.args else ""
    if isinstance(message, dict):
        message = message.get("message", "")
    return " ".join(str(message).split()) or "execution reverted"


def _receipt_or_none(w3: Web3, tx_hash: Any) -> Any:
    from web3.exceptions import TransactionNotFound

    try:
        return w3.eth.get_transaction_receipt(tx_hash)
    except TransactionNotFound:
        return None
