"""What the metrics tell of the chain: whether the ledger answers, its head, how far behind it
the read models are, and what the operator has left to pay fees with.

These are reads of a node that may be slow or gone, so a scrape never waits on them: the
``ChainWatch`` keeps the last reading, takes a new one on a thread of its own at most every
``every`` seconds, and waits for it at most ``timeout`` seconds. A ledger that fails or does
not answer in time reads as down (``dcmx_ledger_up 0``); the scrape still answers at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from attrs import frozen

from dcmx_adapters.tron.chain import AccountResources
from dcmx_core.model.values import Address
from dcmx_core.ports import Block, UnitOfWork


class ChainBlocks(Protocol):
    def head(self) -> Block: ...
    def block(self, number: int) -> Block: ...


class NativeBalances(Protocol):
    def native_balance(self, account: Address) -> int: ...


@runtime_checkable
class ResourceMetered(Protocol):
    """A ledger whose fees are paid first with resources, then with the coin (TRON)."""

    def resources(self, account: Address) -> AccountResources: ...


@frozen
class FeePayer:
    """The account that pays for the API's transactions, on the ledger it pays on."""

    ledger: NativeBalances
    account: Address


@frozen
class ChainReading:
    """The chain as last read. ``head`` is None when the ledger did not answer (``failure``
    says how); ``indexed`` is the read models' last block (None: none, or no database)."""

    head: Block | None = None
    failure: str = ""
    indexed: Block | None = None
    nothing_indexed: bool = False
    balance: int | None = None
    resources: AccountResources | None = None

    @property
    def up(self) -> bool:
        return self.head is not None


NOT_READ = ChainReading(failure="not read yet")


@frozen
class ChainSources:
    """Where a reading comes from: the ledger, the read models' checkpoint of ``chain``, and
    the operator's account (none for an API without writes)."""

    ledger: ChainBlocks
    unit_of_work: Callable[[], UnitOfWork]
    chain: str
    payer: FeePayer | None = None

    def read(self) -> ChainReading:
        try:
            head = self.ledger.head()
        except Exception as error:  # any failure of the node reads as down, with its kind
            return ChainReading(failure=type(error).__name__)
        indexed, nothing = self._indexed()
        balance, resources = self._payer_figures()
        return ChainReading(
            head=head,
            indexed=indexed,
            nothing_indexed=nothing,
            balance=balance,
            resources=resources,
        )

    def _indexed(self) -> tuple[Block | None, bool]:
        try:
            uow = self.unit_of_work()
            with uow:
                checkpoint = uow.checkpoints.get_checkpoint(self.chain)
            if checkpoint is None:
                return None, True
            return self.ledger.block(checkpoint.block_number), False
        except Exception:  # the database's own health is /readyz's and the pool's to tell
            return None, False

    def _payer_figures(self) -> tuple[int | None, AccountResources | None]:
        payer = self.payer
        if payer is None:
            return None, None
        try:
            balance = payer.ledger.native_balance(payer.account)
            metered = payer.ledger if isinstance(payer.ledger, ResourceMetered) else None
            resources = None if metered is None else metered.resources(payer.account)
        except Exception:  # a failing read leaves the figure out rather than the scrape
            return None, None
        return balance, resources


class ChainWatch:
    """The last ``ChainReading``, read again at most every ``every`` seconds, never waited
    for longer than ``timeout`` seconds."""

    def __init__(
        self,
        read: Callable[[], ChainReading],
        *,
        every: float = 5.0,
        timeout: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._every = every
        self._timeout = timeout
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._latest = NOT_READ
        self._read_at = -float("inf")
        self._reading: threading.Thread | None = None
        self._began = 0.0

    def latest(self) -> ChainReading:
        """The newest reading, taking a new one first when the last is ``every`` seconds old
        (waiting for it ``timeout`` seconds at most)."""
        with self._lock:
            now = self._monotonic()
            if self._reading is None and now - self._read_at >= self._every:
                self._reading = threading.Thread(
                    target=self._take, name="dcmx chain watch", daemon=True
                )
                self._began = now
                self._reading.start()
            reading, began = self._reading, self._began
        if reading is not None:
            reading.join(max(self._timeout - (self._monotonic() - began), 0.0))
        with self._lock:
            if self._reading is not None and self._monotonic() - self._began >= self._timeout:
                return ChainReading(failure=f"no answer in {self._timeout:g} s")
            return self._latest

    def _take(self) -> None:
        began = self._monotonic()
        try:
            reading = self._read()
        except Exception as error:  # ChainSources.read raises nothing; another read might
            reading = ChainReading(failure=type(error).__name__)
        if reading.up and self._monotonic() - began >= self._timeout:
            reading = ChainReading(failure=f"no answer in {self._timeout:g} s")
        with self._lock:
            self._latest = reading
            self._read_at = self._monotonic()
            self._reading = None
