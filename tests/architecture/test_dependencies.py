"""Dependencies point inward: the core knows nothing of adapters, entrypoints or libraries
beyond the standard library and attrs; adapters know nothing of entrypoints."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
CORE_MAY_IMPORT = {"attrs", "dcmx_core"} | set(sys.stdlib_module_names)


def imported_roots(path: Path) -> set[str]:
    """The top-level package of every absolute import in a module."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def modules_of(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize("module", modules_of("dcmx_core"), ids=lambda p: p.name)
def test_the_core_imports_only_the_standard_library_and_attrs(module: Path) -> None:
    foreign = imported_roots(module) - CORE_MAY_IMPORT
    assert not foreign, f"{module.relative_to(SRC)} imports {sorted(foreign)}"


@pytest.mark.parametrize("module", modules_of("dcmx_adapters"), ids=lambda p: p.name)
def test_adapters_never_import_entrypoints(module: Path) -> None:
    assert "dcmx_entrypoints" not in imported_roots(module)


@pytest.mark.parametrize("module", modules_of("dcmx_adapters"), ids=lambda p: p.name)
def test_adapters_never_import_the_development_node(module: Path) -> None:
    # The tronpy adapter talks to the local node as to any java-tron: over its API.
    assert "dcmx_devnode" not in imported_roots(module)


@pytest.mark.parametrize("module", modules_of("dcmx_devnode"), ids=lambda p: p.name)
def test_the_development_node_never_imports_entrypoints(module: Path) -> None:
    assert "dcmx_entrypoints" not in imported_roots(module)


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import json\nfrom eth_hash.auto import keccak\nfrom . import sibling\n")
    assert imported_roots(module) - CORE_MAY_IMPORT == {"eth_hash"}


def test_the_core_has_modules_to_check() -> None:
    assert len(modules_of("dcmx_core")) > 10
