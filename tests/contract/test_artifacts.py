"""The committed contract artifacts are built from the committed sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcmx_adapters.evm.artifacts import artifact, build_directory, source_is_current

BUILT = sorted(p.stem for p in build_directory().glob("*.json"))
PLATFORM = ["DCMXToken", "MusicNFT", "ComplianceRegistry", "RewardVault", "RoyaltyDistributor"]


@pytest.mark.parametrize("name", BUILT)
def test_an_artifact_matches_the_hash_of_its_source(name: str) -> None:
    assert source_is_current(name), f"{name}: its source changed; run `nox -s contracts`"


@pytest.mark.parametrize("name", PLATFORM)
def test_the_five_contracts_are_built(name: str) -> None:
    built = artifact(name)
    assert built.bytecode
    assert built.deployed_bytecode
    assert built.abi


@pytest.mark.parametrize("name", BUILT)
def test_an_artifact_records_the_compiler_and_cancun(name: str) -> None:
    raw = json.loads((build_directory() / f"{name}.json").read_text())
    assert raw["compiler"].startswith("0.8.30")
    assert raw["settings"]["evmVersion"] == "cancun"
    assert raw["settings"]["optimizer"] == {"enabled": True, "runs": 200}


def test_every_source_has_an_artifact() -> None:
    contracts = build_directory().parent
    sources = [*contracts.glob("*.sol"), *(contracts / "test").glob("*.sol")]
    named = {json.loads(p.read_text())["sourceName"] for p in build_directory().glob("*.json")}
    unbuilt = {s.relative_to(contracts).as_posix() for s in sources} - named - {"Administered.sol"}
    assert not unbuilt, f"sources without an artifact: {sorted(unbuilt)}"


def test_a_changed_source_is_noticed(tmp_path: Path) -> None:
    original = build_directory().parent / artifact("DCMXToken").source_name
    copy = tmp_path / artifact("DCMXToken").source_name
    copy.write_bytes(original.read_bytes())
    assert source_is_current("DCMXToken", tmp_path)
    copy.write_bytes(original.read_bytes() + b"// a changed comment\n")
    assert not source_is_current("DCMXToken", tmp_path)
