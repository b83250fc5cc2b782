"""java-tron's HTTP API (``wallet/...`` and ``walletsolidity/...``) over a ``LocalTronNode``:
each endpoint answers the JSON java-tron answers, with ``visible`` (base58check addresses) or
without it (hex), and java-tron's error shapes (``{"Error": ...}``, ``{"code": ..., "message":
...}``, an empty object for "not found")."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.tron.refusals import Refused
from dcmx_devnode import events, resources
from dcmx_devnode.protobuf import MalformedMessage, parse_address, render
from dcmx_devnode.records import Block, Receipt
from dcmx_devnode.transaction import Transaction, address_json

if TYPE_CHECKING:
    from dcmx_devnode.node import LocalTronNode

Json = dict[str, Any]
Endpoint = Callable[["LocalTronNode", Json], Any]

EXPIRATION_MS: Final = 60_000
"""How long a transaction the node builds stays valid (java-tron's default)."""
ACTIVE_OPERATIONS: Final = "7fff1fc0033e0300000000000000000000000000000000000000000000000000"
_CRYPTO: Final = EthCrypto()


class UnknownEndpoint(LookupError):
    """The node has no such endpoint (java-tron answers 404)."""

    def __init__(self, method: str) -> None:
        super().__init__(f"no endpoint {method!r}")
        self.method = method


def dispatch(node: LocalTronNode, method: str, params: Json) -> Any:
    """The answer to ``method`` (a path without its leading slash) with ``params``; the event
    API's paths (``v1/...``) raise ``events.BadRequest`` for what TronGrid answers with 400."""
    endpoint = ENDPOINTS.get(method)
    if endpoint is None:
        endpoint, params = _route(method, params)
    try:
        return endpoint(node, params)
    except (MalformedMessage, ValueError, KeyError, TypeError) as error:
        # java-tron's servlets print an exception as {"Error": message}.
        return {"Error": f"class {type(error).__name__} : {error}"}


def _route(path: str, params: Json) -> tuple[Endpoint, Json]:
    """A path with parameters in it (TronGrid's ``v1/contracts/{address}/events``)."""
    for pattern, endpoint in events.ROUTES:
        found = pattern.fullmatch(path)
        if found is not None:
            return endpoint, params | found.groupdict()
    raise UnknownEndpoint(path)


def _visible(params: Json) -> bool:
    return params.get("visible") in (True, "true")


def _message(text: str, visible: bool) -> str:
    """A ``Return.message``: text with ``visible``, else its UTF-8 bytes in hex."""
    return text if visible else text.encode().hex()


def _address(params: Json, key: str) -> bytes:
    return parse_address(str(params[key]))


# --- node and blocks -------------------------------------------------------------------------


def get_node_info(node: LocalTronNode, params: Json) -> Json:
    solid = node.block(node.solid_number)
    assert solid is not None
    return {
        "beginSyncNum": node.head.number,
        "block": f"Num:{node.head.number},ID:{node.head.block_id.hex()}",
        "solidityBlock": f"Num:{solid.number},ID:{solid.block_id.hex()}",
        "currentConnectCount": 0,
        "activeConnectCount": 0,
        "passiveConnectCount": 0,
        "totalFlow": 0,
        "peerInfoList": [],
        "configNodeInfo": {"codeVersion": "local", "supportConstant": True},
    }


def _block_json(block: Block | None, params: Json) -> Json:
    return block.to_json(visible=_visible(params)) if block is not None else {}


def _solid(node: LocalTronNode, block: Block | None) -> Block | None:
    return block if block is not None and block.number <= node.solid_number else None


def get_now_block(node: LocalTronNode, params: Json) -> Json:
    return _block_json(node.head, params)


def get_block_by_num(node: LocalTronNode, params: Json) -> Json:
    return _block_json(node.block(int(params.get("num", 0))), params)


def get_block_by_id(node: LocalTronNode, params: Json) -> Json:
    return _block_json(node.block_by_id(bytes.fromhex(str(params.get("value", "")))), params)


def get_block_by_limit_next(node: LocalTronNode, params: Json) -> Json:
    start, end = int(params.get("startNum", 0)), int(params.get("endNum", 0))
    blocks = [node.block(n) for n in range(max(start, 0), min(end, node.head.number + 1))]
    return {"block": [_block_json(b, params) for b in blocks[:100]]} if blocks else {}


def get_block_by_latest_num(node: LocalTronNode, params: Json) -> Json:
    count = min(int(params.get("num", 0)), 100)
    first = max(node.head.number - count + 1, 0)
    return get_block_by_limit_next(node, params | {"startNum": first, "endNum": first + count})


def solid_now_block(node: LocalTronNode, params: Json) -> Json:
    return _block_json(node.block(node.solid_number), params)


def solid_block_by_num(node: LocalTronNode, params: Json) -> Json:
    return _block_json(_solid(node, node.block(int(params.get("num", 0)))), params)


def solid_block_by_id(node: LocalTronNode, params: Json) -> Json:
    block = node.block_by_id(bytes.fromhex(str(params.get("value", ""))))
    return _block_json(_solid(node, block), params)


class _Refusal(Exception):
    """What java-tron's ``getblock`` prints as ``{"Error": message}``."""


def _block_named(node: LocalTronNode, text: str, head: int) -> Block | None:
    """java-tron's ``Wallet.getBlock``: ``id_or_num`` is a number, else a block id; nothing
    above ``head`` (the solidified block on the solidity API)."""
    number = int(text) if re.fullmatch(r"[+-]?\d+", text) else None
    if number is not None and -(2**63) <= number < 2**63:  # a Java long
        if number < 0:
            raise _Refusal("num must be non-positive number.")
        return node.block(number) if number <= head else None
    try:
        block_id = bytes.fromhex(text) if len(text) == 64 else b""
    except ValueError:
        block_id = b""
    if not block_id or int.from_bytes(block_id[:8]) > head:
        raise _Refusal("id must be legal block hash.")
    return node.block_by_id(block_id)


def _get_block(node: LocalTronNode, params: Json, head: int) -> Json:
    """``getblock``: the block ``id_or_num`` names (the head without one), its transactions
    left out unless ``detail``."""
    named = params.get("id_or_num")
    try:
        block = node.block(head) if named in (None, "") else _block_named(node, str(named), head)
    except _Refusal as refusal:
        return {"Error": str(refusal)}
    answer = _block_json(block, params)
    if params.get("detail") not in (True, "true"):
        answer.pop("transactions", None)
    return answer


# --- transactions and their infos ------------------------------------------------------------


def _found(
    node: LocalTronNode, params: Json, solid: bool
) -> tuple[Block, Transaction, Receipt] | None:
    found = node.transaction(bytes.fromhex(str(params.get("value", ""))))
    if found is None or (solid and found[0].number > node.solid_number):
        return None
    return found


def _transaction_by_id(node: LocalTronNode, params: Json, solid: bool) -> Json:
    found = _found(node, params, solid)
    if found is None:
        return {}
    _, tx, receipt = found
    return tx.to_json(visible=_visible(params), contract_ret=receipt.contract_ret)


def _info_by_id(node: LocalTronNode, params: Json, solid: bool) -> Json:
    found = _found(node, params, solid)
    return found[2].to_json(visible=_visible(params)) if found is not None else {}


def _infos_by_block(node: LocalTronNode, params: Json, solid: bool) -> list[Json]:
    block = node.block(int(params.get("num", 0)))
    if block is None or (solid and block.number > node.solid_number):
        return []
    return [receipt.to_json(visible=_visible(params)) for _, receipt in block.entries]


def get_sign_weight(node: LocalTronNode, params: Json) -> Json:
    visible = _visible(params)
    tx = Transaction.from_json(params)
    inner = tx.to_json(visible=visible) | {"visible": visible}
    out: Json = {
        "transaction": {"result": {"result": True}, "txid": tx.txid.hex(), "transaction": inner}
    }
    owner = tx.owner
    if node.account(owner) is None:
        out["result"] = {"code": "PERMISSION_ERROR", "message": "Account does not exist!"}
        return out
    out["permission"] = _owner_permission(owner, visible)
    signers = tx.signers()
    strangers = [(s, sig) for s, sig in zip(signers, tx.signatures, strict=True) if s != owner]
    if strangers:
        signer, signature = strangers[0]
        who = address_json(signer, True) if signer else "no key"
        message = f"{signature.hex()} is signed by {who} but it is not contained of permission."
        out["result"] = {"code": "PERMISSION_ERROR", "message": message}
        return out
    if signers:
        out["approved_list"] = [address_json(owner, visible)]
        out["current_weight"] = 1
    out["result"] = {"code": "ENOUGH_PERMISSION" if signers else "NOT_ENOUGH_PERMISSION"}
    return out


def broadcast_transaction(node: LocalTronNode, params: Json) -> Json:
    tx = Transaction.from_json(params)
    try:
        node.broadcast(tx)
    except Refused as refusal:
        return {
            "code": refusal.code,
            "txid": tx.txid.hex(),
            "message": _message(refusal.message, _visible(params)),
        }
    return {"result": True, "txid": tx.txid.hex()}


# --- building transactions -------------------------------------------------------------------


def _build(node: LocalTronNode, kind: str, value: Json, fee_limit: int = 0) -> Transaction:
    """A transaction as java-tron builds it: TaPoS on the head block, valid for 60 s."""
    now = node.next_timestamp()
    contract = {
        "parameter": {"value": value, "type_url": f"type.googleapis.com/protocol.{kind}"},
        "type": kind,
    }
    raw: Json = {
        "contract": [contract],
        "ref_block_bytes": node.head.block_id[6:8].hex(),
        "ref_block_hash": node.head.block_id[8:16].hex(),
        "expiration": now + EXPIRATION_MS,
        "timestamp": now,
    }
    if fee_limit:
        raw["fee_limit"] = fee_limit
    return Transaction.unsigned(raw)


def _created(tx: Transaction, visible: bool) -> Json:
    return tx.to_json(visible=visible) | {"visible": visible}


def create_transaction(node: LocalTronNode, params: Json) -> Json:
    value = {
        "owner_address": _address(params, "owner_address").hex(),
        "to_address": _address(params, "to_address").hex(),
        "amount": int(params["amount"]),
    }
    return _created(_build(node, "TransferContract", value), _visible(params))


def _call_data(params: Json) -> bytes:
    if params.get("data"):
        return bytes.fromhex(str(params["data"]))
    parameter = bytes.fromhex(str(params.get("parameter", "")))
    selector = str(params.get("function_selector", ""))
    return (_CRYPTO.keccak256(selector.encode())[:4] if selector else b"") + parameter


def _trigger_transaction(node: LocalTronNode, params: Json) -> Transaction:
    value = {
        "owner_address": _address(params, "owner_address").hex(),
        "contract_address": _address(params, "contract_address").hex(),
        "call_value": int(params.get("call_value", 0)),
        "data": _call_data(params).hex(),
        "call_token_value": int(params.get("call_token_value", 0)),
        "token_id": int(params.get("token_id", 0)),
    }
    return _build(node, "TriggerSmartContract", value, int(params.get("fee_limit", 0)))


def trigger_smart_contract(node: LocalTronNode, params: Json) -> Json:
    visible = _visible(params)
    if node.contract(_address(params, "contract_address")) is None:
        message = _message("No contract or not a valid smart contract", visible)
        return {"result": {"code": "CONTRACT_VALIDATE_ERROR", "message": message}}
    tx = _trigger_transaction(node, params)
    return {"result": {"result": True}, "transaction": _created(tx, visible)}


def trigger_constant_contract(node: LocalTronNode, params: Json) -> Json:
    visible = _visible(params)
    contract = _address(params, "contract_address")
    if node.contract(contract) is None:
        message = _message("Smart contract is not exist.", visible)
        return {"result": {"code": "CONTRACT_VALIDATE_ERROR", "message": message}}
    value = int(params.get("call_value", 0))
    outcome = node.call(_address(params, "owner_address"), contract, _call_data(params), value)
    result: Json = {"result": True}
    if not outcome.succeeded:
        result["message"] = _message(outcome.message, visible)
    transaction = _created(_trigger_transaction(node, params), visible)
    transaction["ret"] = [{"ret": "FAILED"} if not outcome.succeeded else {}]
    return {
        "result": result,
        "energy_used": outcome.energy,
        "constant_result": [outcome.output.hex()],
        "transaction": transaction,
    }


def estimate_energy(node: LocalTronNode, params: Json) -> Json:
    answer = trigger_constant_contract(node, params)
    if "message" in answer["result"]:
        return {"result": answer["result"] | {"result": False, "code": "CONTRACT_EXE_ERROR"}}
    return {"result": {"result": True}, "energy_required": answer["energy_used"]}


def deploy_contract(node: LocalTronNode, params: Json) -> Json:
    owner = _address(params, "owner_address").hex()
    abi = params.get("abi", "[]")
    entries = json.loads(abi) if isinstance(abi, str) else abi
    code = str(params.get("bytecode", "")) + str(params.get("parameter", ""))
    new_contract = {
        "origin_address": owner,
        "abi": {"entrys": entries},
        "bytecode": code,
        "call_value": int(params.get("call_value", 0)),
        "consume_user_resource_percent": int(params.get("consume_user_resource_percent", 0)),
        "name": str(params.get("name", "")),
        "origin_energy_limit": int(params.get("origin_energy_limit", 0)),
    }
    value = {"owner_address": owner, "new_contract": new_contract}
    tx = _build(node, "CreateSmartContract", value, int(params.get("fee_limit", 0)))
    return _created(tx, _visible(params))


# --- accounts and contracts ------------------------------------------------------------------


def _owner_permission(owner: bytes, visible: bool) -> Json:
    key = {"address": address_json(owner, visible), "weight": 1}
    return {"permission_name": "owner", "threshold": 1, "keys": [key]}


def get_account(node: LocalTronNode, params: Json) -> Json:
    visible = _visible(params)
    address = _address(params, "address")
    created = node.account(address)
    if created is None:
        return {}
    out: Json = {"address": address_json(address, visible)}
    balance = node.balance(address)
    if balance:
        out["balance"] = balance
    out["create_time"] = created[1]
    if node.contract(address) is not None:
        out["type"] = "Contract"
        return out | resources.account_stake(node, address)
    active = _owner_permission(address, visible) | {
        "type": "Active",
        "id": 2,
        "permission_name": "active",
        "operations": ACTIVE_OPERATIONS,
    }
    return out | {
        "owner_permission": _owner_permission(address, visible),
        "active_permission": [active],
        **resources.account_stake(node, address),
    }


def solid_account(node: LocalTronNode, params: Json) -> Json:
    """``walletsolidity/getaccount``: an account that existed at the solidified block. The node
    keeps one state, the head's, so balances are the head's (the same once nothing newer
    touched the account)."""
    created = node.account(_address(params, "address"))
    if created is None or created[0] > node.solid_number:
        return {}
    return get_account(node, params)


def health_check(node: LocalTronNode, params: Json) -> Json:
    """``GET /healthcheck``, which TronWeb asks the event server in ``isConnected``: any
    answer but an error will do."""
    return {"success": True}


def get_contract(node: LocalTronNode, params: Json) -> Json:
    contract = node.contract(_address(params, "value"))
    return render("SmartContract", contract, visible=_visible(params)) if contract else {}


def get_contract_info(node: LocalTronNode, params: Json) -> Json:
    address = _address(params, "value")
    contract = node.contract(address)
    if contract is None:
        return {}
    return {
        "smart_contract": render("SmartContract", contract, visible=_visible(params)),
        "runtimecode": node.tvm.code(address).hex(),
    }


def get_chain_parameters(node: LocalTronNode, params: Json) -> Json:
    """The figures the node charges by (``chain_parameters.json``; zeros in free mode)."""
    values = node.parameters.as_chain_parameters()
    return {"chainParameter": [{"key": k, "value": v} if v else {"key": k} for k, v in values]}


# --- Stake 2.0 transactions ------------------------------------------------------------------

_STAKE_FIELDS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "wallet/freezebalancev2": ("FreezeBalanceV2Contract", ("frozen_balance", "resource")),
    "wallet/unfreezebalancev2": ("UnfreezeBalanceV2Contract", ("unfreeze_balance", "resource")),
    "wallet/withdrawexpireunfreeze": ("WithdrawExpireUnfreezeContract", ()),
    "wallet/delegateresource": (
        "DelegateResourceContract",
        ("resource", "balance", "receiver_address", "lock", "lock_period"),
    ),
    "wallet/undelegateresource": (
        "UnDelegateResourceContract",
        ("resource", "balance", "receiver_address"),
    ),
    "wallet/cancelallunfreezev2": ("CancelAllUnfreezeV2Contract", ()),
}
"""The Stake 2.0 builders: the contract each makes and the fields it takes from the request
besides ``owner_address``."""


