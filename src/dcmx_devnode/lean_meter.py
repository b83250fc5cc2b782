"""The energy of a plain contract call, counted by a lean interpreter at the TVM's prices.

Most calls a node meets (a TRC-20 transfer, an approval, a mint) run one contract's code and
call no other: no CALL, CREATE or SELFDESTRUCT, no precompile. For those, py-evm's metering
computation (``energy.py``) spends most of its time on its own machinery (an object a stack
item, a method an instruction), not on pricing. This interpreter runs such a call with a list
of ints for a stack and a ``bytearray`` for memory, adding up the same prices: the fixed price
of each instruction from ``TVM_OPCODES``, memory expansion, copies, hashing, EXP's exponent
bytes, LOG's topics and bytes, and SSTORE by the TVM's rule (20,000 into an empty slot, 5,000
otherwise).

It is an accelerator, not a second schedule: whatever it does not handle exactly (an
instruction outside its set, a value sent, a stack or jump fault, a run that reaches its energy
limit) makes it answer ``None``, and the caller meters the call on py-evm from the start. It
reads state and writes nothing, so giving up costs only the time spent. Its answers are tested
against py-evm's on random programs and on the project's contracts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Protocol

from attrs import frozen
from eth_hash.auto import keccak

from dcmx_devnode.energy import RESET_SSTORE, SET_SSTORE, TVM_OPCODES, instruction_starts

if TYPE_CHECKING:
    from dcmx_devnode.metering import BlockContext

_WORD: Final = 2**256
_MASK: Final = _WORD - 1
_SIGN: Final = 2**255
_MEMORY_CAP: Final = 1 << 25
"""Bytes of memory it handles: 32 MiB costs over two billion energy, far above any limit."""
_STACK_CAP: Final = 1024
_JUMPDEST: Final = 0x5B
_PUSH0: Final = 0x5F
_PUSH32: Final = 0x7F
_LOG4: Final = 0xA4
_STOP, _RETURN, _REVERT, _GAS = 0x00, 0xF3, 0xFD, 0x5A


class StorageReader(Protocol):
    """The one piece of state a plain call reads: a contract's storage slot."""

    def storage(self, address: bytes, slot: int) -> int: ...


class _Leave(Exception):
    """The run left what the lean interpreter handles exactly: py-evm meters it."""


def _signed(value: int) -> int:
    return value - _WORD if value & _SIGN else value


