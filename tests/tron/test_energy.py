"""The local node charges energy by the TVM's schedule: no intrinsic cost, TRON's storage and
call prices, 200 energy a byte of deployed code, and a run that needs more energy than its
limit is ``OUT_OF_ENERGY`` and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from eth.vm.code_stream import CodeStream
from hypothesis import given
from hypothesis import strategies as st
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]

from dcmx_devnode.energy import AnalyzedCode
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.provider import LocalTronProvider
from tests.tron.conftest import TRX

STORE = "60003560005500"
"""Runtime code: SSTORE(0, CALLDATALOAD(0)); STOP."""


def _init(runtime: str) -> str:
    """Init code that returns ``runtime`` (at most 255 bytes) as the contract's code."""
    size = len(runtime) // 2
    # PUSH1 size, DUP1, PUSH1 offset, PUSH1 0, CODECOPY, PUSH1 0, RETURN, then the runtime.
    return f"60{size:02x}80600b6000396000f3" + runtime


class Chain:
    def __init__(self, key: PrivateKey) -> None:
        self.node = LocalTronNode()  # mainnet's prices: 100 sun an energy
        self.client = Tron(provider=LocalTronProvider(self.node))
        self.key = key
        self.owner = key.public_key.to_base58check_address()
        self.node.fund(self.owner, 10_000 * TRX)

    def send(self, unsigned: dict[str, Any]) -> dict[str, Any]:
        txid = unsigned["txID"]
        signed = dict(unsigned, signature=[self.key.sign_msg_hash(bytes.fromhex(txid)).hex()])
        reply = self.client.provider.make_request("wallet/broadcasttransaction", signed)
        assert reply["result"] is True, reply
        info: dict[str, Any] = self.client.get_transaction_info(txid)
        return info

    def deploy(self, code: str, fee_limit: int = 1_000 * TRX) -> dict[str, Any]:
        request = {
            "owner_address": self.owner,
            "abi": "[]",
            "bytecode": code,
            "fee_limit": fee_limit,
            "origin_energy_limit": 10_000_000,
            "visible": True,
        }
        return self.send(self.client.provider.make_request("wallet/deploycontract", request))

    def trigger(self, contract: str, data: str, fee_limit: int = 1_000 * TRX) -> dict[str, Any]:
        request = {
            "owner_address": self.owner,
            "contract_address": contract,
            "function_selector": "",
            "data": data,
            "fee_limit": fee_limit,
            "visible": True,
        }
        built = self.client.provider.make_request("wallet/triggersmartcontract", request)
        return self.send(built["transaction"])


@pytest.fixture
def chain(admin_key: PrivateKey) -> Chain:
    return Chain(admin_key)


def _energy(info: dict[str, Any]) -> int:
    return int(info["receipt"].get("energy_usage_total", 0))


def test_a_deployment_pays_its_code_deposit_and_no_intrinsic_cost(chain: Chain) -> None:
    info = chain.deploy(_init(STORE))
    # The constructor: PUSH1, DUP1, PUSH1, PUSH1 (3 each), CODECOPY (3 + 3 a word + memory 3),
    # PUSH1 (3), RETURN (0); then 7 bytes of code at 200 energy a byte.
    assert _energy(info) == 3 * 4 + (3 + 3 + 3) + 3 + 7 * 200
    assert info["receipt"]["energy_fee"] == _energy(info) * 100


def test_storage_is_priced_as_on_tron(chain: Chain) -> None:
    contract = chain.deploy(_init(STORE))["contract_address"]
    word = (7).to_bytes(32).hex()
    # PUSH1, CALLDATALOAD, PUSH1 (3 each), SSTORE into an empty slot (20,000), STOP.
    assert _energy(chain.trigger(contract, word)) == 9 + 20_000
    # The slot holds a value now: a write costs 5,000, and no refund for clearing it.
    assert _energy(chain.trigger(contract, (8).to_bytes(32).hex())) == 9 + 5_000
    assert _energy(chain.trigger(contract, (0).to_bytes(32).hex())) == 9 + 5_000


def test_a_run_beyond_its_fee_limit_is_out_of_energy_and_changes_nothing(chain: Chain) -> None:
    contract = chain.deploy(_init(STORE))["contract_address"]
    before = chain.node.balance(chain.owner)
    # 10,000 energy at 100 sun: not enough for a first write (20,009).
    info = chain.trigger(contract, (7).to_bytes(32).hex(), fee_limit=1_000_000)
    assert info["receipt"]["result"] == "OUT_OF_ENERGY"
    assert _energy(info) == 10_000
    assert info["receipt"]["energy_fee"] == 1_000_000
    assert chain.node.balance(chain.owner) == before - info["fee"]
    address = bytes.fromhex(chain.client.to_hex_address(contract))
    assert chain.node.tvm.storage(address, 0) == 0


def test_a_run_out_of_energy_on_a_fixed_price_instruction_uses_its_whole_limit(
    chain: Chain,
) -> None:
    contract = chain.deploy(_init(STORE))["contract_address"]
    # 5 energy at 100 sun: PUSH1 (3) runs, CALLDATALOAD (3) does not.
    info = chain.trigger(contract, (7).to_bytes(32).hex(), fee_limit=500)
    assert info["receipt"]["result"] == "OUT_OF_ENERGY"
    assert _energy(info) == 5


def test_a_jump_into_push_data_is_a_bad_jump_destination(chain: Chain) -> None:
    contract = chain.deploy(_init("6003565b00"))["contract_address"]
    info = chain.trigger(contract, "", fee_limit=1_000_000)
    assert info["receipt"]["result"] == "SUCCESS"  # PUSH1 3, JUMP to a JUMPDEST: fine
    # PUSH1 4, JUMP to a JUMPDEST byte that is the data of a PUSH1: no instruction there.
    contract = chain.deploy(_init("600456605b00"))["contract_address"]
    info = chain.trigger(contract, "", fee_limit=1_000_000)
    assert info["receipt"]["result"] == "BAD_JUMP_DESTINATION"
    assert _energy(info) == 10_000  # a failed jump uses the whole limit, as on TRON


@given(code=st.binary(max_size=200), positions=st.lists(st.integers(0, 220), max_size=30))
def test_the_jump_analysis_agrees_with_py_evms(code: bytes, positions: list[int]) -> None:
    analyzed, reference = AnalyzedCode(code), CodeStream(code)
    for position in positions:
        assert analyzed.is_valid_opcode(position) == reference.is_valid_opcode(position)
