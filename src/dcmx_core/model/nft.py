"""Music NFT rules: releases, numbered editions, ERC-721 ownership and ERC-2981 royalties.

A release (a track) is published once per content hash with its maximum number of editions, its
royalty in basis points (at most ``MAX_ROYALTY_BPS``) and its split. Editions 1..N are minted in
order and never beyond N. Edition ``e`` of release ``r`` is token ``r × 1,000,000 + e``, so a
token id names its release and edition without any lookup. Transfers follow ERC-721 as
OpenZeppelin 5 has it. The royalty receiver of every release is the royalty distributor, which
shares what it receives by the release's split: the royalty and the split are one rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from attrs import define, evolve, field, frozen

from dcmx_core.events import (
    DomainEvent,
    EditionApproved,
    EditionMinted,
    EditionTransferred,
    OperatorSet,
    ReleaseCreated,
    RoyaltyReceiverSet,
    SplitSet,
)
from dcmx_core.exceptions import (
    DuplicateRelease,
    EditionsExhausted,
    EmptyHash,
    NotOwnerNorApproved,
    OutOfRange,
    ReceiverRejected,
    UnknownRelease,
    UnknownToken,
    WrongOwner,
    ZeroAddress,
)
from dcmx_core.model.admin import Administration
from dcmx_core.model.enums import Contract
from dcmx_core.model.royalties import MAX_ROYALTY_BPS, Split
from dcmx_core.model.values import ZERO_ADDRESS, Address, Hash32, bps_of, check_amount, check_bps

NAME: Final = "DCMX Music"
SYMBOL: Final = "DCMXM"
EDITION_SPACE: Final = 1_000_000
MAX_EDITIONS: Final = 100_000
MAX_TEXT_BYTES: Final = 1_024

# Whether a contract at ``to`` accepts a safe transfer (operator, owner, to, token id, data).
ReceiverCheck = Callable[[Address, Address, Address, int, bytes], bool]


def token_id_of(release_id: int, edition: int) -> int:
    """The token id of edition ``edition`` of release ``release_id``."""
    return release_id * EDITION_SPACE + edition


def release_of(token_id: int) -> int:
    """The release a token id belongs to."""
    return token_id // EDITION_SPACE


@frozen
class Release:
    """What the contract keeps of a release (title and artist name live in its event)."""

    release_id: int
    artist: Address
    content_hash: Hash32
    max_editions: int
    royalty_bps: int
    split: Split
    minted: int = 0


def _check_text(name: str, value: str) -> None:
    if not isinstance(value, str) or len(value.encode("utf-8")) > MAX_TEXT_BYTES:
        raise OutOfRange(name, value, f"text of at most {MAX_TEXT_BYTES} UTF-8 bytes")


@define
class MusicNft:
    """The music NFT contract's state."""

    admin: Administration
    royalty_receiver: Address
    base_uri: str
    releases: dict[int, Release] = field(factory=dict)
    release_by_content: dict[Hash32, int] = field(factory=dict)
    owners: dict[int, Address] = field(factory=dict)
    balances: dict[Address, int] = field(factory=dict)
    token_approvals: dict[int, Address] = field(factory=dict)
    operators: set[tuple[Address, Address]] = field(factory=set)

    @classmethod
    def deploy(cls, admin: Address, royalty_receiver: Address, base_uri: str) -> MusicNft:
        return cls(Administration(Contract.MUSIC_NFT, admin), royalty_receiver, base_uri)

    # --- queries ----------------------------------------------------------------------------

    def release(self, release_id: int) -> Release:
        try:
            return self.releases[release_id]
        except KeyError:
            raise UnknownRelease(release_id) from None

    def owner_of(self, token_id: int) -> Address:
        try:
            return self.owners[token_id]
        except KeyError:
            raise UnknownToken(token_id) from None

    def balance_of(self, owner: Address) -> int:
        if owner.is_zero:
            raise ZeroAddress("owner")
        return self.balances.get(owner, 0)

    def get_approved(self, token_id: int) -> Address:
        self.owner_of(token_id)
        return self.token_approvals.get(token_id, ZERO_ADDRESS)

    def is_approved_for_all(self, owner: Address, operator: Address) -> bool:
        return (owner, operator) in self.operators

    def is_authorized(self, spender: Address, token_id: int) -> bool:
        """The owner, the token's approved account, or one of the owner's operators."""
        owner = self.owner_of(token_id)
        # As OpenZeppelin: the zero address is never authorized, even where an approval was
        # cleared by approving it.
        return not spender.is_zero and (
            spender == owner
            or self.is_approved_for_all(owner, spender)
            or self.token_approvals.get(token_id) == spender
        )

    def royalty_info(self, token_id: int, price: int) -> tuple[Address, int]:
        """ERC-2981: the distributor receives ``floor(price × royalty_bps / 10,000)``."""
        self.owner_of(token_id)
        check_amount("price", price)
        return self.royalty_receiver, bps_of(price, self.release(release_of(token_id)).royalty_bps)

    def token_uri(self, token_id: int) -> str:
        """The base URI followed by the token id; empty when there is no base URI (as
        OpenZeppelin's ``tokenURI``)."""
        self.owner_of(token_id)
        return f"{self.base_uri}{token_id}" if self.base_uri else ""

    def set_royalty_receiver(self, sender: Address, receiver: Address) -> list[DomainEvent]:
        """The admin names where royalties go (the royalty distributor; a successor when the
        distributor is replaced)."""
        self.admin.require_admin(sender)
        if receiver.is_zero:
            raise ZeroAddress("royalty receiver")
        self.royalty_receiver = receiver
        return [RoyaltyReceiverSet(receiver)]

    # --- releases and editions --------------------------------------------------------------

    def create_release(
        self,
        sender: Address,
        *,
        artist: Address,
        title: str,
        artist_name: str,
        content_hash: Hash32,
        max_editions: int,
        royalty_bps: int,
        recipients: tuple[Address, ...],
        shares_bps: tuple[int, ...],
    ) -> list[DomainEvent]:
        """The admin publishes a track once, with its editions, royalty and split."""
        self.admin.require_admin(sender)
        if artist.is_zero:
            raise ZeroAddress("artist")
        if content_hash.is_zero:
            raise EmptyHash("content hash")
        _check_text("title", title)
        _check_text("artist name", artist_name)
        if (
            not isinstance(max_editions, int)
            or isinstance(max_editions, bool)
            or not 1 <= max_editions <= MAX_EDITIONS
        ):
            raise OutOfRange("max_editions", max_editions, f"1 to {MAX_EDITIONS}")
        check_bps("royalty_bps", royalty_bps, MAX_ROYALTY_BPS)
        split = Split(recipients, shares_bps)
        if content_hash in self.release_by_content:
            raise DuplicateRelease(content_hash, self.release_by_content[content_hash])
        release_id = len(self.releases) + 1
        self.releases[release_id] = Release(
            release_id, artist, content_hash, max_editions, royalty_bps, split
        )
        self.release_by_content[content_hash] = release_id
        return [
            ReleaseCreated(
                release_id,
                artist,
                title,
                artist_name,
                content_hash,
                max_editions,
                royalty_bps,
            ),
            SplitSet(release_id, split.recipients, split.shares_bps),
        ]

    def mint_edition(
        self, sender: Address, release_id: int, recipient: Address
    ) -> list[DomainEvent]:
        """The admin mints the release's next edition to the recipient."""
        self.admin.require_admin(sender)
        release = self.release(release_id)
        if recipient.is_zero:
            raise ZeroAddress("recipient")
        if release.minted >= release.max_editions:
            raise EditionsExhausted(release_id, release.max_editions)
        edition = release.minted + 1
        self.releases[release_id] = evolve(release, minted=edition)
        token_id = token_id_of(release_id, edition)
        self.owners[token_id] = recipient
        self.balances[recipient] = self.balances.get(recipient, 0) + 1
        return [
            EditionMinted(release_id, edition, token_id, recipient),
            EditionTransferred(ZERO_ADDRESS, recipient, token_id),
        ]

    # --- ERC-721 ----------------------------------------------------------------------------

    def check_transfer(
        self, spender: Address, owner: Address, recipient: Address, token_id: int
    ) -> None:
        """Refuse a transfer that would fail, in OpenZeppelin's order, changing nothing."""
        if recipient.is_zero:
            raise ZeroAddress("recipient")
        actual_owner = self.owner_of(token_id)
        if not self.is_authorized(spender, token_id):
            raise NotOwnerNorApproved(spender, token_id)
        if actual_owner != owner:
            raise WrongOwner(owner, token_id)

    def transfer(
        self,
        spender: Address,
        owner: Address,
        recipient: Address,
        token_id: int,
        *,
        receiver_check: ReceiverCheck | None = None,
        data: bytes = b"",
    ) -> list[DomainEvent]:
        """Move a token; with ``receiver_check`` it is a safe transfer, refused when the
        recipient is a contract that does not accept it."""
        self.check_transfer(spender, owner, recipient, token_id)
        if receiver_check is not None and not receiver_check(
            spender, owner, recipient, token_id, data
        ):
            raise ReceiverRejected(recipient)
        self.token_approvals.pop(token_id, None)
        self.balances[owner] -= 1
        self.balances[recipient] = self.balances.get(recipient, 0) + 1
        self.owners[token_id] = recipient
        return [EditionTransferred(owner, recipient, token_id)]

    def approve(self, sender: Address, approved: Address, token_id: int) -> list[DomainEvent]:
        """The owner or one of their operators approves one account for one token."""
        owner = self.owner_of(token_id)
        if sender != owner and not self.is_approved_for_all(owner, sender):
            raise NotOwnerNorApproved(sender, token_id)
        self.token_approvals[token_id] = approved
        return [EditionApproved(owner, approved, token_id)]

    def set_operator(self, sender: Address, operator: Address, approved: bool) -> list[DomainEvent]:
        """The sender lets (or stops letting) an operator move all of their tokens."""
        if operator.is_zero:
            raise ZeroAddress("operator")
        if approved:
            self.operators.add((sender, operator))
        else:
            self.operators.discard((sender, operator))
        return [OperatorSet(sender, operator, approved)]
