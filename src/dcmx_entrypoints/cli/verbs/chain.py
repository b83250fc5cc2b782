"""How a verb reaches its ledger and tells what happened.

A verb runs on the configured ledger, or with ``--local-chain`` on the chain ``dcmx up`` keeps
in the data directory: replayed from its journal and changed through it, so every transaction
is journaled as ``up`` journals its own and ``up`` finds it after a restart. A verb that
changes the local chain holds it (``chain_lock``) from the replay to the last line appended,
and refuses while ``dcmx up`` runs. What the rules refuse is told as ``refused: Rule:
reason``, any other failure of the ledger as ``<verb> failed: Error: reason``, each in one
line; the transactions sent are shown as a table, or as JSON with ``--json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import typer
from attrs import define, field, frozen

from dcmx_entrypoints.cli.verbs.accounts import Accounts, DemoAccounts, NetworkAccounts
from dcmx_entrypoints.cli.verbs.inputs import bad
from dcmx_entrypoints.failures import CommandFailed, unreachable
from dcmx_entrypoints.units import format_units

if TYPE_CHECKING:  # a verb's stack loads when it runs, not when dcmx reads its options
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_core.commands import Command
    from dcmx_core.events import DomainEvent
    from dcmx_core.model.platform import Deployment
    from dcmx_core.model.values import Address
    from dcmx_core.ports import Ledger, Receipt
    from dcmx_entrypoints.container import Container
    from dcmx_entrypoints.http.schemas import Render
    from dcmx_entrypoints.settings import Settings

COIN_DECIMALS: Final = 18
DCMX_DECIMALS: Final = 18
NATIVE_NAMES: Final = ("native", "coin")


def known_accounts(
    local_chain: bool, keystore: Path | None = None, settings: Settings | None = None
) -> Accounts:
    """The accounts ``--as`` may name where the verb runs: the demo's cast on a local chain;
    on a network the operator's configured key and the keystore given (``--keystore``)."""
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_entrypoints.demo.cast import demo_cast
    from dcmx_entrypoints.http.schemas import AddressText
    from dcmx_entrypoints.settings import LedgerKind, Settings

    settings = settings or Settings.load()
    crypto = EthCrypto()
    if local_chain or settings.on_local_chain:
        if keystore is not None:
            raise bad("--keystore", "is for a network: on a local chain --as names the cast")
        return DemoAccounts(tuple(demo_cast(crypto)), crypto.keccak256)
    from dcmx_entrypoints.container import container_for

    tron = settings.ledger is LedgerKind.TRON
    addresses = AddressText(crypto.keccak256, base58=tron)
    return NetworkAccounts(container_for(settings), keystore, addresses)


class RecordingLedger:
    """A ledger that keeps the receipt of every transaction it executes; everything else
    passes straight through."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self.receipts: list[Receipt] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)

    @property
    def ledger(self) -> Ledger:
        """The ledger it records for."""
        return self._ledger

    @property
    def deployment(self) -> Deployment:
        return self._ledger.deployment

    def execute(self, sender: Address, command: Command) -> Receipt:
        receipt = self._ledger.execute(sender, command)
        self.receipts.append(receipt)
        return receipt


@frozen
class VerbOptions:
    """What every verb is asked: where to run, and how to tell the outcome."""

    name: str
    local_chain: bool
    as_json: bool


@define
class OpenChain:
    """The ledger a verb runs on, with what it needs around it."""

    ledger: RecordingLedger
    build_container: Callable[[], Container]
    accounts: Accounts
    crypto: EthCrypto
    render: Render
    _container: Container | None = field(default=None, init=False)

    @property
    def container(self) -> Container:
        """The container the verb runs in (its settings, its database), built when first asked
        for: a verb on the local chain that needs neither does without, and without the
        seconds' part its loading costs."""
        if self._container is None:
            self._container = self.build_container()
        return self._container

    def close(self) -> None:
        """Release what the container holds, if it was built."""
        if self._container is not None:
            self._container.shutdown_resources()

    def currency(self, text: str, option: str = "--currency") -> Address:
        """``native`` (the chain's coin), ``dcmx`` (the DCMX token) or a token's address."""
        from dcmx_core.model.distributor import NATIVE

        if text.strip().casefold() in NATIVE_NAMES:
            return NATIVE
        if text.strip().casefold() == "dcmx":
            return self.ledger.deployment.token
        return self.accounts.address(text, option)

    def decimals(self, currency: Address, given: int | None) -> int | None:
        """The currency's decimals: 18 for the coin and DCMX, else as ``--decimals`` says."""
        from dcmx_core.model.distributor import NATIVE

        if currency in (NATIVE, self.ledger.deployment.token):
            known = COIN_DECIMALS if currency == NATIVE else DCMX_DECIMALS
            if given is not None and given != known:
                raise bad("--decimals", f"this currency has {known} decimals, not {given}")
            return known
        return given

    def money(self, amount: int, currency: Address) -> str:
        """An amount as people read it: whole units where the decimals are known."""
        from dcmx_core.model.distributor import NATIVE

        if currency == NATIVE:
            return f"{format_units(amount, COIN_DECIMALS)} coin"
        if currency == self.ledger.deployment.token:
            return f"{format_units(amount, DCMX_DECIMALS)} DCMX"
        return f"{amount} base units of {self.render.address(currency)}"


