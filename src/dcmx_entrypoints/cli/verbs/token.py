"""Verbs of the DCMX token: send some, read a balance. DCMX has 18 decimals."""

from __future__ import annotations

from typing import Annotated

import typer

from dcmx_entrypoints.cli.verbs.chain import (
    DCMX_DECIMALS,
    OpenChain,
    Outcome,
    VerbOptions,
    known_accounts,
    run_verb,
)
from dcmx_entrypoints.cli.verbs.inputs import OPERATOR, parse_amount
from dcmx_entrypoints.cli.verbs.options import (
    JsonOption,
    KeystoreOption,
    LocalChainOption,
    SenderOption,
    UnitsOption,
)
from dcmx_entrypoints.cli.verbs.wallet import PrepareOption, run_prepare
from dcmx_entrypoints.units import format_units

token = typer.Typer(help="The DCMX token.", no_args_is_help=True)


@token.command("transfer")
def transfer(
    to: Annotated[str, typer.Argument(metavar="TO", help="The recipient: a name or an address.")],
    amount: Annotated[str, typer.Argument(help="How much (base units, or with --units DCMX).")],
    units: UnitsOption = False,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
    prepare: PrepareOption = False,
) -> None:
    """Send DCMX from the sender's balance (ERC-20 transfer)."""
    from dcmx_core.commands import Transfer

    value = parse_amount(amount, "AMOUNT", units=units, decimals=DCMX_DECIMALS)
    if prepare:
        run_prepare(
            "token transfer",
            sender,
            lambda chain, _user: [Transfer(chain.accounts.address(to, "TO"), value)],
            local_chain=local_chain,
        )
        return
    accounts = known_accounts(local_chain, keystore)
    owner = accounts.sender(sender)
    recipient = accounts.address(to, "TO")

    def act(chain: OpenChain) -> Outcome:
        chain.ledger.execute(owner.address, Transfer(recipient, value))
        return Outcome(
            f"{owner.name} sent {format_units(value, DCMX_DECIMALS)} DCMX to "
            f"{accounts.label(recipient)}",
            {"to": chain.render.address(recipient), "amount": str(value)},
        )

    run_verb(VerbOptions("token transfer", local_chain, as_json), act, accounts)


@token.command("approve")
def approve(
    spender: Annotated[
        str, typer.Argument(metavar="SPENDER", help="Who may spend: a name or an address.")
    ],
    amount: Annotated[str, typer.Argument(help="How much (base units, or with --units DCMX).")],
    units: UnitsOption = False,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
    prepare: PrepareOption = False,
) -> None:
    """Let SPENDER spend up to AMOUNT of the sender's DCMX (ERC-20 approve)."""
    from dcmx_core.commands import Approve

    value = parse_amount(amount, "AMOUNT", units=units, decimals=DCMX_DECIMALS)
    if prepare:
        run_prepare(
            "token approve",
            sender,
            lambda chain, _user: [Approve(chain.accounts.address(spender, "SPENDER"), value)],
            local_chain=local_chain,
        )
        return
    accounts = known_accounts(local_chain, keystore)
    owner = accounts.sender(sender)
    allowed = accounts.address(spender, "SPENDER")

    def act(chain: OpenChain) -> Outcome:
        chain.ledger.execute(owner.address, Approve(allowed, value))
        return Outcome(
            f"{owner.name} let {accounts.label(allowed)} spend up to "
            f"{format_units(value, DCMX_DECIMALS)} DCMX",
            {"spender": chain.render.address(allowed), "amount": str(value)},
        )

    run_verb(VerbOptions("token approve", local_chain, as_json), act, accounts)


@token.command("balance")
def balance(
    account: Annotated[
        str, typer.Argument(metavar="ADDR", help="Whose balance: a name or an address.")
    ],
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """An account's DCMX balance, read from the chain (allowed while dcmx up runs)."""
    accounts = known_accounts(local_chain)
    address = accounts.address(account, "ADDR")

    def act(chain: OpenChain) -> Outcome:
        amount = chain.ledger.token_balance(address)
        return Outcome(
            f"{accounts.label(address)} holds {format_units(amount, DCMX_DECIMALS)} DCMX "
            f"({amount} base units)",
            {"account": chain.render.address(address), "balance": str(amount)},
        )

    run_verb(VerbOptions("token balance", local_chain, as_json), act, accounts, changes=False)


def register(app: typer.Typer) -> None:
    """Add ``dcmx token`` to the ``dcmx`` command."""
    app.add_typer(token, name="token")
