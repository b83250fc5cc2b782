"""Verbs of the DCMX token: send some, read a balance. DCMX has 18 decimals."""

from __future__ import annotations

from typing import Annotated

import typer

from dcmx_core.commands import Transfer
from dcmx_entrypoints.demo import format_units
from dcmx_entrypoints.verbs.chain import (
    DCMX_DECIMALS,
    OpenChain,
    Outcome,
    VerbOptions,
    known_accounts,
    run_verb,
)
from dcmx_entrypoints.verbs.inputs import OPERATOR, parse_amount
from dcmx_entrypoints.verbs.options import JsonOption, LocalChainOption, SenderOption, UnitsOption

token = typer.Typer(help="The DCMX token.", no_args_is_help=True)


@token.command("transfer")
def transfer(
    to: Annotated[str, typer.Argument(metavar="TO", help="The recipient: a name or an address.")],
    amount: Annotated[str, typer.Argument(help="How much (base units, or with --units DCMX).")],
    units: UnitsOption = False,
    sender: SenderOption = OPERATOR,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Send DCMX from the sender's balance (ERC-20 transfer)."""
    accounts = known_accounts()
    owner = accounts.sender(sender)
    recipient = accounts.address(to, "TO")
    value = parse_amount(amount, "AMOUNT", units=units, decimals=DCMX_DECIMALS)

    def act(chain: OpenChain) -> Outcome:
        chain.ledger.execute(owner.address, Transfer(recipient, value))
        return Outcome(
            f"{owner.name} sent {format_units(value, DCMX_DECIMALS)} DCMX to "
            f"{accounts.label(recipient)}",
            {"to": chain.render.address(recipient), "amount": str(value)},
        )

    run_verb(VerbOptions("token transfer", local_chain, as_json), act)


@token.command("balance")
def balance(
    account: Annotated[
        str, typer.Argument(metavar="ADDR", help="Whose balance: a name or an address.")
    ],
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """An account's DCMX balance, read from the chain (allowed while dcmx up runs)."""
    accounts = known_accounts()
    address = accounts.address(account, "ADDR")

    def act(chain: OpenChain) -> Outcome:
        amount = chain.ledger.token_balance(address)
        return Outcome(
            f"{accounts.label(address)} holds {format_units(amount, DCMX_DECIMALS)} DCMX "
            f"({amount} base units)",
            {"account": chain.render.address(address), "balance": str(amount)},
        )

    run_verb(VerbOptions("token balance", local_chain, as_json), act, changes=False)
