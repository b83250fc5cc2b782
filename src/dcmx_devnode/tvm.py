"""Contract execution for the local TRON node on revm (pyrevm): the TVM runs the EVM's bytecode,
with TRON's addresses (the 20 bytes after 0x41) and TRON's own rule for where a new contract goes.

The state is one revm journal; the node takes a checkpoint before each block so that a
reorganization can revert to it. Contracts are created at the address TRON derives from the
transaction id (not the EVM's sender-and-nonce address): the constructor runs as a call to that
address with the init code installed there, and its output is then installed as the runtime code.
pyrevm does not journal installing code, so the node clears the code of contracts a
reorganization drops (``forget``).

Energy is TRON's, not revm's gas: each run is first metered at the TVM's prices over the state
as it is before the run (``metering.py``: no 21,000 intrinsic gas, no warm/cold access pricing,
TRON's storage prices, 200 energy a byte of code deposited), then executed on revm with gas to
spare. A run that needs more energy than its limit is java-tron's ``OUT_OF_ENERGY``: it changes
nothing and uses the whole limit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Final, TypeVar

from attrs import frozen
from pyrevm import EVM, AccountInfo, BlockEnv, CfgEnv, Env

from dcmx_adapters.evm.revm_checkpoints import Checkpoints
from dcmx_devnode.metering import BlockContext, Metered, meter

_FAUCET: Final = "0x" + "fa" * 20
_FAILURE: Final = re.compile(r"^(Revert|Halt) \{ (?:reason: (\w+).*?, )?gas_used: (\d+)")
_OUTPUT: Final = re.compile(r"output: 0x([0-9a-fA-F]*)")
_HALTS: Final = {
    "OutOfGas": "OUT_OF_ENERGY",
    "InvalidJump": "BAD_JUMP_DESTINATION",
    "InvalidFEOpcode": "ILLEGAL_OPERATION",
    "OpcodeNotFound": "ILLEGAL_OPERATION",
    "NotActivated": "ILLEGAL_OPERATION",
    "StateChangeDuringStaticCall": "ILLEGAL_OPERATION",
    "StackUnderflow": "STACK_TOO_SMALL",
    "StackOverflow": "STACK_TOO_LARGE",
    "CallTooDeep": "STACK_OVERFLOW",
    "OutOfFunds": "TRANSFER_FAILED",
    "CreateContractSizeLimit": "INVALID_CODE",
    "CreateContractStartingWithEF": "INVALID_CODE",
}
"""revm's halt reasons as java-tron's ``contractResult`` codes."""

REVERT_MESSAGE: Final = "REVERT opcode executed"
_EXECUTION_GAS: Final = 2**62
"""Gas revm runs with: the energy limit is kept by metering, so revm never runs out first."""


@frozen
class Emitted:
    """A log as the TVM records it: the emitting contract's 20 bytes, topics, data."""

    address: bytes
    topics: tuple[bytes, ...]
    data: bytes


@frozen
class Execution:
    """The outcome of running a contract: ``result`` is java-tron's ``contractResult`` name."""

    result: str
    output: bytes
    energy: int
    logs: tuple[Emitted, ...] = ()
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.result == "SUCCESS"


def _hex(address: bytes) -> str:
    """The EVM form (0x + 20 bytes) of a 21-byte TRON address or a 20-byte account."""
    return "0x" + address[-20:].hex()


