"""Compile the DCMX contracts into ``contracts/build/<Name>.json``.

Run through ``nox -s contracts``. py-solc-x drives the compiler: a native ``solc`` of the pinned
version when one is installed (``SOLC_BINARY`` or py-solc-x's own install), else the npm ``solc``
package (solcjs) through ``solc-shim.js``. ``--check`` compiles and fails if the output differs
from the committed artifacts, without writing anything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import solcx

HERE = Path(__file__).resolve().parent
BUILD = HERE / "build"
SOLC_VERSION = "0.8.30"
SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    # No metadata hash: the bytecode then depends on the sources and settings only.
    "metadata": {"appendCBOR": False},
    "outputSelection": {
        "*": {
            "*": [
                "abi",
                "devdoc",
                "userdoc",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
            ]
        }
    },
}


def sources() -> dict[str, Path]:
    """Every contract source, keyed by its path under contracts/ (the compiler's source key)."""
    found = sorted(HERE.glob("*.sol")) + sorted((HERE / "test").glob("*.sol"))
    return {path.relative_to(HERE).as_posix(): path for path in found}


def compiler() -> Path:
    """A native solc of the pinned version if there is one, else the solcjs shim."""
    native = os.environ.get("SOLC_BINARY")
    if native:
        return Path(native)
    try:
        return Path(solcx.install.get_executable(SOLC_VERSION))
    except solcx.exceptions.SolcNotInstalled:
        pass
    if (
        not (HERE / "node_modules" / "solc").exists()
        or not (HERE / "node_modules" / "@openzeppelin" / "contracts").exists()
    ):
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("contracts: neither a native solc nor npm (for the solc package) was found")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return HERE / "solc-shim.js"


def openzeppelin_version() -> str:
    package = HERE / "node_modules" / "@openzeppelin" / "contracts" / "package.json"
    return str(json.loads(package.read_text())["version"])


def compile_all(only: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Compile every source (or the ``only`` ones) in one standard-JSON call; return the
    artifacts by contract name."""
    binary = compiler()
    found = sources()
    if only:
        found = {key: path for key, path in found.items() if key in only or path.name in only}
    standard_input = {
        "language": "Solidity",
        "sources": {key: {"content": path.read_text()} for key, path in found.items()},
        "settings": {
            **SETTINGS,
            "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
        },
    }
    output = solcx.compile_standard(
        standard_input, base_path=str(HERE), allow_paths=[str(HERE)], solc_binary=binary
    )
    errors = [e for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        sys.exit("\n".join(e["formattedMessage"] for e in errors))
    version = solcx.get_solc_version(with_commit_hash=True) if binary.suffix != ".js" else None
    compiler_version = str(version) if version else _shim_version(binary)
    artifacts = {}
    for key, contracts in output["contracts"].items():
        if key not in found:
            continue  # a library source (OpenZeppelin), not one of ours
        source_hash = hashlib.sha256(found[key].read_bytes()).hexdigest()
        for name, compiled in contracts.items():
            if not compiled["evm"]["bytecode"]["object"]:
                continue  # abstract contracts and interfaces have nothing to deploy
            artifacts[name] = {
                "contractName": name,
                "sourceName": key,
                "sourceHash": source_hash,
                "compiler": compiler_version,
                "openzeppelin": openzeppelin_version(),
                "settings": SETTINGS,
                "abi": compiled["abi"],
                # The NatSpec, as the compiler reads it: the contracts' reference is built from it.
                "userdoc": compiled["userdoc"],
                "devdoc": compiled["devdoc"],
                "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            }
    return artifacts


def _shim_version(shim: Path) -> str:
    answer = subprocess.run([str(shim), "--version"], capture_output=True, text=True, check=True)
    return answer.stdout.strip().splitlines()[-1].removeprefix("Version: ")


def render(artifact: dict[str, Any]) -> str:
    return json.dumps(artifact, indent=1, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if artifacts are stale")
    parser.add_argument(
        "--only", nargs="+", metavar="SOURCE", help="compile and write only these sources"
    )
    args = parser.parse_args()
    artifacts = compile_all(args.only)
    stale = [
        name
        for name, artifact in artifacts.items()
        if not (BUILD / f"{name}.json").exists()
        or (BUILD / f"{name}.json").read_text() != render(artifact)
    ]
    extra = (
        sorted(p.name for p in BUILD.glob("*.json") if p.stem not in artifacts)
        if BUILD.exists() and not args.only
        else []
    )
    if args.check:
        if stale or extra:
            sys.exit(f"contracts: artifacts differ from the sources: {sorted(stale) + extra}")
        print(f"contracts: {len(artifacts)} artifacts match their sources")
        return
    BUILD.mkdir(exist_ok=True)
    for name in extra:
        (BUILD / name).unlink()
    for name, artifact in artifacts.items():
        (BUILD / f"{name}.json").write_text(render(artifact))
    print(f"contracts: wrote {len(artifacts)} artifacts ({len(stale)} changed) to {BUILD}")


if __name__ == "__main__":
    main()
