"""Deploy the five contracts and wire them: the vault mints the token, the NFT pays royalties to
the distributor."""

from __future__ import annotations

from typing import Any

from dcmx_adapters.evm.abi import to_abi
from dcmx_adapters.evm.artifacts import artifact
from dcmx_adapters.evm.chain import Chain, Reverted
from dcmx_adapters.evm.translate import abi_of, error_from_revert
from dcmx_core.model.platform import Deployment
from dcmx_core.model.values import Address

DEFAULT_BASE_URI = "https://dcmx.local/nft/"


def deploy_contract(chain: Chain, deployer: Address, name: str, *args: Any) -> Address:
    """Deploy the compiled contract ``name`` with constructor ``args``; return its address."""
    data = abi_of(name).deploy_data(artifact(name).bytecode, to_abi(args))
    result = chain.send(deployer, None, data)
    if result.contract_address is None:
        raise RuntimeError(f"deploying {name} created no contract")
    return result.contract_address


def transact(
    chain: Chain, sender: Address, to: Address, name: str, function: str, *args: Any
) -> None:
    """Send one wiring transaction, translating a revert into its domain error."""
    call = abi_of(name).function(function, len(args))
    try:
        chain.send(sender, to, call.encode(to_abi(args)))
    except Reverted as revert:
        raise error_from_revert(revert.data, str(revert)) from None


def deploy_platform(
    chain: Chain, admin: Address, *, base_uri: str = DEFAULT_BASE_URI, tron: bool = False
) -> Deployment:
    """Deploy and wire the five contracts, administered by ``admin`` (who pays and signs).
    ``tron`` makes the NFT call TRC-721's ``onTRC721Received`` on safe transfers."""
    token = deploy_contract(chain, admin, "DCMXToken", admin)
    nft = deploy_contract(chain, admin, "MusicNFT", admin, base_uri, tron)
    compliance = deploy_contract(chain, admin, "ComplianceRegistry", admin)
    rewards = deploy_contract(chain, admin, "RewardVault", admin, token)
    royalties = deploy_contract(chain, admin, "RoyaltyDistributor", admin, nft)
    transact(chain, admin, token, "DCMXToken", "addMinter", rewards)
    transact(chain, admin, nft, "MusicNFT", "setRoyaltyReceiver", royalties)
    return Deployment(chain.chain_id, token, nft, compliance, rewards, royalties)
