"""The lean interpreter counts the energy py-evm's metering counts, on every program it answers
for: random programs of the instructions it handles (with jumps, loops and GAS), random bytes,
limits that run out, and the project's token."""

from __future__ import annotations

from typing import Any

import pytest
from attrs import define, field
from eth_abi.abi import encode
from hypothesis import given, settings
from hypothesis import strategies as st

from dcmx_adapters.evm.artifacts import artifact
from dcmx_devnode.lean_meter import plain_call
from dcmx_devnode.metering import BlockContext, Metered, meter_on_pyevm
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.protobuf import parse_address

CONTRACT = b"\xc0" * 20
SENDER = b"\x5e" * 20
BLOCK = BlockContext(7, 1_700_000_000, b"\xcb" * 20, 0x2B6653DC, lambda number: b"\x01" * 32)
PLENTY = 10_000_000
WORDS = st.one_of(
    st.integers(0, 40),
    st.integers(0, 300),
    st.sampled_from([0, 1, 2**255, 2**256 - 1, 2**255 - 1, 2**128, 31, 32, 255, 256]),
    st.builds(lambda byte, at: byte << (8 * at), st.integers(1, 255), st.integers(0, 31)),
    st.integers(0, 2**256 - 1),
)
OFFSETS = st.integers(0, 160)
SIZES = st.integers(0, 96)
INPUTS: dict[int, int] = {
    **dict.fromkeys([*range(0x01, 0x08), 0x0A, 0x0B, *range(0x10, 0x15), *range(0x16, 0x19)], 2),
    **dict.fromkeys([0x1A, 0x1B, 0x1C, 0x1D], 2),
    0x08: 3,  # ADDMOD
    0x09: 3,  # MULMOD
    0x15: 1,  # ISZERO
    0x19: 1,  # NOT
    0x35: 1,  # CALLDATALOAD
    0x54: 1,  # SLOAD
    0x55: 2,  # SSTORE
    0x5C: 1,  # TLOAD
    0x5D: 2,  # TSTORE
    **dict.fromkeys([0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3A, 0x3D, 0x41, 0x42, 0x43], 0),
    **dict.fromkeys([0x46, 0x48, 0x58, 0x59, 0x5A], 0),
}
"""Instructions whose inputs may be any word, by the number they take."""
RESULTS = frozenset(INPUTS) - {0x55, 0x5D}
"""Those that leave a result (all but SSTORE and TSTORE)."""
MEMORY: dict[int, tuple[st.SearchStrategy[int], ...]] = {
    0x20: (OFFSETS, SIZES),  # KECCAK256
    0x37: (OFFSETS, WORDS, SIZES),  # CALLDATACOPY
    0x39: (OFFSETS, WORDS, SIZES),  # CODECOPY
    0x51: (OFFSETS,),  # MLOAD
    0x52: (OFFSETS, WORDS),  # MSTORE
    0x53: (OFFSETS, WORDS),  # MSTORE8
    0x5E: (OFFSETS, OFFSETS, SIZES),  # MCOPY
    **{0xA0 + topics: (OFFSETS, SIZES, *[WORDS] * topics) for topics in range(5)},  # LOGs
}
"""Instructions that touch memory: offsets and sizes kept small, in the order popped."""


