"""Publishing music: releases and their editions."""

from __future__ import annotations

from dcmx_core.commands import CreateRelease, MintEdition
from dcmx_core.events import EditionMinted, ReleaseCreated
from dcmx_core.model.royalties import Split
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Ledger
from dcmx_core.services.receipts import the_event


def publish_release(
    ledger: Ledger,
    operator: Address,
    *,
    artist: Address,
    title: str,
    artist_name: str,
    content_hash: Hash32,
    max_editions: int,
    royalty_bps: int,
    split: Split,
) -> int:
    """Publish a track as a release with its split; returns the new release id."""
    receipt = ledger.execute(
        operator,
        CreateRelease(
            artist,
            title,
            artist_name,
            content_hash,
            max_editions,
            royalty_bps,
            split.recipients,
            split.shares_bps,
        ),
    )
    return the_event(receipt, ReleaseCreated).release_id


def mint_edition(ledger: Ledger, operator: Address, release_id: int, recipient: Address) -> int:
    """Mint the release's next edition to ``recipient``; returns its token id."""
    receipt = ledger.execute(operator, MintEdition(release_id, recipient))
    return the_event(receipt, EditionMinted).token_id
