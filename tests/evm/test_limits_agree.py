"""The documented limits are one rule: at each edge the contracts and the core accept and refuse
the same commands (the state machine draws small splits, so the split's edge is checked here)."""

from __future__ import annotations

import pytest

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.ledger import local_evm_ledger
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_core import commands as c
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.nft import MAX_EDITIONS
from dcmx_core.model.royalties import MAX_PLATFORM_FEE_BPS, MAX_ROYALTY_BPS, MAX_SPLIT_RECIPIENTS
from dcmx_core.model.values import Hash32
from dcmx_core.ports import DevLedger
from tests.factories import ADMIN, ALICE, address

START = 1_767_225_600


def release(recipients: int, *, royalty: int = 1_000, editions: int = 5) -> c.Command:
    people = tuple(address(100 + n) for n in range(recipients))
    shares = [10_000 // recipients] * recipients
    shares[0] += 10_000 - sum(shares)
    content = Hash32.of(b"%d %d %d" % (recipients, royalty, editions))
    return c.CreateRelease(ALICE, "T", "A", content, editions, royalty, people, tuple(shares))


EDGES = [
    release(MAX_SPLIT_RECIPIENTS),
    release(MAX_SPLIT_RECIPIENTS + 1),
    release(1, royalty=MAX_ROYALTY_BPS),
    release(1, royalty=MAX_ROYALTY_BPS + 1),
    release(1, editions=MAX_EDITIONS),
    release(1, editions=MAX_EDITIONS + 1),
    c.SetPlatformFee(MAX_PLATFORM_FEE_BPS, ADMIN),
    c.SetPlatformFee(MAX_PLATFORM_FEE_BPS + 1, ADMIN),
]


def outcome(ledger: DevLedger, command: c.Command) -> str:
    try:
        ledger.execute(ADMIN, command)
    except DcmxError as error:
        return type(error).__name__
    return "ok"


@pytest.fixture(scope="module")
def ledgers() -> tuple[DevLedger, DevLedger]:
    memory = MemoryLedger(admin=ADMIN, crypto=EthCrypto(), clock=ManualClock(START))
    return memory, local_evm_ledger(ADMIN, ManualClock(START), engine="revm")


@pytest.mark.parametrize("command", EDGES, ids=lambda x: type(x).__name__)
def test_the_contracts_and_the_core_agree_at_each_limit(
    ledgers: tuple[DevLedger, DevLedger], command: c.Command
) -> None:
    memory, evm = ledgers
    assert outcome(evm, command) == outcome(memory, command)


def test_the_edges_are_really_edges() -> None:
    fresh = MemoryLedger(admin=ADMIN, crypto=EthCrypto(), clock=ManualClock(START))
    assert [outcome(fresh, command) for command in EDGES] == ["ok", "InvalidSplit"] + [
        "ok",
        "OutOfRange",
    ] * 3
