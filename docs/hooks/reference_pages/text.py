"""Putting plain text (help strings, NatSpec) into Markdown unchanged."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]#|])")


def plain(text: str) -> str:
    """``text`` as Markdown that shows exactly ``text``: the characters Markdown or HTML would
    read as markup are escaped (``&``, ``<`` and ``>`` as entities, the rest with a
    backslash)."""
    html = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", html)


def paragraphs(text: str) -> str:
    """Wrapped help text as Markdown paragraphs: lines joined, blank lines kept."""
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(plain(block) for block in blocks if block)


def code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds."""
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


_CODE_SPAN = re.compile(r"``(.+?)``|`([^`]+)`")


def prose(text: str) -> str:
    """A docstring, NatSpec or API description as Markdown paragraphs: its code spans (in
    single or double backticks) stay code, everything else shows as written."""
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(_spans(block) for block in blocks if block)


def _spans(line: str) -> str:
    out, at = [], 0
    for found in _CODE_SPAN.finditer(line):
        out.append(plain(line[at : found.start()]))
        out.append(code(found.group(1) or found.group(2)))
        at = found.end()
    out.append(plain(line[at:]))
    return "".join(out)
