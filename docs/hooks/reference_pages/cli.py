"""The command line reference: every command and sub-command of ``dcmx``, walked from the
command itself (each lazily loaded command is loaded), with its usage, help and options as
``dcmx ... --help`` shows them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_command

import dcmx_entrypoints.cli as dcmx

from .text import code, paragraphs, plain

INTRO = """# Command line

Every command of `dcmx`, as `dcmx COMMAND --help` shows it. Each command reads the
[settings](settings.md) from `DCMX_*` environment variables and `DCMX_CONFIG`'s file; an
option given on the command line wins over a setting. Every command takes `--help`. A
refusal, a bad setting or an unreachable database is one line on standard error and a non-zero
exit code (1; 2 for a wrong command line or setting).
"""


def page() -> str:
    """The whole page."""
    root = get_command(dcmx.app)
    context = typer.Context(root, info_name="dcmx")
    return INTRO + "\n" + "\n".join(_sections(root, context, level=2)) + "\n"


def command_paths() -> list[str]:
    """Every command's full name (``dcmx release create``), in the page's order."""
    root = get_command(dcmx.app)
    return [
        context.command_path for _, context in _walk(root, typer.Context(root, info_name="dcmx"))
    ]


def _walk(command: Any, context: typer.Context) -> Iterator[tuple[Any, typer.Context]]:
    yield command, context
    if isinstance(command, TyperGroup):
        for name in command.list_commands(context):
            sub = command.commands[name]
            if isinstance(sub, dcmx.Unloaded):
                sub = sub.load()
            if not sub.hidden:
                yield from _walk(sub, typer.Context(sub, info_name=name, parent=context))


def _sections(root: Any, root_context: typer.Context, level: int) -> Iterator[str]:
    for command, context in _walk(root, root_context):
        depth = level + len(context.command_path.split()) - 1
        yield f"{'#' * min(depth, 6)} {context.command_path}\n"
        if command.help:
            yield paragraphs(command.help) + "\n"
        yield f"```text\n{command.get_usage(context)}\n```\n"
        options = [
            record
            for parameter in command.get_params(context)
            if not getattr(parameter, "hidden", False)
            and (record := parameter.get_help_record(context)) is not None
            and record[0] != "--help"
        ]
        if options:
            yield (
                "\n".join(
                    f"- {code(name)}: {plain(' '.join(help_.split()))}" for name, help_ in options
                )
                + "\n"
            )
        if isinstance(command, TyperGroup):
            names = [n for n in command.list_commands(context) if not command.commands[n].hidden]
            yield (
                "Commands: " + ", ".join(code(f"{context.command_path} {n}") for n in names) + ".\n"
            )
