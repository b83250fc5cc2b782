"""What /metrics tells an operator beyond requests: the ledger up and its head's age, the read
models' lag in blocks and seconds, the operator's balance for fees against its low-water mark,
transactions sent and failed by reason, and the database pool; and that a ledger that fails or
hangs never makes a scrape slow or failed."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine

from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.pool import WaitCountedQueuePool, pool_figures
from dcmx_core.model.access import Scope
from dcmx_core.ports import Block, DevLedger
from dcmx_core.read_models import Checkpoint
from dcmx_entrypoints.container import serving_engine
from dcmx_entrypoints.demo.stacks import memory_stack
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.app import LedgerWatch
from dcmx_entrypoints.http.counted_ledger import failure_reason
from dcmx_entrypoints.http.writing import Operator
from tests.factories import digest
from tests.http.client import api_client
from tests.http.conftest import CHAIN, CRYPTO
from tests.http.writes import world

START = 1_767_225_600
EVERY_SCRAPE = LedgerWatch(every=0.0, timeout=2.0)


def sample(text: str, name: str) -> float | None:
    """The value of the sample ``name`` (labels included) in an exposition, if there is one."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return None if found is None else float(found.group(1))


def app_over_ledger(
    ledger: object,
    uow: MemoryUnitOfWork | None = None,
    *,
    operator: Operator | None = None,
    watch: LedgerWatch = EVERY_SCRAPE,
    pool: Callable[[], object] | None = None,
) -> FastAPI:
    models = uow or MemoryUnitOfWork()
    return create_app(
        unit_of_work=lambda: models,
        chain=CHAIN,
        ledger=ledger,  # type: ignore[arg-type]
        keccak=CRYPTO.keccak256,
        operator=operator,
        ledger_watch=watch,
        pool=pool,  # type: ignore[arg-type]
    )


def checkpoint_at(uow: MemoryUnitOfWork, ledger: DevLedger, number: int) -> None:
    with uow:
        uow.checkpoints.set_checkpoint(Checkpoint(CHAIN, number, ledger.block(number).hash))
        uow.commit()


def test_metrics_tell_the_ledger_answers_and_its_head_moves() -> None:
    ledger = memory_stack(start=START).ledger
    with api_client(app_over_ledger(ledger)) as api:
        before = api.get("/metrics").text
        ledger.mine(3)
        after = api.get("/metrics").text
    head = ledger.head().number
    assert sample(before, "dcmx_ledger_up") == 1.0
    assert sample(before, "dcmx_ledger_head_block") == head - 3
    assert sample(after, "dcmx_ledger_head_block") == head


def test_the_head_age_is_the_time_since_the_head_block() -> None:
    ledger = memory_stack(start=START).ledger
    with api_client(app_over_ledger(ledger)) as api:
        text = api.get("/metrics").text
    age = sample(text, "dcmx_ledger_head_age_seconds")
    assert age is not None
    assert abs(age - (time.time() - ledger.head().timestamp)) < 5


def test_the_read_models_lag_in_blocks_and_seconds() -> None:
    ledger = memory_stack(start=START).ledger
    uow = MemoryUnitOfWork()
    ledger.mine(1)
    ledger.warp(60)
    ledger.mine(4)
    with api_client(app_over_ledger(ledger, uow)) as api:
        nothing = api.get("/metrics").text
        checkpoint_at(uow, ledger, 1)
        behind = api.get("/metrics").text
        checkpoint_at(uow, ledger, ledger.head().number)
        caught_up = api.get("/metrics").text
    head = ledger.head()
    assert sample(nothing, "dcmx_read_models_block") == -1.0
    assert sample(nothing, "dcmx_read_models_lag_blocks") == head.number + 1
    assert sample(behind, "dcmx_read_models_lag_blocks") == head.number - 1
    assert (
        sample(behind, "dcmx_read_models_lag_seconds") == head.timestamp - ledger.block(1).timestamp
    )
    assert sample(behind, "dcmx_read_models_lag_seconds") >= 60  # type: ignore[operator]
    assert sample(caught_up, "dcmx_read_models_lag_blocks") == 0.0
    assert sample(caught_up, "dcmx_read_models_lag_seconds") == 0.0


class Unreachable:
    def head(self) -> Block:
        raise ConnectionRefusedError("the node does not answer")

    def block(self, number: int) -> Block:
        raise ConnectionRefusedError("the node does not answer")


