"""A user's transactions for the user's own wallet, from the command line: a user verb with
``--prepare`` prints the unsigned transactions as JSON instead of sending them (the server
holds no key of the user's on a network), and ``dcmx tx send FILE`` relays what the wallet
signed. Both are for a network: on a local chain the demo's cast signs for itself."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dcmx_entrypoints.cli.verbs.chain import (
    OpenChain,
    Outcome,
    VerbOptions,
    known_accounts,
    run_verb,
)
from dcmx_entrypoints.cli.verbs.options import JsonOption
from dcmx_entrypoints.failures import CommandFailed

if TYPE_CHECKING:  # the ledgers' wallet support loads when a verb runs
    from dcmx_core.commands import Command
    from dcmx_core.model.values import Address
    from dcmx_core.ports import WalletLedger
    from dcmx_entrypoints.settings import Settings

    Plan = Callable[[OpenChain, Address], Sequence[Command]]

PrepareOption = Annotated[
    bool,
    typer.Option(
        "--prepare",
        help="On a network: print the unsigned transaction(s) as JSON for the --as account's "
        "own wallet to sign (then relay them with dcmx tx send), instead of sending.",
    ),
]

tx = typer.Typer(help="Transactions signed in a user's own wallet.", no_args_is_help=True)


def _on_a_network(local_chain: bool, what: str) -> Settings:
    from dcmx_entrypoints.settings import Settings

    settings = Settings.load()
    if local_chain or settings.on_local_chain:
        raise CommandFailed(
            f"{what} is for a network: on a local chain the demo's cast signs for itself"
        )
    return settings


def _wallet(chain: OpenChain) -> WalletLedger:
    from dcmx_core.ports import WalletLedger

    ledger = chain.ledger.ledger
    if not isinstance(ledger, WalletLedger):
        raise CommandFailed("this ledger takes no transactions signed in wallets")
    return ledger


def run_prepare(name: str, sender: str, plan: Plan, *, local_chain: bool) -> None:
    """Print, as JSON, the unsigned transactions that carry out ``plan`` for the account
    ``sender`` names (any address: its key is the user's, in their wallet)."""
    settings = _on_a_network(local_chain, "--prepare")
    accounts = known_accounts(False, settings=settings)
    user = accounts.address(sender, "--as")
    from dcmx_adapters.evm.ledger import WalletsUnsupported

    def act(chain: OpenChain) -> Outcome:
        try:
            prepared = _wallet(chain).prepare(user, plan(chain, user))
        except WalletsUnsupported as error:
            raise CommandFailed(str(error)) from None
        record = {"chain": chain.container.chain(), "user": chain.render.address(user)}
        sys.stdout.write(json.dumps(record | {"transactions": prepared}, indent=2) + "\n")
        return Outcome("", {})

    run_verb(VerbOptions(name, False, True), act, accounts, changes=False, quiet=True)


@tx.command("send")
def send(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The signed transaction: raw 0x hex (EVM), or JSON: a hex string, "
            '{"raw": "0x…"}, java-tron\'s signed transaction (TRON), or a list of them '
            "(relayed in order).",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Relay transactions a user's wallet signed and wait for each; print their receipts, or
    the rule that refused one."""
    _on_a_network(False, "dcmx tx send")
    signed = read_signed_file(file)
    accounts = known_accounts(False)
    from dcmx_adapters.evm.wallet import RelayRefused, SendRefused
    from dcmx_adapters.tron.refusals import Refused

    def act(chain: OpenChain) -> Outcome:
        ledger = _wallet(chain)
        for one in signed:
            try:
                chain.ledger.receipts.append(ledger.relay(one))
            except (RelayRefused, SendRefused, Refused) as refused:
                raise CommandFailed(f"not relayed: {refused}") from None
        count = len(signed)
        return Outcome(
            f"relayed {count} signed transaction{'s' if count != 1 else ''}", {"relayed": count}
        )

    run_verb(VerbOptions("tx send", False, as_json), act, accounts)


def read_signed_file(path: Path) -> list[Any]:
    """The signed transactions in the file at ``path``, in order."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise typer.BadParameter(f"cannot read {path}: {error}", param_hint="'FILE'") from None
    if text.startswith("0x"):
        return [text]
    try:
        found = json.loads(text)
    except ValueError:
        raise typer.BadParameter(
            "neither 0x hex nor JSON of signed transactions", param_hint="'FILE'"
        ) from None
    listed = found if isinstance(found, list) else [found]
    return [_one(item) for item in listed]


def _one(item: Any) -> Any:
    if isinstance(item, dict):
        for key in ("raw", "signed", "raw_transaction", "rawTransaction"):
            if isinstance(item.get(key), str):
                return item[key]
    return item


def register(app: typer.Typer) -> None:
    """Add ``dcmx tx`` to the ``dcmx`` command."""
    app.add_typer(tx, name="tx")
