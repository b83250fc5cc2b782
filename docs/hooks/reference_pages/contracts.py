"""The contracts reference: every function, event and error of the five DCMX contracts, from
their compiled artifacts (the ABI says what there is, the compiler's userdoc and devdoc what the
NatSpec says of it). ``nox -s contracts_check`` keeps the artifacts equal to the sources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from dcmx_adapters.evm.artifacts import build_directory

from .text import code, prose

CONTRACTS = ("DCMXToken", "MusicNFT", "RoyaltyDistributor", "RewardVault", "ComplianceRegistry")

INTRO = """# Contracts

The five DCMX contracts (Solidity 0.8.30, OpenZeppelin 5), the same bytecode on EVM chains and
on TRON. Each section lists what a contract's ABI holds: its functions, events and custom errors,
inherited ones included, with what the sources' NatSpec says of them (`@notice` for users,
`@dev` for developers). Each custom error is named after the domain error of `dcmx_core` that a
revert translates back to.
"""


def page() -> str:
    """The whole page."""
    lines = [INTRO]
    for name in CONTRACTS:
        lines += list(_contract(load(name)))
    return "\n".join(lines)


def load(name: str) -> dict[str, Any]:
    """A contract's compiled artifact."""
    artifact: dict[str, Any] = json.loads((build_directory() / f"{name}.json").read_text())
    return artifact


def canonical_type(parameter: dict[str, Any]) -> str:
    """A parameter's type as signatures spell it (tuples expanded)."""
    kind = str(parameter["type"])
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(part) for part in parameter["components"])
        return f"({inner}){kind.removeprefix('tuple')}"
    return kind


def signature(entry: dict[str, Any]) -> str:
    """``name(type,...)``: how userdoc and devdoc key an entry."""
    types = ",".join(canonical_type(p) for p in entry.get("inputs", []))
    return f"{entry.get('name', entry['type'])}({types})"


def _contract(artifact: dict[str, Any]) -> Iterator[str]:
    name, user, dev = artifact["contractName"], artifact["userdoc"], artifact["devdoc"]
    yield f"## {name}\n"
    if dev.get("title"):
        yield f"**{prose(dev['title'])}**\n"
    for text in (user.get("notice"), dev.get("details")):
        if text:
            yield prose(text) + "\n"
    yield f"Source: `contracts/{artifact['sourceName']}`.\n"
    abi = artifact["abi"]
    sections = (
        ("Functions", [e for e in abi if e["type"] in ("constructor", "function", "receive")]),
        ("Events", [e for e in abi if e["type"] == "event"]),
        ("Errors", [e for e in abi if e["type"] == "error"]),
    )
    for title, entries in sections:
        if not entries:
            continue
        yield f"### {name}: {title.lower()} {{ #{name.lower()}-{title.lower()} }}\n"
        ordered = sorted(entries, key=lambda e: (e["type"] != "constructor", e.get("name", "")))
        names = [entry.get("name", entry["type"]) for entry in ordered]
        for entry in ordered:
            overloaded = names.count(entry.get("name", entry["type"])) > 1
            yield from _entry(name, entry, user, dev, anchor(name, entry, overloaded))


def anchor(contract: str, entry: dict[str, Any], overloaded: bool = False) -> str:
    """The id of an entry's heading: ``musicnft-createrelease``, ``dcmxtoken-event-transfer``;
    an overloaded function's also names its count of inputs."""
    kind = entry["type"]
    parts = [contract, *([kind] if kind in ("event", "error") else []), entry.get("name", kind)]
    if overloaded:
        parts.append(str(len(entry.get("inputs", []))))
    return "-".join(parts).lower()


def _entry(
    contract: str,
    entry: dict[str, Any],
    user: dict[str, Any],
    dev: dict[str, Any],
    heading_id: str,
) -> Iterator[str]:
    kind = entry["type"]
    label = entry.get("name", kind)
    yield f"#### {label} {{ #{heading_id} }}\n"
    yield f"```solidity\n{_declaration(entry)}\n```\n"
    key = "constructor" if kind == "constructor" else signature(entry)
    group = {"function": "methods", "constructor": "methods", "event": "events", "error": "errors"}
    said_to_users = _doc(user.get(group.get(kind, "methods"), {}), key)
    said_to_devs = _doc(dev.get(group.get(kind, "methods"), {}), key)
    if kind == "function" and not said_to_devs:
        said_to_devs = dev.get("stateVariables", {}).get(label, {})
    if said_to_users.get("notice"):
        yield prose(said_to_users["notice"]) + "\n"
    if said_to_devs.get("details"):
        yield prose(said_to_devs["details"]) + "\n"
    params = said_to_devs.get("params", {})
    described = [p for p in entry.get("inputs", []) if params.get(p.get("name", ""))]
    if described:
        yield (
            "\n".join(f"- {code(p['name'])}: {prose(params[p['name']])}" for p in described) + "\n"
        )
    returns = said_to_devs.get("returns", {})
    if returns:
        told = "; ".join(prose(text) for text in returns.values())
        yield f"Returns: {told}\n"


def _doc(group: dict[str, Any], key: str) -> dict[str, Any]:
    found = group.get(key, {})
    # Errors are documented per declaration (a list): the first one that says anything.
    if isinstance(found, list):
        return next((item for item in found if item), {})
    return dict(found)


def _declaration(entry: dict[str, Any]) -> str:
    kind = entry["type"]
    inputs = ", ".join(_parameter(p, event=kind == "event") for p in entry.get("inputs", []))
    if kind == "constructor":
        return f"constructor({inputs})"
    if kind == "receive":
        return "receive() external payable"
    if kind in ("event", "error"):
        return f"{kind} {entry['name']}({inputs})"
    mutability = entry.get("stateMutability", "nonpayable")
    shown = "" if mutability == "nonpayable" else f" {mutability}"
    outputs = ", ".join(_parameter(p) for p in entry.get("outputs", []))
    returns = f" returns ({outputs})" if outputs else ""
    return f"function {entry['name']}({inputs}) external{shown}{returns}"


def _parameter(parameter: dict[str, Any], *, event: bool = False) -> str:
    kind = parameter.get("internalType") or parameter["type"]
    for prefix in ("contract ", "struct ", "enum "):
        kind = kind.removeprefix(prefix)
    indexed = " indexed" if event and parameter.get("indexed") else ""
    name = f" {parameter['name']}" if parameter.get("name") else ""
    return f"{kind}{indexed}{name}"
