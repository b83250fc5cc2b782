"""A documentation page read as the steps a reader carries out, in order.

Every fenced block of a page is one of these, so that nothing is skipped without a word:

- a shell block (``sh``, ``bash``, ``shell``) or a ``python`` block: run;
- a ``text`` block right after a run block: what that block prints (its lines, in order,
  each found in the output; ``…`` stands for anything);
- a block under ``<!-- save as: PATH -->``: a file the reader saves (written, not run);
- a block under ``<!-- not run: REASON -->``: shown only (it needs the network, say);
- any other block is an error: the page must say what it is.

Other markers, each an HTML comment of its own line before the block it concerns:

- ``<!-- in another terminal: NAME; ready at URL -->``: the block runs as a separate process
  (a second terminal, with the page's starting environment), and the next step waits until
  URL answers;
- ``<!-- ctrl-c: NAME -->`` (anywhere in the text): the reader presses Ctrl-C in that terminal;
- ``<!-- exit: N -->``: the block is meant to end with exit code N;
- ``<!-- types: TEXT -->``: what the reader types at the block's prompt (its standard input).
"""

from __future__ import annotations

import re
from pathlib import Path

from attrs import frozen

RUN_LANGUAGES = {"sh": "shell", "bash": "shell", "shell": "shell", "python": "python"}
OUTPUT_LANGUAGE = "text"
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<language>[\w-]*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*(?P<name>[a-z -]+):\s*(?P<value>.*?)\s*-->\s*$")
WILDCARD = "…"


class PageError(ValueError):
    """A page whose blocks cannot be read as steps."""

    def __init__(self, page: str, line: int, problem: str) -> None:
        super().__init__(f"{page}:{line}: {problem}")


@frozen
class Step:
    """One thing the reader does: run a block, save a file, press Ctrl-C, or read a block."""

    kind: str  # "shell", "python", "save", "not run", "ctrl-c"
    line: int
    code: str = ""
    output: str | None = None
    """The output the page shows for it, when it shows one."""
    terminal: str | None = None
    """The name of the other terminal the block runs in (or the one Ctrl-C stops)."""
    ready: str | None = None
    """The URL that answers once the other terminal's command is ready."""
    path: str | None = None
    """Where a ``save`` step's file goes; why a ``not run`` step is not run."""
    exit_code: int = 0
    typed: str | None = None
    """What the reader types at the block's prompt."""


@frozen
class _Block:
    language: str
    line: int
    code: str
    markers: dict[str, str]


def steps_of(path: Path) -> list[Step]:
    """The page's steps, in the order a reader meets them."""
    return parse(path.read_text(encoding="utf-8"), path.name)


def parse(markdown: str, page: str = "<page>") -> list[Step]:
    """The steps of a page's text (see the module's docstring for the markers)."""
    steps: list[Step] = []
    for item in _items(markdown, page):
        if isinstance(item, Step):
            steps.append(item)
        elif item.language == OUTPUT_LANGUAGE and not item.markers:
            _attach_output(steps, item, page)
        else:
            steps.append(_step_of(item, page))
    return steps


def _items(markdown: str, page: str) -> list[_Block | Step]:
    items: list[_Block | Step] = []
    markers: dict[str, str] = {}
    lines = markdown.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        marker = MARKER.match(line)
        fence = FENCE.match(line)
        if marker and marker["name"] == "ctrl-c":
            items.append(Step("ctrl-c", number, terminal=marker["value"]))
        elif marker:
            markers[marker["name"]] = marker["value"]
        elif fence:
            start, body = number, []
            closing = re.compile(rf"^{fence['indent']}{fence['fence']}\s*$")
            while number < len(lines) and not closing.match(lines[number]):
                body.append(lines[number].removeprefix(fence["indent"]))
                number += 1
            if number == len(lines):
                raise PageError(page, start, "a code block is never closed")
            number += 1
            items.append(_Block(fence["language"], start, "\n".join(body) + "\n", markers))
            markers = {}
        elif line.strip() and markers:
            raise PageError(page, number, f"a marker {sorted(markers)} is not right before a block")
    return items


def _step_of(block: _Block, page: str) -> Step:
    markers = dict(block.markers)
    if "not run" in markers:
        return Step("not run", block.line, block.code, path=markers["not run"])
    if "save as" in markers:
        return Step("save", block.line, block.code, path=markers["save as"])
    kind = RUN_LANGUAGES.get(block.language)
    if kind is None:
        raise PageError(
            page,
            block.line,
            f"a {block.language or 'plain'} block needs a marker: save as, or not run",
        )
    terminal = ready = None
    if "in another terminal" in markers:
        terminal, _, ready_part = markers.pop("in another terminal").partition(";")
        ready = ready_part.strip().removeprefix("ready at").strip() or None
    exit_code = int(markers.pop("exit", "0"))
    return Step(
        kind,
        block.line,
        block.code,
        terminal=terminal.strip() if terminal else None,
        ready=ready,
        exit_code=exit_code,
        typed=markers.pop("types", None),
    )


def _attach_output(steps: list[Step], block: _Block, page: str) -> None:
    if not steps or steps[-1].kind not in ("shell", "python") or steps[-1].output is not None:
        raise PageError(page, block.line, "an output block follows no command")
    last = steps[-1]
    steps[-1] = Step(
        last.kind,
        last.line,
        last.code,
        output=block.code,
        terminal=last.terminal,
        ready=last.ready,
        exit_code=last.exit_code,
        typed=last.typed,
    )


def missing_lines(expected: str, actual: str) -> list[str]:
    """The lines of ``expected`` not found, in order, in ``actual`` (``…`` matches anything
    within a line; spaces around it and at the ends of lines do not count). A line may be
    found within a longer one: ``curl`` ends its output without a newline. Empty when all are
    found."""
    missing: list[str] = []
    at = 0
    for wanted in (line.strip() for line in expected.splitlines()):
        if not wanted:
            continue
        parts = [part.strip() for part in wanted.split(WILDCARD)]
        pattern = re.compile(r"[ \t]*[^\n]*?[ \t]*".join(re.escape(part) for part in parts))
        found = pattern.search(actual, at)
        if found is None:
            missing.append(wanted)
        else:
            at = found.end()
    return missing