@frozen
class Outcome:
    """What a verb did: one sentence for people, the same facts for scripts."""

    summary: str
    result: dict[str, Any] = field(factory=dict)


Action = Callable[[OpenChain], Outcome]


def run_verb(
    options: VerbOptions,
    action: Action,
    accounts: Accounts,
    *,
    changes: bool = True,
    quiet: bool = False,
) -> None:
    """Open the ledger, run ``action`` on it (sending as ``accounts``) and print the outcome
    and the transactions it sent. A refusal of the domain fails the command with one line
    naming the rule."""
    from dcmx_core.exceptions import DcmxError
    from dcmx_entrypoints.settings import Settings, SettingsError

    settings = Settings.load()
    with _opened(settings, options, accounts, changes) as chain:
        try:
            outcome = action(chain)
        except DcmxError as error:
            said = chain.render.addresses.in_text(str(error))
            raise CommandFailed(f"refused: {type(error).__name__}: {said}") from None
        except (typer.TyperException, CommandFailed, SettingsError):
            raise  # bad input found once the chain was open; a failure already told
        except Exception as error:  # any ledger: no key for the sender, a node's own refusal
            reason = unreachable(error) or f"{type(error).__name__}: {error}"
            raise CommandFailed(f"{options.name} failed: {reason}") from None
        if not quiet:  # the action printed what it had to say
            _print(options, chain, outcome)


@contextmanager
def _opened(
    settings: Settings, options: VerbOptions, accounts: Accounts, changes: bool
) -> Iterator[OpenChain]:
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_entrypoints.http.schemas import AddressText, Render
    from dcmx_entrypoints.settings import LedgerKind

    crypto = EthCrypto()
    tron = settings.ledger is LedgerKind.TRON and not options.local_chain
    render = Render(AddressText(crypto.keccak256, base58=tron))
    if not options.local_chain:
        from dependency_injector import providers

        from dcmx_entrypoints.container import container_for
        from dcmx_entrypoints.demo.stacks import with_demo_cast

        if isinstance(accounts, NetworkAccounts):  # the operator's key is the container's
            container = accounts.container
            container.senders.override(providers.Object(accounts.others()))
        else:
            container = with_demo_cast(container_for(settings))
        chain = OpenChain(
            RecordingLedger(container.ledger()), lambda: container, accounts, crypto, render
        )
        try:
            yield chain
        finally:
            container.shutdown_resources()
        return
    from dcmx_adapters.clock import SystemClock
    from dcmx_entrypoints.local_chain import (
        LocalChainMismatch,
        container_on_local_chain,
        journal_path,
        kind_of,
        open_local_chain,
    )

    path = journal_path(settings.data_dir)
    with _held(settings, options, changes):
        try:
            if kind_of(path) is None:
                raise CommandFailed(f"no local chain in {settings.data_dir}: dcmx up starts one")
            local = open_local_chain(path, SystemClock(), writable=changes)
        except LocalChainMismatch as error:
            raise CommandFailed(str(error)) from None
        render = Render(AddressText(crypto.keccak256, base58=local.kind is LedgerKind.TRON))
        opened = OpenChain(
            RecordingLedger(local.ledger),
            lambda: container_on_local_chain(settings, local),
            accounts,
            crypto,
            render,
        )
        try:
            yield opened
        finally:
            local.ledger.close()
            opened.close()


@contextmanager
def _held(settings: Settings, options: VerbOptions, changes: bool) -> Iterator[None]:
    if not changes:
        yield  # a reader takes no lock: a replay ignores a line still being written
        return
    from dcmx_entrypoints.chain_lock import holding_local_chain

    with holding_local_chain(settings.data_dir, options.name):
        yield


# --- telling the outcome --------------------------------------------------------------------


def _print(options: VerbOptions, chain: OpenChain, outcome: Outcome) -> None:
    from rich.console import Console
    from rich.table import Table

    receipts = chain.ledger.receipts
    if options.as_json:
        record = {
            "result": outcome.result,
            "transactions": [_receipt_record(chain.render, r) for r in receipts],
        }
        sys.stdout.write(json.dumps(record) + "\n")
        return
    console = Console() if sys.stdout.isatty() else Console(width=120)
    console.print(outcome.summary, markup=False, highlight=False)
    if not receipts:
        return
    table = Table(title_justify="left")
    table.add_column("tx id", no_wrap=True)
    table.add_column("block", justify="right")
    table.add_column("events")
    for receipt in receipts:
        lines = [_event_line(chain.render, event) for event in receipt.events]
        table.add_row(receipt.tx_id.to_hex(), str(receipt.block_number), "\n".join(lines))
    console.print(table)


def _receipt_record(render: Render, receipt: Receipt) -> dict[str, Any]:
    return {
        "tx_id": receipt.tx_id.to_hex(),
        "block": receipt.block_number,
        "block_hash": receipt.block_hash.to_hex(),
        "gas_used": receipt.gas_used,
        "events": [
            {"kind": type(event).__name__, "data": render.event_fields(event)}
            for event in receipt.events
        ],
    }


def _event_line(render: Render, event: DomainEvent) -> str:
    fields = " ".join(f"{k}={_short(v)}" for k, v in render.event_fields(event).items())
    return f"{type(event).__name__} {fields}"


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ",".join(_short(v) for v in value) + "]"
    text = str(value)
    if text.startswith("0x") and len(text) in (42, 66):  # an address or a hash
        return f"{text[:6]}…{text[-4:]}"
    return text
