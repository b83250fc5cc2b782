"""A body above the limit is a 413 problem; too many requests from one API key, one client or
one signing address are a 429 problem with Retry-After; the buckets refill at their rate."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from dcmx_core.model.access import Scope
from dcmx_core.model.enums import Pool
from dcmx_core.services import rewards
from dcmx_entrypoints.http.limits import Rate, RateLimiter
from dcmx_entrypoints.http.problems import ApiRefusal
from dcmx_entrypoints.http.writing import WriteLimits
from tests.http.writes import ETH, World, signed_claim, user, world

DEE, ELI = user("Dee"), user("Eli")


def open_pool(w: World) -> None:
    rewards.fund_pool(
        w.stack.ledger, w.operator.address, Pool.LISTENING, 1_000 * ETH, daily_limit=100 * ETH
    )


def proof(n: int) -> str:
    return "0x" + f"{n:064x}"


@pytest.fixture
def small() -> Iterator[World]:
    with world(body_max=2_048) as fresh:
        yield fresh


def test_a_body_declared_too_large_is_a_413_problem(small: World) -> None:
    response = small.api.post(
        "/v1/releases",
        content=b"{" + b" " * 4_000 + b"}",
        headers={"content-type": "application/json"} | small.auth(Scope.ADMIN),
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/request-too-large"
    assert response.json()["limit"] == 2_048


def test_a_chunked_body_growing_too_large_is_a_413_problem(small: World) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 500

    response = small.api.post(
        "/v1/signed/claims", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


def test_the_default_limit_is_64_kib() -> None:
    with world() as w:
        body = {"version": 1, "text": "x" * 65_536}
        response = w.api.post(
            "/v1/documents/terms_of_service/versions", json=body, headers=w.auth(Scope.ADMIN)
        )
        assert (response.status_code, response.json()["limit"]) == (413, 65_536)


def test_a_body_within_the_limit_gets_through(small: World) -> None:
    response = small.api.post(
        "/v1/documents/terms_of_service/versions",
        json={"version": 1, "text": "x" * 1_000},
        headers=small.auth(Scope.ADMIN),
    )
    assert response.status_code == 201, response.text


def test_too_many_requests_from_one_key_are_a_429_problem() -> None:
    with world(limits=WriteLimits(key_rate=Rate(6, 2))) as w:
        auth = w.auth(Scope.SALES_WRITE)
        codes = [
            w.api.post("/v1/payouts/withdrawals", json={"currency": "0x" + "00" * 20}, headers=auth)
            for _ in range(3)
        ]
        assert [c.status_code for c in codes] == [409, 409, 429]
        assert codes[2].json()["type"] == "/problems/rate-limited"
        assert codes[2].headers["retry-after"] == "10"  # 6 a minute: one every 10 s
        other = w.api.post(
            "/v1/payouts/withdrawals",
            json={"currency": "0x" + "00" * 20},
            headers=w.auth(Scope.ADMIN),
        )
        assert other.status_code == 409  # another key has its own bucket


def test_too_many_signed_requests_from_one_client_are_a_429_problem() -> None:
    with world(limits=WriteLimits(signed_rate=Rate(60, 2))) as w:
        open_pool(w)
        bodies = [
            signed_claim(w, DEE, proof=proof(1)),
            signed_claim(w, ELI, proof=proof(2)),
            signed_claim(w, user("Cy"), proof=proof(3)),
        ]
        answers = [w.api.post("/v1/signed/claims", json=body) for body in bodies]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert answers[2].json()["type"] == "/problems/rate-limited"
        assert int(answers[2].headers["retry-after"]) >= 1


def test_the_signing_address_has_a_limit_of_its_own() -> None:
    limits = WriteLimits(signed_rate=Rate(60, 3))
    with world(limits=limits) as w:
        open_pool(w)
        w.api.post("/v1/signed/claims", json=signed_claim(w, DEE, proof=proof(1)))
        # A bad signature for Dee's address spends only the client's token, not Dee's.
        w.api.post("/v1/signed/claims", json=signed_claim(w, ELI, as_user=DEE, proof=proof(2)))
        third = w.api.post("/v1/signed/claims", json=signed_claim(w, DEE, proof=proof(3)))
        assert third.status_code == 201, third.text


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_refills_at_its_rate() -> None:
    time = FakeTime()
    limiter = RateLimiter(Rate(60, 2), now=time)
    limiter.take("k", "key")
    limiter.take("k", "key")
    with pytest.raises(ApiRefusal) as refused:
        limiter.take("k", "key")
    assert refused.value.headers == {"Retry-After": "1"}
    time.now += 1.0
    limiter.take("k", "key")
    with pytest.raises(ApiRefusal):
        limiter.take("k", "key")


def test_a_bucket_never_holds_more_than_its_burst() -> None:
    time = FakeTime()
    limiter = RateLimiter(Rate(60, 2), now=time)
    time.now += 3_600
    limiter.take("k", "key")
    limiter.take("k", "key")
    with pytest.raises(ApiRefusal):
        limiter.take("k", "key")


def test_buckets_are_per_key() -> None:
    limiter = RateLimiter(Rate(1, 1), now=FakeTime())
    limiter.take("a", "key")
    limiter.take("b", "key")
    with pytest.raises(ApiRefusal):
        limiter.take("a", "key")
