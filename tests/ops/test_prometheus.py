"""Prometheus, started from deploy/prometheus/prometheus.yml with the alert rules beside it,
scrapes every API process and the balancer: its HTTP API shows every target up, each API
process's own DCMX metrics, and the alert rules loaded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from tests.ops.conftest import Fleet
from tests.ops.programs import ALERT_RULES, start_prometheus

SCRAPED_SECONDS = 20.0


@pytest.fixture(scope="module")
def prometheus(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a Prometheus scraping the fleet every second."""
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"), fleet.ports)
    try:
        yield f"http://127.0.0.1:{fleet.ports.prometheus}"
    finally:
        server.stop()


def query(prometheus: str, promql: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": promql}, timeout=5)
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["data"]["result"]
    return results


def by_instance(results: list[dict[str, Any]]) -> dict[str, str]:
    return {result["metric"]["instance"]: result["value"][1] for result in results}


def scraped(prometheus: str, promql: str, count: int) -> dict[str, str]:
    """The value of ``promql`` by instance once it has ``count`` of them."""
    deadline = time.monotonic() + SCRAPED_SECONDS
    while True:
        found = by_instance(query(prometheus, promql))
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_every_api_process_and_the_balancer_are_scraped_and_up(
    fleet: Fleet, prometheus: str
) -> None:
    apis = {f"127.0.0.1:{port}" for port in fleet.ports.apis}
    balancer = f"127.0.0.1:{fleet.ports.stats}"
    assert scraped(prometheus, 'up{job="dcmx"} == 1', 3).keys() == apis
    assert scraped(prometheus, 'up{job="haproxy"} == 1', 1).keys() == {balancer}


def test_each_api_process_reports_its_chain_and_read_models(fleet: Fleet, prometheus: str) -> None:
    apis = {f"127.0.0.1:{port}" for port in fleet.ports.apis}
    assert scraped(prometheus, "dcmx_ledger_up", 3) == dict.fromkeys(apis, "1")
    assert scraped(prometheus, "dcmx_read_models_lag_blocks", 3).keys() == apis
    # The balancer's own figures: each API process in service, as its health check finds it.
    servers = query(prometheus, 'haproxy_server_status{proxy="dcmx_api",state="UP"}')
    assert {result["metric"]["server"]: result["value"][1] for result in servers} == {
        "api-1": "1",
        "api-2": "1",
        "api-3": "1",
    }


def test_prometheus_loads_the_shipped_alert_rules(prometheus: str) -> None:
    shipped = yaml.safe_load(ALERT_RULES.read_text(encoding="utf-8"))
    names = [rule["alert"] for group in shipped["groups"] for rule in group["rules"]]
    answer = httpx.get(f"{prometheus}/api/v1/rules", timeout=5).json()
    loaded = [rule for group in answer["data"]["groups"] for rule in group["rules"]]
    assert [rule["name"] for rule in loaded] == names
    assert {rule["health"] for rule in loaded} <= {"ok", "unknown"}
    assert {rule["state"] for rule in loaded if rule["name"] == "DcmxLedgerDown"} == {"inactive"}
