"""The ``Ledger`` port on TRON: the EVM ledger on a ``TronChain``, the same contracts, commands,
decoding and errors, with what TRON adds (bandwidth in receipts, the solidified head).

``tron_ledger(network, clock=...)`` is what the container asks for: ``local`` is a fresh local
node in this process with the five contracts deployed by a new operator key; ``shasta``,
``nile``, ``mainnet`` (tronpy's URLs for them) or any http(s) URL reach a real node, with the
signing key from ``DCMX_TRON_PRIVATE_KEY`` (none: read only), TronGrid's API key from
``DCMX_TRON_API_KEY`` and the contracts' addresses from the JSON file ``DCMX_TRON_DEPLOYMENT``.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from attrs import frozen
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.defaults import conf_for_name  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]
from tronpy.providers import HTTPProvider  # type: ignore[import-untyped]

from dcmx_adapters.block_time import BlockTime
from dcmx_adapters.evm.chain import TxResult
from dcmx_adapters.evm.deploy import DEFAULT_BASE_URI, deploy_platform
from dcmx_adapters.evm.ledger import EvmLedger
from dcmx_adapters.tron.chain import (
    DEFAULT_DEPLOY_FEE_LIMIT,
    DEFAULT_FEE_LIMIT,
    TronChain,
    TronTxResult,
)
from dcmx_adapters.tron.node import SOLIDIFY_DEPTH
from dcmx_core.events import DomainEvent
from dcmx_core.model.platform import Deployment
from dcmx_core.model.values import ZERO_ADDRESS, Address
from dcmx_core.ports import Block, Clock, EventBatch, Receipt

NETWORKS: Final = ("local", "shasta", "nile", "mainnet")
PRIVATE_KEY_VARIABLE: Final = "DCMX_TRON_PRIVATE_KEY"
API_KEY_VARIABLE: Final = "DCMX_TRON_API_KEY"
DEPLOYMENT_VARIABLE: Final = "DCMX_TRON_DEPLOYMENT"
DEPLOYMENT_CONTRACTS: Final = ("token", "music_nft", "compliance", "rewards", "royalties")
OPERATOR_FUNDS: Final = 10**22
"""Sun the local node gives the operator who deploys the platform."""


@frozen
class TronReceipt(Receipt):
    """A receipt with what TRON charges besides energy (``gas_used``)."""

    bandwidth: int = 0
    """Bytes of bandwidth the transaction used."""
    fee: int = 0
    """Sun the transaction burned (energy and bandwidth it had no stake for)."""


class TronLedger(EvmLedger):
    """The EVM ledger on TRON (a ``DevLedger`` on the local node)."""

    def __init__(
        self, chain: TronChain, deployment: Deployment, *, admin: Address, clock: Clock
    ) -> None:
        super().__init__(chain, deployment, admin=admin, clock=clock)
        self._tron = chain

    @property
    def tron(self) -> TronChain:
        return self._tron

    def _receipt(self, result: TxResult, events: tuple[DomainEvent, ...]) -> Receipt:
        bandwidth = result.bandwidth if isinstance(result, TronTxResult) else 0
        return TronReceipt(
            result.tx_id,
            result.block_number,
            result.block_hash,
            events,
            result.gas_used,
            bandwidth=bandwidth,
            fee=result.fee,
        )

    def solidified_head(self) -> Block:
        """The newest solidified block: final, beyond the reach of any reorganization."""
        return self._tron.solidified_head()

    def solidified(self) -> SolidifiedEvents:
        """The solidified part of the chain as an event source: an indexer reading it never
        meets a reorganization."""
        return SolidifiedEvents(self)

    def read_solidified(self, from_block: int, to_block: int) -> EventBatch:
        """Like ``read``, from the solidified blocks only (``walletsolidity``)."""
        return self._decoder.decode(self._tron.logs(from_block, to_block, solidified=True))


class SolidifiedEvents:
    """An ``EventSource`` over a TRON ledger's solidified blocks."""

    def __init__(self, ledger: TronLedger) -> None:
        self._ledger = ledger

    def head(self) -> Block:
        return self._ledger.solidified_head()

    def block(self, number: int) -> Block:
        return self._ledger.tron.solidified_block(number)

    def read(self, from_block: int, to_block: int) -> EventBatch:
        return self._ledger.read_solidified(from_block, to_block)


