"""Fee limits per contract function on TRON, derived from the energy table.

A TRON transaction names a ``fee_limit``: the most sun it may burn for energy; running out of it
fails the transaction (and burns what it used). One flat limit is either too tight for the
heaviest calls or lets a light call burn far more than it should if something goes wrong, so
each function gets its own: its measured energy (``fee_limits.json``, written by
``nox -s gas -- --write`` from the gas table: for each function the heaviest row that calls it)
× the energy price × a margin, rounded up to a whole TRX and capped at TRON's maximum of
15,000 TRX. Functions the table does not measure get the flat default.

The margin covers what the table does not: TRON's dynamic energy factor (a popular contract's
energy costs up to 4.4× more), arguments heavier than the measured ones, and changes of price.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Final

from attrs import field, frozen

TRX: Final = 10**6
"""Sun in one TRX."""
DEFAULT_ENERGY_PRICE: Final = 100
"""Sun an energy costs on TRON mainnet (since 2024)."""
DEFAULT_MARGIN: Final = Fraction(3, 2)
MAX_FEE_LIMIT: Final = 15_000 * TRX
"""The most any TRON transaction may name as its fee limit."""
DEFAULT_FEE_LIMIT: Final = 150 * TRX
"""The flat limit of a function the energy table does not measure."""
ENERGY_TABLE: Final = Path(__file__).with_name("fee_limits.json")


@frozen
class FunctionEnergy:
    """The energy one function selector used at most in the gas table, and which contracts'
    functions answer to it (``DCMXToken.transfer(address,uint256)``)."""

    selector: bytes
    functions: tuple[str, ...]
    energy: int


def energy_table(measured: Iterable[FunctionEnergy]) -> tuple[FunctionEnergy, ...]:
    """One entry a selector, with the heaviest energy measured for it (two contracts' functions
    may share a selector: ``transferFrom`` on the token and on the NFT)."""
    merged: dict[bytes, FunctionEnergy] = {}
    for entry in measured:
        known = merged.get(entry.selector)
        if known is not None:
            names = tuple(sorted({*known.functions, *entry.functions}))
            entry = FunctionEnergy(entry.selector, names, max(known.energy, entry.energy))
        merged[entry.selector] = entry
    return tuple(sorted(merged.values(), key=lambda e: e.functions))


def fee_limit(energy: int, *, energy_price: int, margin: Fraction) -> int:
    """The fee limit in sun for ``energy``: energy × price × margin, rounded up to a whole TRX,
    at most TRON's maximum."""
    sun = math.ceil(energy * energy_price * margin)
    return min(-(-sun // TRX) * TRX, MAX_FEE_LIMIT)


def write_energy_table(
    table: Iterable[FunctionEnergy],
    path: Path = ENERGY_TABLE,
    *,
    energy_price: int = DEFAULT_ENERGY_PRICE,
    margin: Fraction = DEFAULT_MARGIN,
) -> None:
    """Store the table (with the fee limits it gives at the default price and margin, for
    readers: the limits themselves are worked out from the energy when used)."""
    entries = [
        {
            "selector": entry.selector.hex(),
            "functions": list(entry.functions),
            "energy": entry.energy,
            "fee_limit_sun": fee_limit(entry.energy, energy_price=energy_price, margin=margin),
        }
        for entry in table
    ]
    document = {
        "about": "TVM energy per contract function, the heaviest row of `nox -s gas` that "
        "calls it; written by `nox -s gas -- --write`. fee_limit_sun is energy × "
        f"{energy_price} sun × {float(margin)} rounded up to a whole TRX, at most 15,000 TRX.",
        "functions": entries,
    }
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load_energy_table(path: Path = ENERGY_TABLE) -> tuple[FunctionEnergy, ...]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        FunctionEnergy(bytes.fromhex(e["selector"]), tuple(e["functions"]), int(e["energy"]))
        for e in document["functions"]
    )


@frozen
class FeeLimits:
    """The fee limit of each call, by the function selector its data starts with."""

    per_selector: Mapping[bytes, int] = field(factory=dict)
    default: int = DEFAULT_FEE_LIMIT

    def for_call(self, data: bytes) -> int:
        """The fee limit of a call with ``data`` (the flat default for an unmeasured one)."""
        return self.per_selector.get(bytes(data[:4]), self.default)


def fee_limits(
    *,
    energy_price: int = DEFAULT_ENERGY_PRICE,
    margin: Fraction = DEFAULT_MARGIN,
    default: int = DEFAULT_FEE_LIMIT,
    table: Iterable[FunctionEnergy] | None = None,
) -> FeeLimits:
    """The fee limits of the energy table (the packaged one unless ``table`` is given) at
    ``energy_price`` sun an energy with ``margin``; ``default`` for any other function."""
    if energy_price < 0:
        raise ValueError(f"the energy price must be 0 sun or more, not {energy_price}")
    if margin < 1:
        raise ValueError(f"the fee limit margin must be at least 1, not {margin}")
    entries = load_energy_table() if table is None else tuple(table)
    limits = {
        e.selector: fee_limit(e.energy, energy_price=energy_price, margin=margin) for e in entries
    }
    return FeeLimits(limits, min(default, MAX_FEE_LIMIT))
