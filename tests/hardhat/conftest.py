"""The Hardhat node of the end-to-end tests against a node nobody here wrote: one per module,
started from the pinned Hardhat in hardhat/ (see tests/hardhat_node.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3
from web3.types import RPCEndpoint

from tests.hardhat_node import HardhatNode, hardhat_node


@pytest.fixture(scope="module")
def node() -> Iterator[HardhatNode]:
    with hardhat_node() as started:
        yield started


@pytest.fixture
def w3(node: HardhatNode) -> Iterator[Web3]:
    """web3.py on the node, the chain rolled back after each test as the eth-tester tests do,
    so that the tests of a module do not see each other's blocks."""
    w3 = Web3(Web3.HTTPProvider(node.url))
    snapshot = w3.provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]
    yield w3
    w3.provider.make_request(RPCEndpoint("evm_revert"), [snapshot])