def local_tron_ledger(
    admin: Address,
    clock: Clock,
    *,
    keys: Mapping[Address, bytes],
    base_uri: str = DEFAULT_BASE_URI,
    solidify_depth: int = SOLIDIFY_DEPTH,
    fee_limit: int = DEFAULT_FEE_LIMIT,
    deploy_fee_limit: int = DEFAULT_DEPLOY_FEE_LIMIT,
) -> TronLedger:
    """A fresh local TRON node in this process with the platform deployed by ``admin``, reached
    through tronpy. TRON checks every signature: ``keys`` holds the key of every sender,
    ``admin`` included."""
    if admin not in keys:
        raise LookupError(f"no key for the admin {admin.to_base58()}: it signs the deployment")
    chain = TronChain.local(
        keys, solidify_depth=solidify_depth, fee_limit=fee_limit, deploy_fee_limit=deploy_fee_limit
    )
    chain.fund(admin, OPERATOR_FUNDS)
    chain.set_next_timestamp(BlockTime(clock).next(chain.head().timestamp))
    deployment = deploy_platform(chain, admin, base_uri=base_uri, tron=True)
    return TronLedger(chain, deployment, admin=admin, clock=clock)


def tron_ledger(
    network: str,
    *,
    clock: Clock,
    environ: Mapping[str, str] | None = None,
    fee_limit: int = DEFAULT_FEE_LIMIT,
    deploy_fee_limit: int = DEFAULT_DEPLOY_FEE_LIMIT,
) -> TronLedger:
    """The platform on the TRON ``network``: ``local``, ``shasta``, ``nile``, ``mainnet`` or an
    http(s) URL of a node. ``environ`` (the process's environment by default) holds the key,
    API key and deployment file of a real network."""
    if network == "local":
        key = secrets.token_bytes(32)
        operator = address_of_key(key)
        return local_tron_ledger(
            operator,
            clock,
            keys={operator: key},
            fee_limit=fee_limit,
            deploy_fee_limit=deploy_fee_limit,
        )
    environ = os.environ if environ is None else environ
    url = node_url(network)
    addresses = deployment_from_file(environ.get(DEPLOYMENT_VARIABLE, ""))
    keys: dict[Address, bytes] = {}
    admin = ZERO_ADDRESS
    secret = environ.get(PRIVATE_KEY_VARIABLE, "").strip()
    if secret:
        key = private_key_from(secret)
        admin = address_of_key(key)
        keys[admin] = key
    provider = HTTPProvider(url, api_key=environ.get(API_KEY_VARIABLE) or None)
    chain = TronChain(
        Tron(provider=provider), keys, fee_limit=fee_limit, deploy_fee_limit=deploy_fee_limit
    )
    deployment = Deployment(chain.chain_id, *addresses)
    return TronLedger(chain, deployment, admin=admin, clock=clock)


def node_url(network: str) -> str:
    """The HTTP API of a named network (tronpy's URL for it), or the URL given."""
    if network.startswith(("http://", "https://")):
        return network
    known = conf_for_name(network) if network in NETWORKS else None
    if known is None:
        raise ValueError(
            f"unknown TRON network {network!r}: use local, shasta, nile, mainnet or a URL"
        )
    return str(known["fullnode"])


def private_key_from(text: str) -> bytes:
    """A private key given as 64 hex digits (the message never repeats it)."""
    try:
        key = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError(f"{PRIVATE_KEY_VARIABLE} must be a private key of 64 hex digits")
    return key


def address_of_key(key: bytes) -> Address:
    return Address(bytes.fromhex(PrivateKey(key).public_key.to_hex_address())[1:])


def deployment_from_file(path: str) -> tuple[Address, ...]:
    """The five contracts' addresses (token, NFT, compliance, rewards, royalties) from a JSON
    file naming each, base58check ``T…`` or hex."""
    accepts = (
        f"{DEPLOYMENT_VARIABLE} must be the path of a JSON file naming the contracts' "
        "addresses: {" + ", ".join(f'"{name}": "T…"' for name in DEPLOYMENT_CONTRACTS) + "}"
    )
    if not path.strip():
        raise ValueError(accepts)
    try:
        data = json.loads(Path(path.strip()).expanduser().read_text(encoding="utf-8"))
        return tuple(Address.parse(data[name]) for name in DEPLOYMENT_CONTRACTS)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{accepts} ({type(error).__name__})") from None
