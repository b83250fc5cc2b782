"""``dcmx deploy``: the five contracts on a real network (TRON or any EVM JSON-RPC node), step by
step, every step recorded in the network's deployment file so that a stopped run resumes."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer
from attrs import frozen

from dcmx_core.model.signing import Signer
from dcmx_entrypoints.failures import CommandFailed

if TYPE_CHECKING:  # web3, tronpy and the deployer load when a deployment runs
    from dcmx_adapters.deployment import Outcome
    from dcmx_adapters.tron.chain import TronChain
    from dcmx_entrypoints.settings import Settings

LOCAL_TRON_NODE: Final = "http://127.0.0.1:8090"
"""``--network local``: a TRON node on this machine, at java-tron's HTTP API port."""
TRON_NETWORKS: Final = ("shasta", "nile", "mainnet", "local")
EVM_MAINNET: Final = 1
DEFAULT_BASE_URI: Final = "https://dcmx.local/nft/"
"""The NFT's base token URI when ``--base-uri`` gives none: the deployer's own default
(``dcmx_adapters.evm.deploy.DEFAULT_BASE_URI``; a test holds the two together)."""


class ChainChoice(StrEnum):
    tron = "tron"
    evm = "evm"


def deploy(
    chain: Annotated[ChainChoice, typer.Option(help="The kind of chain to deploy on.")],
    network: Annotated[
        str | None,
        typer.Option(
            help="TRON: shasta, nile, mainnet, local (a node on this machine at "
            "http://127.0.0.1:8090) or a node's http(s) URL."
        ),
    ] = None,
    rpc: Annotated[str | None, typer.Option(help="EVM: the node's JSON-RPC URL.")] = None,
    yes_mainnet: Annotated[
        bool, typer.Option("--yes-mainnet", help="Deploy on a mainnet (real money).")
    ] = False,
    redeploy: Annotated[
        bool,
        typer.Option(help="Deploy everything again (the earlier file is kept beside the new)."),
    ] = False,
    file: Annotated[
        Path | None,
        typer.Option(help="The deployment file (default: deployments/ in the data directory)."),
    ] = None,
    base_uri: Annotated[str, typer.Option(help="The NFT's base token URI.")] = DEFAULT_BASE_URI,
    confirmations: Annotated[
        int,
        typer.Option(
            min=0,
            help="EVM: blocks on top of a step's block before it counts (TRON waits for "
            "solidification).",
        ),
    ] = 0,
    timeout: Annotated[
        float, typer.Option(min=1, help="Seconds to wait for each step's confirmation.")
    ] = 180.0,
) -> None:
    """Deploy and wire the five contracts, check their code, and write the deployment file
    the settings read (DCMX_TRON_DEPLOYMENT / DCMX_EVM_DEPLOYMENT); a stopped run resumes."""
    if chain is ChainChoice.tron and (network is None or rpc is not None):
        raise typer.BadParameter("--chain tron takes --network (not --rpc)")
    if chain is ChainChoice.evm and (rpc is None or network is not None):
        raise typer.BadParameter("--chain evm takes --rpc URL (not --network)")
    if network == "mainnet" and not yes_mainnet:
        raise typer.BadParameter("--network mainnet spends real TRX: add --yes-mainnet")
    request = DeployRequest(
        chain, network, rpc, yes_mainnet, redeploy, file, base_uri, confirmations, timeout
    )
    import requests

    from dcmx_adapters.deployment import DeploymentRefused, NotConfirmed
    from dcmx_adapters.evm.chain import Reverted
    from dcmx_entrypoints.settings import Settings

    try:
        outcome = _deploy(Settings.load(), request)
    except (DeploymentRefused, NotConfirmed) as refused:
        raise CommandFailed(str(refused)) from None
    except Reverted as reverted:
        raise CommandFailed(f"a deployment transaction failed: {reverted}") from None
    except requests.RequestException as error:
        raise CommandFailed(f"cannot reach the node: {type(error).__name__}") from None
    variable = "DCMX_TRON_DEPLOYMENT" if chain is ChainChoice.tron else "DCMX_EVM_DEPLOYMENT"
    state = "complete" if outcome.deployment is not None else "incomplete"
    typer.echo(f"deployment {state}: {outcome.path}")
    typer.echo(f"{variable}={outcome.path}")


