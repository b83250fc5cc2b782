"""The demo's ledgers: a fresh chain of this process from the container, administered by the
demo's operator, who (with the cast) signs for everyone in the scenario."""

from __future__ import annotations

from typing import cast

from attrs import frozen
from dependency_injector import providers

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_core.ports import Clock, DevLedger, ProfileRepository
from dcmx_entrypoints.container import Container, container_for
from dcmx_entrypoints.demo.cast import OPERATOR, Person, demo_cast, person
from dcmx_entrypoints.settings import EvmEngine, LedgerKind, Settings


@frozen
class DemoStack:
    """Everything the demo needs, wired."""

    ledger: DevLedger
    crypto: EthCrypto
    clock: Clock
    profiles: ProfileRepository
    operator: Person


def operator_person(crypto: EthCrypto | None = None) -> Person:
    return person(OPERATOR, crypto)


def with_demo_cast(container: Container) -> Container:
    """``container`` with the demo's operator as the operator and the cast as the other
    senders: for a chain of this process only (``dcmx demo``, ``dcmx up``, a local ledger)."""
    people = demo_cast(container.crypto())
    container.operator_signer.override(providers.Object(people[0].signer))
    container.senders.override(providers.Object(tuple(p.signer for p in people[1:])))
    return container


def _stack(settings: Settings, start: int | None) -> DemoStack:
    container = with_demo_cast(container_for(settings))
    if start is not None:
        container.clock.override(providers.Object(ManualClock(start)))
    return DemoStack(
        cast(DevLedger, container.ledger()),  # a chain of this process: it has them all
        container.crypto(),
        container.clock(),
        container.profiles(),
        operator_person(container.crypto()),
    )


def memory_stack(*, start: int | None = None) -> DemoStack:
    """The rules themselves on the in-memory ledger; a fixed clock when ``start`` is given
    (reproducible runs), the system clock otherwise."""
    return _stack(Settings(ledger=LedgerKind.MEMORY), start)


def evm_stack(*, engine: str = "eth-tester", start: int | None = None) -> DemoStack:
    """The five contracts freshly deployed on an in-process EVM (eth-tester or revm)."""
    return _stack(Settings(ledger=LedgerKind.EVM, evm_engine=EvmEngine(engine)), start)


def tron_stack(*, start: int | None = None) -> DemoStack:
    """The five contracts freshly deployed on a local TRON node in this process, reached
    through tronpy."""
    return _stack(Settings(ledger=LedgerKind.TRON, tron_network="local"), start)
