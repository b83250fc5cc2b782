"""What every write endpoint shares: the ledger it sends to and the operator it sends as, one
use case at a time, and the receipts it answers with.

A use case may send several transactions (an operator grant before a listing, an approval
before a token payment); the ledger it is handed records their receipts, so the answer shows
every one of them whatever the use case returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from attrs import field, frozen

from dcmx_core.commands import Command
from dcmx_core.exceptions import DcmxError, OutOfRange
from dcmx_core.model.signing import Crypto
from dcmx_core.model.values import UINT256_MAX, Address, Hash32
from dcmx_core.ports import Clock, Ledger, Receipt, UnitOfWork
from dcmx_entrypoints.container import OPERATOR_KEY_SETTINGS
from dcmx_entrypoints.http.limits import Rate
from dcmx_entrypoints.http.problems import ApiRefusal
from dcmx_entrypoints.http.schemas import Render
from dcmx_entrypoints.http.write_schemas import Outcome, ReceiptEvent, Transaction

AnOutcome = TypeVar("AnOutcome", bound=Outcome)


class RecordingLedger:
    """A ledger that keeps the receipt of every transaction sent through it."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self.receipts: list[Receipt] = []

    def execute(self, sender: Address, command: Command) -> Receipt:
        receipt = self._ledger.execute(sender, command)
        self.receipts.append(receipt)
        return receipt

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


@frozen
class WriteLimits:
    """Rates per API key and per signer or client, and how far ahead a signature may expire."""

    key_rate: Rate = field(factory=lambda: Rate(600, 60))
    signed_rate: Rate = field(factory=lambda: Rate(30, 10))
    expiry_max: int = 600


@frozen
class Operator:
    """What the write side sends with: the ledger, as the operator (None: no key configured,
    so the operator's writes are refused), with crypto and a clock."""

    ledger: Ledger
    address: Address | None
    crypto: Crypto
    clock: Clock
    limits: WriteLimits = field(factory=WriteLimits)


@frozen
class Writes:
    """Where the write endpoints send to, as whom, and how they answer."""

    ledger: Ledger
    operator_account: Address | None
    crypto: Crypto
    clock: Clock
    unit_of_work: Callable[[], UnitOfWork]
    chain: str
    render: Render
    limits: WriteLimits = field(factory=WriteLimits)
    tron: bool = False
    _lock: threading.Lock = field(factory=threading.Lock, init=False)

    @property
    def operator(self) -> Address:
        """The operator's account; refused (503) when the server holds no operator key."""
        if self.operator_account is None:
            raise ApiRefusal(
                "operator-key-missing",
                f"the server holds no operator key: set {OPERATOR_KEY_SETTINGS}",
            )
        return self.operator_account

    @contextmanager
    def sending(self) -> Iterator[RecordingLedger]:
        """The ledger for one use case; use cases run one at a time, so that what one reads
        (a listing, a nonce) is still so when it sends."""
        with self._lock:
            yield RecordingLedger(self.ledger)

    @contextmanager
    def sending_for_user(self, prepare: str) -> Iterator[RecordingLedger]:
        """The same, for a transaction the user must send: a ledger that holds no key for the
        user cannot (a network's never does), which is told as a problem naming the route that
        prepares it for the user's own wallet (``prepare``)."""
        with self.sending() as ledger:
            try:
                yield ledger
            except LookupError as error:
                if isinstance(error, DcmxError):  # an unknown id: the domain's own refusal
                    raise
                raise ApiRefusal(
                    "sender-unsupported",
                    f"the server holds no key of the user's: prepare it with POST {prepare}, "
                    "sign it in the user's wallet and relay it with POST /v1/transactions",
                    prepare=prepare,
                ) from None

    def outcome(self, sent: RecordingLedger, kind: type[AnOutcome], **result: Any) -> AnOutcome:
        """The answer: the last transaction's receipt, those before it, and ``result``."""
        if not sent.receipts:
            raise RuntimeError("the use case sent no transaction")
        *before, last = (self.transaction(r) for r in sent.receipts)
        return kind(**last.model_dump(), prepared=before, **result)

    def transaction(self, receipt: Receipt) -> Transaction:
        events = [
            ReceiptEvent(
                kind=type(event).__name__,
                log_index=None if event.position is None else event.position.log_index,
                data=self.render.event_fields(event),
            )
            for event in receipt.events
        ]
        return Transaction(
            tx_id=receipt.tx_id.to_hex(),
            block_number=receipt.block_number,
            block_hash=receipt.block_hash.to_hex(),
            events=events,
        )

    def address(self, text: str) -> Address:
        return self.render.addresses.parse(text)


def amount(name: str, text: str) -> int:
    """A decimal string of base units as an int, within uint256."""
    value = int(text)
    if value > UINT256_MAX:
        raise OutOfRange(name, text, "0 to 2**256 - 1")
    return value


def hash32(text: str) -> Hash32:
    return Hash32.from_hex(text)


def as_ledger(sent: RecordingLedger) -> Ledger:
    """The recording ledger where a use case asks for a ``Ledger``."""
    return cast(Ledger, sent)
