"""The local node in this process, as a chain the tronpy adapter drives: the node answers
tronpy's requests without a socket (``provider.py``), and the chain's development operations
(funding, block times, mining, taking blocks back, reorganizing) act on the node directly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from attrs import define
from tronpy import Tron  # type: ignore[import-untyped]

from dcmx_adapters.block_time import BlockTime
from dcmx_adapters.evm.deploy import DEFAULT_BASE_URI, deploy_platform
from dcmx_adapters.signing import KeySigner
from dcmx_adapters.tron import fees
from dcmx_adapters.tron.chain import DEFAULT_DEPLOY_FEE_LIMIT, DEFAULT_FEE_LIMIT, TronChain
from dcmx_adapters.tron.ledger import TronLedger
from dcmx_core.model.signing import Signer
from dcmx_core.model.values import Address
from dcmx_core.ports import Clock
from dcmx_devnode.node import SOLIDIFY_DEPTH, LocalTronNode
from dcmx_devnode.provider import LocalTronProvider

OPERATOR_FUNDS: Final = 10**22
"""Sun the local node gives the operator who deploys the platform."""
FREE_IN_PROCESS: Final = True
"""Whether the in-process ledger's node (tests, the demo, ``dcmx up --chain tron``) charges
nothing unless asked to charge. The node counts TVM energy now, so the energy table's fee limits
hold on it; what is left before this turns to False is funding every account those runs use for
its bandwidth, account-creation and energy fees. ``dcmx node`` charges by default."""


@define
class NodeTime:
    """The local node's clock: it stands where the chain last set it, so that blocks carry the
    ledger's block times rather than the wall clock's."""

    seconds: float = 0.0

    def __call__(self) -> float:
        return self.seconds


class LocalNode:
    """The local node and its clock, as the adapter's ``DevelopmentNode``."""

    def __init__(self, node: LocalTronNode, time: NodeTime) -> None:
        self.node = node
        self._time = time

    def set_time(self, seconds: float) -> None:
        self._time.seconds = seconds

    def next_timestamp(self) -> int:
        return self.node.next_timestamp()

    def head_number(self) -> int:
        return self.node.head.number

    def head_time(self) -> int:
        return self.node.head.timestamp

    def solid_number(self) -> int:
        return self.node.solid_number

    def drop_head(self) -> None:
        self.node.drop_head()

    def fund(self, address: bytes, amount: int) -> None:
        self.node.fund(address, amount)

    def mine(self, blocks: int) -> None:
        self.node.mine(blocks)

    def reorganize(self, depth: int) -> None:
        self.node.reorganize(depth)


def local_chain(
    signers: Iterable[Signer] = (),
    *,
    solidify_depth: int = SOLIDIFY_DEPTH,
    fee_limit: int = DEFAULT_FEE_LIMIT,
    deploy_fee_limit: int = DEFAULT_DEPLOY_FEE_LIMIT,
    fee_limits: fees.FeeLimits | None = None,
    free: bool = FREE_IN_PROCESS,
) -> TronChain:
    """A fresh local TRON node in this process, reached through tronpy's own client; it
    charges nothing when ``free``, else what TRON mainnet charges."""
    time = NodeTime()
    node = LocalTronNode(solidify_depth=solidify_depth, clock=time, free=free)
    return TronChain(
        Tron(provider=LocalTronProvider(node)),
        signers,
        fee_limit=fee_limit,
        deploy_fee_limit=deploy_fee_limit,
        fee_limits=fee_limits,
        local=LocalNode(node, time),
        poll_seconds=0.01,
    )


def local_tron_ledger(
    admin: Address,
    clock: Clock,
    *,
    signers: Iterable[Signer],
    base_uri: str = DEFAULT_BASE_URI,
    solidify_depth: int = SOLIDIFY_DEPTH,
    fee_limit: int = DEFAULT_FEE_LIMIT,
    deploy_fee_limit: int = DEFAULT_DEPLOY_FEE_LIMIT,
    fee_limits: fees.FeeLimits | None = None,
    free: bool = FREE_IN_PROCESS,
) -> TronLedger:
    """A fresh local TRON node in this process with the platform deployed by ``admin``, reached
    through tronpy. TRON checks every signature: ``signers`` sign for every sender, ``admin``
    included. The node charges nothing when ``free``, else what mainnet charges."""
    signers = list(signers)
    if admin not in {signer.address for signer in signers}:
        raise LookupError(f"no key for the admin {admin.to_base58()}: it signs the deployment")
    chain = local_chain(
        signers,
        solidify_depth=solidify_depth,
        fee_limit=fee_limit,
        deploy_fee_limit=deploy_fee_limit,
        fee_limits=fee_limits,
        free=free,
    )
    chain.fund(admin, OPERATOR_FUNDS)
    chain.set_next_timestamp(BlockTime(clock).next(chain.head().timestamp))
    deployment = deploy_platform(chain, admin, base_uri=base_uri, tron=True)
    return TronLedger(chain, deployment, admin=admin, clock=clock)


def local_node_of(ledger: TronLedger) -> LocalTronNode:
    """The in-process node under a ledger made by ``local_tron_ledger``."""
    chain = ledger.chain
    local = chain.dev if isinstance(chain, TronChain) else None
    if not isinstance(local, LocalNode):
        raise TypeError("the ledger is not on a local node in this process")
    return local.node


def fresh_tron_ledger(
    clock: Clock,
    operator: Signer | None,
    others: Iterable[Signer] = (),
    *,
    fee_limits: fees.FeeLimits | None = None,
) -> TronLedger:
    """The platform on a fresh local node, deployed by ``operator`` (a new key without one)."""
    deployer = operator or KeySigner.random()
    return local_tron_ledger(
        deployer.address, clock, signers=[deployer, *others], fee_limits=fee_limits
    )
