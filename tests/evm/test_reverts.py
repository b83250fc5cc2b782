"""Revert data out of every shape a node answers a revert in, as web3.py 7 raises it.

Each shape is a JSON-RPC error object as the node sends it. A stub provider answers every
request with it, so the exception under test is the one web3's own request manager and error
formatters raise for ``eth_call``, ``eth_estimateGas`` and ``eth_sendRawTransaction``."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
import requests
from eth_abi.abi import encode
from eth_hash.auto import keccak
from eth_tester.exceptions import TransactionFailed
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    ContractPanicError,
    ProviderConnectionError,
    TimeExhausted,
    Web3RPCError,
)
from web3.providers.base import BaseProvider
from web3.types import RPCEndpoint, RPCResponse

from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.reverts import revert_data_from, tron_revert_data
from dcmx_adapters.evm.translate import _known_errors, error_from_revert
from dcmx_core.exceptions import NotAdmin, TransactionReverted
from dcmx_core.model.values import Address
from dcmx_entrypoints.http.schemas import AddressText

ACCOUNT = "0x" + "ab" * 20
NOT_ADMIN_SELECTOR = bytes.fromhex("17a84242")
NOT_ADMIN = NOT_ADMIN_SELECTOR + encode(["address"], [ACCOUNT])
REASON = bytes.fromhex("08c379a0") + encode(["string"], ["not allowed"])
PANIC_OVERFLOW = bytes.fromhex("4e487b71") + encode(["uint256"], [0x11])
TX_HASH = "0x" + "11" * 32
VM = "Error: VM Exception while processing transaction: "

METHODS = ("eth_call", "eth_estimateGas", "eth_sendRawTransaction")


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _hardhat(message: str, data: bytes | None) -> dict[str, Any]:
    """Hardhat 2's answer: code -32603, the revert data nested with the tx hash beside it."""
    nested: dict[str, Any] = {"message": message, "txHash": TX_HASH}
    if data is not None:
        nested["data"] = _hex(data)
    return {"code": -32603, "message": message, "data": nested}


