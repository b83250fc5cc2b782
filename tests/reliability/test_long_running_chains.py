"""The local chains keep working past 1,024 blocks: revm halted every call with CallTooDeep
once the checkpoints kept for reorganizations passed 1,024 (``dcmx up`` at a block a second
stopped after 17 minutes). Both revm-based chains, the EVM one and the TRON node's TVM, go on,
and can still be reorganized back past those blocks."""

from __future__ import annotations

from dcmx_adapters.evm.revm import RevmChain
from dcmx_core.model.values import Address
from dcmx_devnode.node import LocalTronNode

BLOCKS = 1_100
SOMEONE = Address(b"\x11" * 20)


def test_the_revm_chain_sends_after_more_than_1024_blocks_and_reorganizes_back() -> None:
    chain = RevmChain()
    chain.fund(SOMEONE, 10**18)
    chain.mine(BLOCKS)
    chain.send(SOMEONE, Address(b"\x22" * 20), b"", 1)
    assert chain.balance(Address(b"\x22" * 20)) == 1
    chain.reorganize(BLOCKS + 1)
    assert chain.balance(Address(b"\x22" * 20)) == 0
    chain.send(SOMEONE, Address(b"\x22" * 20), b"", 2)
    assert chain.balance(Address(b"\x22" * 20)) == 2


def test_the_local_tron_node_transfers_after_more_than_1024_blocks() -> None:
    node = LocalTronNode(solidify_depth=BLOCKS + 10)
    for n in range(BLOCKS):
        node.mine(1)  # a checkpoint for each block, and one for each transfer
        node.fund(b"\x41" + bytes([n % 200 + 1]) * 20, 1)
    latecomer = b"\x41" + b"\xee" * 20
    node.mine(1)
    node.fund(latecomer, 5)
    assert node.balance(latecomer) == 5
    node.reorganize(1)
    assert node.balance(latecomer) == 0