def _push(value: int) -> bytes:
    size = max(1, (value.bit_length() + 7) // 8)
    return bytes([0x5F + size]) + value.to_bytes(size)


@st.composite
def plain_steps(draw: st.DrawFn) -> bytes:
    """One instruction with its inputs pushed before it (the first popped pushed last)."""
    kind = draw(st.sampled_from(["word", "memory", "dup", "swap"]))
    kept = b""
    if kind == "word":
        op = draw(st.sampled_from(sorted(INPUTS)))
        inputs = [draw(WORDS) for _ in range(INPUTS[op])]
        if op in RESULTS:  # its result goes where the run's output will show it
            kept = _push(0x200 + 32 * draw(st.integers(0, 15))) + b"\x52"
    elif kind == "memory":
        op = draw(st.sampled_from(sorted(MEMORY)))
        inputs = [draw(strategy) for strategy in MEMORY[op]]
    elif kind in ("dup", "swap"):
        depth = draw(st.integers(1, 16))
        inputs = [draw(WORDS) for _ in range(depth + 1)]
        op = (0x7F if kind == "dup" else 0x8F) + depth
    return b"".join(_push(value) for value in reversed(inputs)) + bytes([op]) + kept


@st.composite
def branches(draw: st.DrawFn) -> bytes:
    """``JUMPI`` over some steps to a JUMPDEST after them, taken or not."""
    body = b"".join(draw(st.lists(plain_steps(), max_size=3)))
    condition = draw(st.sampled_from([0, 1, 2**255]))
    skip = bytes([0x5B])  # the JUMPDEST, placed after the body: its offset is patched in
    head = _push(condition) + b"\x61\x00\x00\x57"  # PUSH2 <target> JUMPI
    return head + body + skip


@st.composite
def loops(draw: st.DrawFn) -> bytes:
    """A counter from ``n`` down to 0: JUMPDEST, PUSH1 1, SWAP1, SUB, DUP1, PUSH2 <start>,
    JUMPI, POP."""
    count = draw(st.integers(1, 20))
    return _push(count) + b"\x5b\x60\x01\x90\x03\x80\x61\x00\x00\x57\x50"


def steps() -> st.SearchStrategy[bytes]:
    return st.one_of(plain_steps(), branches(), loops())


def assemble(parts: list[bytes]) -> bytes:
    """The parts in a row, each jump's PUSH2 target patched: a branch jumps to its own end,
    a loop back to its own JUMPDEST."""
    code = bytearray()
    for part in parts:
        start = len(code)
        code += part
        if part.endswith(b"\x5b") and b"\x61\x00\x00\x57" in part:  # a branch
            at = start + part.index(b"\x61\x00\x00\x57")
            code[at + 1 : at + 3] = (len(code) - 1).to_bytes(2)
        elif part.endswith(b"\x61\x00\x00\x57\x50"):  # a loop
            at = len(code) - 5
            code[at + 1 : at + 3] = (start + part.index(b"\x5b\x60\x01\x90")).to_bytes(2)
    return bytes(code)


ENDS = st.sampled_from(
    [
        b"\x61\x04\x00\x60\x00\xf3",  # RETURN memory's first 1,024 bytes: the results kept
        b"\x61\x04\x00\x60\x00\xf3",
        b"\x61\x04\x00\x60\x00\xfd",  # REVERT with them
        b"\x61\x04\x00\x60\x00\xfd",
        b"\x60\x07\x60\x03\xfd",
        b"\x00",
        b"",
    ]
)


@define
class FakeState:
    """A contract (``CONTRACT``) running ``program`` over ``slots``, and a funded sender."""

    program: bytes
    slots: dict[int, int] = field(factory=dict)

    def balance(self, address: bytes) -> int:
        return 10**18 if address == SENDER else 0

    def nonce(self, address: bytes) -> int:
        return 0

    def code(self, address: bytes) -> bytes:
        return self.program if address == CONTRACT else b""

    def storage(self, address: bytes, slot: int) -> int:
        return self.slots.get(slot, 0) if address == CONTRACT else 0


def both(code: bytes, data: bytes, slots: dict[int, int], limit: int) -> tuple[Any, Metered]:
    """What the lean interpreter and py-evm's metering say of calling ``code``."""
    state = FakeState(code, slots)
    lean = plain_call(
        state, BLOCK, sender=SENDER, to=CONTRACT, code=code, data=data, energy_limit=limit
    )
    reference = meter_on_pyevm(
        state, BLOCK, sender=SENDER, to=CONTRACT, data=data, value=0, energy_limit=limit
    )
    return lean, reference


SLOTS = st.dictionaries(st.integers(0, 300), st.integers(0, 2**256 - 1), max_size=6)
DATA = st.binary(max_size=100)


@settings(max_examples=400, deadline=None)
@given(st.lists(steps(), min_size=5, max_size=30), ENDS, DATA, SLOTS)
def test_a_well_formed_program_is_metered_as_py_evm_meters_it(
    parts: list[bytes], end: bytes, data: bytes, slots: dict[int, int]
) -> None:
    code = assemble([*parts, end])
    lean, reference = both(code, data, slots, PLENTY)
    assert lean == (reference.energy, reference.output)


@settings(max_examples=300, deadline=None)
@given(st.lists(steps(), max_size=25), ENDS, DATA, SLOTS, st.integers(0, 60_000))
def test_a_run_near_its_limit_is_metered_as_py_evm_meters_it_or_left_to_it(
    parts: list[bytes], end: bytes, data: bytes, slots: dict[int, int], limit: int
) -> None:
    code = assemble([*parts, end])
    lean, reference = both(code, data, slots, limit)
    assert lean is None or (
        lean == (reference.energy, reference.output) and not reference.out_of_energy
    )


@pytest.mark.parametrize("op", sorted(RESULTS), ids=hex)
@settings(max_examples=120, deadline=None)
@given(inputs=st.lists(WORDS, min_size=3, max_size=3))
def test_each_instruction_leaves_the_word_py_evm_leaves(op: int, inputs: list[int]) -> None:
    pushed = b"".join(_push(value) for value in reversed(inputs[: INPUTS[op]]))
    code = pushed + bytes([op]) + b"\x60\x00\x52\x60\x20\x60\x00\xf3"  # RETURN the word
    lean, reference = both(code, b"\x01" * 40, {}, PLENTY)
    assert lean == (reference.energy, reference.output)


@pytest.mark.filterwarnings("ignore:SELFDESTRUCT opcode:DeprecationWarning")  # py-evm's, on it
@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=80), DATA, SLOTS)
def test_random_bytes_are_metered_as_py_evm_meters_them_or_left_to_it(
    code: bytes, data: bytes, slots: dict[int, int]
) -> None:
    lean, reference = both(code, data, slots, PLENTY)
    assert lean is None or lean == (reference.energy, reference.output)


def test_a_trc20_transfer_is_counted_by_the_lean_interpreter() -> None:
    node = LocalTronNode()
    owner = parse_address("TJRabPrwbZy45sbavfcjinPJC18kjpRTv8")
    node.fund(owner, 10**12)
    built = artifact("PaymentToken")
    token = node.tvm
    contract = b"\x41" + b"\x70" * 20
    created = token.create(owner, contract, built.bytecode, 0, PLENTY)
    assert created.succeeded
    mint = bytes.fromhex("40c10f19") + encode(["address", "uint256"], [owner[1:], 10**30])
    assert token.trigger(owner, contract, mint, 0, PLENTY).succeeded
    transfer = bytes.fromhex("a9059cbb") + encode(["address", "uint256"], [b"\x07" * 20, 5])
    lean = plain_call(
        token,
        BLOCK,
        sender=owner[1:],
        to=contract[1:],
        code=token.code(contract),
        data=transfer,
        energy_limit=PLENTY,
    )
    reference = meter_on_pyevm(
        token,
        BLOCK,
        sender=owner[1:],
        to=contract[1:],
        data=transfer,
        value=0,
        energy_limit=PLENTY,
    )
    assert lean == (reference.energy, reference.output)
