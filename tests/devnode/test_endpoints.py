"""The endpoints TronWeb 6 and TronBox needed from the local node, in process through
``dispatch``: blocks by ``getblock``, accounts on the solidity API, bandwidth and energy, the
event server's health check, TronGrid's event API with java-tron's event parsing, and the funded
accounts' keys that ``tronbox test`` reads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from eth_abi.abi import encode
from eth_hash.auto import keccak
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.contract import Contract  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]

from dcmx_adapters.evm.artifacts import artifact
from dcmx_devnode.api import dispatch
from dcmx_devnode.events import BadRequest
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.provider import LocalTronProvider
from dcmx_devnode.server import answer, dev_accounts, serve
from dcmx_devnode.transaction import Transaction
from tests.tron.conftest import TRX, account, key_of

KEY = key_of("tronweb")
OWNER = KEY.public_key.to_base58check_address()
OWNER_HEX = KEY.public_key.to_hex_address()
ZERO = "0x" + "00" * 20


@pytest.fixture
def node() -> LocalTronNode:
    local = LocalTronNode(solidify_depth=1)
    local.fund(OWNER, 10_000 * TRX)
    return local


def call(node: LocalTronNode, path: str, **params: Any) -> Any:
    return dispatch(node, path, params)


def broadcast(node: LocalTronNode, built: dict[str, Any], key: PrivateKey = KEY) -> str:
    """Sign what the node built and broadcast it; its txID."""
    tx = Transaction.from_json(built)
    signed = built | {"signature": [key.sign_msg_hash(tx.txid).hex()]}
    sent = call(node, "wallet/broadcasttransaction", **signed)
    assert sent["result"] is True, sent
    return tx.txid.hex()


def send_trx(node: LocalTronNode, to: str, amount: int) -> str:
    built = call(
        node, "wallet/createtransaction", owner_address=OWNER, to_address=to, amount=amount
    )
    return broadcast(node, built)


# --- getblock --------------------------------------------------------------------------------


def test_getblock_without_an_id_is_the_head_without_its_transactions(
    node: LocalTronNode,
) -> None:
    send_trx(node, key_of("someone").public_key.to_base58check_address(), TRX)
    head = call(node, "wallet/getnowblock")
    assert "transactions" in head
    plain = call(node, "wallet/getblock", detail=False)
    assert plain == {k: v for k, v in head.items() if k != "transactions"}
    assert call(node, "wallet/getblock", detail=True) == head
    assert call(node, "wallet/getblock", id_or_num="1", detail="true") == head


def test_getblock_names_a_block_by_number_or_id(node: LocalTronNode) -> None:
    node.mine(3)
    second = call(node, "wallet/getblockbynum", num=2)
    assert call(node, "wallet/getblock", id_or_num=2) == second
    assert call(node, "wallet/getblock", id_or_num=second["blockID"]) == second
    assert call(node, "wallet/getblock", id_or_num="9") == {}


def test_getblock_refuses_what_java_tron_refuses(node: LocalTronNode) -> None:
    node.mine(1)
    assert call(node, "wallet/getblock", id_or_num="-1") == {
        "Error": "num must be non-positive number."
    }
    above = (9).to_bytes(8, "big").hex() + "00" * 24
    for named in ("nonsense", "ab" * 31 + "zz", above):
        said = call(node, "wallet/getblock", id_or_num=named)
        assert said == {"Error": "id must be legal block hash."}


def test_the_solidity_getblock_stops_at_the_solidified_block(node: LocalTronNode) -> None:
    node.mine(3)
    solid = call(node, "walletsolidity/getnowblock")
    assert solid["block_header"]["raw_data"]["number"] == 2
    assert call(node, "walletsolidity/getblock") == solid
    assert call(node, "walletsolidity/getblock", id_or_num=3) == {}
    head_id = call(node, "wallet/getnowblock")["blockID"]
    said = call(node, "walletsolidity/getblock", id_or_num=head_id)
    assert said == {"Error": "id must be legal block hash."}


# --- accounts ------------------------------------------------------------------------------


def test_an_account_lists_its_empty_stakes_as_java_tron_does(node: LocalTronNode) -> None:
    found = call(node, "wallet/getaccount", address=OWNER, visible=True)
    assert found["frozenV2"] == [{}, {"type": "ENERGY"}, {"type": "TRON_POWER"}]


def test_the_solidity_api_knows_an_account_once_its_block_is_solidified(
    node: LocalTronNode,
) -> None:
    newcomer = key_of("newcomer").public_key.to_base58check_address()
    send_trx(node, newcomer, 5 * TRX)
    assert call(node, "wallet/getaccount", address=newcomer)["balance"] == 5 * TRX
    assert call(node, "walletsolidity/getaccount", address=newcomer) == {}
    node.mine(1)
    solid = call(node, "walletsolidity/getaccount", address=newcomer, visible=True)
    assert solid == call(node, "wallet/getaccount", address=newcomer, visible=True)
    assert solid["balance"] == 5 * TRX
    assert call(node, "walletsolidity/getaccount", address=OWNER_HEX)["address"] == OWNER_HEX


def test_bandwidth_and_energy_are_the_free_allowance_and_mainnets_totals(
    node: LocalTronNode,
) -> None:
    net = {
        "freeNetLimit": 600,
        "TotalNetLimit": 43_200_000_000,
        "TotalNetWeight": 356_260_866_660,
    }
    assert call(node, "wallet/getaccountnet", address=OWNER_HEX) == net
    resource = net | {"TotalEnergyLimit": 180_000_000_000, "TotalEnergyWeight": 12_774_894_240}
    assert call(node, "wallet/getaccountresource", address=OWNER, visible=True) == resource
    stranger = key_of("stranger").public_key.to_hex_address()
    assert call(node, "wallet/getaccountnet", address=stranger) == {}
    assert call(node, "wallet/getaccountresource", address=stranger) == {}
    assert "Error" in call(node, "wallet/getaccountresource", address="nonsense")


def test_the_event_servers_health_check_answers(node: LocalTronNode) -> None:
    assert call(node, "healthcheck") == {"success": True}


def test_a_node_served_at_its_genesis_block_gets_a_first_block() -> None:
    fresh = LocalTronNode()  # java-tron prints the genesis block without number or time
    with serve(fresh) as url:
        head = httpx.get(f"{url}wallet/getnowblock").json()["block_header"]["raw_data"]
    assert head["number"] == 1
    assert head["timestamp"] > 0


def test_the_funded_accounts_keys_are_served_as_tron_quickstart_serves_them(
    node: LocalTronNode,
) -> None:
    accounts = dev_accounts(2)
    with serve(node, accounts=accounts) as url:
        served = httpx.get(f"{url}admin/accounts-json")
    assert served.status_code == 200
    assert served.json() == {"privateKeys": [account.key for account in accounts]}


def test_a_node_without_funded_accounts_serves_no_keys(node: LocalTronNode) -> None:
    assert answer(node, "admin/accounts-json", {}) == (200, {"privateKeys": []})


# --- TronGrid's event API ------------------------------------------------------------------


@pytest.fixture
def token(node: LocalTronNode) -> Contract:
    client = Tron(provider=LocalTronProvider(node))
    built = artifact("PlainERC20")
    plain = Contract(bytecode=built.bytecode, abi=list(built.abi), name="PlainERC20")
    tx = client.trx.deploy_contract(OWNER, plain).fee_limit(1_000 * TRX).build()
    info = tx.sign(KEY).broadcast().wait()
    return client.get_contract(info["contract_address"])


def mint(token: Contract, to: str, amount: int) -> str:
    built = token.functions.mint(to, amount).with_owner(OWNER).fee_limit(100 * TRX).build()
    txid: str = built.sign(KEY).broadcast().wait()["id"]
    return txid


def transfer_event(node: LocalTronNode, token: Contract, txid: str, to: str, value: int) -> Any:
    """A Transfer of a mint as TronGrid shows it."""
    block = node.transaction(bytes.fromhex(txid))
    assert block is not None
    to_hex = "0x" + account(key_of(to)).hex()
    return {
        "block_number": block[0].number,
        "block_timestamp": block[0].timestamp,
        "caller_contract_address": token.contract_address,
        "contract_address": token.contract_address,
        "event_index": 0,
        "event_name": "Transfer",
        "result": {
            "0": ZERO,
            "1": to_hex,
            "2": str(value),
            "from": ZERO,
            "to": to_hex,
            "value": str(value),
        },
        "result_type": {"from": "address", "to": "address", "value": "uint256"},
        "event": "Transfer(address indexed from, address indexed to, uint256 value)",
        "transaction_id": txid,
    }


def events_of(node: LocalTronNode, token: Contract, **params: Any) -> Any:
    return call(node, f"v1/contracts/{token.contract_address}/events", **params)


def test_a_contracts_events_are_trongrids_unconfirmed_then_confirmed(
    node: LocalTronNode, token: Contract
) -> None:
    txid = mint(token, key_of("fan").public_key.to_base58check_address(), 1_000)
    expected = transfer_event(node, token, txid, "fan", 1_000)
    found = events_of(node, token)
    assert found["success"] is True
    assert found["data"] == [expected | {"_unconfirmed": True}]
    assert found["meta"] == {"at": found["meta"]["at"], "page_size": 1}
    assert events_of(node, token, only_confirmed=True)["data"] == []
    node.mine(1)
    assert events_of(node, token, only_confirmed="true")["data"] == [expected]
    assert events_of(node, token, only_unconfirmed=True)["data"] == []
    hex_address = token.contract_address
    assert call(node, f"v1/contracts/{hex_address}/events")["data"] == [expected]


def test_events_filter_by_name_block_and_time_in_either_order(
    node: LocalTronNode, token: Contract
) -> None:
    first = mint(token, key_of("a").public_key.to_base58check_address(), 1)
    second = mint(token, key_of("b").public_key.to_base58check_address(), 2)
    ids = [e["transaction_id"] for e in events_of(node, token)["data"]]
    assert ids == [second, first]  # newest first by default
    ascending = events_of(node, token, order_by="block_timestamp,asc")["data"]
    assert [e["transaction_id"] for e in ascending] == [first, second]
    assert events_of(node, token, event_name="Approval")["data"] == []
    number = ascending[0]["block_number"]
    assert [e["transaction_id"] for e in events_of(node, token, block_number=number)["data"]] == [
        first
    ]
    since = ascending[1]["block_timestamp"]
    later = events_of(node, token, min_block_timestamp=since)["data"]
    assert [e["transaction_id"] for e in later] == [second]
    earlier = events_of(node, token, max_timestamp=since - 1)["data"]
    assert [e["transaction_id"] for e in earlier] == [first]


def test_events_come_in_pages_with_a_fingerprint_and_a_next_link(
    node: LocalTronNode, token: Contract
) -> None:
    sent = [
        mint(token, key_of(f"fan {n}").public_key.to_base58check_address(), n) for n in (1, 2, 3)
    ]
    first = events_of(node, token, limit=2, order_by="block_timestamp,asc")
    assert [e["transaction_id"] for e in first["data"]] == sent[:2]
    fingerprint = first["meta"]["fingerprint"]
    assert first["meta"]["page_size"] == 2
    next_link = first["meta"]["links"]["next"]
    assert next_link.startswith(f"/v1/contracts/{token.contract_address}/events?")
    assert f"fingerprint={fingerprint}" in next_link
    rest = events_of(node, token, limit=2, order_by="block_timestamp,asc", fingerprint=fingerprint)
    assert [e["transaction_id"] for e in rest["data"]] == sent[2:]
    assert "fingerprint" not in rest["meta"]


def test_a_transactions_and_a_blocks_events(node: LocalTronNode, token: Contract) -> None:
    txid = mint(token, key_of("fan").public_key.to_base58check_address(), 7)
    expected = transfer_event(node, token, txid, "fan", 7) | {"_unconfirmed": True}
    assert call(node, f"v1/transactions/{txid}/events")["data"] == [expected]
    assert call(node, f"v1/transactions/{txid.upper()}/events")["data"] == [expected]
    number = expected["block_number"]
    assert call(node, f"v1/blocks/{number}/events")["data"] == [expected]
    assert call(node, "v1/blocks/latest/events")["data"] == [expected]
    block_id = node.head.block_id.hex()
    assert call(node, f"v1/blocks/{block_id}/events")["data"] == [expected]
    assert call(node, f"v1/transactions/{'00' * 32}/events")["data"] == []
    assert call(node, "v1/blocks/999/events")["data"] == []


@pytest.mark.parametrize(
    ("path", "params", "error"),
    [
        ("v1/contracts/Tnonsense/events", {}, "Invalid address: Tnonsense"),
        ("v1/transactions/abc/events", {}, "Invalid transaction id: abc"),
        ("v1/blocks/first/events", {}, "Invalid block identifier: first"),
        ("v1/blocks/latest/events", {"fingerprint": "%%%"}, "Invalid fingerprint"),
        ("v1/blocks/latest/events", {"limit": "many"}, "limit must be an integer"),
        ("v1/blocks/latest/events", {"order_by": "name,asc"}, "Invalid order_by: name,asc"),
        (
            "v1/blocks/latest/events",
            {"only_confirmed": True, "only_unconfirmed": True},
            "only_confirmed and only_unconfirmed cannot both be true",
        ),
    ],
)
def test_a_bad_event_query_is_trongrids_400(
    node: LocalTronNode, path: str, params: dict[str, Any], error: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        dispatch(node, path, params)
    assert refused.value.body == {"success": False, "error": error, "statusCode": 400}
    assert answer(node, path, params) == (400, refused.value.body)


def test_over_http_the_next_link_is_a_full_url(node: LocalTronNode, token: Contract) -> None:
    for n in (1, 2):
        mint(token, key_of(f"fan {n}").public_key.to_base58check_address(), n)
    with serve(node) as url:
        page = httpx.get(f"{url}v1/contracts/{token.contract_address}/events", params={"limit": 1})
        assert page.status_code == 200
        next_link = page.json()["meta"]["links"]["next"]
        assert next_link.startswith(f"{url}v1/contracts/")
        assert len(httpx.get(next_link).json()["data"]) == 1
        bad = httpx.get(f"{url}v1/contracts/nonsense/events")
        assert bad.status_code == 400
        assert bad.json()["success"] is False


# --- java-tron's event parsing, on a contract that logs what it is given -------------------


def logger_code(topics: int) -> bytes:
    """Init code of a contract whose every call logs its first ``topics`` calldata words as
    topics and the rest of the calldata as data (LOG0 to LOG4)."""
    runtime = bytes([0x36, 0x60, 0x00, 0x60, 0x00, 0x37])  # CALLDATACOPY(0, 0, CALLDATASIZE)
    for index in reversed(range(topics)):
        runtime += bytes([0x60, 32 * index, 0x51])  # MLOAD(32 * index)
    runtime += bytes([0x60, 32 * topics, 0x36, 0x03])  # CALLDATASIZE - 32 * topics
    runtime += bytes([0x60, 32 * topics, 0xA0 + topics, 0x00])  # LOGn(32 * topics, …); STOP
    size = len(runtime)
    init = bytes([0x60, size, 0x60, 12, 0x60, 0x00, 0x39, 0x60, size, 0x60, 0x00, 0xF3])
    return init + runtime


def event(name: str, *inputs: tuple[str, str, bool], anonymous: bool = False) -> dict[str, Any]:
    params = [{"name": n, "type": t, "indexed": i} for t, n, i in inputs]
    return {"type": "event", "name": name, "inputs": params, "anonymous": anonymous}


LOGGER_ABI = [
    event(
        "Note",
        ("string", "tag", True),
        ("bool", "flag", False),
        ("int256", "delta", False),
        ("bytes32", "hash", False),
        ("string", "text", False),
        ("bytes", "blob", False),
    ),
    event("Split", ("uint256", "id", True), ("address[]", "who", False), ("uint256", "", False)),
    event("Moved", ("address", "from", True), ("uint256", "value", False)),
    event("Hidden", ("uint256", "value", False), anonymous=True),
]


def signature(entry: dict[str, Any]) -> bytes:
    types = ",".join(p["type"] for p in entry["inputs"])
    return keccak(f"{entry['name']}({types})".encode())


def logged(node: LocalTronNode, topics: list[bytes], data: bytes) -> list[Any]:
    """Deploy a logger, have it log ``topics`` and ``data``, and read the events TronGrid's API
    makes of it."""
    deployed = call(
        node,
        "wallet/deploycontract",
        owner_address=OWNER,
        abi=LOGGER_ABI,
        bytecode=logger_code(len(topics)).hex(),
        fee_limit=100 * TRX,
    )
    txid = broadcast(node, deployed)
    found = node.transaction(bytes.fromhex(txid))
    assert found is not None
    assert found[2].result == "SUCCESS"
    contract = found[2].contract_address
    assert contract is not None
    built = call(
        node,
        "wallet/triggersmartcontract",
        owner_address=OWNER,
        contract_address=contract.hex(),
        data=(b"".join(topics) + data).hex(),
        fee_limit=100 * TRX,
    )
    broadcast(node, built["transaction"])
    return list(call(node, f"v1/contracts/{contract.hex()}/events")["data"])


def test_every_basic_type_is_printed_as_java_tron_parses_it(node: LocalTronNode) -> None:
    digest = bytes(range(32))
    data = encode(
        ["bool", "int256", "bytes32", "string", "bytes"], [True, -5, digest, "héllo", b"\x01\x02"]
    )
    (found,) = logged(node, [signature(LOGGER_ABI[0]), keccak(b"tag")], data)
    values = [keccak(b"tag").hex(), "true", "-5", digest.hex(), "héllo", "0102"]
    names = ["tag", "flag", "delta", "hash", "text", "blob"]
    assert found["result"] == dict(zip(map(str, range(6)), values, strict=True)) | dict(
        zip(names, values, strict=True)
    )
    assert found["result_type"] == {
        "tag": "string",
        "flag": "bool",
        "delta": "int256",
        "hash": "bytes32",
        "text": "string",
        "blob": "bytes",
    }
    assert found["event"] == (
        "Note(string indexed tag, bool flag, int256 delta, bytes32 hash, string text, bytes blob)"
    )


def test_data_the_parser_cannot_read_stays_whole_under_its_first_position(
    node: LocalTronNode,
) -> None:
    data = encode(["address[]", "uint256"], [[ZERO], 9])
    id_topic = (3).to_bytes(32, "big")
    (found,) = logged(node, [signature(LOGGER_ABI[1]), id_topic], data)
    assert found["result"] == {"0": "3", "1": data.hex(), "id": "3"}
    assert found["result_type"] == {"id": "uint256", "who": "address[]"}
    assert found["event"] == "Split(uint256 indexed id, address[] who, uint256)"


def test_topics_that_do_not_match_the_abi_are_left_in_hex(node: LocalTronNode) -> None:
    extra = [(1).to_bytes(32, "big"), (2).to_bytes(32, "big")]
    data = (5).to_bytes(32, "big")
    (found,) = logged(node, [signature(LOGGER_ABI[2]), *extra], data)
    assert found["result"] == {"0": extra[0].hex(), "1": extra[1].hex(), "2": data.hex()}


def test_logs_no_abi_event_names_are_not_events(node: LocalTronNode) -> None:
    anonymous = signature(LOGGER_ABI[3])
    assert logged(node, [anonymous], (1).to_bytes(32, "big")) == []
    assert logged(node, [keccak(b"Unknown()")], b"") == []
    assert logged(node, [], b"no topic at all") == []
