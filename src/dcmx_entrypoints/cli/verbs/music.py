"""Verbs of music and money: publish a release, mint its editions, sell them, pay royalties in,
withdraw payouts (``dcmx_core.services.catalog`` and ``sales``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dcmx_entrypoints.cli.verbs.chain import (
    OpenChain,
    Outcome,
    VerbOptions,
    known_accounts,
    run_verb,
)
from dcmx_entrypoints.cli.verbs.inputs import OPERATOR, one_hash, parse_amount, parse_split
from dcmx_entrypoints.cli.verbs.options import (
    CurrencyOption,
    DecimalsOption,
    JsonOption,
    KeystoreOption,
    LocalChainOption,
    SenderOption,
    UnitsOption,
)
from dcmx_entrypoints.cli.verbs.wallet import PrepareOption, run_prepare

if TYPE_CHECKING:  # the domain loads when a verb runs, not when dcmx reads its options
    from dcmx_core.model.values import Address

release = typer.Typer(
    help="Releases: tracks published as numbered NFT editions.", no_args_is_help=True
)
edition = typer.Typer(
    help="Editions: mint them, list them for sale, buy them.", no_args_is_help=True
)
royalty = typer.Typer(
    help="Royalties paid in for a release from outside DCMX.", no_args_is_help=True
)
payout = typer.Typer(help="What the royalty distributor owes an account.", no_args_is_help=True)


@release.command("create")
def create_release(
    artist: Annotated[str, typer.Option(help="The artist: a name of the cast or an address.")],
    title: Annotated[str, typer.Option(help="The track's title.")],
    artist_name: Annotated[str, typer.Option(help="The name the artist publishes under.")],
    max_editions: Annotated[int, typer.Option(help="How many editions there can ever be.")],
    royalty_bps: Annotated[
        int, typer.Option(help="The royalty on resales, in basis points (1 bps = 0.01 %).")
    ],
    split: Annotated[
        list[str],
        typer.Option(
            help="RECIPIENT=BPS, once for each recipient (a name or an address); the shares add "
            "up to 10000 and the first recipient takes the rounding remainder."
        ),
    ],
    content_hash: Annotated[
        str | None, typer.Option(help="The SHA-256 of the audio, 64 hex digits.")
    ] = None,
    content_file: Annotated[
        Path | None, typer.Option(help="The audio file (its SHA-256 is the content hash).")
    ] = None,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Publish a track as a release with its royalty split (the admin of the NFT contract)."""
    from dcmx_core.model.royalties import Split
    from dcmx_core.services import catalog

    accounts = known_accounts(local_chain, keystore)
    admin = accounts.sender(sender)
    artist_address = accounts.address(artist, "--artist")
    recipients, shares = parse_split(split, accounts)
    fingerprint = one_hash(
        content_hash, content_file, hash_option="--content-hash", file_option="--content-file"
    )

    def act(chain: OpenChain) -> Outcome:
        release_id = catalog.publish_release(
            chain.ledger,
            admin.address,
            artist=artist_address,
            title=title,
            artist_name=artist_name,
            content_hash=fingerprint,
            max_editions=max_editions,
            royalty_bps=royalty_bps,
            split=Split(recipients, shares),
        )
        return Outcome(
            f"published release {release_id} {title!r}: up to {max_editions} editions, "
            f"{royalty_bps} bps royalty",
            {"release_id": release_id, "content_hash": fingerprint.to_hex()},
        )

    run_verb(VerbOptions("release create", local_chain, as_json), act, accounts)


