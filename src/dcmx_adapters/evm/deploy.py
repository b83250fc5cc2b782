"""Deploy the five contracts and wire them: the vault mints the token, the NFT pays royalties to
the distributor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from attrs import frozen

from dcmx_adapters.evm.abi import to_abi
from dcmx_adapters.evm.artifacts import artifact
from dcmx_adapters.evm.chain import Chain, Reverted, TxResult
from dcmx_adapters.evm.translate import abi_of, error_from_revert
from dcmx_core.model.platform import Deployment
from dcmx_core.model.values import Address

DEFAULT_BASE_URI = "https://dcmx.local/nft/"


@frozen
class DeployStep:
    """Deploy the compiled contract ``artifact`` as the platform's ``key`` contract, with the
    constructor arguments ``arguments`` gives from the addresses deployed before it."""

    key: str
    artifact: str
    arguments: Callable[[Mapping[str, Address]], tuple[Any, ...]]

    def run(self, chain: Chain, deployer: Address, deployed: Mapping[str, Address]) -> TxResult:
        data = abi_of(self.artifact).deploy_data(
            artifact(self.artifact).bytecode, to_abi(self.arguments(deployed))
        )
        result = chain.send(deployer, None, data)
        if result.contract_address is None:
            raise RuntimeError(f"deploying {self.artifact} created no contract")
        return result


@frozen
class WireStep:
    """Call ``function`` on the ``contract`` deployed before, with the address of ``argument``."""

    key: str
    contract: str
    artifact: str
    function: str
    argument: str

    def run(self, chain: Chain, deployer: Address, deployed: Mapping[str, Address]) -> TxResult:
        call = abi_of(self.artifact).function(self.function, 1)
        data = call.encode(to_abi([deployed[self.argument]]))
        try:
            return chain.send(deployer, deployed[self.contract], data)
        except Reverted as revert:
            raise error_from_revert(revert.data, str(revert)) from None


def platform_steps(
    admin: Address, *, base_uri: str = DEFAULT_BASE_URI, tron: bool = False
) -> tuple[DeployStep | WireStep, ...]:
    """The five contracts to deploy, administered by ``admin``, and the two calls that wire
    them: the reward vault becomes a token minter, the distributor the NFT's royalty receiver.
    ``tron`` makes the NFT call TRC-721's ``onTRC721Received`` on safe transfers."""
    return (
        DeployStep("token", "DCMXToken", lambda _: (admin,)),
        DeployStep("music_nft", "MusicNFT", lambda _: (admin, base_uri, tron)),
        DeployStep("compliance", "ComplianceRegistry", lambda _: (admin,)),
        DeployStep("rewards", "RewardVault", lambda done: (admin, done["token"])),
        DeployStep("royalties", "RoyaltyDistributor", lambda done: (admin, done["music_nft"])),
        WireStep("token.addMinter", "token", "DCMXToken", "addMinter", "rewards"),
        WireStep(
            "music_nft.setRoyaltyReceiver",
            "music_nft",
            "MusicNFT",
            "setRoyaltyReceiver",
            "royalties",
        ),
    )


CONTRACTS: Final = ("token", "music_nft", "compliance", "rewards", "royalties")
"""The platform's contracts, in the order of ``Deployment``'s addresses."""


def deploy_contract(chain: Chain, deployer: Address, name: str, *args: Any) -> Address:
    """Deploy the compiled contract ``name`` with constructor ``args``; return its address."""
    result = DeployStep(name, name, lambda _: args).run(chain, deployer, {})
    assert result.contract_address is not None
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
    deployed: dict[str, Address] = {}
    for step in platform_steps(admin, base_uri=base_uri, tron=tron):
        result = step.run(chain, admin, deployed)
        if isinstance(step, DeployStep):
            assert result.contract_address is not None
            deployed[step.key] = result.contract_address
    return Deployment(chain.chain_id, *(deployed[key] for key in CONTRACTS))