def _stake_builder(method: str) -> Endpoint:
    kind, names = _STAKE_FIELDS[method]

    def build(node: LocalTronNode, params: Json) -> Json:
        """Build the contract's transaction once java-tron's actuator accepts it, or answer
        its refusal as java-tron's servlet prints it."""
        visible = _visible(params)
        value = {"owner_address": params.get("owner_address", "")}
        value |= {name: params[name] for name in names if name in params}
        canonical = render(kind, value, visible=False, parsed_visible=visible)
        try:
            node.check(kind, canonical)
        except Refused as refusal:
            exception = "org.tron.core.exception.ContractValidateException"
            return {"Error": f"class {exception} : {refusal.message}"}
        return _created(_build(node, kind, canonical), visible)

    return build


_STAKE_QUERIES: Final[dict[str, Endpoint]] = {
    "getdelegatedresourcev2": resources.get_delegated_resource_v2,
    "getdelegatedresourceaccountindexv2": resources.get_delegated_resource_account_index_v2,
    "getcanwithdrawunfreezeamount": resources.get_can_withdraw_unfreeze_amount,
    "getcandelegatedmaxsize": resources.get_can_delegated_max_size,
    "getavailableunfreezecount": resources.get_available_unfreeze_count,
}
"""Stake 2.0 queries, on the full node's API and the solidity node's (TronWeb asks the latter
by default); the node keeps one state, the head's, for both."""

