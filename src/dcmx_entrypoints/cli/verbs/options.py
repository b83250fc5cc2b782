"""The options every verb shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dcmx_entrypoints.demo.cast import CAST

SenderOption = Annotated[
    str,
    typer.Option(
        "--as",
        help="Who sends it: operator (on a network, the configured key), or on a local chain "
        "one of the demo cast (" + ", ".join(CAST) + ") or their addresses; on a network the "
        "address of the keystore given with --keystore.",
    ),
]
KeystoreOption = Annotated[
    Path | None,
    typer.Option(
        help="On a network: send as the account in this keystore (JSON v3); its password is "
        "asked on a terminal, else read from the first line of standard input.",
    ),
]
LocalChainOption = Annotated[
    bool,
    typer.Option(
        "--local-chain",
        help="Run on the local chain dcmx up keeps in the data directory (journaled; refused "
        "while dcmx up runs) instead of the configured ledger.",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the result and the transactions as JSON.")
]
UnitsOption = Annotated[
    bool,
    typer.Option(
        "--units",
        help="Amounts are decimal numbers of whole units (1.5), not integers of base units.",
    ),
]
DecimalsOption = Annotated[
    int | None,
    typer.Option(
        min=0,
        max=77,
        help="The currency's decimals for --units (the coin and DCMX have 18; give it for "
        "other tokens, 6 for USDT).",
    ),
]
CurrencyOption = Annotated[
    str,
    typer.Option(help="native (the chain's coin), dcmx, or the address of a token contract."),
]
