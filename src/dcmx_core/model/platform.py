"""The five contracts as one state: what each command does, including the calls between
contracts (the vault mints through the token; the distributor moves editions and money).

This is the reference execution of every rule. The in-memory ledger runs it directly; the chain
ledgers run the Solidity contracts, and the differential tests hold the two to the same events.
"""

from __future__ import annotations

from functools import singledispatchmethod

from attrs import define, field, frozen

from dcmx_core import commands as c
from dcmx_core.events import DomainEvent
from dcmx_core.exceptions import InsufficientBalance, UnsupportedCurrency
from dcmx_core.model.admin import Administration
from dcmx_core.model.compliance import ComplianceRegistry, Signed
from dcmx_core.model.distributor import NATIVE, RoyaltyDistributor
from dcmx_core.model.enums import Contract
from dcmx_core.model.nft import MusicNft
from dcmx_core.model.rewards import RewardVault
from dcmx_core.model.signing import Crypto
from dcmx_core.model.token import DcmxToken, Erc20
from dcmx_core.model.values import Address, check_amount


@frozen
class Deployment:
    """Where the five contracts live on one chain."""

    chain_id: int
    token: Address
    music_nft: Address
    compliance: Address
    rewards: Address
    royalties: Address

    def address_of(self, contract: Contract) -> Address:
        return {
            Contract.TOKEN: self.token,
            Contract.MUSIC_NFT: self.music_nft,
            Contract.COMPLIANCE: self.compliance,
            Contract.REWARDS: self.rewards,
            Contract.ROYALTIES: self.royalties,
        }[contract]

    @property
    def addresses(self) -> tuple[Address, ...]:
        return (self.token, self.music_nft, self.compliance, self.rewards, self.royalties)


@frozen
class _Call:
    """Who is calling and when: what every command's execution may read of its context."""

    sender: Address
    now: int
    crypto: Crypto


