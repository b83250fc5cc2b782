"""Schemathesis sends requests generated from the API's own OpenAPI description, in process, to
every operation (writes with a key holding every scope, so that bodies reach the use cases):
whatever it sends, the answer is never a 5xx."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from dcmx_core.model.access import Scope
from dcmx_core.model.enums import Pool
from dcmx_core.services import rewards
from dcmx_entrypoints.http.limits import Rate
from dcmx_entrypoints.http.writing import WriteLimits
from tests.http.writes import ETH, world

EXAMPLES = 15
UNLIMITED = Rate(1_000_000, 1_000_000)


CHAIN_CANNOT = ("/problems/wallets-unsupported", "/problems/sender-unsupported")
"""What a chain that signs for its own accounts answers, by design, to the wallet routes."""


def test_no_generated_request_gets_a_server_error() -> None:
    with world(limits=WriteLimits(key_rate=UNLIMITED, signed_rate=UNLIMITED)) as w:
        rewards.fund_pool(
            w.stack.ledger, w.operator.address, Pool.LISTENING, 1_000 * ETH, daily_limit=ETH
        )
        schema = schemathesis.openapi.from_asgi("/openapi.json", w.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 25
        headers = w.auth(Scope.ADMIN)
        seen: list[int] = []

        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def no_server_error(case: Any) -> None:
                response = case.call(headers=headers if case.method == "POST" else {})
                seen.append(response.status_code)
                if case.path == "/readyz":  # nothing is indexed here: not ready, as documented
                    assert response.status_code in (200, 503)
                    return
                if response.status_code == 501:  # the in-memory chain takes no wallet's signature
                    assert response.json()["type"] in CHAIN_CANNOT, response.text
                    return
                assert response.status_code < 500, (case.method, case.path, response.text)

            no_server_error()
        assert any(200 <= status < 300 for status in seen)
        assert any(400 <= status < 500 for status in seen)
