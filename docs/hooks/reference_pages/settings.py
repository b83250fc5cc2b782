"""The settings reference: every setting of ``dcmx_entrypoints.settings.Settings`` with its
variable, what it accepts (asked of the setting's own parser), its default and its meaning (the
field's docstring). A setting without a docstring or without a parser fails the build."""

from __future__ import annotations

import ast
import inspect
from enum import Enum
from fractions import Fraction
from typing import Any

import attrs

import dcmx_entrypoints.settings as configuration

from .text import code, paragraphs, prose

INTRO = f"""# Settings

DCMX reads its settings once, when a command starts: from `DCMX_*` environment variables,
over a TOML file, over the defaults. The file is the one `{configuration.CONFIG_VARIABLE}`
names; its keys are the settings' names below (`ledger = "evm"`, `api_port = 8080`). A value
a setting does not accept is refused with one line naming the variable and what it accepts,
and nothing starts. Secrets (keys, passwords, a database URL) are never shown in that line.

## {configuration.CONFIG_VARIABLE}

The path of a TOML file of settings (optional). It may hold only the keys below.
"""


class MissingMeaning(Exception):
    """A setting has no docstring or no parser: the reference would be missing it."""


def page() -> str:
    """The whole page."""
    meanings = field_docstrings(configuration.Settings)
    fields = attrs.fields(configuration.Settings)
    lines = [INTRO, "| Variable | File key | Default |", "| --- | --- | --- |"]
    for field in fields:
        variable = _setting(field.name).variable
        anchor = variable.lower()
        lines.append(f"| [{code(variable)}](#{anchor}) | `{field.name}` | {_default(field)} |")
    lines.append("")
    for field in fields:
        setting = _setting(field.name)
        meaning = meanings.get(field.name)
        if not meaning:
            raise MissingMeaning(f"the setting {field.name} has no docstring in settings.py")
        lines += [f"## {setting.variable}\n", prose(meaning) + "\n"]
        lines.append(f"- Accepts: {paragraphs(accepts(setting))}.")
        lines.append(f"- Default: {_default(field)}.")
        lines.append(f"- In the file: `{field.name}`.")
        if setting.secret:
            lines.append("- A secret: never shown in a message.")
        lines.append("")
    return "\n".join(lines)


def variables() -> list[str]:
    """Every setting's variable, in the page's order."""
    return [_setting(field.name).variable for field in attrs.fields(configuration.Settings)]


def accepts(setting: Any) -> str:
    """What the setting accepts, as its parser says when it refuses a value no setting takes."""
    try:
        setting.parse_value(setting.variable, object())
    except configuration.SettingsError as refusal:
        return str(refusal.accepts)
    raise MissingMeaning(f"the parser of {setting.variable} accepts anything")


def field_docstrings(cls: type) -> dict[str, str]:
    """The docstrings written under a class's fields (the string after ``name: type = ...``)."""
    body = ast.parse(inspect.getsource(cls)).body[0]
    assert isinstance(body, ast.ClassDef)
    found = {}
    for statement, following in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            found[statement.target.id] = inspect.cleandoc(following.value.value)
    return found


def _setting(name: str) -> Any:
    found = configuration._SETTINGS.get(name)
    if found is None:
        raise MissingMeaning(f"the setting {name} has no parser in settings.py")
    return found


def _default(field: Any) -> str:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        doc = inspect.getdoc(default.factory) or default.factory.__name__
        return prose(doc.split("\n\n")[0])
    if default is None:
        return "unset"
    if default in ("", ()):
        return "empty"
    if isinstance(default, Enum):
        return f"`{default.value}`"
    if isinstance(default, Fraction):
        return f"`{float(default)}`"
    return f"`{default}`"
