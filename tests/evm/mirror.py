"""The contracts' ABI as the adapters see it, and its agreement with the domain: event fields
named and ordered as the domain events' fields, custom errors named as domain error classes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import attrs
from web3.contract import Contract

from dcmx_core import events as domain_events
from dcmx_core.exceptions import error_class_named


def functions(contract: Contract) -> set[str]:
    """``name(inputs)->(outputs)`` of every function of the contract's ABI."""
    return {
        f"{entry['name']}({_types(entry['inputs'])})->({_types(entry['outputs'])})"
        for entry in contract.abi
        if entry["type"] == "function"
    }


def errors(contract: Contract) -> set[str]:
    """``Name(types)`` of every custom error of the contract's ABI."""
    return {
        f"{entry['name']}({_types(entry['inputs'])})"
        for entry in contract.abi
        if entry["type"] == "error"
    }


def events(contract: Contract) -> set[str]:
    """``Name(type,type indexed,...)`` of every event of the contract's ABI."""
    return {
        entry["name"]
        + "("
        + ",".join(p["type"] + (" indexed" if p["indexed"] else "") for p in entry["inputs"])
        + ")"
        for entry in contract.abi
        if entry["type"] == "event"
    }


def _types(params: Sequence[Any]) -> str:
    return ",".join(str(param["type"]) for param in params)


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def assert_events_mirror_the_domain(contract: Contract, *, skip: set[str]) -> None:
    """Every event of the contract (but ``skip``) is the domain event of the same name, with the
    same fields in the same order."""
    for entry in contract.abi:
        if entry["type"] != "event" or entry["name"] in skip:
            continue
        domain = getattr(domain_events, entry["name"])
        expected = [f.name for f in attrs.fields(domain) if f.name != "position"]
        assert [snake_case(p["name"]) for p in entry["inputs"]] == expected, entry["name"]


def assert_errors_are_domain_errors(contract: Contract, *, foreign: set[str]) -> None:
    """Every custom error of the contract (but the ``foreign`` library ones) is named after a
    domain error class."""
    for entry in contract.abi:
        if entry["type"] == "error" and entry["name"] not in foreign:
            assert error_class_named(entry["name"]) is not None, entry["name"]