def _sdiv(a: int, b: int) -> int:
    numerator, denominator = _signed(a), _signed(b)
    if denominator == 0:
        return 0
    sign = -1 if numerator * denominator < 0 else 1
    return (sign * (abs(numerator) // abs(denominator))) & _MASK


def _smod(a: int, b: int) -> int:
    value, modulus = _signed(a), _signed(b)
    if modulus == 0:
        return 0
    sign = -1 if value < 0 else 1
    return (abs(value) % abs(modulus) * sign) & _MASK


def _signextend(bits: int, value: int) -> int:
    if bits > 31:
        return value
    sign_bit = 1 << (bits * 8 + 7)
    return value | (_WORD - sign_bit) if value & sign_bit else value & (sign_bit - 1)


def _sar(shift: int, value: int) -> int:
    return (_signed(value) >> min(shift, 256)) & _MASK


_BINARY: Final[dict[int, Callable[[int, int], int]]] = {
    0x01: lambda a, b: (a + b) & _MASK,
    0x02: lambda a, b: (a * b) & _MASK,
    0x03: lambda a, b: (a - b) & _MASK,
    0x04: lambda a, b: a // b if b else 0,
    0x05: _sdiv,
    0x06: lambda a, b: a % b if b else 0,
    0x07: _smod,
    0x0B: _signextend,
    0x10: lambda a, b: int(a < b),
    0x11: lambda a, b: int(a > b),
    0x12: lambda a, b: int(_signed(a) < _signed(b)),
    0x13: lambda a, b: int(_signed(a) > _signed(b)),
    0x14: lambda a, b: int(a == b),
    0x16: lambda a, b: a & b,
    0x17: lambda a, b: a | b,
    0x18: lambda a, b: a ^ b,
    0x1A: lambda i, x: (x >> (248 - i * 8)) & 0xFF if i < 32 else 0,
    0x1B: lambda shift, value: (value << shift) & _MASK if shift < 256 else 0,
    0x1C: lambda shift, value: value >> shift if shift < 256 else 0,
    0x1D: _sar,
}
"""Instructions that take two words (the top first) and leave one."""

_HANDLED: Final = frozenset(
    [
        *(_STOP, 0x08, 0x09, 0x0A, 0x15, 0x19, 0x20, 0x30, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37),
        *(0x38, 0x39, 0x3A, 0x3D, 0x41, 0x42, 0x43, 0x46, 0x48, 0x50, 0x51, 0x52, 0x53, 0x54),
        *(0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, _RETURN, _REVERT),
        *_BINARY,
        *range(_PUSH0, _LOG4 + 1),
    ]
)
_FIXED: Final[tuple[int, ...]] = tuple(
    TVM_OPCODES[op].gas_cost if op in _HANDLED else 0 for op in range(256)
)
"""Each handled instruction's fixed price at the TVM's schedule (0 for the others: the run
leaves before it would matter)."""
_ENDS: Final = frozenset((0x00, 0xF3, 0xFD))
"""STOP, RETURN, REVERT."""


_BLOCK_ENDS: Final = frozenset((0x56, 0x57, *_ENDS))
"""Instructions after which the next one runs only if jumped to or fallen into (JUMP, JUMPI,
STOP, RETURN, REVERT)."""


@frozen
class Program:
    """A contract's code as the interpreter runs it, worked out once for each code.

    Fixed prices are charged a block at a time: a block runs from its start (the code's
    first instruction, a JUMPDEST, or the instruction after a JUMPI) through its last
    instruction (a jump, an end, or the one before a JUMPDEST), and once entered runs
    through unless it faults, which the interpreter leaves to py-evm anyway."""

    values: tuple[int, ...]
    """Each position's PUSH value (0 elsewhere); PUSH data past the end reads as zeros."""
    destinations: frozenset[int]
    """Where a jump may land: JUMPDESTs that are instructions, not PUSH data."""
    charges: dict[int, int]
    """The fixed prices of a block's instructions, by the block's start."""
    rooms: dict[int, int]
    """The deepest stack a block may be entered with and never pass 1,024 (less one a
    position of the block: an instruction pushes one word at most)."""
    still_due: dict[int, int]
    """For each GAS, the fixed prices its block charged for the instructions after it."""


@functools.lru_cache(maxsize=256)
def program(code: bytes) -> Program:
    """``code`` worked out for the interpreter (``Program``)."""
    values = [0] * len(code)
    starts = sorted(instruction_starts(code))
    blocks: list[list[int]] = []
    opened = True
    for position in starts:
        op = code[position]
        if _PUSH0 <= op <= _PUSH32:
            size = op - _PUSH0
            data = code[position + 1 : position + 1 + size]
            values[position] = int.from_bytes(data.ljust(size, b"\0"))
        if opened or op == _JUMPDEST:
            blocks.append([])
        blocks[-1].append(position)
        opened = op in _BLOCK_ENDS
    charges, rooms, still_due = {}, {}, {}
    for block in blocks:
        prices = [_FIXED[code[position]] for position in block]
        charges[block[0]] = sum(prices)
        rooms[block[0]] = _STACK_CAP - len(block)
        for index, position in enumerate(block):
            if code[position] == _GAS:
                still_due[position] = sum(prices[index + 1 :])
    destinations = frozenset(position for position in starts if code[position] == _JUMPDEST)
    return Program(tuple(values), destinations, charges, rooms, still_due)


@functools.lru_cache(maxsize=4096)
def _keccak_word(data: bytes) -> int:
    """KECCAK256 of ``data`` as a word. Remembered: a token hashes the same few mapping keys
    (its holders' balance slots) call after call."""
    return int.from_bytes(keccak(data))


def _words(size: int) -> int:
    return (size + 31) // 32


def _memory_cost(size: int) -> int:
    words = _words(size)
    return words * 3 + words * words // 512


def _grow(memory: bytearray, start: int, size: int) -> int:
    """Extend ``memory`` to cover ``size`` bytes at ``start``; the energy that costs."""
    if not size:
        return 0
    end = start + size
    if end > _MEMORY_CAP:
        raise _Leave
    if end <= len(memory):
        return 0
    before = len(memory)
    memory.extend(bytes(_words(end) * 32 - before))
    return _memory_cost(len(memory)) - _memory_cost(before)


def _environment(
    to: bytes, sender: bytes, data: bytes, code: bytes, block: BlockContext
) -> dict[int, int]:
    """What the instructions that read the call or the block push, at their opcodes."""
    return {
        0x30: int.from_bytes(to),  # ADDRESS
        0x32: int.from_bytes(sender),  # ORIGIN: the call is the transaction's own
        0x33: int.from_bytes(sender),  # CALLER
        0x34: 0,  # CALLVALUE: a call with value is metered on py-evm
        0x36: len(data),  # CALLDATASIZE
        0x38: len(code),  # CODESIZE
        0x3A: 0,  # GASPRICE
        0x3D: 0,  # RETURNDATASIZE: no call has returned
        0x41: int.from_bytes(block.coinbase),  # COINBASE
        0x42: block.timestamp,  # TIMESTAMP
        0x43: block.number,  # NUMBER
        0x46: block.chain_id,  # CHAINID
        0x48: 0,  # BASEFEE
    }


def plain_call(
    reader: StorageReader,
    block: BlockContext,
    *,
    sender: bytes,
    to: bytes,
    code: bytes,
    data: bytes,
    energy_limit: int,
) -> tuple[int, bytes] | None:
    """The energy of calling ``to`` (whose code is ``code``) with ``data`` and no value, at
    the TVM's prices, and what the call returned (or reverted with), when the run stays within
    what this interpreter handles and within ``energy_limit``; ``None`` otherwise (meter it on
    py-evm)."""
    try:
        return _run(reader, block, sender, to, code, data, energy_limit)
    except (_Leave, IndexError):  # IndexError: the stack ran dry (py-evm's fault to report)
        return None


def _run(
    reader: StorageReader,
    block: BlockContext,
    sender: bytes,
    to: bytes,
    code: bytes,
    data: bytes,
    limit: int,
) -> tuple[int, bytes]:
    shape = program(code)
    values, destinations, charges, rooms = (
        shape.values,
        shape.destinations,
        shape.charges,
        shape.rooms,
    )
    environment = _environment(to, sender, data, code, block)
    binary = _BINARY
    stack: list[int] = []
    push, pop = stack.append, stack.pop
    memory = bytearray()
    written: dict[int, int] = {}
    transient: dict[int, int] = {}
    pc = 0
    length = len(code)
    used = charges.get(0, 0) if length and code[0] != 0x5B else 0
    # Opcodes are literals in the loop (a name would be looked up on every instruction),
    # in order of how often compiled code runs them: PUSH, DUP, SWAP, JUMPDEST, POP, jumps.
    while True:
        op = code[pc] if pc < length else 0x00
        if 0x5F <= op <= 0x7F:  # PUSH0 to PUSH32
            push(values[pc])
            pc += op - 0x5E
            continue
        pc += 1
        if 0x80 <= op <= 0x8F:  # DUP1 to DUP16
            push(stack[0x7F - op])
        elif 0x90 <= op <= 0x9F:  # SWAP1 to SWAP16
            other = 0x8E - op
            stack[-1], stack[other] = stack[other], stack[-1]
        elif op == 0x5B:  # JUMPDEST: a block starts
            used += charges[pc - 1]
            if len(stack) > rooms[pc - 1]:
                raise _Leave
        elif op == 0x50:  # POP
            pop()
        elif op == 0x56 or op == 0x57:  # JUMP, JUMPI
            if used > limit:
                raise _Leave  # out of energy, or a loop that would be: py-evm says which
            target = pop()
            if op == 0x56 or pop():
                if target not in destinations:
                    raise _Leave
                pc = target
            elif pc < length and code[pc] != 0x5B:  # falls into a block of its own
                used += charges[pc]
                if len(stack) > rooms[pc]:
                    raise _Leave
        elif op in binary:
            top = pop()
            stack[-1] = binary[op](top, stack[-1])
        elif op in environment:
            push(environment[op])
        elif op == 0x15:  # ISZERO
            stack[-1] = int(not stack[-1])
        elif op == 0x19:  # NOT
            stack[-1] ^= _MASK
        elif op == 0x08 or op == 0x09:  # ADDMOD, MULMOD
            a, b, modulus = pop(), pop(), stack[-1]
            combined = a + b if op == 0x08 else a * b
            stack[-1] = combined % modulus if modulus else 0
        elif op == 0x0A:  # EXP
            base, exponent = pop(), stack[-1]
            used += 10 * ((exponent.bit_length() + 7) // 8)
            stack[-1] = pow(base, exponent, _WORD)
        elif op == 0x20:  # KECCAK256
            start, size = pop(), stack[-1]
            used += _grow(memory, start, size) + 6 * _words(size)
            stack[-1] = _keccak_word(bytes(memory[start : start + size]))
        elif op == 0x35:  # CALLDATALOAD
            start = stack[-1]
            stack[-1] = int.from_bytes(data[start : start + 32].ljust(32, b"\0"))
        elif op == 0x37 or op == 0x39:  # CALLDATACOPY, CODECOPY
            destination, start, size = pop(), pop(), pop()
            used += _grow(memory, destination, size) + 3 * _words(size)
            source = data if op == 0x37 else code
            memory[destination : destination + size] = source[start : start + size].ljust(
                size, b"\0"
            )
        elif op == 0x51:  # MLOAD
            start = stack[-1]
            used += _grow(memory, start, 32)
            stack[-1] = int.from_bytes(memory[start : start + 32])
        elif op == 0x52:  # MSTORE
            start, value = pop(), pop()
            used += _grow(memory, start, 32)
            memory[start : start + 32] = value.to_bytes(32)
        elif op == 0x53:  # MSTORE8
            start, value = pop(), pop()
            used += _grow(memory, start, 1)
            memory[start] = value & 0xFF
        elif op == 0x54:  # SLOAD
            slot = stack[-1]
            found = written.get(slot)
            stack[-1] = reader.storage(to, slot) if found is None else found
        elif op == 0x55:  # SSTORE
            slot, value = pop(), pop()
            found = written.get(slot)
            current = reader.storage(to, slot) if found is None else found
            used += SET_SSTORE if current == 0 and value != 0 else RESET_SSTORE
            written[slot] = value
        elif op == 0x58 or op == 0x59:  # PC, MSIZE
            push(pc - 1 if op == 0x58 else len(memory))
        elif op == 0x5A:  # GAS: what is left once this instruction is paid, and no more
            left = limit - used + shape.still_due[pc - 1]
            if left < 0:
                raise _Leave
            push(left)
        elif op == 0x5C:  # TLOAD
            stack[-1] = transient.get(stack[-1], 0)
        elif op == 0x5D:  # TSTORE
            slot, value = pop(), pop()
            transient[slot] = value
        elif op == 0x5E:  # MCOPY
            destination, start, size = pop(), pop(), pop()
            used += _grow(memory, max(destination, start), size) + 3 * _words(size)
            memory[destination : destination + size] = memory[start : start + size]
        elif 0xA0 <= op <= 0xA4:  # LOG0 to LOG4
            start, size = pop(), pop()
            for _ in range(op - 0xA0):
                pop()
            used += 375 * (op - 0xA0) + 8 * size + _grow(memory, start, size)
        elif op not in _ENDS:
            raise _Leave  # an instruction it does not handle
        else:  # STOP, RETURN, REVERT: the run ends, and REVERT returns what is left too
            start = size = 0
            if op != 0x00:
                start, size = pop(), pop()
                used += _grow(memory, start, size)
            if used > limit:
                raise _Leave
            return used, bytes(memory[start : start + size])
