"""A keyed route asks for the key before it reads the body: a body that is not JSON, sent
without a key or with a wrong one, is a 401 (or a 403 for a key short of the scope); with the
right key it is the 422 of a body that cannot be read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dcmx_core.model.access import Scope
from tests.http.test_write_operator import ENDPOINTS, PATHS, other_scope
from tests.http.writes import World, world

MALFORMED = b'{"title": "Midnight Static", '
JSON = {"content-type": "application/json"}


@pytest.fixture
def w() -> Iterator[World]:
    with world() as fresh:
        yield fresh


@pytest.mark.parametrize(("path", "scope"), [(p, s) for p, s, _ in ENDPOINTS], ids=PATHS)
def test_malformed_json_without_a_key_is_a_401_problem(w: World, path: str, scope: Scope) -> None:
    response = w.api.post(path, content=MALFORMED, headers=JSON)
    assert response.status_code == 401, response.text
    assert response.json()["type"] == "/problems/api-key-missing"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_malformed_json_with_a_key_not_issued_is_a_401_problem(w: World) -> None:
    headers = {**JSON, "Authorization": "Bearer dcmx_0123456789abcdef_" + "A" * 43}
    response = w.api.post("/v1/releases", content=MALFORMED, headers=headers)
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/api-key-invalid"


def test_malformed_json_with_a_key_short_of_the_scope_is_a_403_problem(w: World) -> None:
    headers = {**JSON, **w.auth(other_scope(Scope.RELEASES_WRITE))}
    response = w.api.post("/v1/releases", content=MALFORMED, headers=headers)
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/scope-missing"


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_malformed_json_with_the_right_key_is_a_422_problem(w: World, header: str) -> None:
    token = w.tokens[Scope.RELEASES_WRITE]
    value = f"Bearer {token}" if header == "Authorization" else token
    response = w.api.post("/v1/releases", content=MALFORMED, headers={**JSON, header: value})
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation-error"
