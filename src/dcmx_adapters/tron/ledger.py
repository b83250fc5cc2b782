"""The ``Ledger`` port on TRON: the EVM ledger on a ``TronChain``, the same contracts, commands,
decoding and errors, with what TRON adds (bandwidth in receipts, the solidified head).

``tron_ledger(network, clock=...)`` is what the container asks for: ``local`` is a fresh local
node in this process with the five contracts deployed by a new operator key; ``shasta``,
``nile``, ``mainnet`` (tronpy's URLs for them) or any http(s) URL reach a real node, with the
signing key, TronGrid's API key, the contracts' addresses, the energy price and the fee limits'
margin the container passes from the settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Final, cast

from attrs import frozen
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.defaults import conf_for_name  # type: ignore[import-untyped]
from tronpy.providers import HTTPProvider  # type: ignore[import-untyped]

from dcmx_adapters.evm.chain import Reverted, TxResult
from dcmx_adapters.evm.ledger import EvmLedger
from dcmx_adapters.evm.translate import error_from_revert
from dcmx_adapters.evm.wallet import RelayRefused
from dcmx_adapters.tron import fees
from dcmx_adapters.tron.blocks import address_from_tron
from dcmx_adapters.tron.chain import (
    DEFAULT_DEPLOY_FEE_LIMIT,
    AccountResources,
    TronChain,
    TronTxResult,
)
from dcmx_core.events import DomainEvent
from dcmx_core.exceptions import InvalidAddress
from dcmx_core.model.platform import Deployment
from dcmx_core.model.signing import Signer
from dcmx_core.model.values import ZERO_ADDRESS, Address
from dcmx_core.ports import Block, Clock, EventBatch, Receipt

NETWORKS: Final = ("local", "shasta", "nile", "mainnet")
DEPLOYMENT_CONTRACTS: Final = ("token", "music_nft", "compliance", "rewards", "royalties")


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

    def relay(self, signed: object) -> Receipt:
        """Broadcast a transaction the user's wallet signed (java-tron's JSON, with its
        ``signature``) and wait for it: only a call of one of the platform's contracts (or
        an approval of the distributor by a payment token); its receipt, or the rule that
        refused it."""
        call = _signed_call(signed)
        if not self._calls_platform(call.to, call.data):
            raise RelayRefused("the transaction calls no contract of the platform")
        try:
            result = self._tron.broadcast_signed(cast(Mapping[str, Any], signed))
        except Reverted as revert:
            raise error_from_revert(revert.data, str(revert)) from None
        return self._receipt(result, self._decoder.decode(result.logs).events)

    def resources(self, account: Address) -> AccountResources:
        """The energy and bandwidth ``account`` has left before its transactions burn TRX."""
        return self._tron.resources(account)

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


@frozen
class _Call:
    to: Address
    data: bytes


def _signed_call(signed: object) -> _Call:
    """The contract call a signed TRON transaction makes; refused unless it is one signed
    ``TriggerSmartContract``."""
    refused = RelayRefused(
        "a signed TRON transaction: java-tron's JSON with raw_data, txID and signature, "
        "calling a contract (TriggerSmartContract)"
    )
    if not isinstance(signed, Mapping) or not signed.get("signature"):
        raise refused
    try:
        [contract] = signed["raw_data"]["contract"]
        value = contract["parameter"]["value"]
        call = _Call(
            address_from_tron(str(value["contract_address"])), bytes.fromhex(value["data"])
        )
    except (KeyError, TypeError, ValueError, InvalidAddress):
        raise refused from None
    if contract.get("type") != "TriggerSmartContract":
        raise refused
    return call


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


def tron_ledger(
    network: str,
    *,
    clock: Clock,
    operator: Signer | None = None,
    api_key: str | None = None,
    deployment: Sequence[Address] | None = None,
    energy_price: int = fees.DEFAULT_ENERGY_PRICE,
    fee_limit_margin: Fraction = fees.DEFAULT_MARGIN,
    deploy_fee_limit: int = DEFAULT_DEPLOY_FEE_LIMIT,
) -> TronLedger:
    """The platform on the TRON ``network``: ``shasta``, ``nile``, ``mainnet`` or an http(s)
    URL of a node, where the five contracts are (``deployment``, in ``DEPLOYMENT_CONTRACTS``
    order); ``operator`` signs as the operator (none: read only); ``api_key`` is TronGrid's.
    Calls get the energy table's fee limits at ``energy_price`` sun an energy with
    ``fee_limit_margin``. (A local node in this process is ``dcmx_devnode.local``'s.)"""
    limits = fees.fee_limits(energy_price=energy_price, margin=fee_limit_margin)
    url = node_url(network)
    if deployment is None or len(deployment) != len(DEPLOYMENT_CONTRACTS):
        raise ValueError(
            f"the TRON network {network} needs the addresses of the five contracts: "
            + ", ".join(DEPLOYMENT_CONTRACTS)
        )
    chain = TronChain(
        Tron(provider=HTTPProvider(url, api_key=api_key or None)),
        [operator] if operator is not None else [],
        fee_limits=limits,
        deploy_fee_limit=deploy_fee_limit,
    )
    admin = operator.address if operator is not None else ZERO_ADDRESS
    return TronLedger(chain, Deployment(chain.chain_id, *deployment), admin=admin, clock=clock)


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
