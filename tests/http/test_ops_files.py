"""The dashboard and the alert rules shipped in deploy/ name only metrics the API exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_adapters.sql.notice_listeners import InProcessNotices
from dcmx_entrypoints.container import serving_engine
from dcmx_entrypoints.demo.stacks import memory_stack
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.app import LedgerWatch
from dcmx_entrypoints.http.health import Replica, Replication
from dcmx_entrypoints.http.writing import Operator
from tests.http.client import api_client
from tests.http.conftest import CHAIN, CRYPTO

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
METRIC = re.compile(r"\bdcmx_[a-z0-9_]+")
SUFFIXES = ("_bucket", "_count", "_sum")


def exposed_names(tmp_path: Path) -> set[str]:
    """Every metric and sample name an API with writes, a database pool, a read replica and the
    live event stream exposes."""
    stack = memory_stack(start=1_767_225_600)
    operator = Operator(stack.ledger, stack.operator.address, CRYPTO, stack.clock)
    engine = serving_engine(f"sqlite:///{tmp_path}/names.sqlite3")
    uow = MemoryUnitOfWork()
    app = create_app(
        unit_of_work=lambda: uow,
        chain=CHAIN,
        ledger=stack.ledger,
        keccak=CRYPTO.keccak256,
        operator=operator,
        pool=lambda: engine.pool,
        ledger_watch=LedgerWatch(every=0.0),
        replication=Replication(lambda: uow, CHAIN, [Replica("replica:5432/dcmx", lambda: uow)]),
        notices=InProcessNotices(engine),
    )
    try:
        with api_client(app) as api:
            text = api.get("/metrics").text
    finally:
        engine.dispose()
    typed = set(re.findall(r"^# TYPE (\S+) ", text, re.MULTILINE))
    samples = set(re.findall(r"^(dcmx_\w+)", text, re.MULTILINE))
    return typed | samples


def named_in_rules() -> set[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert len(exprs) >= 6
    return {name for expr in exprs for name in METRIC.findall(expr)}


def named_in_dashboard() -> set[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "dcmx.json").read_text(encoding="utf-8"))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", ())]
    exprs += [str(variable.get("query")) for variable in dashboard["templating"]["list"]]
    assert len(exprs) >= 10
    return {name for expr in exprs for name in METRIC.findall(expr)}


def unknown(names: set[str], exposed: set[str]) -> set[str]:
    def known(name: str) -> bool:
        histogram = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), None)
        return name in exposed or (histogram is not None and histogram in exposed)

    return {name for name in names if not known(name)}


def test_every_metric_the_alert_rules_name_is_exposed(tmp_path: Path) -> None:
    names = named_in_rules()
    assert {"dcmx_ledger_up", "dcmx_operator_balance_low", "dcmx_db_pool_waiting"} <= names
    assert unknown(names, exposed_names(tmp_path)) == set()


def test_every_metric_the_dashboard_names_is_exposed(tmp_path: Path) -> None:
    names = named_in_dashboard()
    assert {"dcmx_ledger_head_age_seconds", "dcmx_operator_energy_left"} <= names
    assert unknown(names, exposed_names(tmp_path)) == set()


def test_a_name_the_api_does_not_expose_is_caught(tmp_path: Path) -> None:
    assert unknown(
        {"dcmx_ledger_upp", "dcmx_http_request_duration_seconds_bucket"}, exposed_names(tmp_path)
    ) == {"dcmx_ledger_upp"}