# (name, the node's JSON-RPC error object); EXPECTED has the revert data each one carries.
SHAPES: list[tuple[str, dict[str, Any]]] = [
    ("geth-custom-error", {"code": 3, "message": "execution reverted", "data": _hex(NOT_ADMIN)}),
    (
        "geth-reason-string",
        {"code": 3, "message": "execution reverted: not allowed", "data": _hex(REASON)},
    ),
    ("geth-panic", {"code": 3, "message": "execution reverted", "data": _hex(PANIC_OVERFLOW)}),
    ("geth-bare-revert", {"code": -32000, "message": "execution reverted"}),
    ("code-3-empty-data", {"code": 3, "message": "execution reverted", "data": "0x"}),
    (
        "hardhat-unrecognized-custom-error",
        _hardhat(
            f"{VM}reverted with an unrecognized custom error (return data: {_hex(NOT_ADMIN)})",
            NOT_ADMIN,
        ),
    ),
    (
        "hardhat-named-custom-error",
        _hardhat(f"{VM}reverted with custom error 'NotAdmin(\"{ACCOUNT}\")'", NOT_ADMIN),
    ),
    ("hardhat-reason-string", _hardhat(f"{VM}reverted with reason string 'not allowed'", REASON)),
    (
        "hardhat-reason-string-in-message-only",
        _hardhat(f"{VM}reverted with reason string 'not allowed'", None),
    ),
    (
        "hardhat-panic-in-message-only",
        _hardhat(f"{VM}reverted with panic code 0x11 (Arithmetic operation overflowed)", None),
    ),
    (
        "hardhat-argumentless-custom-error-in-message-only",
        _hardhat(f"{VM}reverted with custom error 'ZeroAddress()'", None),
    ),
    (
        "anvil-custom-error",
        {
            "code": 3,
            "message": "execution reverted: custom error 0x17a84242: \x00\x00\xab\xab",
            "data": _hex(NOT_ADMIN),
        },
    ),
    (
        "return-data-in-message-only",
        {"code": -32603, "message": f"{VM}reverted (return data: {_hex(NOT_ADMIN)})"},
    ),
    (
        "code-3-hex-in-message-only",
        {"code": 3, "message": f"execution reverted: {_hex(NOT_ADMIN)}"},
    ),
    (
        "custom-error-selector-in-message-only",
        {"code": 3, "message": "execution reverted: custom error 0x17a84242: \x00\xab"},
    ),
    (
        "erigon-reverted-prefix",
        {"code": -32000, "message": "execution reverted", "data": f"Reverted {_hex(NOT_ADMIN)}"},
    ),
    (
        "nethermind-reverted-prefix",
        {"code": -32015, "message": "VM execution error.", "data": f"Reverted {_hex(NOT_ADMIN)}"},
    ),
    (
        "ganache-7-result",
        {
            "code": -32000,
            "message": "VM Exception while processing transaction: revert not allowed",
            "data": {"hash": TX_HASH, "programCounter": 7, "result": _hex(REASON)},
        },
    ),
]
EXPECTED = {
    "geth-custom-error": NOT_ADMIN,
    "geth-reason-string": REASON,
    "geth-panic": PANIC_OVERFLOW,
    "geth-bare-revert": b"",
    "code-3-empty-data": b"",
    "hardhat-unrecognized-custom-error": NOT_ADMIN,
    "hardhat-named-custom-error": NOT_ADMIN,
    "hardhat-reason-string": REASON,
    "hardhat-reason-string-in-message-only": REASON,
    "hardhat-panic-in-message-only": PANIC_OVERFLOW,
    "hardhat-argumentless-custom-error-in-message-only": keccak(b"ZeroAddress()")[:4],
    "anvil-custom-error": NOT_ADMIN,
    "return-data-in-message-only": NOT_ADMIN,
    "code-3-hex-in-message-only": NOT_ADMIN,
    "custom-error-selector-in-message-only": NOT_ADMIN_SELECTOR,
    "erigon-reverted-prefix": NOT_ADMIN,
    "nethermind-reverted-prefix": NOT_ADMIN,
    "ganache-7-result": REASON,
}
SHAPE = dict(SHAPES)