STAKE_ENDPOINTS: Final[dict[str, Endpoint]] = (
    {method: _stake_builder(method) for method in _STAKE_FIELDS}
    | {f"wallet/{name}": endpoint for name, endpoint in _STAKE_QUERIES.items()}
    | {f"walletsolidity/{name}": endpoint for name, endpoint in _STAKE_QUERIES.items()}
)


ENDPOINTS: Final[dict[str, Endpoint]] = {
    "wallet/getnodeinfo": get_node_info,
    "wallet/getnowblock": get_now_block,
    "wallet/getblockbynum": get_block_by_num,
    "wallet/getblockbyid": get_block_by_id,
    "wallet/getblockbylimitnext": get_block_by_limit_next,
    "wallet/getblockbylatestnum": get_block_by_latest_num,
    "wallet/getblock": lambda n, p: _get_block(n, p, n.head.number),
    "wallet/getaccount": get_account,
    "wallet/getaccountnet": resources.get_account_net,
    "wallet/getaccountresource": resources.get_account_resource,
    "wallet/getsignweight": get_sign_weight,
    "wallet/broadcasttransaction": broadcast_transaction,
    "wallet/gettransactionbyid": lambda n, p: _transaction_by_id(n, p, False),
    "wallet/gettransactioninfobyid": lambda n, p: _info_by_id(n, p, False),
    "wallet/gettransactioninfobyblocknum": lambda n, p: _infos_by_block(n, p, False),
    "wallet/createtransaction": create_transaction,
    "wallet/triggersmartcontract": trigger_smart_contract,
    "wallet/triggerconstantcontract": trigger_constant_contract,
    "wallet/estimateenergy": estimate_energy,
    "wallet/deploycontract": deploy_contract,
    "wallet/getcontract": get_contract,
    "wallet/getcontractinfo": get_contract_info,
    "wallet/getchainparameters": get_chain_parameters,
    "walletsolidity/getnowblock": solid_now_block,
    "walletsolidity/getblockbynum": solid_block_by_num,
    "walletsolidity/getblockbyid": solid_block_by_id,
    "walletsolidity/getblock": lambda n, p: _get_block(n, p, n.solid_number),
    "walletsolidity/getaccount": solid_account,
    "walletsolidity/gettransactionbyid": lambda n, p: _transaction_by_id(n, p, True),
    "walletsolidity/gettransactioninfobyid": lambda n, p: _info_by_id(n, p, True),
    "walletsolidity/gettransactioninfobyblocknum": lambda n, p: _infos_by_block(n, p, True),
    "healthcheck": health_check,
} | STAKE_ENDPOINTS
