"""The ``dcmx`` group lists its commands without importing them: what it lists must be what the
commands are (every one, in its own words), and the failures it tells in one line, which it
names rather than imports, must name real exception classes."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
import requests
import typer
from typer.main import get_group

from dcmx_core.exceptions import OutOfRange
from dcmx_entrypoints import cli
from dcmx_entrypoints.failures import CommandFailed

LISTED = [pytest.param(name, module, summary, id=name) for name, module, summary in cli.COMMANDS]


def own_summary(command: Any) -> str:
    """The first paragraph of a command's help, as typer's help listing takes it."""
    return inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]


@pytest.mark.parametrize(("name", "module", "summary"), LISTED)
def test_the_listing_says_what_the_command_says_of_itself(
    name: str, module: str, summary: str
) -> None:
    command = cli.Unloaded(name, module, summary).load()
    assert command.name == name
    assert own_summary(command) == summary


@pytest.mark.parametrize("module", sorted({module for _, module, _ in cli.COMMANDS}))
def test_every_command_a_module_registers_is_listed(module: str) -> None:
    registered = typer.Typer()
    importlib.import_module(module).register(registered)
    listed = {name for name, listed_in, _ in cli.COMMANDS if listed_in == module}
    assert set(get_group(registered).commands) == listed


def test_a_listed_command_runs_as_itself_once_chosen() -> None:
    group = typer.main.get_command(cli.app)
    assert isinstance(group, cli.LazyGroup)
    context = group.make_context("dcmx", ["node", "--help"], resilient_parsing=True)
    name, command, rest = group.resolve_command(context, ["node", "--port", "1"])
    assert (name, rest) == ("node", ["--port", "1"])
    assert not isinstance(command, cli.Unloaded)
    assert {"port", "host", "block_time"} <= {param.name for param in command.params}


@pytest.mark.parametrize(("module", "name"), list(cli.EXPECTED_FAILURES))
def test_each_failure_told_in_one_line_names_an_exception_class(module: str, name: str) -> None:
    kind = getattr(importlib.import_module(module), name)
    assert issubclass(kind, Exception)
    assert (kind.__module__, kind.__qualname__) == (module, name)


def test_a_refusal_of_the_domain_is_told_in_one_line_with_exit_code_1() -> None:
    refusal = OutOfRange("amount", -1, "0 and up")
    assert cli.expected_failure(refusal) == (1, "amount = -1 is out of range: allowed 0 and up")


def test_a_failed_command_is_told_in_its_own_words() -> None:
    assert cli.expected_failure(CommandFailed("the port\nis taken")) == (1, "the port is taken")


def test_a_node_that_does_not_answer_is_named() -> None:
    error = requests.ConnectionError(request=requests.Request("GET", "http://node:8090/x?k=s"))
    exit_code, said = cli.expected_failure(error) or (0, "")
    assert exit_code == 1
    assert said == "the node at http://node:8090/x cannot be reached (ConnectionError)"


def test_an_unexpected_error_keeps_its_traceback() -> None:
    assert cli.expected_failure(ZeroDivisionError("a bug")) is None
