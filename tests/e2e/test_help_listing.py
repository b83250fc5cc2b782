"""``dcmx --help`` lists every command with the whole first paragraph of its help, in plain
text: without rich's help renderer, which would double the time it takes to start."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dcmx_entrypoints import cli
from tests.e2e.test_operations import dcmx_script, environment
from tests.e2e.test_startup import loaded_after


@pytest.mark.parametrize("arguments", [("--help",), ()], ids=["help", "bare"])
def test_the_listing_loads_no_rich_help_renderer(
    tmp_path: Path, arguments: tuple[str, ...]
) -> None:
    loaded = loaded_after(tmp_path, *arguments)
    assert not {"typer.rich_utils", "rich.markdown"} & loaded


def test_the_listing_says_each_commands_summary_whole(tmp_path: Path) -> None:
    shown = subprocess.run(
        [dcmx_script(), "--help"],
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    words = " ".join(shown.split())
    for name, _, summary in cli.COMMANDS:
        assert f"{name} {' '.join(summary.split())}" in words
    assert "...\n" not in shown.partition("Commands:")[2]  # no summary cut short