@define
class Platform:
    """Every contract's state, the native coin's balances, and the other tokens on the chain."""

    deployment: Deployment
    token: DcmxToken
    nft: MusicNft
    compliance: ComplianceRegistry
    rewards: RewardVault
    royalties: RoyaltyDistributor
    native: dict[Address, int] = field(factory=dict)
    payment_tokens: dict[Address, Erc20] = field(factory=dict)
    # Contract accounts other than ours, and whether each accepts safe NFT transfers.
    receivers: dict[Address, bool] = field(factory=dict)

    @classmethod
    def deploy(cls, admin: Address, deployment: Deployment, base_uri: str) -> Platform:
        """The five contracts as a fresh deployment leaves them: ``admin`` administers all of
        them, and the reward vault is the token's first minter."""
        token = DcmxToken.deploy(admin)
        token.minters.add(deployment.rewards)
        nft = MusicNft.deploy(admin, deployment.royalties, base_uri)
        return cls(
            deployment,
            token,
            nft,
            ComplianceRegistry.deploy(admin, deployment.compliance, deployment.chain_id),
            RewardVault.deploy(admin, deployment.rewards, token),
            RoyaltyDistributor.deploy(admin, deployment.royalties, nft),
        )

    # --- coins and tokens -------------------------------------------------------------------

    def native_balance(self, account: Address) -> int:
        return self.native.get(account, 0)

    def move_native(self, sender: Address, recipient: Address, amount: int) -> None:
        """Move native coin (what a call's value does before the contract runs)."""
        check_amount("value", amount)
        if self.native_balance(sender) < amount:
            raise InsufficientBalance(sender, amount, self.native_balance(sender))
        self.native[sender] = self.native_balance(sender) - amount
        self.native[recipient] = self.native_balance(recipient) + amount

    def erc20(self, currency: Address) -> Erc20:
        if currency == self.deployment.token:
            return self.token
        try:
            return self.payment_tokens[currency]
        except KeyError:
            raise UnsupportedCurrency(currency) from None

    def balance_in(self, currency: Address, account: Address) -> int:
        """``account``'s balance of the native coin (``NATIVE``) or of a token."""
        if currency == NATIVE:
            return self.native_balance(account)
        return self.erc20(currency).balance_of(account)

    def is_contract(self, account: Address) -> bool:
        return (
            account in self.deployment.addresses
            or account in self.payment_tokens
            or account in self.receivers
        )

    def accepts_nft(
        self, _operator: Address, _owner: Address, to: Address, _token_id: int, _data: bytes
    ) -> bool:
        """ERC-721's receiver check: an account without code accepts; a contract accepts only
        if it says so (none of ours does)."""
        return not self.is_contract(to) or self.receivers.get(to, False)

    # --- Funds, for the distributor ---------------------------------------------------------

    def supports(self, currency: Address) -> bool:
        return (
            currency == NATIVE
            or currency == self.deployment.token
            or (currency in self.payment_tokens)
        )

    def check_pull(self, currency: Address, payer: Address, amount: int) -> None:
        erc20 = self.erc20(currency)
        erc20.check_spend(payer, self.deployment.royalties, amount)
        erc20.check_transfer(payer, self.deployment.royalties, amount)

    def pull(self, currency: Address, payer: Address, amount: int) -> tuple[list[DomainEvent], int]:
        here = self.deployment.royalties
        erc20 = self.erc20(currency)
        before = erc20.balance_of(here)
        events = erc20.transfer_from(here, payer, here, amount)
        return self._ours(currency, events), erc20.balance_of(here) - before

    def push(self, currency: Address, recipient: Address, amount: int) -> list[DomainEvent]:
        here = self.deployment.royalties
        if currency == NATIVE:
            self.move_native(here, recipient, amount)
            return []
        return self._ours(currency, self.erc20(currency).transfer(here, recipient, amount))

    def _ours(self, currency: Address, events: list[DomainEvent]) -> list[DomainEvent]:
        """Only the DCMX token's own transfers are DCMX events."""
        return events if currency == self.deployment.token else []

    # --- commands ---------------------------------------------------------------------------

    def execute(
        self, sender: Address, command: c.Command, *, now: int, crypto: Crypto
    ) -> list[DomainEvent]:
        """Run one command for ``sender`` at block time ``now``; return its events in order.
        A refused command raises its domain error and changes nothing."""
        value = getattr(command, "value", 0)
        if value:
            self.move_native(sender, self.deployment.royalties, value)
        try:
            return self._run(command, _Call(sender, now, crypto))
        except Exception:
            if value:
                self.move_native(self.deployment.royalties, sender, value)
            raise

    @singledispatchmethod
    def _run(self, command: c.Command, call: _Call) -> list[DomainEvent]:
        raise TypeError(f"not a command: {command!r}")

    def administration(self, contract: Contract) -> Administration:
        return {
            Contract.TOKEN: self.token.admin,
            Contract.MUSIC_NFT: self.nft.admin,
            Contract.COMPLIANCE: self.compliance.admin,
            Contract.REWARDS: self.rewards.admin,
            Contract.ROYALTIES: self.royalties.admin,
        }[contract]

    @_run.register
    def _(self, command: c.ProposeAdmin, call: _Call) -> list[DomainEvent]:
        return self.administration(command.contract).propose(call.sender, command.proposed)

    @_run.register
    def _(self, command: c.AcceptAdmin, call: _Call) -> list[DomainEvent]:
        return self.administration(command.contract).accept(call.sender)

    # token

    @_run.register
    def _(self, command: c.Transfer, call: _Call) -> list[DomainEvent]:
        return self.token.transfer(call.sender, command.recipient, command.amount)

    @_run.register
    def _(self, command: c.Approve, call: _Call) -> list[DomainEvent]:
        currency = self.deployment.token if command.token is None else command.token
        events = self.erc20(currency).approve(call.sender, command.spender, command.amount)
        return self._ours(currency, events)

    @_run.register
    def _(self, command: c.TransferFrom, call: _Call) -> list[DomainEvent]:
        return self.token.transfer_from(
            call.sender, command.owner, command.recipient, command.amount
        )

    @_run.register
    def _(self, command: c.Burn, call: _Call) -> list[DomainEvent]:
        return self.token.burn(call.sender, command.amount)

    @_run.register
    def _(self, command: c.BurnFrom, call: _Call) -> list[DomainEvent]:
        return self.token.burn_from(call.sender, command.owner, command.amount)

    @_run.register
    def _(self, command: c.Mint, call: _Call) -> list[DomainEvent]:
        return self.token.mint(call.sender, command.recipient, command.amount)

    @_run.register
    def _(self, command: c.AddMinter, call: _Call) -> list[DomainEvent]:
        return self.token.add_minter(call.sender, command.account)

    @_run.register
    def _(self, command: c.RemoveMinter, call: _Call) -> list[DomainEvent]:
        return self.token.remove_minter(call.sender, command.account)

    @_run.register
    def _(self, command: c.FinishMinting, call: _Call) -> list[DomainEvent]:
        return self.token.finish_minting(call.sender)

    # music NFT

    @_run.register
    def _(self, command: c.CreateRelease, call: _Call) -> list[DomainEvent]:
        return self.nft.create_release(
            call.sender,
            artist=command.artist,
            title=command.title,
            artist_name=command.artist_name,
            content_hash=command.content_hash,
            max_editions=command.max_editions,
            royalty_bps=command.royalty_bps,
            recipients=command.recipients,
            shares_bps=command.shares_bps,
        )

    @_run.register
    def _(self, command: c.SetRoyaltyReceiver, call: _Call) -> list[DomainEvent]:
        return self.nft.set_royalty_receiver(call.sender, command.receiver)

    @_run.register
    def _(self, command: c.MintEdition, call: _Call) -> list[DomainEvent]:
        return self.nft.mint_edition(call.sender, command.release_id, command.recipient)

    @_run.register
    def _(self, command: c.TransferEdition, call: _Call) -> list[DomainEvent]:
        return self.nft.transfer(
            call.sender,
            command.owner,
            command.recipient,
            command.token_id,
            receiver_check=self.accepts_nft if command.safe else None,
            data=command.data,
        )

    @_run.register
    def _(self, command: c.ApproveEdition, call: _Call) -> list[DomainEvent]:
        return self.nft.approve(call.sender, command.approved, command.token_id)

    @_run.register
    def _(self, command: c.SetOperator, call: _Call) -> list[DomainEvent]:
        return self.nft.set_operator(call.sender, command.operator, command.approved)

    # royalties and sales

    @_run.register
    def _(self, command: c.SetPlatformFee, call: _Call) -> list[DomainEvent]:
        return self.royalties.set_platform_fee(call.sender, command.fee_bps, command.treasury)

    @_run.register
    def _(self, command: c.ListEdition, call: _Call) -> list[DomainEvent]:
        return self.royalties.list_edition(
            call.sender, command.token_id, command.currency, command.price, self
        )

    @_run.register
    def _(self, command: c.CancelListing, call: _Call) -> list[DomainEvent]:
        return self.royalties.cancel_listing(call.sender, command.token_id)

    @_run.register
    def _(self, command: c.BuyEdition, call: _Call) -> list[DomainEvent]:
        return self.royalties.buy(
            call.sender, command.token_id, command.currency, command.price, command.value, self
        )

    @_run.register
    def _(self, command: c.PayRoyalty, call: _Call) -> list[DomainEvent]:
        return self.royalties.pay_royalty(
            call.sender, command.release_id, command.currency, command.amount, command.value, self
        )

    @_run.register
    def _(self, command: c.Withdraw, call: _Call) -> list[DomainEvent]:
        return self.royalties.withdraw(call.sender, command.currency, self)

    # rewards

    @_run.register
    def _(self, command: c.AddVerifier, call: _Call) -> list[DomainEvent]:
        return self.rewards.add_verifier(call.sender, command.account)

    @_run.register
    def _(self, command: c.RemoveVerifier, call: _Call) -> list[DomainEvent]:
        return self.rewards.remove_verifier(call.sender, command.account)

    @_run.register
    def _(self, command: c.ConfigurePool, call: _Call) -> list[DomainEvent]:
        return self.rewards.configure_pool(call.sender, command.pool, command.daily_limit)

    @_run.register
    def _(self, command: c.AllocatePool, call: _Call) -> list[DomainEvent]:
        return self.rewards.allocate_pool(call.sender, command.pool, command.amount)

    @_run.register
    def _(self, command: c.SubmitClaim, call: _Call) -> list[DomainEvent]:
        return self.rewards.submit(
            call.sender, command.pool, command.amount, command.proof_hash, call.now
        )

    @_run.register
    def _(self, command: c.VerifyClaim, call: _Call) -> list[DomainEvent]:
        return self.rewards.verify(call.sender, command.claim_id, command.approved)

    @_run.register
    def _(self, command: c.PayClaim, call: _Call) -> list[DomainEvent]:
        return self.rewards.pay(command.claim_id)

    # compliance

    @_run.register
    def _(self, command: c.RegisterDocument, call: _Call) -> list[DomainEvent]:
        return self.compliance.register_document(
            call.sender, command.doc_type, command.version, command.document_hash
        )

    @_run.register
    def _(self, command: c.AcceptDocument, call: _Call) -> list[DomainEvent]:
        return self.compliance.accept(
            call.sender, command.doc_type, command.version, command.document_hash, call.now
        )

    @_run.register
    def _(self, command: c.RelayAcceptance, call: _Call) -> list[DomainEvent]:
        return self.compliance.relay_acceptance(
            command.user,
            command.doc_type,
            command.version,
            command.document_hash,
            Signed(command.nonce, command.expiry, command.signature),
            call.now,
            call.crypto,
        )

    @_run.register
    def _(self, command: c.RequestDeletion, call: _Call) -> list[DomainEvent]:
        return self.compliance.request_deletion(call.sender, command.regime, call.now)

    @_run.register
    def _(self, command: c.RelayDeletionRequest, call: _Call) -> list[DomainEvent]:
        return self.compliance.relay_deletion_request(
            command.user,
            command.regime,
            Signed(command.nonce, command.expiry, command.signature),
            call.now,
            call.crypto,
        )

    @_run.register
    def _(self, command: c.ProcessDeletion, call: _Call) -> list[DomainEvent]:
        return self.compliance.process_deletion(call.sender, command.request_id, call.now)
