"""The composition root: the one place that names concrete adapters."""

from __future__ import annotations

from attrs import frozen

from dcmx_adapters.clock import ManualClock, SystemClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.ledger import local_evm_ledger
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_adapters.memory.repositories import MemoryProfileRepository
from dcmx_adapters.tron.ledger import local_tron_ledger
from dcmx_core.ports import Clock, DevLedger, ProfileRepository
from dcmx_entrypoints.demo import CAST, Person, person


@frozen
class DemoStack:
    """Everything the demo needs, wired."""

    ledger: DevLedger
    crypto: EthCrypto
    clock: Clock
    profiles: ProfileRepository
    operator: Person


def operator_person(crypto: EthCrypto) -> Person:
    return person("operator", crypto)


def memory_stack(*, start: int | None = None) -> DemoStack:
    """An in-memory ledger administered by a demo operator; a fixed clock when ``start`` is
    given (reproducible runs), the system clock otherwise."""
    crypto = EthCrypto()
    clock: Clock = SystemClock() if start is None else ManualClock(start)
    operator = operator_person(crypto)
    ledger = MemoryLedger(admin=operator.address, crypto=crypto, clock=clock)
    return DemoStack(ledger, crypto, clock, MemoryProfileRepository(), operator)


def evm_stack(*, engine: str = "eth-tester", start: int | None = None) -> DemoStack:
    """The five contracts freshly deployed on an in-process EVM (eth-tester or revm) by the
    demo operator, who signs for everyone in the demo's cast."""
    crypto = EthCrypto()
    clock: Clock = SystemClock() if start is None else ManualClock(start)
    operator = operator_person(crypto)
    cast = [operator, *(person(name, crypto) for name in CAST)]
    keys = {someone.address: someone.key for someone in cast}
    ledger = local_evm_ledger(operator.address, clock, engine=engine, keys=keys)
    return DemoStack(ledger, crypto, clock, MemoryProfileRepository(), operator)


def tron_stack(*, start: int | None = None) -> DemoStack:
    """The five contracts freshly deployed on a local TRON node in this process (reached through
    tronpy) by the demo operator, who signs for everyone in the demo's cast."""
    crypto = EthCrypto()
    clock: Clock = SystemClock() if start is None else ManualClock(start)
    operator = operator_person(crypto)
    cast = [operator, *(person(name, crypto) for name in CAST)]
    keys = {someone.address: someone.key for someone in cast}
    ledger = local_tron_ledger(operator.address, clock, keys=keys)
    return DemoStack(ledger, crypto, clock, MemoryProfileRepository(), operator)
