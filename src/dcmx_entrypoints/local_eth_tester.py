"""A local EVM chain on eth-tester's py-evm (``dcmx up --engine eth-tester``), which stamps
every block as a replay of the journal must find it again. Its own module, loaded only for such
a chain: py-evm and web3 take a command about two seconds to import, and a chain on revm needs
neither."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from eth.vm.forks.cancun.state import get_total_blob_gas
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import get_default_genesis_params
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider

from dcmx_adapters.evm.chain import Web3Chain
from dcmx_core.model.signing import Signer


class SeededBackend(PyEVMBackend):  # type: ignore[misc]
    """eth-tester's py-evm with each block's prevrandao derived from its parent's hash (eth-tester
    draws it at random, which would give a replayed block another hash)."""

    def mine_blocks(self, num_blocks: int = 1, coinbase: Any = b"\x00" * 20) -> tuple[bytes, ...]:
        mined = []
        for _ in range(num_blocks):
            parent = self.chain.get_canonical_head().hash
            pending = self.chain.get_block().transactions
            block = self.chain.mine_block(
                coinbase=coinbase,
                mix_hash=hashlib.sha256(b"prevrandao:" + parent).digest(),
                blob_gas_used=sum(get_total_blob_gas(tx) for tx in pending),
            )
            mined.append(block.hash)
        return tuple(mined)


def eth_tester_chain(genesis_time: int, signers: Sequence[Signer]) -> Web3Chain:
    """A fresh eth-tester chain whose genesis block is stamped ``genesis_time``."""
    parameters = get_default_genesis_params({"timestamp": genesis_time})
    tester = EthereumTester(SeededBackend(genesis_parameters=parameters))
    return Web3Chain(Web3(EthereumTesterProvider(tester)), signers)