class Tvm:
    """The state of every account and contract, in one revm journal."""

    def __init__(self, chain_id: int, ancestor: Callable[[int], bytes]) -> None:
        self._evm = EVM(env=Env(cfg=CfgEnv(chain_id=chain_id)), spec_id="Cancun")
        self._evm.set_balance(_FAUCET, 2**200)
        self._checkpoints = Checkpoints(self._evm)
        self._chain_id = chain_id
        self._ancestor = ancestor
        self._block = BlockContext(0, 0, b"\x00" * 20, chain_id, ancestor)

    def checkpoint(self) -> Any:
        return self._checkpoints.take()

    def revert(self, checkpoint: Any, created: list[bytes]) -> None:
        """Go back to ``checkpoint`` and remove the contracts created since (their code)."""
        self._checkpoints.revert(checkpoint)
        for address in created:
            self._evm.insert_account_info(_hex(address), AccountInfo())
        self._evm.reset_transient_storage()

    def set_block(self, number: int, timestamp_ms: int, witness: bytes) -> None:
        # TVM's block.timestamp is in seconds; difficulty and gaslimit read 0 on TRON.
        self._evm.set_block_env(
            BlockEnv(number=number, timestamp=timestamp_ms // 1000, coinbase=_hex(witness))
        )
        self._block = BlockContext(
            number, timestamp_ms // 1000, witness[-20:], self._chain_id, self._ancestor
        )

    @property
    def block(self) -> BlockContext:
        """The block the next run sees (what metering reads of it)."""
        return self._block

    # --- reads ---------------------------------------------------------------------------

    def balance(self, address: bytes) -> int:
        return int(self._evm.get_balance(_hex(address)))

    def code(self, address: bytes) -> bytes:
        return bytes(self._evm.get_code(_hex(address)) or b"")

    def nonce(self, address: bytes) -> int:
        return int(self._evm.basic(_hex(address)).nonce)

    def storage(self, address: bytes, slot: int) -> int:
        return int(self._evm.storage(_hex(address), slot))

    # --- value -----------------------------------------------------------------------------

    def fund(self, address: bytes, amount: int) -> None:
        # A transfer from the faucet, not set_balance: the journal must be able to undo it.
        self.transfer(bytes.fromhex(_FAUCET[2:]), address, amount)

    def transfer(self, sender: bytes, to: bytes, amount: int) -> None:
        checkpoint = self._checkpoints.take()
        try:
            self._evm.message_call(_hex(sender), _hex(to), b"", amount)
        except RuntimeError:
            self._checkpoints.revert(checkpoint)
            raise

    # --- contracts -------------------------------------------------------------------------

    def trigger(
        self, sender: bytes, contract: bytes, data: bytes, value: int, energy_limit: int
    ) -> Execution:
        """Run a state-changing call; a failure leaves no change but is still an outcome."""
        return self._run(sender, contract, data, value, energy_limit, keep=True)

    def call(
        self, sender: bytes, contract: bytes, data: bytes, energy_limit: int, value: int = 0
    ) -> Execution:
        """Run a call (sending ``value`` sun with it) and keep nothing of it
        (``triggerconstantcontract``)."""
        return self._run(sender, contract, data, value, energy_limit, keep=False)

    def create(
        self, sender: bytes, address: bytes, init_code: bytes, value: int, energy_limit: int
    ) -> Execution:
        """Run ``init_code`` as the constructor of a contract at ``address``."""
        metered = self._meter(sender, address, init_code, value, energy_limit, create=True)
        if metered.out_of_energy:
            return _out_of_energy(energy_limit)
        checkpoint = self._checkpoints.take()
        self._evm.insert_account_info(_hex(address), AccountInfo(code=init_code))
        outcome = self._execute(sender, address, b"", value, metered, keep=True)
        if not outcome.succeeded:
            self.revert(checkpoint, [address])
            return outcome
        balance = self._evm.get_balance(_hex(address))
        # pyrevm's stub omits AccountInfo's balance argument, which it takes; installing code
        # must keep the balance the constructor received.
        runtime = AccountInfo(balance=balance, nonce=1, code=outcome.output)  # type: ignore[call-arg]
        self._evm.insert_account_info(_hex(address), runtime)
        return outcome

    def _meter(
        self,
        sender: bytes,
        to: bytes,
        data: bytes,
        value: int,
        energy_limit: int,
        *,
        create: bool = False,
    ) -> Metered:
        return meter(
            self,
            self._block,
            sender=sender[-20:],
            to=to[-20:],
            data=data,
            value=value,
            energy_limit=energy_limit,
            create=create,
        )

    def _run(
        self, sender: bytes, to: bytes, data: bytes, value: int, energy_limit: int, *, keep: bool
    ) -> Execution:
        metered = self._meter(sender, to, data, value, energy_limit)
        if metered.out_of_energy:
            return _out_of_energy(energy_limit)
        return self._execute(sender, to, data, value, metered, keep=keep)

    def _execute(
        self, sender: bytes, to: bytes, data: bytes, value: int, metered: Metered, *, keep: bool
    ) -> Execution:
        checkpoint = self._checkpoints.take()
        try:
            output = bytes(
                self._evm.message_call(_hex(sender), _hex(to), data, value, _EXECUTION_GAS)
            )
        except RuntimeError as error:
            self._checkpoints.revert(checkpoint)
            return _failure(str(error), metered.energy)
        finally:
            self._evm.reset_transient_storage()
        result = self._evm.result
        logs = tuple(
            Emitted(
                _shared(bytes.fromhex(log.address[2:])),
                _shared(tuple(bytes(topic) for topic in log.data[0])),
                _short(bytes(log.data[1])),
            )
            for log in (result.logs if result is not None else [])
        )
        if not keep:
            self._checkpoints.revert(checkpoint)
        return Execution("SUCCESS", _short(output), metered.energy, logs)


_Value = TypeVar("_Value", bytes, tuple[bytes, ...])


@functools.lru_cache(maxsize=4096)
def _shared(value: _Value) -> _Value:
    """One object for the equal values a chain's receipts keep by the thousand (a token's
    address, an event's topics, ``true`` returned): the first one met, remembered."""
    return value


def _short(value: bytes) -> bytes:
    """``value`` shared when it is a word or two, as most logs' data and calls' outputs are
    (longer ones rarely repeat, and would hold on to more)."""
    return _shared(value) if len(value) <= 64 else value


def _out_of_energy(energy_limit: int) -> Execution:
    return Execution("OUT_OF_ENERGY", b"", energy_limit, message=_halt_message("OUT_OF_ENERGY", ""))


def _failure(text: str, energy: int) -> Execution:
    """A revert or halt as revm reports it (``Revert { gas_used: N, output: 0x… }``), charged
    the metered ``energy``."""
    found = _FAILURE.search(text)
    if found is None:
        # Refused before running (e.g. the sender cannot pay the value): no energy spent.
        return Execution("TRANSFER_FAILED", b"", 0, message=text)
    kind, reason, _ = found.groups()
    if kind == "Revert":
        output = _OUTPUT.search(text)
        data = bytes.fromhex(output.group(1)) if output else b""
        return Execution("REVERT", data, energy, message=REVERT_MESSAGE)
    code = _HALTS.get(reason or "", "UNKNOWN")
    return Execution(code, b"", energy, message=_halt_message(code, reason or ""))


def _halt_message(code: str, reason: str) -> str:
    if code == "OUT_OF_ENERGY":
        return "Not enough energy"
    return f"{code.replace('_', ' ').capitalize()}: {reason}"
