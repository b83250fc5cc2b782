"""Revert data out of whatever shape a node's revert took on its way through web3.py.

Nodes disagree on how to answer a revert, and web3.py 7.16 passes their answers on differently by
method. For ``eth_call`` and ``eth_estimateGas`` it raises ``ContractLogicError`` (or its custom
error / panic subclass) whose ``data`` is the error object's ``data`` as the node sent it: a hex
string (geth, anvil), ``"Reverted 0x…"`` (Erigon, Nethermind), a dict with the hex nested inside
(Hardhat 2), ``None``, or web3's own ``"no data"`` placeholder. Every other method (among them
``eth_sendRawTransaction``) raises a plain ``Web3RPCError`` that keeps the whole JSON-RPC answer in
``rpc_response``. Older web3 raised ``ValueError(error_object)``, and eth-tester raises its own
``TransactionFailed``. Reading all of them here keeps the rest of the adapter to one question:
which bytes did the contract revert with, so that ``translate.error_from_revert`` can name the
domain's error.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Mapping
from typing import Any

from eth_abi.abi import encode
from eth_hash.auto import keccak

ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)

_HEX = re.compile(r"(?:0[xX])?((?:[0-9a-fA-F]{2})*)")
# Revert data quoted in a message: Hardhat's "(return data: 0x…)", geth-like "execution
# reverted: 0x…", anvil's "custom error 0x…" (the selector only) and Erigon's "Reverted 0x…".
_DATA_IN_TEXT = re.compile(
    r"(?:return data: |execution reverted: |custom error |Reverted )0x([0-9a-fA-F]*)(?![\w])"
)
# Hardhat names what it decoded instead of quoting the data when it knows the error.
_REASON = re.compile(r"reverted with reason string '(.*)'", re.DOTALL)
_PANIC = re.compile(r"reverted with panic code (0x[0-9a-fA-F]+)")
_CUSTOM = re.compile(r"reverted with custom error '(\w+)\(\)'")
# Where nodes nest the revert data inside a dict ``data``: Hardhat and ganache 7 ("data",
# "result"), ganache 6 ({tx hash: {"return": …}}).
_NESTED_KEYS = ("data", "result", "return")


def revert_data_from(error: BaseException) -> bytes | None:
    """The revert data ``error`` carries (``b""`` for a revert without data, or whose data the
    node did not pass on), or ``None`` when ``error`` is no revert at all (a connection error, a
    nonce error, an underpriced fee…). Never raises: it runs inside error handling, where a
    second exception would hide the first."""
    try:
        return _revert_data(error)
    except Exception:
        return None


def tron_revert_data(info: Mapping[str, Any]) -> bytes:
    """The revert data in java-tron's ``gettransactioninfobyid`` answer (``contractResult[0]``)
    or ``triggerconstantcontract`` answer (``constant_result[0]``), both hex without 0x; ``b""``
    when absent or not hex. ``result.message`` is hex-encoded text ("REVERT opcode executed"),
    a description rather than the contract's data, so it is not read."""
    for key in ("contractResult", "constant_result"):
        results = info.get(key)
        if isinstance(results, list | tuple) and results:
            return _hex(results[0]) or b""
    return b""


def _loaded(module: str, name: str) -> Any:
    """The exception class ``name`` of ``module`` if that module is loaded, else nothing to
    match: an error of a module that was never imported cannot have been raised (and revm's
    chains never load web3 or eth-tester)."""
    found = sys.modules.get(module)
    return () if found is None else getattr(found, name)


def _revert_data(error: BaseException) -> bytes | None:
    if isinstance(error, _loaded("web3.exceptions", "ContractLogicError")):
        # web3 only raises it for a revert, so it is one even when no data is found.
        found = _from_data(error.data)
        if found is None:
            found = _from_message(str(error.message or ""))
        return b"" if found is None else found
    if isinstance(error, _loaded("web3.exceptions", "Web3RPCError")):
        response: Any = error.rpc_response
        body: Any = response.get("error") if isinstance(response, Mapping) else None
        if body is None:
            body = _literal_dict(error.message)  # web3 puts repr(error object) there
        return _from_error_object(body)
    if isinstance(error, ValueError):
        body = error.args[0] if error.args else None
        return _from_error_object(body if isinstance(body, Mapping) else _literal_dict(body))
    # Imported late: chain.py imports this module for its own error handling.
    from dcmx_adapters.evm.chain import Reverted, revert_data_of_failure

    if isinstance(error, _loaded("eth_tester.exceptions", "TransactionFailed")):
        try:
            return revert_data_of_failure(error)
        except Exception:
            return b""
    if isinstance(error, Reverted):  # already read: reading it again changes nothing
        return error.data
    return None


def _from_error_object(body: Any) -> bytes | None:
    """A JSON-RPC error object's revert data, or ``None`` when it reports no revert."""
    if not isinstance(body, Mapping):
        return None
    message = body.get("message")
    message = message if isinstance(message, str) else ""
    data = body.get("data")
    is_revert = (
        body.get("code") == 3
        or "revert" in message.lower()
        or (isinstance(data, str) and data.startswith("Reverted "))
    )
    if not is_revert:
        return None
    found = _from_data(data)
    if found is None:
        found = _from_message(message)
    return b"" if found is None else found


def _from_data(data: Any, depth: int = 0) -> bytes | None:
    """Revert data from an error object's ``data`` (or ``ContractLogicError.data``)."""
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, str):
        return _hex(data.removeprefix("Reverted "))
    if isinstance(data, Mapping) and depth < 3:
        for key in _NESTED_KEYS:
            if isinstance(data.get(key), str):
                found = _from_data(data[key], depth + 1)
                if found is not None:
                    return found
        for value in data.values():
            if isinstance(value, Mapping):
                found = _from_data(value, depth + 1)
                if found is not None:
                    return found
        message = data.get("message")
        if isinstance(message, str):
            return _from_message(message)
    return None


def _from_message(message: str) -> bytes | None:
    """Revert data quoted in a message, or rebuilt from what Hardhat decoded of it."""
    quoted = _DATA_IN_TEXT.search(message)
    if quoted is not None:
        return _hex(quoted.group(1))
    reason = _REASON.search(message)
    if reason is not None:
        return ERROR_STRING + encode(["string"], [reason.group(1)])
    panic = _PANIC.search(message)
    if panic is not None:
        return PANIC + encode(["uint256"], [int(panic.group(1), 16)])
    custom = _CUSTOM.search(message)
    if custom is not None:  # only without arguments: their types are not in the message
        return keccak(f"{custom.group(1)}()".encode())[:4]
    return None


def _hex(text: Any) -> bytes | None:
    """Strict hex: an optional 0x, then pairs of hex digits; anything else is no data."""
    if not isinstance(text, str):
        return None
    match = _HEX.fullmatch(text)
    return bytes.fromhex(match.group(1)) if match is not None else None


def _literal_dict(text: Any) -> Mapping[str, Any] | None:
    """A dict written out with ``repr``, as web3 writes the error object into its messages."""
    if not isinstance(text, str) or not text.startswith("{"):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, Mapping) else None
