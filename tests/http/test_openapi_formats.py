"""The OpenAPI document names the formats a client must write and read: addresses (hex or
base58check), page cursors, amounts as decimal strings; and a route with a body names the 408
its body may time out with."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from dcmx_core.model.values import Address
from dcmx_entrypoints.http.write_schemas import ADDRESS_FORMAT
from tests.http.writes import world


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    with world() as w:
        found: dict[str, Any] = w.api.get("/openapi.json").json()
        return found


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_address_parameter_is_named_an_address(document: dict[str, Any]) -> None:
    seen = 0
    for path, _, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in {"address", "user"}:
                assert parameter["schema"]["format"] == "address", path
                seen += 1
    assert seen >= 3


def test_the_address_examples_are_what_the_pattern_says() -> None:
    pattern = re.compile(ADDRESS_FORMAT["x-pattern"])
    for example in ADDRESS_FORMAT["examples"]:
        assert pattern.fullmatch(example)
        assert Address.parse(example).to_hex().startswith("0x5290")


def test_every_page_cursor_is_named_a_cursor(document: dict[str, Any]) -> None:
    cursors = [
        parameter["schema"]
        for _, _, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "after"
    ]
    assert cursors
    assert all(schema["format"] == "cursor" for schema in cursors)


def test_amounts_are_decimal_strings(document: dict[str, Any]) -> None:
    amounts = [
        prop
        for schema in document["components"]["schemas"].values()
        for name, prop in schema.get("properties", {}).items()
        if name in {"amount", "price"}
    ]
    assert amounts
    assert all(prop.get("type") == "string" and "pattern" in prop for prop in amounts)


def test_every_route_with_a_body_names_the_timeout(document: dict[str, Any]) -> None:
    with_body = [
        (path, method, operation)
        for path, method, operation in _operations(document)
        if "requestBody" in operation
    ]
    assert with_body
    for path, method, operation in with_body:
        assert "408" in operation["responses"], f"{method.upper()} {path}"