class Hanging:
    """A node that takes ``seconds`` to answer anything."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.released = threading.Event()

    def head(self) -> Block:
        self.released.wait(self.seconds)
        return Block(1, digest("head"), digest("parent"), START)

    def block(self, number: int) -> Block:
        return self.head()


def test_an_unreachable_ledger_is_up_0_and_the_scrape_still_answers() -> None:
    # A node that refuses at once is not waited for: the timeout is far above what the scrape takes.
    with api_client(app_over_ledger(Unreachable(), watch=LedgerWatch(timeout=30.0))) as api:
        began = time.perf_counter()
        response = api.get("/metrics")
        took = time.perf_counter() - began
    assert response.status_code == 200
    assert sample(response.text, "dcmx_ledger_up") == 0.0
    assert sample(response.text, "dcmx_ledger_head_block") is None
    assert sample(response.text, "dcmx_read_models_lag_blocks") is None
    assert took < 10.0


def test_a_ledger_that_hangs_is_up_0_after_the_timeout_not_a_slow_scrape() -> None:
    node = Hanging(30.0)
    watch = LedgerWatch(every=0.0, timeout=0.3)
    try:
        with api_client(app_over_ledger(node, watch=watch)) as api:
            began = time.perf_counter()
            first = api.get("/metrics")
            second = api.get("/metrics")
            took = time.perf_counter() - began
    finally:
        node.released.set()
    assert (first.status_code, second.status_code) == (200, 200)
    assert sample(first.text, "dcmx_ledger_up") == 0.0
    assert sample(second.text, "dcmx_ledger_up") == 0.0
    assert took < 10.0  # neither scrape waits for the 30 s read still in flight


def test_the_ledger_is_read_at_most_every_few_seconds() -> None:
    ledger = memory_stack(start=START).ledger
    with api_client(app_over_ledger(ledger, watch=LedgerWatch(every=60.0))) as api:
        before = api.get("/metrics").text
        ledger.mine(2)
        cached = api.get("/metrics").text
    assert sample(cached, "dcmx_ledger_head_block") == sample(before, "dcmx_ledger_head_block")


def operator_on(ledger: DevLedger, address: object) -> Operator:
    stack = memory_stack(start=START)
    return Operator(ledger=ledger, address=address, crypto=CRYPTO, clock=stack.clock)  # type: ignore[arg-type]


def test_the_operators_balance_and_its_low_water_mark() -> None:
    stack = memory_stack(start=START)
    operator = operator_on(stack.ledger, stack.operator.address)
    watch = LedgerWatch(every=0.0, balance_low=5 * 10**17)
    with api_client(app_over_ledger(stack.ledger, operator=operator, watch=watch)) as api:
        before = api.get("/metrics").text
        stack.ledger.fund(stack.operator.address, 10**18)
        after = api.get("/metrics").text
    balance = sample(before, "dcmx_operator_balance")
    assert balance == stack.ledger.native_balance(stack.operator.address) - 10**18
    assert sample(after, "dcmx_operator_balance") == balance + 10**18  # type: ignore[operator]
    assert sample(after, "dcmx_operator_balance_low") == 5 * 10**17
    assert sample(after, "dcmx_operator_energy_left") is None  # TRON's alone


def test_an_api_without_writes_tells_no_operator_balance() -> None:
    with api_client(app_over_ledger(memory_stack(start=START).ledger)) as api:
        text = api.get("/metrics").text
    assert sample(text, "dcmx_operator_balance") is None
    assert sample(text, "dcmx_operator_balance_low") is None


def test_transactions_sent_and_failed_by_reason() -> None:
    with world() as w:
        withdraw = {"currency": "0x" + "00" * 20}
        for _ in range(2):
            refused = w.api.post(
                "/v1/payouts/withdrawals", json=withdraw, headers=w.auth(Scope.SALES_WRITE)
            )
            assert refused.status_code == 409
        registered = w.api.post(
            "/v1/documents/terms_of_service/versions",
            json={"version": 1, "text": "Be nice."},
            headers=w.auth(Scope.COMPLIANCE_WRITE),
        )
        text = w.api.get("/metrics").text
    assert registered.status_code == 201, registered.text
    assert sample(text, "dcmx_transactions_sent_total") == 3.0
    assert sample(text, 'dcmx_transactions_failed_total{reason="nothing-to-withdraw"}') == 2.0


def test_a_node_that_cannot_be_reached_fails_as_unreachable() -> None:
    import requests

    assert failure_reason(ConnectionRefusedError()) == "unreachable"
    assert failure_reason(TimeoutError()) == "unreachable"
    assert failure_reason(requests.ConnectionError("no route")) == "unreachable"


def test_the_pool_tells_its_size_and_connections_in_use(tmp_path: object) -> None:
    engine = serving_engine(f"sqlite:///{tmp_path}/pool.sqlite3")
    try:
        app = app_over_ledger(memory_stack(start=START).ledger, pool=lambda: engine.pool)
        with api_client(app) as api:
            idle = api.get("/metrics").text
            with engine.connect():
                busy = api.get("/metrics").text
    finally:
        engine.dispose()
    assert sample(idle, "dcmx_db_pool_size") == 5.0  # SQLAlchemy's default for a file
    assert sample(idle, "dcmx_db_pool_connections_max") == 15.0
    assert sample(idle, "dcmx_db_pool_in_use") == 0.0
    assert sample(busy, "dcmx_db_pool_in_use") == 1.0
    assert sample(busy, "dcmx_db_pool_waiting") == 0.0


def exhausted_pool(tmp_path: object) -> Engine:
    return create_engine_for(
        f"sqlite:///{tmp_path}/one.sqlite3",
        poolclass=WaitCountedQueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=10,
    )


def test_the_pool_counts_requests_waiting_for_a_connection(tmp_path: object) -> None:
    engine = exhausted_pool(tmp_path)
    got = threading.Event()

    def ask() -> None:
        with engine.connect():
            got.set()

    try:
        with engine.connect():
            asking = threading.Thread(target=ask)
            asking.start()
            deadline = time.monotonic() + 5
            while pool_figures(engine.pool).waiting != 1 and time.monotonic() < deadline:  # type: ignore[union-attr]
                time.sleep(0.01)
            waiting = pool_figures(engine.pool)
        asking.join(5)
        after = pool_figures(engine.pool)
    finally:
        engine.dispose()
    assert waiting is not None
    assert (waiting.in_use, waiting.waiting) == (1, 1)
    assert got.is_set()
    assert after is not None
    assert (after.in_use, after.waiting) == (0, 0)


def test_an_in_memory_database_has_no_pool_figures() -> None:
    engine = serving_engine("sqlite://")
    try:
        app = app_over_ledger(memory_stack(start=START).ledger, pool=lambda: engine.pool)
        with api_client(app) as api:
            text = api.get("/metrics").text
    finally:
        engine.dispose()
    assert "# TYPE dcmx_db_pool_in_use gauge" in text
    assert sample(text, "dcmx_db_pool_in_use") is None
