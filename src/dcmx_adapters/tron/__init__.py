"""TRON: a local node that speaks java-tron's HTTP API and runs contracts on revm, and the
tronpy provider that reaches it in process."""

from dcmx_adapters.tron.node import LocalTronNode
from dcmx_adapters.tron.provider import LocalTronProvider, serve
from dcmx_adapters.tron.transaction import Refused

__all__ = ["LocalTronNode", "LocalTronProvider", "Refused", "serve"]
