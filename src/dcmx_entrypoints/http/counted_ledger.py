"""The ledger the write side sends through, counting what it sends and what fails and why.

Every transaction the API asks the ledger for (a use case's command, a wallet's signed
transaction it relays) counts as sent; one that raises counts as failed too, under its reason:
the refusal's kebab name (``insufficient-balance``, ``buyer-is-seller``), ``unreachable`` for a
node that did not answer, else the kebab name of what the adapter raised (``refused``:
java-tron turned it away at the door).
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from dcmx_core.commands import Command
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.values import Address
from dcmx_core.ports import Ledger, Receipt, WalletLedger
from dcmx_entrypoints.http.problems import kebab

UNREACHABLE = "unreachable"


class TransactionCounts(Protocol):
    def sent(self) -> None: ...
    def failed(self, reason: str) -> None: ...


def failure_reason(error: BaseException) -> str:
    """Why a transaction failed, as a metric's label (one of a few dozen names)."""
    if isinstance(error, DcmxError):
        return kebab(type(error).__name__)
    if isinstance(error, OSError):  # connection refused, a timeout, requests' errors
        return UNREACHABLE
    return kebab(type(error).__name__)


class CountedLedger:
    """``ledger``, its transactions counted in ``counts``; everything else passes through."""

    def __init__(self, ledger: Ledger, counts: TransactionCounts) -> None:
        self._ledger = ledger
        self._counts = counts

    def execute(self, sender: Address, command: Command) -> Receipt:
        self._counts.sent()
        try:
            return self._ledger.execute(sender, command)
        except Exception as error:
            self._counts.failed(failure_reason(error))
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


class CountedWalletLedger(CountedLedger):
    """The same for a ledger that relays what users' wallets signed: a relay counts too."""

    def __init__(self, ledger: WalletLedger, counts: TransactionCounts) -> None:
        super().__init__(ledger, counts)
        self._wallets = ledger

    def prepare(self, sender: Address, commands: Any) -> list[dict[str, Any]]:
        return self._wallets.prepare(sender, commands)

    def relay(self, signed: object) -> Receipt:
        self._counts.sent()
        try:
            return self._wallets.relay(signed)
        except Exception as error:
            self._counts.failed(failure_reason(error))
            raise


def counted(ledger: Ledger, counts: TransactionCounts) -> Ledger:
    """``ledger`` with its transactions counted, still a ``WalletLedger`` when it is one."""
    if isinstance(ledger, WalletLedger):
        return cast(Ledger, CountedWalletLedger(ledger, counts))
    return cast(Ledger, CountedLedger(ledger, counts))
