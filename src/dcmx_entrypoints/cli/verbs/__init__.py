"""The use-case verbs of the ``dcmx`` command: one for every use case of the core, run on the
configured ledger or (``--local-chain``) on the chain ``dcmx up`` keeps."""

from __future__ import annotations

import typer

from dcmx_entrypoints.cli.verbs.compliance import deletion, doc
from dcmx_entrypoints.cli.verbs.music import edition, payout, release, royalty
from dcmx_entrypoints.cli.verbs.rewards import reward
from dcmx_entrypoints.cli.verbs.token import token
from dcmx_entrypoints.cli.verbs.wallet import tx


def register(app: typer.Typer) -> None:
    """Add the use-case verbs to the ``dcmx`` command."""
    for group, name in (
        (release, "release"),
        (edition, "edition"),
        (royalty, "royalty"),
        (payout, "payout"),
        (reward, "reward"),
        (doc, "doc"),
        (deletion, "deletion"),
        (token, "token"),
        (tx, "tx"),
    ):
        app.add_typer(group, name=name)
