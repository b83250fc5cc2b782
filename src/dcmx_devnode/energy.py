"""What a run costs on TRON, in energy: the TVM's schedule, on py-evm.

The TVM runs the EVM's bytecode but prices it by java-tron's ``EnergyCost``: SLOAD 50; SSTORE
20,000 into an empty slot and 5,000 otherwise (writing zero too), by the slot's current value
alone (no net metering, no refunds); no EIP-2929 warm/cold surcharges: BALANCE 20, EXTCODESIZE
and EXTCODECOPY 20, EXTCODEHASH 400, every CALL kind 40 (plus 9,000 with value and 25,000 more
for value sent to an account that does not exist); EXP 10 + 10 a byte of the exponent; LOG
375 + 375 a topic + 8 a byte; no 21,000 intrinsic cost, calldata gas or initcode cost (a
transaction's bytes are paid in bandwidth); deployed code costs 200 a byte, as on the EVM.
Every other opcode, and memory, cost what they cost on the EVM.

This is the one schedule: the local node meters every run with it (``metering.py``), and
``energy_of_transaction`` runs a transaction mined on an eth-tester (py-evm) chain again under
it, from the state it was mined on (the gas table checks the two agree). TRON's dynamic energy
factor, which popular contracts pay on top, is not part of it.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, Final

from eth.abc import (
    ComputationAPI,
    MessageAPI,
    SignedTransactionAPI,
    StateAPI,
    TransactionContextAPI,
)
from eth.vm import mnemonics, opcode_values
from eth.vm.code_stream import CodeStream
from eth.vm.forks.byzantium.opcodes import ensure_no_static
from eth.vm.forks.cancun.computation import CancunComputation
from eth.vm.forks.cancun.opcodes import CANCUN_OPCODES
from eth.vm.logic import arithmetic, call, context, storage
from eth.vm.message import Message
from eth.vm.opcode import as_opcode
from eth.vm.opcode_values import PUSH1, PUSH32

SLOAD: Final = 50
SET_SSTORE: Final = 20_000
"""Writing a non-zero value into an empty slot."""
RESET_SSTORE: Final = 5_000
"""Every other write, a write of zero included."""
BALANCE: Final = 20
EXT_CODE_SIZE: Final = 20
EXT_CODE_COPY: Final = 20
EXT_CODE_HASH: Final = 400
CALL: Final = 40
EXP: Final = 10
EXP_BYTE: Final = 10
MAX_ENERGY: Final = 150_000_000
"""Energy a TRON transaction may use at most (mainnet's cap)."""


def sstore_tvm(computation: ComputationAPI) -> None:
    """SSTORE as the TVM prices it: by the slot's current value only, with no refund."""
    slot, value = computation.stack_pop_ints(2)
    address = computation.msg.storage_address
    current = computation.state.get_storage(address=address, slot=slot)
    computation.consume_gas(
        SET_SSTORE if current == 0 and value != 0 else RESET_SSTORE, reason="SSTORE"
    )
    computation.state.set_storage(address=address, slot=slot, value=value)


def _call(kind: type[Any], mnemonic: str) -> Any:
    return kind.configure(__name__=f"opcode:{mnemonic}", mnemonic=mnemonic, gas_cost=CALL)()


TVM_OPCODES: Final = {
    **copy.deepcopy(CANCUN_OPCODES),
    opcode_values.SLOAD: as_opcode(
        logic_fn=storage.sload, mnemonic=mnemonics.SLOAD, gas_cost=SLOAD
    ),
    opcode_values.SSTORE: as_opcode(
        logic_fn=ensure_no_static(sstore_tvm), mnemonic=mnemonics.SSTORE, gas_cost=0
    ),
    opcode_values.BALANCE: as_opcode(
        logic_fn=context.balance, mnemonic=mnemonics.BALANCE, gas_cost=BALANCE
    ),
    opcode_values.EXTCODESIZE: as_opcode(
        logic_fn=context.extcodesize, mnemonic=mnemonics.EXTCODESIZE, gas_cost=EXT_CODE_SIZE
    ),
    opcode_values.EXTCODECOPY: as_opcode(
        logic_fn=context.extcodecopy, mnemonic=mnemonics.EXTCODECOPY, gas_cost=EXT_CODE_COPY
    ),
    opcode_values.EXTCODEHASH: as_opcode(
        logic_fn=context.extcodehash, mnemonic=mnemonics.EXTCODEHASH, gas_cost=EXT_CODE_HASH
    ),
    opcode_values.EXP: as_opcode(
        logic_fn=arithmetic.exp(gas_per_byte=EXP_BYTE), mnemonic=mnemonics.EXP, gas_cost=EXP
    ),
    opcode_values.CALL: _call(call.CallByzantium, mnemonics.CALL),
    opcode_values.CALLCODE: _call(call.CallCodeEIP150, mnemonics.CALLCODE),
    opcode_values.DELEGATECALL: _call(call.DelegateCallEIP150, mnemonics.DELEGATECALL),
    opcode_values.STATICCALL: _call(call.StaticCall, mnemonics.STATICCALL),
}
"""Cancun's opcodes at the TVM's prices."""


_FIXED_PRICE: Final[Any] = type(as_opcode(logic_fn=storage.sload, mnemonic="", gas_cost=0))
"""py-evm's class of fixed-price opcodes (what ``as_opcode`` makes)."""


def _charged_then_run(opcode: Any) -> Any:
    """``opcode`` (a fixed-price one) as one function that takes its energy and runs it, in place
    of py-evm's object whose call goes through the computation to its gas meter: the same
    charge and the same error when the energy runs out, with two calls fewer an instruction."""
    if type(opcode) is not _FIXED_PRICE:
        return opcode  # priced by its own logic (the calls): kept as it is
    cost, logic, mnemonic = opcode.gas_cost, opcode.logic_fn, opcode.mnemonic

    def run(computation: Any) -> None:
        meter = computation._gas_meter
        if cost > meter.gas_remaining:
            meter.consume_gas(cost, mnemonic)  # raises py-evm's OutOfGas
        meter.gas_remaining -= cost
        logic(computation)

    return run


_RUNNABLE: Final = {value: _charged_then_run(opcode) for value, opcode in TVM_OPCODES.items()}
"""``TVM_OPCODES`` as the metering computation runs them."""


@functools.lru_cache(maxsize=256)
def instruction_starts(code: bytes) -> frozenset[int]:
    """The positions in ``code`` where an instruction starts (not inside a PUSH's data): the
    only places a jump may land. Worked out once a contract, not on every run's jumps."""
    starts = set()
    position, length = 0, len(code)
    while position < length:
        starts.add(position)
        opcode = code[position]
        position += 1 + (opcode - PUSH1 + 1 if PUSH1 <= opcode <= PUSH32 else 0)
    return frozenset(starts)


class AnalyzedCode(CodeStream):
    """py-evm's code stream with its jump analysis done once for each code
    (``instruction_starts``) rather than worked out jump by jump on every run."""

    __slots__ = ["_starts"]

    def __init__(self, code_bytes: bytes) -> None:
        super().__init__(code_bytes)
        self._starts = instruction_starts(bytes(code_bytes))

    def is_valid_opcode(self, position: int) -> bool:
        return position in self._starts


class TvmEnergyComputation(CancunComputation):
    """A Cancun computation that charges energy as the TVM does (nested calls too: they run in
    the class of the computation that makes them)."""

    opcodes = _RUNNABLE

    def __init__(
        self,
        state: StateAPI,
        message: MessageAPI,
        transaction_context: TransactionContextAPI,
    ) -> None:
        super().__init__(state, message, transaction_context)
        self.code = AnalyzedCode(message.code)

    def consume_gas(self, amount: int, reason: str) -> None:
        # Every opcode passes here: the gas meter's own method checks the same, and logs.
        meter = self._gas_meter
        if 0 <= amount <= meter.gas_remaining:
            meter.gas_remaining -= amount
        else:
            meter.consume_gas(amount, reason)  # raises what py-evm raises

    @classmethod
    def consume_initcode_gas_cost(cls, computation: ComputationAPI) -> None:
        """The TVM charges no EIP-3860 initcode cost: constructors pay only what they run."""


class EnergyRunFailed(RuntimeError):
    """The transaction did not run through under the TVM's prices."""


def energy_of_message(
    state: StateAPI, transaction: SignedTransactionAPI, *, energy_limit: int = MAX_ENERGY
) -> int:
    """The energy ``transaction`` (a contract call) uses when run on ``state`` at TVM prices;
    ``state`` is left as it was."""
    if not transaction.to:
        raise ValueError("a deployment is not metered here: only contract calls")
    message = Message(
        gas=energy_limit,
        to=transaction.to,
        sender=transaction.sender,
        value=transaction.value,
        data=transaction.data,
        code=state.get_code(transaction.to),
    )
    snapshot = state.snapshot()
    try:
        computation = TvmEnergyComputation.apply_message(
            state, message, state.get_transaction_context(transaction)
        )
    finally:
        state.revert(snapshot)
    if computation.is_error:
        raise EnergyRunFailed(f"the call failed at TVM prices: {computation.error!r}")
    return energy_limit - computation.get_gas_remaining()


def energy_of_transaction(chain: Any, tx_hash: bytes) -> int:
    """The energy of the mined transaction ``tx_hash`` on the py-evm ``chain`` (eth-tester's
    backend chain): run again from its block's parent state, after the transactions before it
    in the block, with its block's number, time and coinbase."""
    block_number, index = chain.chaindb.get_transaction_index(tx_hash)
    block = chain.get_canonical_block_by_number(block_number)
    parent = chain.get_block_header_by_hash(block.header.parent_hash)
    vm = chain.get_vm(block.header.copy(state_root=parent.state_root, gas_used=0))
    state = vm.state
    for earlier in block.transactions[:index]:
        state.apply_transaction(earlier)
    return energy_of_message(state, block.transactions[index])
