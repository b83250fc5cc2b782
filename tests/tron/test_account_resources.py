"""The TRON ledger reads what an account may still spend before TRON burns its TRX for fees
(``getaccountresource``), and /metrics tells it for the operator."""

from __future__ import annotations

import re

import pytest

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_adapters.tron.ledger import TronLedger
from dcmx_core.commands import Approve
from dcmx_core.model.royalties import Split
from dcmx_core.model.values import Hash32
from dcmx_core.services import catalog
from dcmx_devnode.local import local_tron_ledger
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.app import LedgerWatch
from dcmx_entrypoints.http.writing import Operator
from tests.factories import ADMIN, ALICE, address, signers
from tests.http.client import api_client
from tests.http.conftest import CRYPTO

START = 1_767_225_600
FREE_BANDWIDTH = 600  # a day's free bandwidth of an account on mainnet


@pytest.fixture(scope="module")
def charging() -> TronLedger:
    """The platform on a local node that charges what mainnet charges."""
    return local_tron_ledger(ADMIN, ManualClock(START), signers=signers(0, 1), free=False)


def publish(ledger: TronLedger, title: str) -> None:
    catalog.publish_release(
        ledger,
        ADMIN,
        artist=ALICE,
        title=title,
        artist_name="a",
        content_hash=Hash32.of(title.encode()),
        max_editions=5,
        royalty_bps=500,
        split=Split((ALICE,), (10_000,)),
    )


def test_a_transaction_uses_up_the_senders_bandwidth(charging: TronLedger) -> None:
    charging.fund(ALICE, 1_000 * 10**6)
    before = charging.resources(ALICE)
    charging.execute(ALICE, Approve(ADMIN, 1))
    after = charging.resources(ALICE)
    assert before.bandwidth_left == FREE_BANDWIDTH
    assert 0 < after.bandwidth_left < FREE_BANDWIDTH
    assert after.energy_left == 0  # nothing staked for energy: calls burn TRX


def test_an_unknown_account_has_no_resources(charging: TronLedger) -> None:
    resources = charging.resources(address(77))
    assert (resources.energy_left, resources.bandwidth_left) == (0, 0)


def sample(text: str, name: str) -> float | None:
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    return None if found is None else float(found.group(1))


def test_metrics_tell_the_operators_energy_and_bandwidth_left(charging: TronLedger) -> None:
    operator = Operator(charging, ADMIN, CRYPTO, ManualClock(START))
    uow = MemoryUnitOfWork()
    app = create_app(
        unit_of_work=lambda: uow,
        chain="tron:local",
        ledger=charging,
        keccak=CRYPTO.keccak256,
        tron_addresses=True,
        operator=operator,
        ledger_watch=LedgerWatch(every=0.0, balance_low=500 * 10**6),
    )
    with api_client(app) as api:
        before = api.get("/metrics").text
        publish(charging, "seen in the metrics")
        after = api.get("/metrics").text
    assert sample(after, "dcmx_operator_bandwidth_left") == charging.resources(ADMIN).bandwidth_left
    assert sample(after, "dcmx_operator_energy_left") == 0.0
    # Prometheus carries float64 samples: a balance is exact up to 2**53 of the smallest unit
    assert sample(after, "dcmx_operator_balance") == float(charging.native_balance(ADMIN))
    assert sample(after, "dcmx_operator_balance") < sample(before, "dcmx_operator_balance")  # type: ignore[operator]
    assert sample(after, "dcmx_operator_balance_low") == 500 * 10**6