@edition.command("mint")
def mint_edition(
    release_id: Annotated[int, typer.Argument(metavar="RELEASE", help="The release's id.")],
    to: Annotated[str, typer.Option(help="Who receives the edition: a name or an address.")],
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Mint the release's next edition (the admin of the NFT contract)."""
    from dcmx_core.services import catalog

    accounts = known_accounts(local_chain, keystore)
    admin = accounts.sender(sender)
    recipient = accounts.address(to, "--to")

    def act(chain: OpenChain) -> Outcome:
        token_id = catalog.mint_edition(chain.ledger, admin.address, release_id, recipient)
        return Outcome(
            f"minted token {token_id} of release {release_id} to {accounts.label(recipient)}",
            {"release_id": release_id, "token_id": token_id},
        )

    run_verb(VerbOptions("edition mint", local_chain, as_json), act, accounts)


@edition.command("list")
def list_edition(
    token_id: Annotated[int, typer.Argument(metavar="TOKEN", help="The edition's token id.")],
    price: Annotated[str, typer.Option(help="The price (base units, or with --units whole).")],
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    currency: CurrencyOption = "native",
    units: UnitsOption = False,
    decimals: DecimalsOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
    prepare: PrepareOption = False,
) -> None:
    """List an edition for sale (its owner; lets the distributor move the owner's editions
    first if the owner has not yet)."""
    from dcmx_core.services import sales

    def price_in(chain: OpenChain) -> tuple[Address, int]:
        paid_in = chain.currency(currency)
        decimals_of = chain.decimals(paid_in, decimals)
        return paid_in, parse_amount(price, "--price", units=units, decimals=decimals_of)

    if prepare:
        run_prepare(
            "edition list",
            sender,
            lambda chain, user: sales.listing(chain.ledger, user, token_id, *price_in(chain)),
            local_chain=local_chain,
        )
        return
    accounts = known_accounts(local_chain, keystore)
    seller = accounts.sender(sender)

    def act(chain: OpenChain) -> Outcome:
        paid_in, amount = price_in(chain)
        sales.offer_edition(chain.ledger, seller.address, token_id, paid_in, amount)
        return Outcome(
            f"{seller.name} listed token {token_id} for {chain.money(amount, paid_in)}",
            {
                "token_id": token_id,
                "currency": chain.render.address(paid_in),
                "price": str(amount),
            },
        )

    run_verb(VerbOptions("edition list", local_chain, as_json), act, accounts)


@edition.command("buy")
def buy_edition(
    token_id: Annotated[int, typer.Argument(metavar="TOKEN", help="The edition's token id.")],
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
    prepare: PrepareOption = False,
) -> None:
    """Buy a listed edition at its listed price (approving a token payment first when the
    buyer's allowance falls short)."""
    from dcmx_core.services import sales

    if prepare:
        run_prepare(
            "edition buy",
            sender,
            lambda chain, user: sales.purchase(chain.ledger, user, token_id),
            local_chain=local_chain,
        )
        return
    accounts = known_accounts(local_chain, keystore)
    buyer = accounts.sender(sender)

    def act(chain: OpenChain) -> Outcome:
        sold = sales.buy_edition(chain.ledger, buyer.address, token_id)
        kind = "primary sale" if sold.primary else "resale"
        return Outcome(
            f"{buyer.name} bought token {token_id} for {chain.money(sold.price, sold.currency)} "
            f"({kind}, settlement {sold.settlement_id})",
            {
                "token_id": token_id,
                "settlement_id": sold.settlement_id,
                "currency": chain.render.address(sold.currency),
                "price": str(sold.price),
                "primary": sold.primary,
            },
        )

    run_verb(VerbOptions("edition buy", local_chain, as_json), act, accounts)


@royalty.command("deposit")
def deposit_royalties(
    release_id: Annotated[int, typer.Argument(metavar="RELEASE", help="The release's id.")],
    amount: Annotated[str, typer.Argument(help="How much (base units, or with --units whole).")],
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    currency: CurrencyOption = "native",
    units: UnitsOption = False,
    decimals: DecimalsOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Pay royalties for a release in from outside DCMX; they are shared by its split."""
    from dcmx_core.services import sales

    accounts = known_accounts(local_chain, keystore)
    payer = accounts.sender(sender)

    def act(chain: OpenChain) -> Outcome:
        paid_in = chain.currency(currency)
        value = parse_amount(
            amount, "AMOUNT", units=units, decimals=chain.decimals(paid_in, decimals)
        )
        received = sales.pay_royalties(chain.ledger, payer.address, release_id, paid_in, value)
        return Outcome(
            f"{payer.name} paid {chain.money(received.amount, paid_in)} of royalties in for "
            f"release {release_id} (settlement {received.settlement_id})",
            {
                "release_id": release_id,
                "settlement_id": received.settlement_id,
                "currency": chain.render.address(paid_in),
                "amount": str(received.amount),
            },
        )

    run_verb(VerbOptions("royalty deposit", local_chain, as_json), act, accounts)


@payout.command("withdraw")
def withdraw_payout(
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    currency: CurrencyOption = "native",
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
    prepare: PrepareOption = False,
) -> None:
    """Withdraw everything the sender is owed in a currency."""
    from dcmx_core.commands import Withdraw
    from dcmx_core.services import sales

    if prepare:
        run_prepare(
            "payout withdraw",
            sender,
            lambda chain, _user: [Withdraw(chain.currency(currency))],
            local_chain=local_chain,
        )
        return
    accounts = known_accounts(local_chain, keystore)
    recipient = accounts.sender(sender)

    def act(chain: OpenChain) -> Outcome:
        paid_in = chain.currency(currency)
        amount = sales.withdraw(chain.ledger, recipient.address, paid_in)
        return Outcome(
            f"{recipient.name} withdrew {chain.money(amount, paid_in)}",
            {"currency": chain.render.address(paid_in), "amount": str(amount)},
        )

    run_verb(VerbOptions("payout withdraw", local_chain, as_json), act, accounts)


def register(app: typer.Typer) -> None:
    """Add the groups of releases, editions, royalties and payouts to the ``dcmx`` command."""
    for group, name in (
        (release, "release"),
        (edition, "edition"),
        (royalty, "royalty"),
        (payout, "payout"),
    ):
        app.add_typer(group, name=name)
