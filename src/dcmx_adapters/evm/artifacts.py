"""Compiled contracts: the JSON artifacts that ``nox -s contracts`` writes to contracts/build."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from attrs import frozen

# In a wheel the artifacts ship inside the package; in a clone they are read where they are
# built, at the top of the repository.
_PACKAGED = Path(__file__).resolve().parent / "build"
_REPOSITORY = Path(__file__).resolve().parents[3] / "contracts"


@frozen
class Artifact:
    name: str
    source_name: str
    source_hash: str
    abi: tuple[dict[str, Any], ...]
    bytecode: bytes
    deployed_bytecode: bytes


def build_directory() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _REPOSITORY / "build"


@cache
def artifact(name: str) -> Artifact:
    """The compiled contract ``name`` (e.g. ``"DCMXToken"``)."""
    path = build_directory() / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"no compiled contract {name!r} at {path}; run `nox -s contracts`")
    raw = json.loads(path.read_text())
    return Artifact(
        name=raw["contractName"],
        source_name=raw["sourceName"],
        source_hash=raw["sourceHash"],
        abi=tuple(raw["abi"]),
        bytecode=bytes.fromhex(raw["bytecode"].removeprefix("0x")),
        deployed_bytecode=bytes.fromhex(raw["deployedBytecode"].removeprefix("0x")),
    )


def source_is_current(name: str, sources: Path = _REPOSITORY) -> bool:
    """Whether the contract's source (under ``sources``) still hashes to what its artifact was
    built from."""
    built = artifact(name)
    source = sources / built.source_name
    return hashlib.sha256(source.read_bytes()).hexdigest() == built.source_hash
