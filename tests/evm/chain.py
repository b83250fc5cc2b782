"""A thin test harness over web3.py and eth-tester: deploy artifacts, send transactions, decode
events in log order and custom errors from revert data (by selector, with eth_abi)."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple, cast

from eth_abi.abi import decode, encode
from eth_tester.exceptions import TransactionFailed
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxParams, TxReceipt, Wei

BUILD = Path(__file__).resolve().parents[2] / "contracts" / "build"
GAS = 10_000_000
ERROR_STRING = ("Error", ("string",))  # Solidity's revert("...")


def artifact(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((BUILD / f"{name}.json").read_text())
    return loaded


def _signature(entry: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return entry["name"], tuple(_abi_type(i) for i in entry["inputs"])


def _abi_type(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return str(param["type"])


def selector(name: str, types: Iterable[str]) -> bytes:
    """The first four bytes of keccak-256 of an error's or function's signature."""
    return keccak(text=f"{name}({','.join(types)})")[:4]


class Refusal(NamedTuple):
    """A decoded revert: the custom error's name and its arguments (addresses checksummed).
    It equals the plain tuple ``(name, args)``."""

    name: str
    args_: tuple[Any, ...]


class Chain:
    """One in-process chain with funded accounts and the contracts deployed on it."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.accounts: list[str] = list(w3.eth.accounts)
        self.contracts: dict[str, Contract] = {}
        self.errors: dict[bytes, tuple[str, tuple[str, ...]]] = {
            selector(*ERROR_STRING): ERROR_STRING
        }
        # ERC-20's and ERC-721's Transfer share a topic: events are looked up by emitter too.
        self._events: dict[tuple[str, bytes], tuple[str, dict[str, Any]]] = {}

    def deploy(self, name: str, *args: Any, sender: str | None = None) -> Contract:
        """Deploy the artifact ``contracts/build/<name>.json`` and learn its errors and events."""
        built = artifact(name)
        factory = self.w3.eth.contract(abi=built["abi"], bytecode=built["bytecode"])
        tx_hash = factory.constructor(*args).transact(
            {"from": sender or self.accounts[0], "gas": GAS}
        )
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, f"deploying {name} failed"
        contract = cast(
            Contract, self.w3.eth.contract(address=receipt["contractAddress"], abi=built["abi"])
        )
        self.contracts[contract.address] = contract
        for entry in built["abi"]:
            if entry["type"] == "error":
                name_, types = _signature(entry)
                self.errors[selector(name_, types)] = (name_, types)
            elif entry["type"] == "event":
                name_, types = _signature(entry)
                topic = keccak(text=f"{name_}({','.join(types)})")
                self._events[(contract.address, topic)] = (name_, entry)
        return contract

    def send(self, call: ContractFunction, sender: str, value: int = 0) -> TxReceipt:
        """Send ``call`` as a transaction; it must succeed."""
        receipt = self._transact(call, sender, value)
        if receipt["status"] != 1:
            raise AssertionError(f"{call.fn_name} refused: {self.refusal(call, sender, value)}")
        return receipt

    def refusal(self, call: ContractFunction, sender: str, value: int = 0) -> Refusal:
        """The error ``call`` reverts with, decoded from its revert data; the call, sent as a
        transaction, must fail too."""
        try:
            call.call(_tx(sender, value))
        except TransactionFailed as failure:
            refusal = self.decode_error(_revert_data(failure))
        else:
            raise AssertionError(f"{call.fn_name} did not revert")
        assert self._transact(call, sender, value)["status"] == 0
        return refusal

    def decode_error(self, data: bytes) -> Refusal:
        """Find the error by its selector among every deployed contract's errors (and
        Error(string)); decode its arguments."""
        if not data:
            return Refusal("<empty revert>", ())
        name, types = self.errors.get(data[:4], (f"<unknown 0x{data[:4].hex()}>", ()))
        return Refusal(name, _plain(decode(list(types), data[4:])))

    def events(self, receipt: TxReceipt) -> list[tuple[str, dict[str, Any]]]:
        """The receipt's logs in order, each decoded as (event name, fields)."""
        decoded = []
        for log in receipt["logs"]:
            name, entry = self._events[(log["address"], bytes(log["topics"][0]))]
            topics = iter(log["topics"][1:])
            indexed = [i for i in entry["inputs"] if i["indexed"]]
            plain = [i for i in entry["inputs"] if not i["indexed"]]
            values = dict(
                zip(
                    (i["name"] for i in plain),
                    decode([_abi_type(i) for i in plain], bytes(log["data"])),
                    strict=True,
                )
            )
            for param in indexed:
                values[param["name"]] = decode([_abi_type(param)], bytes(next(topics)))[0]
            decoded.append((name, {i["name"]: _plain(values[i["name"]]) for i in entry["inputs"]}))
        return decoded

    def balance(self, account: str) -> int:
        return self.w3.eth.get_balance(account)  # type: ignore[arg-type]

    def _transact(self, call: ContractFunction, sender: str, value: int) -> TxReceipt:
        tx_hash = call.transact(_tx(sender, value))
        return self.w3.eth.wait_for_transaction_receipt(tx_hash)


def _tx(sender: str, value: int) -> TxParams:
    return {"from": cast(Any, sender), "value": Wei(value), "gas": GAS}


def _plain(value: Any) -> Any:
    """Checksummed addresses and tuples, so that decoded fields compare with web3's values."""
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return Web3.to_checksum_address(value)
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    return value


def _revert_data(failure: TransactionFailed) -> bytes:
    """eth-tester reports revert data as ``execution reverted: b'...'``, except for
    Error(string), whose text it decodes first: encode that back."""
    reason = failure.args[0] if failure.args else b""
    if isinstance(reason, bytes):
        return reason
    text = str(reason)
    if text in ("execution reverted", "execution reverted: "):
        return b""
    text = text.removeprefix("execution reverted: ")
    if text.startswith(("b'", 'b"')):
        data = ast.literal_eval(text)
        assert isinstance(data, bytes)
        return data
    return selector(*ERROR_STRING) + encode(["string"], [text])