@frozen
class DeployRequest:
    """What ``dcmx deploy`` was asked to do."""

    chain: ChainChoice
    network: str | None
    rpc: str | None
    yes_mainnet: bool
    redeploy: bool
    file: Path | None
    base_uri: str
    confirmations: int
    timeout: float


def _deploy(settings: Settings, request: DeployRequest) -> Outcome:
    from web3 import HTTPProvider, Web3

    from dcmx_adapters.deployment import Confirmation, Deployer
    from dcmx_adapters.evm.chain import Chain, Web3Chain
    from dcmx_entrypoints.container import OPERATOR_KEY_SETTINGS, terminal_password
    from dcmx_entrypoints.settings import LedgerKind

    tron_chain = request.chain is ChainChoice.tron
    kind = LedgerKind.TRON if tron_chain else LedgerKind.EVM
    signer = settings.operator_signer(kind, prompt=terminal_password)
    if signer is None:
        where = "DCMX_TRON_PRIVATE_KEY, " if tron_chain else ""
        raise CommandFailed(f"no key to deploy with: set {where}{OPERATOR_KEY_SETTINGS}")
    deployer = signer.address
    target: Chain
    if request.network is not None:
        tron = _tron_chain(settings, request.network, signer)
        target, name = tron, _tron_name(request.network, tron.chain_id)
        confirmation = Confirmation(tron.solidified_head, 0, request.timeout)
    else:
        target = Web3Chain(Web3(HTTPProvider(request.rpc)), [signer])
        if target.chain_id == EVM_MAINNET and not request.yes_mainnet:
            raise typer.BadParameter("chain 1 is Ethereum mainnet (real ether): add --yes-mainnet")
        name = f"evm-{target.chain_id}"
        confirmation = Confirmation(target.head, request.confirmations, request.timeout)
    path = request.file or settings.data_dir / "deployments" / f"{name}.json"
    return Deployer(
        target,
        deployer,
        path,
        chain_kind=request.chain.value,
        network=request.network or request.rpc or "",
        confirmation=confirmation,
        base_uri=request.base_uri,
        report=typer.echo,
    ).run(redeploy=request.redeploy)


def _tron_chain(settings: Settings, network: str, signer: Signer) -> TronChain:
    from tronpy import Tron  # type: ignore[import-untyped]
    from tronpy.providers import HTTPProvider as TronHttp  # type: ignore[import-untyped]

    from dcmx_adapters.tron import fees
    from dcmx_adapters.tron.chain import TronChain
    from dcmx_adapters.tron.ledger import node_url

    if network not in TRON_NETWORKS and not network.startswith(("http://", "https://")):
        raise typer.BadParameter(
            f"--network {network!r}: use shasta, nile, mainnet, local or an http(s) URL"
        )
    url = LOCAL_TRON_NODE if network == "local" else node_url(network)
    api_key = settings.tron_api_key.value if settings.tron_api_key is not None else None
    limits = fees.fee_limits(
        energy_price=settings.tron_energy_price, margin=settings.tron_fee_limit_margin
    )
    return TronChain(Tron(provider=TronHttp(url, api_key=api_key)), [signer], fee_limits=limits)


def _tron_name(network: str, chain_id: int) -> str:
    """``tron-shasta``; a node given by URL is named by its chain id."""
    return f"tron-{network}" if network in TRON_NETWORKS else f"tron-{chain_id}"


def register(app: typer.Typer) -> None:
    """Add ``deploy`` to the ``dcmx`` command."""
    app.command()(deploy)
