"""The platform the distributor tests trade on: Alice's release, buyers with money, and the
helpers that run commands and check refusals."""

from __future__ import annotations

from copy import deepcopy
from typing import TypeVar, cast

import pytest
from attrs import define

from dcmx_core import commands as c
from dcmx_core.events import DomainEvent
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import CreditReason
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.platform import Deployment, Platform
from dcmx_core.model.signing import Crypto
from dcmx_core.model.token import Erc20
from dcmx_core.model.values import Address
from tests.factories import ADMIN, ALICE, BOB, CAROL, DAVE, address, digest

E = TypeVar("E", bound=DcmxError)

DEPLOYMENT = Deployment(1, address(10), address(11), address(12), address(13), address(14))
DISTRIBUTOR = DEPLOYMENT.royalties
DCMX = DEPLOYMENT.token
USD = address(20)
EDITION = token_id_of(1, 1)
PRICE = 10_000
WALLET = 1_000_000
FEE, SPLIT, PROCEEDS = (
    CreditReason.PLATFORM_FEE,
    CreditReason.SPLIT_SHARE,
    CreditReason.SELLER_PROCEEDS,
)


def run(platform: Platform, sender: Address, command: c.Command) -> list[DomainEvent]:
    """Execute a command; none of the distributor's needs cryptography."""
    return platform.execute(sender, command, now=0, crypto=cast(Crypto, None))


def observable(platform: Platform) -> Platform:
    """A copy without zero balances and allowances, which no contract tells from absent ones."""
    copy = deepcopy(platform)
    copy.native = {account: n for account, n in copy.native.items() if n}
    for erc20 in (copy.token, *copy.payment_tokens.values()):
        erc20.balances = {account: n for account, n in erc20.balances.items() if n}
        erc20.allowances = {pair: n for pair, n in erc20.allowances.items() if n}
    return copy


def refused(platform: Platform, sender: Address, command: c.Command, error: type[E]) -> E:
    """Run ``command``, expect exactly ``error`` and check that nothing changed."""
    before = observable(platform)
    with pytest.raises(error) as caught:
        run(platform, sender, command)
    assert type(caught.value) is error
    assert observable(platform) == before
    return caught.value


@define
class ShortDelivery:
    """Funds whose token payments arrive short (a fee-on-transfer token, say)."""

    platform: Platform
    delivered: int

    def supports(self, currency: Address) -> bool:
        return self.platform.supports(currency)

    def check_pull(self, currency: Address, payer: Address, amount: int) -> None:
        self.platform.check_pull(currency, payer, amount)

    def pull(self, currency: Address, payer: Address, amount: int) -> tuple[list[DomainEvent], int]:
        return [], self.delivered

    def push(self, currency: Address, recipient: Address, amount: int) -> list[DomainEvent]:
        return self.platform.push(currency, recipient, amount)


def market() -> Platform:
    """Alice's release 1 (10 % royalty, split 80/20 with Bob); she owns edition 1 and has
    approved the distributor for it. Carol and Dave hold coin, USD and DCMX."""
    platform = Platform.deploy(ADMIN, DEPLOYMENT, "ipfs://dcmx/")
    release = c.CreateRelease(
        ALICE, "Track", "Alice", digest("track"), 5, 1_000, (ALICE, BOB), (8_000, 2_000)
    )
    run(platform, ADMIN, release)
    run(platform, ADMIN, c.MintEdition(1, ALICE))
    run(platform, ALICE, c.ApproveEdition(DISTRIBUTOR, EDITION))
    platform.payment_tokens[USD] = Erc20()
    for buyer in (CAROL, DAVE):
        platform.native[buyer] = WALLET
        platform.payment_tokens[USD].balances[buyer] = WALLET
        run(platform, DEPLOYMENT.rewards, c.Mint(buyer, WALLET))
    return platform


def listed(platform: Platform, currency: Address = NATIVE, price: int = PRICE) -> Platform:
    """Alice lists edition 1."""
    run(platform, ALICE, c.ListEdition(EDITION, currency, price))
    return platform


def sold_to_carol(platform: Platform) -> Platform:
    """Alice's primary sale of edition 1 to Carol, in native coin."""
    run(listed(platform), CAROL, c.BuyEdition(EDITION, NATIVE, PRICE, PRICE))
    return platform
