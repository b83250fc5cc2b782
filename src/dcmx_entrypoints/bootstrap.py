"""The composition root: the one place that names concrete adapters."""

from __future__ import annotations

import hashlib

from attrs import frozen

from dcmx_adapters.clock import ManualClock, SystemClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_adapters.memory.repositories import MemoryProfileRepository
from dcmx_core.ports import Clock
from dcmx_entrypoints.demo import Person


@frozen
class MemoryStack:
    """Everything the in-memory demo needs, wired."""

    ledger: MemoryLedger
    crypto: EthCrypto
    clock: Clock
    profiles: MemoryProfileRepository
    operator: Person


def operator_person(crypto: EthCrypto, label: str = "operator") -> Person:
    key = hashlib.sha256(f"dcmx demo key: {label}".encode()).digest()
    return Person(label, key, crypto.address_of(key))


def memory_stack(*, start: int | None = None) -> MemoryStack:
    """An in-memory ledger administered by a demo operator; a fixed clock when ``start`` is
    given (reproducible runs), the system clock otherwise."""
    crypto = EthCrypto()
    clock: Clock = SystemClock() if start is None else ManualClock(start)
    operator = operator_person(crypto)
    ledger = MemoryLedger(admin=operator.address, crypto=crypto, clock=clock)
    return MemoryStack(ledger, crypto, clock, MemoryProfileRepository(), operator)
