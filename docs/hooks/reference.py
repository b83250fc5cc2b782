"""MkDocs hook: the reference pages are written from the code at every build (nothing
generated is committed, so nothing can go stale)."""

from __future__ import annotations

from collections.abc import Callable

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from reference_pages import cli, contracts, http, settings

PAGES: dict[str, Callable[[], str]] = {
    "reference/cli.md": cli.page,
    "reference/http.md": http.page,
    "reference/contracts.md": contracts.page,
    "reference/settings.md": settings.page,
}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for path, write in PAGES.items():
        files.append(File.generated(config, path, content=write()))
    return files