class _Node(BaseProvider):
    """A node that answers every request (but eth_chainId) with one JSON-RPC error."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__()
        self.error = error

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        if method == "eth_chainId":
            return {"jsonrpc": "2.0", "id": 1, "result": "0x1"}
        return {"jsonrpc": "2.0", "id": 1, "error": self.error}  # type: ignore[typeddict-item]

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


def raised(error: dict[str, Any], method: str) -> BaseException:
    """What web3 raises when the node answers ``method`` with ``error``. (web3 warns when it
    cannot read "Reverted 0x…" as text; the warning is not what is tested here.)"""
    w3 = Web3(_Node(error))
    send: dict[str, Callable[[], Any]] = {
        "eth_call": lambda: w3.eth.call({"to": Web3.to_checksum_address(ACCOUNT), "data": b""}),
        "eth_estimateGas": lambda: w3.eth.estimate_gas({"to": Web3.to_checksum_address(ACCOUNT)}),
        "eth_sendRawTransaction": lambda: w3.eth.send_raw_transaction(b"\x02\xc0"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(Exception) as caught:  # noqa: PT011 - any exception web3 raises
            send[method]()
    return caught.value


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", list(SHAPE))
def test_revert_data_is_found_in_every_shape_web3_raises(shape: str, method: str) -> None:
    assert revert_data_from(raised(SHAPE[shape], method)) == EXPECTED[shape]


def test_hardhat_nested_revert_data_is_found() -> None:
    error = raised(SHAPE["hardhat-unrecognized-custom-error"], "eth_call")
    assert type(error) is ContractLogicError
    assert isinstance(error.data, dict)  # web3 leaves Hardhat's nested object as it is
    assert revert_data_from(error) == NOT_ADMIN


def test_hardhat_revert_on_send_is_a_plain_rpc_error_holding_the_response() -> None:
    error = raised(SHAPE["hardhat-named-custom-error"], "eth_sendRawTransaction")
    assert type(error) is Web3RPCError
    assert error.rpc_response is not None
    assert error.rpc_response["error"]["code"] == -32603
    assert revert_data_from(error) == NOT_ADMIN


@pytest.mark.parametrize(
    ("shape", "kind"),
    [
        ("geth-custom-error", ContractCustomError),
        ("geth-panic", ContractPanicError),
        ("geth-reason-string", ContractLogicError),
        ("anvil-custom-error", ContractCustomError),
        ("erigon-reverted-prefix", ContractLogicError),
    ],
)
def test_code_3_and_reverted_prefix_become_contract_logic_errors_on_eth_call(
    shape: str, kind: type[ContractLogicError]
) -> None:
    assert type(raised(SHAPE[shape], "eth_call")) is kind


def test_web3_warns_when_erigon_revert_data_is_not_text() -> None:
    w3 = Web3(_Node(SHAPE["erigon-reverted-prefix"]))
    with (
        pytest.warns(RuntimeWarning, match="Could not decode revert reason"),
        pytest.raises(ContractLogicError) as caught,
    ):
        w3.eth.call({"to": Web3.to_checksum_address(ACCOUNT)})
    assert revert_data_from(caught.value) == NOT_ADMIN


def test_web3_drops_message_only_data_on_eth_call_unless_code_is_3() -> None:
    """web3 replaces the message with "execution reverted" when the code is not 3, so the data
    quoted in it survives only where web3 keeps the response (eth_sendRawTransaction)."""
    error = {"code": -32000, "message": f"execution reverted: {_hex(NOT_ADMIN)}"}
    assert revert_data_from(raised(error, "eth_call")) == b""
    assert revert_data_from(raised(error, "eth_sendRawTransaction")) == NOT_ADMIN


def test_older_web3_value_error_with_the_error_object_is_read() -> None:
    assert revert_data_from(ValueError(SHAPE["geth-custom-error"])) == NOT_ADMIN
    assert revert_data_from(ValueError(SHAPE["hardhat-named-custom-error"])) == NOT_ADMIN
    assert revert_data_from(ValueError({"code": -32000, "message": "nonce too low"})) is None


def test_eth_tester_failure_is_read(nft: Contract, artist: str) -> None:
    with pytest.raises(TransactionFailed) as caught:
        nft.functions.setRoyaltyReceiver(artist).call({"from": artist})
    assert revert_data_from(caught.value) == NOT_ADMIN_SELECTOR + encode(["address"], [artist])


NOT_REVERTS = [
    {"code": -32000, "message": "nonce too low"},
    {"code": -32000, "message": "replacement transaction underpriced"},
    {"code": -32000, "message": "insufficient funds for gas * price + value"},
    {"code": -32602, "message": "invalid argument 0: hex string has length 3"},
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("error", NOT_REVERTS, ids=lambda error: error["message"])
def test_a_node_error_that_is_no_revert_gives_none(error: dict[str, Any], method: str) -> None:
    assert revert_data_from(raised(error, method)) is None


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError("Connection refused"),
        ProviderConnectionError("no node"),
        TimeExhausted("no receipt"),
        RuntimeError("boom"),
        ValueError("not an error object"),
        Web3RPCError("{'code': -32000, 'message': 'nonce too low'}"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_error_that_is_no_revert_gives_none(error: BaseException) -> None:
    assert revert_data_from(error) is None


@pytest.mark.parametrize(
    "data", ["0x17a8424", "0x17a84242zz", "17 a8 42 42", "0x17a84242\n", "0X17A8424G"]
)
def test_malformed_hex_is_never_taken_for_data(data: str) -> None:
    error = raised({"code": 3, "message": "execution reverted", "data": data}, "eth_call")
    assert revert_data_from(error) == b""


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ContractLogicError("execution reverted", data=12345), b""),  # type: ignore[arg-type]
        (Web3RPCError("x", rpc_response={"error": "boom"}), None),  # type: ignore[arg-type]
        (Web3RPCError("{'code': 3, 'message': 'reverted', 'data': '0x17a84242'"), None),
        (Web3RPCError("{'code': 3, 'message': 'reverted', 'data': '0x17a84242'}"), b"\x17\xa8BB"),
        (ValueError({"code": 3, "message": None, "data": {"data": {"data": {"data": 1}}}}), b""),
        (TransactionFailed("execution reverted: b'\\x17"), b""),
    ],
    ids=repr,
)
def test_odd_errors_never_make_it_raise(error: BaseException, expected: bytes | None) -> None:
    assert revert_data_from(error) == expected


@pytest.mark.parametrize(
    "shape",
    [
        "geth-custom-error",
        "hardhat-unrecognized-custom-error",
        "hardhat-named-custom-error",
        "anvil-custom-error",
        "erigon-reverted-prefix",
    ],
)
def test_not_admin_from_any_node_becomes_the_domain_not_admin(shape: str) -> None:
    assert keccak(b"NotAdmin(address)")[:4] == NOT_ADMIN_SELECTOR
    for method in METHODS:
        data = revert_data_from(raised(SHAPE[shape], method))
        assert data is not None
        refusal = error_from_revert(data)
        assert type(refusal) is NotAdmin
        assert ACCOUNT in str(refusal).lower()


def test_a_bare_revert_becomes_transaction_reverted() -> None:
    data = revert_data_from(raised(SHAPE["geth-bare-revert"], "eth_call"))
    assert data == b""
    assert type(error_from_revert(data)) is TransactionReverted


# --- java-tron ------------------------------------------------------------------------------

REVERT_TEXT = b"REVERT opcode executed".hex()


def test_tron_transaction_info_revert_data_is_contract_result() -> None:
    info = {
        "id": TX_HASH[2:],
        "contractResult": [NOT_ADMIN.hex()],
        "receipt": {"result": "REVERT"},
        "result": "FAILED",
        "resMessage": REVERT_TEXT,
    }
    assert tron_revert_data(info) == NOT_ADMIN


def test_tron_constant_call_revert_data_is_constant_result_not_the_message() -> None:
    answer = {
        "result": {"code": "CONTRACT_EXE_ERROR", "message": REVERT_TEXT},
        "constant_result": [NOT_ADMIN.hex()],
        "transaction": {"ret": [{}]},
    }
    assert tron_revert_data(answer) == NOT_ADMIN


@pytest.mark.parametrize(
    "info",
    [
        {},
        {"contractResult": []},
        {"contractResult": [""]},
        {"constant_result": ["not hex"]},
        {"constant_result": ["abc"]},
        {"contractResult": "17a84242"},
    ],
    ids=repr,
)
def test_tron_answer_without_hex_result_gives_empty_data(info: dict[str, Any]) -> None:
    assert tron_revert_data(info) == b""


def test_a_refusal_names_bytes_in_hex_and_addresses_as_addresses() -> None:
    proof = bytes(range(32))
    selector = next(s for s, (name, _) in _known_errors().items() if name == "ProofAlreadyUsed")
    said = str(error_from_revert(selector + encode(["bytes32"], [proof])))
    assert said == f"ProofAlreadyUsed(0x{proof.hex()})"
    assert "b'" not in said
    assert str(error_from_revert(NOT_ADMIN)) == f"NotAdmin({ACCOUNT})"


@pytest.mark.parametrize("base58", [False, True])
def test_a_message_shows_addresses_in_the_chain_s_form(base58: bool) -> None:
    addresses = AddressText(EthCrypto().keccak256, base58=base58)
    account = Address(bytes.fromhex(ACCOUNT[2:]))
    said = addresses.in_text(f"NotAdmin({ACCOUNT}); proof 0x{'cd' * 32} kept")
    assert said == f"NotAdmin({addresses.render(account)}); proof 0x{'cd' * 32} kept"
    # base58check on TRON; EIP-55 (mixed case) elsewhere; a 32-byte hash is left alone.
    assert said.startswith("NotAdmin(T") if base58 else ACCOUNT not in said
