"""Token rules: the ERC-20 surface as OpenZeppelin 5 has it, and the DCMX token on top of it.

The DCMX token (name and symbol DCMX, 18 decimals) is capped at one billion tokens. The cap
bounds everything ever minted, not the current supply, so burned tokens can never be minted
again. Only minters the admin authorizes may mint (the reward vault is one), and the admin can
finish minting for good.
"""

from __future__ import annotations

from typing import Final

from attrs import define, field

from dcmx_core.events import (
    AllowanceApproved,
    DomainEvent,
    MinterAdded,
    MinterRemoved,
    MintingFinished,
    TokensTransferred,
)
from dcmx_core.exceptions import (
    AlreadyMinter,
    InsufficientAllowance,
    InsufficientBalance,
    MintingIsFinished,
    NotMinter,
    SupplyCapExceeded,
    UnknownMinter,
    ZeroAddress,
)
from dcmx_core.model.admin import Administration
from dcmx_core.model.enums import Contract
from dcmx_core.model.values import UINT256_MAX, ZERO_ADDRESS, Address, check_amount

NAME: Final = "DCMX"
SYMBOL: Final = "DCMX"
DECIMALS: Final = 18
CAP: Final = 1_000_000_000 * 10**DECIMALS


@define
class Erc20:
    """Balances and allowances of one fungible token. An allowance of 2²⁵⁶ − 1 is infinite:
    spending from it leaves it unchanged."""

    balances: dict[Address, int] = field(factory=dict)
    allowances: dict[tuple[Address, Address], int] = field(factory=dict)
    total_supply: int = 0

    def balance_of(self, account: Address) -> int:
        return self.balances.get(account, 0)

    def allowance(self, owner: Address, spender: Address) -> int:
        return self.allowances.get((owner, spender), 0)

    def transfer(self, sender: Address, recipient: Address, amount: int) -> list[DomainEvent]:
        """Move ``amount`` from the sender to the recipient."""
        self.check_transfer(sender, recipient, amount)
        return self._move(sender, recipient, amount)

    def approve(self, owner: Address, spender: Address, amount: int) -> list[DomainEvent]:
        """Set (not add to) the spender's allowance over the owner's tokens."""
        check_amount("amount", amount)
        if spender.is_zero:
            raise ZeroAddress("spender")
        self.allowances[(owner, spender)] = amount
        return [AllowanceApproved(owner, spender, amount)]

    def transfer_from(
        self, spender: Address, owner: Address, recipient: Address, amount: int
    ) -> list[DomainEvent]:
        """Move the owner's tokens on the strength of the spender's allowance."""
        self.check_spend(owner, spender, amount)
        self.check_transfer(owner, recipient, amount)
        self._spend_allowance(owner, spender, amount)
        return self._move(owner, recipient, amount)

    def check_transfer(self, sender: Address, recipient: Address, amount: int) -> None:
        """Refuse a transfer that would fail, changing nothing."""
        check_amount("amount", amount)
        if sender.is_zero:
            raise ZeroAddress("sender")
        if recipient.is_zero:
            raise ZeroAddress("recipient")
        if self.balance_of(sender) < amount:
            raise InsufficientBalance(sender, amount, self.balance_of(sender))

    def check_spend(self, owner: Address, spender: Address, amount: int) -> None:
        check_amount("amount", amount)
        allowed = self.allowance(owner, spender)
        if allowed < amount:
            raise InsufficientAllowance(spender, amount, allowed)

    def _spend_allowance(self, owner: Address, spender: Address, amount: int) -> None:
        allowed = self.allowance(owner, spender)
        if allowed != UINT256_MAX:
            self.allowances[(owner, spender)] = allowed - amount

    def _move(self, sender: Address, recipient: Address, amount: int) -> list[DomainEvent]:
        self.balances[sender] = self.balance_of(sender) - amount
        self.balances[recipient] = self.balance_of(recipient) + amount
        return [TokensTransferred(sender, recipient, amount)]

    def _create(self, recipient: Address, amount: int) -> list[DomainEvent]:
        self.total_supply += amount
        self.balances[recipient] = self.balance_of(recipient) + amount
        return [TokensTransferred(ZERO_ADDRESS, recipient, amount)]

    def _destroy(self, holder: Address, amount: int) -> list[DomainEvent]:
        self.total_supply -= amount
        self.balances[holder] = self.balance_of(holder) - amount
        return [TokensTransferred(holder, ZERO_ADDRESS, amount)]


@define
class DcmxToken(Erc20):
    """The DCMX utility token: a capped ERC-20 with authorized minters and burning."""

    admin: Administration = field(kw_only=True)
    minters: set[Address] = field(factory=set, kw_only=True)
    total_minted: int = field(default=0, kw_only=True)
    minting_finished: bool = field(default=False, kw_only=True)

    @classmethod
    def deploy(cls, admin: Address) -> DcmxToken:
        """A fresh token with no supply; the deployer administers it."""
        return cls(admin=Administration(Contract.TOKEN, admin))

    def is_minter(self, account: Address) -> bool:
        return account in self.minters

    @property
    def mintable(self) -> int:
        """How much can still be minted before the cap."""
        return CAP - self.total_minted

    def mint(self, sender: Address, recipient: Address, amount: int) -> list[DomainEvent]:
        """A minter creates ``amount`` new tokens for the recipient, within the cap."""
        self.check_mint(sender, recipient, amount)
        self.total_minted += amount
        return self._create(recipient, amount)

    def check_mint(self, sender: Address, recipient: Address, amount: int) -> None:
        check_amount("amount", amount)
        if sender not in self.minters:
            raise NotMinter(sender)
        if self.minting_finished:
            raise MintingIsFinished()
        if recipient.is_zero:
            raise ZeroAddress("recipient")
        if amount > self.mintable:
            raise SupplyCapExceeded(amount, self.mintable)

    def burn(self, sender: Address, amount: int) -> list[DomainEvent]:
        """The holder destroys ``amount`` of their own tokens."""
        self._check_burn(sender, amount)
        return self._destroy(sender, amount)

    def burn_from(self, spender: Address, owner: Address, amount: int) -> list[DomainEvent]:
        """The spender destroys the owner's tokens, within their allowance."""
        self.check_spend(owner, spender, amount)
        self._check_burn(owner, amount)
        self._spend_allowance(owner, spender, amount)
        return self._destroy(owner, amount)

    def _check_burn(self, holder: Address, amount: int) -> None:
        check_amount("amount", amount)
        if holder.is_zero:
            raise ZeroAddress("sender")
        if self.balance_of(holder) < amount:
            raise InsufficientBalance(holder, amount, self.balance_of(holder))

    def add_minter(self, sender: Address, account: Address) -> list[DomainEvent]:
        """The admin authorizes a minter."""
        self.admin.require_admin(sender)
        if account.is_zero:
            raise ZeroAddress("minter")
        if account in self.minters:
            raise AlreadyMinter(account)
        self.minters.add(account)
        return [MinterAdded(account)]

    def remove_minter(self, sender: Address, account: Address) -> list[DomainEvent]:
        """The admin withdraws a minter's authorization."""
        self.admin.require_admin(sender)
        if account not in self.minters:
            raise UnknownMinter(account)
        self.minters.remove(account)
        return [MinterRemoved(account)]

    def finish_minting(self, sender: Address) -> list[DomainEvent]:
        """The admin ends minting; nobody can ever mint again."""
        self.admin.require_admin(sender)
        if self.minting_finished:
            raise MintingIsFinished()
        self.minting_finished = True
        return [MintingFinished()]
