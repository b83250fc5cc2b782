"""The HTTP API reference, rendered from the OpenAPI document of the API with its write side
on (what ``/openapi.json`` serves), and the problem types from the API's own list of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.model.values import Address
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.problems import known_problems
from dcmx_entrypoints.http.writing import Operator

from .text import code, plain, prose

METHODS = ("get", "put", "post", "patch", "delete")


def openapi() -> dict[str, Any]:
    """The OpenAPI document of the whole API (reads, writes, operations)."""
    crypto, clock = EthCrypto(), ManualClock(0)
    ledger = MemoryLedger(admin=Address(bytes(19) + b"\x01"), crypto=crypto, clock=clock)
    read_models = MemoryUnitOfWork()
    app = create_app(
        unit_of_work=lambda: read_models,
        chain="reference",
        ledger=ledger,
        keccak=crypto.keccak256,
        operator=Operator(ledger=ledger, address=None, crypto=crypto, clock=clock),
    )
    document: dict[str, Any] = app.openapi()
    return document


def page() -> str:
    """The whole page."""
    document = openapi()
    info = document["info"]
    lines = [
        "# HTTP API\n",
        f"{info['title']}, OpenAPI {document['openapi']}. A running server",
        "serves this document at `/openapi.json` and Swagger UI at `/docs`.\n",
        prose(info.get("description", "")) + "\n",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, method, operation in operations(document):
        by_tag.setdefault((operation.get("tags") or ["other"])[0], []).append(
            (path, method, operation)
        )
    for tag, found in by_tag.items():
        lines.append(f"## {tag.capitalize()}\n")
        for path, method, operation in found:
            lines += list(_operation(path, method, operation))
    lines.append("## Schemas\n")
    for name, schema in document["components"]["schemas"].items():
        lines += list(_schema(name, schema))
    lines += list(_problems())
    return "\n".join(lines)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every route of the document: its path, method and operation."""
    for path, methods in document["paths"].items():
        for method in METHODS:
            if method in methods:
                yield path, method, methods[method]


def schema_anchor(name: str) -> str:
    return "schema-" + name.lower().replace("_", "-")


def _operation(path: str, method: str, operation: dict[str, Any]) -> Iterator[str]:
    yield f"### {method.upper()} {path}\n"
    yield prose(operation.get("summary", "")) + "\n"
    if operation.get("description"):
        yield prose(operation["description"]) + "\n"
    if operation.get("security"):
        yield "Authentication: an API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`).\n"
    parameters = operation.get("parameters", [])
    if parameters:
        yield "| Parameter | In | Type | Required | Meaning |\n| --- | --- | --- | --- | --- |"
        for parameter in parameters:
            shape = _type(parameter.get("schema", {}))
            yield (
                f"| `{parameter['name']}` | {parameter['in']} | {shape} "
                f"| {'yes' if parameter.get('required') else 'no'} "
                f"| {_cell(parameter.get('description', ''))} |"
            )
        yield ""
    body = operation.get("requestBody")
    if body:
        for media, content in body.get("content", {}).items():
            yield f"Body ({media}): {_type(content.get('schema', {}))}.\n"
    yield "| Status | Meaning | Body |\n| --- | --- | --- |"
    for status, answer in operation.get("responses", {}).items():
        content = answer.get("content", {})
        shapes = sorted({_type(c.get("schema", {})) for c in content.values() if c.get("schema")})
        yield f"| {status} | {_cell(answer.get('description', ''))} | {', '.join(shapes)} |"
    yield ""


def _schema(name: str, schema: dict[str, Any]) -> Iterator[str]:
    yield f"### {plain(name)} {{ #{schema_anchor(name)} }}\n"
    if schema.get("description"):
        yield prose(schema["description"]) + "\n"
    properties = schema.get("properties", {})
    if not properties:
        yield f"Type: {_type(schema)}.\n"
        return
    required = set(schema.get("required", []))
    yield "| Field | Type | Required | Meaning |\n| --- | --- | --- | --- |"
    for field, shape in properties.items():
        yield (
            f"| `{field}` | {_type(shape)} | {'yes' if field in required else 'no'} "
            f"| {_cell(shape.get('description', ''))} |"
        )
    yield ""


def _problems() -> Iterator[str]:
    yield "## Problem types\n"
    yield (
        "Every error is an RFC 9457 problem document (`application/problem+json`) whose `type`"
        " names its kind; `GET /problems/{kind}` describes a kind.\n"
    )
    yield "| Kind | Status | Title | Meaning |\n| --- | --- | --- | --- |"
    for name, kind in sorted(known_problems().items()):
        yield f"| `{name}` | {kind.status} | {_cell(kind.title)} | {_cell(kind.description)} |"
    yield ""


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{plain(name)}](#{schema_anchor(name)})"
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            parts = [_type(part) for part in schema[combined]]
            return " or ".join(dict.fromkeys(parts))
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        return f"object of {_type(extra)}" if isinstance(extra, dict) else "object"
    if "enum" in schema:
        return "one of " + ", ".join(code(str(value)) for value in schema["enum"])
    shown = str(kind)
    if schema.get("format"):
        shown += f" ({schema['format']})"
    return shown


def _cell(text: str) -> str:
    """Text for a table cell: one line."""
    return prose(text).replace("\n\n", "<br>").replace("\n", " ")
