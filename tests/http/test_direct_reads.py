"""The busiest reads are answered before FastAPI's routing (``DirectReads``), and each answer,
a refusal included, is byte for byte, header for header, what FastAPI alone gives."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dcmx_entrypoints.http.direct_reads import DirectReads
from dcmx_entrypoints.http.paging import encode_cursor
from tests.http.client import ApiClient, api_client
from tests.http.conftest import CRYPTO, IndexedDay, app_over

NOBODY = "0x" + "ab" * 20


def paths(day: IndexedDay) -> list[str]:
    someone = day.result.holdings[0].address.to_hex()
    other = day.result.holdings[1].address.to_checksum_hex(CRYPTO.keccak256)
    reads = [
        f"/v1/accounts/{a}/{what}"
        for a in (someone, other, NOBODY)
        for what in ("balance", "editions", "payouts", "claims", "acceptances")
    ]
    return [
        *reads,
        "/v1/stats",
        "/v1/events",
        "/v1/events?limit=3",
        "/v1/events?kind=TokensTransferred&limit=2",
        f"/v1/events?limit=2&after={encode_cursor('events', (3, 0))}",
        "/v1/releases/1",
        "/v1/releases/999",
        f"/v1/accounts/{someone}/editions?limit=1",
        f"/v1/accounts/{someone}/claims?limit=1&after={encode_cursor('claims', (0,))}",
        # what FastAPI answers itself, refusals and readings pydantic allows
        "/v1/events?limit=0",
        "/v1/events?limit=101",
        "/v1/events?limit=050",
        "/v1/events?limit=+5",
        "/v1/events?limit=",
        "/v1/events?limit=2&limit=3",
        "/v1/events?kind=NoSuchEvent",
        "/v1/events?after=not-a-cursor",
        f"/v1/events?after={encode_cursor('claims', (1,))}",
        "/v1/events?unknown=1",
        "/v1/stats?x=1",
        "/v1/releases/0",
        "/v1/releases/01",
        "/v1/releases/9223372036854775808",
        "/v1/releases/-1",
        "/v1/releases/one",
        "/v1/accounts/0x1234/balance",
        "/v1/accounts/" + "a" * 65 + "/balance",
        f"/v1/accounts/{someone}/balance?limit=3",
        f"/v1/accounts/{someone}/payouts?after=bad",
        f"/v1/accounts/{someone}/acceptances?after={encode_cursor('acceptances', (1, 99, 1))}",
        f"/v1/accounts/{someone}/nothing",
        "/v1/stats/",
        "/v1/releases/1/",
    ]


def answers(client: ApiClient, path: str) -> httpx.Response:
    return client.request("GET", path)


def test_every_direct_read_and_refusal_is_what_fastapi_answers(
    day: IndexedDay, day_api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in paths(day):  # twice: the first read of a route is FastAPI's
        answers(day_api, path)
    direct = {path: answers(day_api, path) for path in paths(day)}
    monkeypatch.setattr(DirectReads, "_matched", lambda _self, _path: None)
    for path, answer in direct.items():
        alone = answers(day_api, path)
        assert (answer.status_code, answer.content) == (alone.status_code, alone.content), path
        assert answer.headers.multi_items() == alone.headers.multi_items(), path


def test_a_direct_read_does_not_reach_fastapis_routing(
    day: IndexedDay, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_over(day.uow, day.ledger)
    someone = day.result.holdings[0].address.to_hex()
    reads = [f"/v1/accounts/{someone}/balance", "/v1/stats", "/v1/events?limit=2"]
    with api_client(app) as client:
        for path in reads:
            answers(client, path)

        async def unreachable(*_: Any) -> None:
            raise AssertionError("routed by FastAPI")

        monkeypatch.setattr(type(app.router), "__call__", unreachable)
        for path in reads:
            assert answers(client, path).status_code == 200, path


def test_direct_reads_are_counted_under_their_routes(day: IndexedDay) -> None:
    someone = day.result.holdings[0].address.to_hex()
    with api_client(app_over(day.uow, day.ledger)) as client:
        for _ in range(3):
            answers(client, f"/v1/accounts/{someone}/balance")
        exposition = answers(client, "/metrics").text
    counted = [
        line
        for line in exposition.splitlines()
        if line.startswith("dcmx_http_requests_total")
        and 'route="/v1/accounts/{address}/balance"' in line
    ]
    assert len(counted) == 1
    assert counted[0].endswith(" 3.0")
