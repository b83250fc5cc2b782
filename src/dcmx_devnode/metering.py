"""The energy a contract run costs on TRON, metered by the TVM's schedule (``energy.py``) over
the local node's own state.

The node executes on revm, which charges the EVM's gas. To charge TRON's energy, the same run is
first metered with the TVM's prices over the node's state as it is *before* the run, keeping
its own writes to itself (they are thrown away). A plain call (no value, nothing called or
created: a TRC-20 transfer) is counted by the lean interpreter of ``lean_meter.py``; every other
run, and any the interpreter gives up on, runs on py-evm with the TVM's prices
(``TvmEnergyComputation``, the schedule ``nox -s gas`` uses too) over an ``OverlayState``, a
py-evm state that reads what it needs from the node's. py-evm is the reference: the lean
interpreter is tested to agree with it. One schedule, one function: the node's receipts and
the gas table's TRON column come from ``meter``.

The two runs agree on their path: the EVM and the TVM run the same bytecode on the same state,
and revm runs with energy to spare, so only code that reads the energy left (``gasleft()``)
could take another branch. revm's outcome is the one kept; the metered energy is what the
receipt says and what is charged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol

from attrs import frozen
from eth.abc import ComputationAPI
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.exceptions import OutOfGas, VMError
from eth.vm.forks.cancun.transaction_context import CancunTransactionContext
from eth.vm.message import Message
from eth_hash.auto import keccak
from eth_typing import Address as EthAddress

from dcmx_devnode.energy import TvmEnergyComputation
from dcmx_devnode.lean_meter import plain_call

Address = bytes
"""An account's 20 bytes (a TRON address without its 0x41)."""

_SENTINEL: Final = object()


class StateReader(Protocol):
    """What metering reads from the node's state (revm's, in ``tvm.py``)."""

    def balance(self, address: Address) -> int: ...
    def nonce(self, address: Address) -> int: ...
    def code(self, address: Address) -> bytes: ...
    def storage(self, address: Address, slot: int) -> int: ...


@frozen
class BlockContext:
    """The block a run sees: TVM's ``block.number``, ``block.timestamp`` (seconds) and
    ``block.coinbase``; difficulty and gas limit read 0 on TRON."""

    number: int
    timestamp: int
    coinbase: Address
    chain_id: int
    ancestor: Callable[[int], bytes]
    """A block's id by number (``blockhash``)."""


@frozen
class Metered:
    """Energy used, whether the run ran out of it (java-tron's ``OUT_OF_ENERGY``), and what it
    returned or reverted with (the executed run's own output is the one a receipt keeps)."""

    energy: int
    out_of_energy: bool = False
    output: bytes = b""


class _Context:
    """What py-evm reads as ``state.execution_context``."""

    def __init__(self, block: BlockContext) -> None:
        self.chain_id = block.chain_id
        self.base_fee_per_gas = 0
        self.excess_blob_gas = 0


