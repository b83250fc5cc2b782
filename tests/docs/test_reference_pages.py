"""The reference pages the documentation build writes name everything there is: every command,
route, contract function, event and error, and setting."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

HOOKS = Path(__file__).resolve().parents[2] / "docs" / "hooks"


@pytest.fixture(scope="module")
def pages() -> ModuleType:
    sys.path.insert(0, str(HOOKS))
    try:
        import reference_pages.cli
        import reference_pages.contracts
        import reference_pages.http
        import reference_pages.settings
    finally:
        sys.path.remove(str(HOOKS))
    return reference_pages


def test_every_command_has_its_heading(pages: ModuleType) -> None:
    page = pages.cli.page()
    paths = pages.cli.command_paths()
    assert "dcmx release create" in paths
    assert "dcmx apikey" in paths
    for path in paths:
        assert f"# {path}\n" in page


def test_every_route_of_the_openapi_document_has_its_heading(pages: ModuleType) -> None:
    document = pages.http.openapi()
    page = pages.http.page()
    routes = list(pages.http.operations(document))
    assert len(routes) > 40
    for path, method, _ in routes:
        assert f"### {method.upper()} {path}\n" in page


def test_every_contract_entry_has_its_anchor(pages: ModuleType) -> None:
    page = pages.contracts.page()
    for name in pages.contracts.CONTRACTS:
        abi = pages.contracts.load(name)["abi"]
        entries = [e for e in abi if e["type"] in ("function", "event", "error", "constructor")]
        assert entries
        for entry in entries:
            assert f"{{ #{pages.contracts.anchor(name, entry)}" in page


def test_the_contracts_page_carries_their_natspec(pages: ModuleType) -> None:
    page = pages.contracts.page()
    assert "The seller withdraws their listing." in page
    assert "event Transfer(address indexed from, address indexed to, uint256 value)" in page


def test_every_setting_has_its_section_with_a_meaning(pages: ModuleType) -> None:
    page = pages.settings.page()
    for variable in pages.settings.variables():
        section = page.split(f"\n## {variable}\n", 1)[1].split("\n## ", 1)[0]
        assert "- Accepts: " in section
        assert section.strip().split("\n", 1)[0] != ""