class OverlayState:
    """The subset of py-evm's ``StateAPI`` its computations use, over ``reader`` (read on first
    use) with every write kept here, in an undo journal for ``snapshot``/``revert``."""

    def __init__(self, reader: StateReader, block: BlockContext) -> None:
        self._reader = reader
        self._block = block
        self.execution_context = _Context(block)
        self._balances: dict[Address, int] = {}
        self._nonces: dict[Address, int] = {}
        self._codes: dict[Address, bytes] = {}
        self._storage: dict[tuple[Address, int], int] = {}
        self._wiped: set[Address] = set()
        self._transient: dict[tuple[Address, int], bytes] = {}
        self._warm_addresses: set[Address] = set()
        self._warm_slots: set[tuple[Address, int]] = set()
        self._journal: list[tuple[dict[Any, Any] | set[Any], Any, Any]] = []

    # --- block ---------------------------------------------------------------------------

    @property
    def coinbase(self) -> Address:
        return self._block.coinbase

    @property
    def timestamp(self) -> int:
        return self._block.timestamp

    @property
    def block_number(self) -> int:
        return self._block.number

    difficulty = 0
    gas_limit = 0
    base_fee = 0
    blob_base_fee = 1
    mix_hash = b"\x00" * 32

    def get_ancestor_hash(self, block_number: int) -> bytes:
        if not 0 <= block_number < self._block.number:
            return b"\x00" * 32
        return self._block.ancestor(block_number)

    # --- journal -------------------------------------------------------------------------

    def snapshot(self) -> int:
        return len(self._journal)

    def revert(self, snapshot: int) -> None:
        while len(self._journal) > snapshot:
            where, key, old = self._journal.pop()
            if isinstance(where, set):
                (where.discard if old is _SENTINEL else where.add)(key)
            elif old is _SENTINEL:
                where.pop(key, None)
            else:
                where[key] = old

    def commit(self, snapshot: int) -> None:
        # Writes stay journaled: an enclosing snapshot may still revert them.
        pass

    def _write(self, where: dict[Any, Any], key: Any, value: Any) -> None:
        self._journal.append((where, key, where.get(key, _SENTINEL)))
        where[key] = value

    def _add(self, where: set[Any], key: Any) -> None:
        if key not in where:
            self._journal.append((where, key, _SENTINEL))
            where.add(key)

    # --- accounts ------------------------------------------------------------------------

    def get_balance(self, address: Address) -> int:
        found = self._balances.get(address)
        return self._reader.balance(address) if found is None else found

    def set_balance(self, address: Address, balance: int) -> None:
        self._write(self._balances, address, balance)

    def delta_balance(self, address: Address, delta: int) -> None:
        self.set_balance(address, self.get_balance(address) + delta)

    def get_nonce(self, address: Address) -> int:
        found = self._nonces.get(address)
        return self._reader.nonce(address) if found is None else found

    def increment_nonce(self, address: Address) -> None:
        self._write(self._nonces, address, self.get_nonce(address) + 1)

    def get_code(self, address: Address) -> bytes:
        found = self._codes.get(address)
        return self._reader.code(address) if found is None else found

    def set_code(self, address: Address, code: bytes) -> None:
        self._write(self._codes, address, code)

    def get_code_hash(self, address: Address) -> bytes:
        code = self.get_code(address)
        return keccak(code) if code else EMPTY_SHA3

    def has_code_or_nonce(self, address: Address) -> bool:
        return bool(self.get_code(address)) or self.get_nonce(address) > 0

    def account_exists(self, address: Address) -> bool:
        return self.has_code_or_nonce(address) or self.get_balance(address) > 0

    def account_is_empty(self, address: Address) -> bool:
        return not self.account_exists(address)

    def touch_account(self, address: Address) -> None:
        pass

    def get_storage_root(self, address: Address) -> bytes:
        return BLANK_ROOT_HASH

    # --- storage -------------------------------------------------------------------------

    def get_storage(self, address: Address, slot: int, from_journal: bool = True) -> int:
        found = self._storage.get((address, slot))
        if found is not None:
            return found
        return 0 if address in self._wiped else self._reader.storage(address, slot)

    def set_storage(self, address: Address, slot: int, value: int) -> None:
        self._write(self._storage, (address, slot), value)

    def delete_storage(self, address: Address) -> None:
        self._add(self._wiped, address)
        for key in [key for key in self._storage if key[0] == address]:
            self._write(self._storage, key, 0)

    def get_transient_storage(self, address: Address, slot: int) -> bytes:
        return self._transient.get((address, slot), b"\x00" * 32)

    def set_transient_storage(self, address: Address, slot: int, value: bytes) -> None:
        self._write(self._transient, (address, slot), value.rjust(32, b"\x00"))

    # --- access lists (kept for py-evm; the TVM prices no warm or cold access) -----------

    def is_address_warm(self, address: Address) -> bool:
        return address in self._warm_addresses

    def mark_address_warm(self, address: Address) -> None:
        self._add(self._warm_addresses, address)

    def is_storage_warm(self, address: Address, slot: int) -> bool:
        return (address, slot) in self._warm_slots

    def mark_storage_warm(self, address: Address, slot: int) -> None:
        self._add(self._warm_slots, (address, slot))


def meter(
    reader: StateReader,
    block: BlockContext,
    *,
    sender: Address,
    to: Address,
    data: bytes,
    value: int,
    energy_limit: int,
    create: bool = False,
) -> Metered:
    """The energy of a call of ``to`` with ``data`` (or, with ``create``, of running ``data`` as
    the constructor of a contract at ``to``, its code deposit included) at the TVM's prices.

    A plain call (no value, one contract's code, nothing called or created) is counted by the
    lean interpreter; everything else, and whatever it gives up on, runs on py-evm."""
    if not create and value == 0:
        code = reader.code(to)
        if code:
            counted = plain_call(
                reader,
                block,
                sender=sender,
                to=to,
                code=code,
                data=data,
                energy_limit=energy_limit,
            )
            if counted is not None:
                return Metered(counted[0], output=counted[1])
    return meter_on_pyevm(
        reader,
        block,
        sender=sender,
        to=to,
        data=data,
        value=value,
        energy_limit=energy_limit,
        create=create,
    )


def meter_on_pyevm(
    reader: StateReader,
    block: BlockContext,
    *,
    sender: Address,
    to: Address,
    data: bytes,
    value: int,
    energy_limit: int,
    create: bool = False,
) -> Metered:
    """``meter`` on py-evm's computation at the TVM's prices, for every kind of run: the
    reference the lean interpreter is held to."""
    state: Any = OverlayState(reader, block)
    message = Message(
        gas=energy_limit,
        to=EthAddress(b"" if create else to),
        sender=EthAddress(sender),
        value=value,
        data=b"" if create else data,
        code=data if create else state.get_code(to),
        create_address=EthAddress(to) if create else None,  # type: ignore[arg-type]
    )
    context = CancunTransactionContext(
        gas_price=0, origin=EthAddress(sender), blob_versioned_hashes=[]
    )
    apply = (
        TvmEnergyComputation.apply_create_message if create else TvmEnergyComputation.apply_message
    )
    try:
        computation: ComputationAPI = apply(state, message, context)
    except VMError:  # refused before running (the sender cannot pay the value): no energy
        return Metered(0)
    out = computation.is_error and isinstance(computation.error, OutOfGas)
    return Metered(energy_limit - computation.get_gas_remaining(), out, computation.output)
