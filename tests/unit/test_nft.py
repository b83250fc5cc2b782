"""Music NFT rules: releases, editions in order, ERC-721 (OpenZeppelin 5) and ERC-2981."""

from __future__ import annotations

from typing import Any

import pytest

from dcmx_core.events import (
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
    InvalidSplit,
    NotAdmin,
    NotOwnerNorApproved,
    OutOfRange,
    ReceiverRejected,
    UnknownRelease,
    UnknownToken,
    WrongOwner,
    ZeroAddress,
)
from dcmx_core.model.nft import MAX_EDITIONS, MusicNft, Release, release_of, token_id_of
from dcmx_core.model.royalties import Split
from dcmx_core.model.values import ZERO_ADDRESS, ZERO_HASH, Address
from tests.factories import ADMIN, ALICE, BOB, CAROL, DAVE, address, digest
from tests.unit.refusals import refused

DISTRIBUTOR = address(14)
BASE_URI = "ipfs://dcmx/"
FIRST = token_id_of(1, 1)
SECOND = token_id_of(1, 2)


def release_args(**changes: Any) -> dict[str, Any]:
    """Alice's track, three editions, 10 % royalty split 70/30 with Bob, as keywords."""
    args: dict[str, Any] = {
        "artist": ALICE,
        "title": "Track",
        "artist_name": "Alice",
        "content_hash": digest("track"),
        "max_editions": 3,
        "royalty_bps": 1_000,
        "recipients": (ALICE, BOB),
        "shares_bps": (7_000, 3_000),
    }
    return args | changes


@pytest.fixture
def nft() -> MusicNft:
    """Release 1 with its first edition minted to Alice."""
    nft = MusicNft.deploy(ADMIN, DISTRIBUTOR, BASE_URI)
    nft.create_release(ADMIN, **release_args())
    nft.mint_edition(ADMIN, 1, ALICE)
    return nft


# --- token ids ------------------------------------------------------------------------------


def test_a_token_id_names_its_release_and_edition() -> None:
    assert token_id_of(3, 42) == 3_000_042
    assert release_of(3_000_042) == 3


def test_the_last_edition_stays_inside_its_release() -> None:
    assert release_of(token_id_of(7, MAX_EDITIONS)) == 7


# --- releases -------------------------------------------------------------------------------


def test_create_release_records_the_release_and_its_split() -> None:
    nft = MusicNft.deploy(ADMIN, DISTRIBUTOR, BASE_URI)
    events = nft.create_release(ADMIN, **release_args())
    assert events == [
        ReleaseCreated(1, ALICE, "Track", "Alice", digest("track"), 3, 1_000),
        SplitSet(1, (ALICE, BOB), (7_000, 3_000)),
    ]
    split = Split((ALICE, BOB), (7_000, 3_000))
    assert nft.release(1) == Release(1, ALICE, digest("track"), 3, 1_000, split)


def test_release_ids_count_up_from_one(nft: MusicNft) -> None:
    events = nft.create_release(ADMIN, **release_args(content_hash=digest("other")))
    assert events[0] == ReleaseCreated(2, ALICE, "Track", "Alice", digest("other"), 3, 1_000)


def test_create_release_refuses_a_sender_who_is_not_the_admin(nft: MusicNft) -> None:
    error = refused(nft, NotAdmin, lambda: nft.create_release(ALICE, **release_args()))
    assert error.details == {"account": ALICE, "contract": "MUSIC_NFT"}


def test_create_release_refuses_the_zero_artist(nft: MusicNft) -> None:
    args = release_args(artist=ZERO_ADDRESS, content_hash=digest("new"))
    refused(nft, ZeroAddress, lambda: nft.create_release(ADMIN, **args))


def test_create_release_refuses_the_zero_content_hash(nft: MusicNft) -> None:
    args = release_args(content_hash=ZERO_HASH)
    refused(nft, EmptyHash, lambda: nft.create_release(ADMIN, **args))


@pytest.mark.parametrize("field", ["title", "artist_name"])
def test_create_release_refuses_text_longer_than_1024_utf8_bytes(nft: MusicNft, field: str) -> None:
    args = release_args(content_hash=digest("new"), **{field: "é" * 513})
    refused(nft, OutOfRange, lambda: nft.create_release(ADMIN, **args))


def test_create_release_accepts_text_of_exactly_1024_utf8_bytes(nft: MusicNft) -> None:
    args = release_args(content_hash=digest("new"), title="é" * 512)
    assert nft.create_release(ADMIN, **args)[0] == ReleaseCreated(
        2, ALICE, "é" * 512, "Alice", digest("new"), 3, 1_000
    )


@pytest.mark.parametrize("max_editions", [0, MAX_EDITIONS + 1, True, 2.0])
def test_create_release_refuses_max_editions_out_of_range(nft: MusicNft, max_editions: int) -> None:
    args = release_args(content_hash=digest("new"), max_editions=max_editions)
    refused(nft, OutOfRange, lambda: nft.create_release(ADMIN, **args))


@pytest.mark.parametrize("max_editions", [1, MAX_EDITIONS])
def test_create_release_accepts_max_editions_at_the_limits(
    nft: MusicNft, max_editions: int
) -> None:
    nft.create_release(ADMIN, **release_args(content_hash=digest("new"), max_editions=max_editions))
    assert nft.release(2).max_editions == max_editions


@pytest.mark.parametrize("royalty_bps", [-1, 5_001])
def test_create_release_refuses_a_royalty_outside_0_to_5000_bps(
    nft: MusicNft, royalty_bps: int
) -> None:
    args = release_args(content_hash=digest("new"), royalty_bps=royalty_bps)
    refused(nft, OutOfRange, lambda: nft.create_release(ADMIN, **args))


def test_create_release_refuses_an_invalid_split(nft: MusicNft) -> None:
    args = release_args(content_hash=digest("new"), shares_bps=(7_000, 2_999))
    refused(nft, InvalidSplit, lambda: nft.create_release(ADMIN, **args))


def test_create_release_refuses_content_published_already(nft: MusicNft) -> None:
    error = refused(nft, DuplicateRelease, lambda: nft.create_release(ADMIN, **release_args()))
    assert error.details == {"content_hash": digest("track"), "release_id": 1}


def test_release_refuses_an_unknown_id(nft: MusicNft) -> None:
    error = refused(nft, UnknownRelease, lambda: nft.release(2))
    assert error.details == {"release_id": 2}


# --- editions -------------------------------------------------------------------------------


def test_mint_edition_mints_the_next_edition_to_the_recipient(nft: MusicNft) -> None:
    assert nft.mint_edition(ADMIN, 1, BOB) == [
        EditionMinted(1, 2, SECOND, BOB),
        EditionTransferred(ZERO_ADDRESS, BOB, SECOND),
    ]
    assert (nft.owner_of(SECOND), nft.balance_of(BOB), nft.release(1).minted) == (BOB, 1, 2)


def test_editions_are_minted_in_order(nft: MusicNft) -> None:
    nft.mint_edition(ADMIN, 1, BOB)
    nft.mint_edition(ADMIN, 1, BOB)
    assert sorted(nft.owners) == [1_000_001, 1_000_002, 1_000_003]


def test_mint_edition_refuses_beyond_max_editions(nft: MusicNft) -> None:
    nft.mint_edition(ADMIN, 1, BOB)
    nft.mint_edition(ADMIN, 1, BOB)
    error = refused(nft, EditionsExhausted, lambda: nft.mint_edition(ADMIN, 1, BOB))
    assert error.details == {"release_id": 1, "max_editions": 3}


def test_mint_edition_refuses_a_sender_who_is_not_the_admin(nft: MusicNft) -> None:
    refused(nft, NotAdmin, lambda: nft.mint_edition(ALICE, 1, ALICE))


def test_mint_edition_refuses_an_unknown_release(nft: MusicNft) -> None:
    refused(nft, UnknownRelease, lambda: nft.mint_edition(ADMIN, 2, BOB))


def test_mint_edition_refuses_the_zero_recipient(nft: MusicNft) -> None:
    refused(nft, ZeroAddress, lambda: nft.mint_edition(ADMIN, 1, ZERO_ADDRESS))


# --- queries --------------------------------------------------------------------------------


def test_owner_of_refuses_an_unknown_token(nft: MusicNft) -> None:
    error = refused(nft, UnknownToken, lambda: nft.owner_of(SECOND))
    assert error.details == {"token_id": SECOND}


def test_balance_of_an_account_without_tokens_is_zero(nft: MusicNft) -> None:
    assert nft.balance_of(BOB) == 0


def test_balance_of_refuses_the_zero_address(nft: MusicNft) -> None:
    refused(nft, ZeroAddress, lambda: nft.balance_of(ZERO_ADDRESS))


def test_get_approved_is_the_zero_address_until_someone_is_approved(nft: MusicNft) -> None:
    assert nft.get_approved(FIRST) == ZERO_ADDRESS


def test_get_approved_refuses_an_unknown_token(nft: MusicNft) -> None:
    refused(nft, UnknownToken, lambda: nft.get_approved(SECOND))


# --- transfers ------------------------------------------------------------------------------


def test_the_owner_transfers_a_token(nft: MusicNft) -> None:
    assert nft.transfer(ALICE, ALICE, BOB, FIRST) == [EditionTransferred(ALICE, BOB, FIRST)]
    assert (nft.owner_of(FIRST), nft.balance_of(ALICE), nft.balance_of(BOB)) == (BOB, 0, 1)


def test_the_approved_account_transfers_a_token(nft: MusicNft) -> None:
    nft.approve(ALICE, CAROL, FIRST)
    assert nft.transfer(CAROL, ALICE, BOB, FIRST) == [EditionTransferred(ALICE, BOB, FIRST)]
    assert nft.owner_of(FIRST) == BOB


def test_an_operator_transfers_a_token(nft: MusicNft) -> None:
    nft.set_operator(ALICE, CAROL, True)
    assert nft.transfer(CAROL, ALICE, BOB, FIRST) == [EditionTransferred(ALICE, BOB, FIRST)]
    assert nft.owner_of(FIRST) == BOB


def test_a_transfer_clears_the_tokens_approval(nft: MusicNft) -> None:
    nft.approve(ALICE, CAROL, FIRST)
    nft.transfer(ALICE, ALICE, BOB, FIRST)
    assert nft.get_approved(FIRST) == ZERO_ADDRESS


def test_a_transfer_to_oneself_keeps_the_balance(nft: MusicNft) -> None:
    nft.transfer(ALICE, ALICE, ALICE, FIRST)
    assert (nft.owner_of(FIRST), nft.balance_of(ALICE)) == (ALICE, 1)


def test_transfer_refuses_a_spender_neither_owner_nor_approved(nft: MusicNft) -> None:
    error = refused(nft, NotOwnerNorApproved, lambda: nft.transfer(BOB, ALICE, BOB, FIRST))
    assert error.details == {"account": BOB, "token_id": FIRST}


def test_an_operator_of_someone_else_is_not_authorized(nft: MusicNft) -> None:
    nft.set_operator(BOB, CAROL, True)
    refused(nft, NotOwnerNorApproved, lambda: nft.transfer(CAROL, ALICE, CAROL, FIRST))


def test_the_zero_address_is_never_authorized(nft: MusicNft) -> None:
    nft.approve(ALICE, ZERO_ADDRESS, FIRST)
    refused(nft, NotOwnerNorApproved, lambda: nft.transfer(ZERO_ADDRESS, ALICE, BOB, FIRST))


def test_transfer_refuses_the_zero_recipient(nft: MusicNft) -> None:
    error = refused(nft, ZeroAddress, lambda: nft.transfer(ALICE, ALICE, ZERO_ADDRESS, FIRST))
    assert error.details == {"role": "recipient"}


def test_transfer_refuses_an_unknown_token(nft: MusicNft) -> None:
    refused(nft, UnknownToken, lambda: nft.transfer(ALICE, ALICE, BOB, SECOND))


def test_transfer_refuses_a_claimed_owner_who_is_not_the_owner(nft: MusicNft) -> None:
    error = refused(nft, WrongOwner, lambda: nft.transfer(ALICE, CAROL, BOB, FIRST))
    assert error.details == {"claimed": CAROL, "token_id": FIRST}


def test_transfer_checks_the_recipient_before_the_token(nft: MusicNft) -> None:
    refused(nft, ZeroAddress, lambda: nft.transfer(ALICE, ALICE, ZERO_ADDRESS, SECOND))


def test_transfer_checks_authorization_before_the_claimed_owner(nft: MusicNft) -> None:
    refused(nft, NotOwnerNorApproved, lambda: nft.transfer(BOB, BOB, CAROL, FIRST))


# --- safe transfers -------------------------------------------------------------------------


def test_a_safe_transfer_asks_the_receiver_with_every_detail(nft: MusicNft) -> None:
    asked: list[tuple[Address, Address, Address, int, bytes]] = []

    def accepts(operator: Address, owner: Address, to: Address, token: int, data: bytes) -> bool:
        asked.append((operator, owner, to, token, data))
        return True

    nft.set_operator(ALICE, CAROL, True)
    events = nft.transfer(CAROL, ALICE, DAVE, FIRST, receiver_check=accepts, data=b"hi")
    assert events == [EditionTransferred(ALICE, DAVE, FIRST)]
    assert asked == [(CAROL, ALICE, DAVE, FIRST, b"hi")]


def test_a_safe_transfer_refuses_a_receiver_that_rejects_it(nft: MusicNft) -> None:
    error = refused(
        nft,
        ReceiverRejected,
        lambda: nft.transfer(ALICE, ALICE, BOB, FIRST, receiver_check=lambda *_: False),
    )
    assert error.details == {"receiver": BOB}


def test_a_safe_transfer_checks_authorization_before_asking_the_receiver(nft: MusicNft) -> None:
    asked: list[int] = []

    def accepts(*args: object) -> bool:
        asked.append(1)
        return True

    refused(
        nft,
        NotOwnerNorApproved,
        lambda: nft.transfer(BOB, ALICE, BOB, FIRST, receiver_check=accepts),
    )
    assert asked == []


# --- approvals and operators ----------------------------------------------------------------


def test_the_owner_approves_an_account_for_one_token(nft: MusicNft) -> None:
    assert nft.approve(ALICE, BOB, FIRST) == [EditionApproved(ALICE, BOB, FIRST)]
    assert nft.get_approved(FIRST) == BOB


def test_an_operator_approves_an_account_in_the_owners_name(nft: MusicNft) -> None:
    nft.set_operator(ALICE, CAROL, True)
    assert nft.approve(CAROL, BOB, FIRST) == [EditionApproved(ALICE, BOB, FIRST)]
    assert nft.get_approved(FIRST) == BOB


def test_approve_refuses_a_sender_neither_owner_nor_operator(nft: MusicNft) -> None:
    error = refused(nft, NotOwnerNorApproved, lambda: nft.approve(BOB, BOB, FIRST))
    assert error.details == {"account": BOB, "token_id": FIRST}


def test_the_approved_account_cannot_approve_another(nft: MusicNft) -> None:
    nft.approve(ALICE, BOB, FIRST)
    refused(nft, NotOwnerNorApproved, lambda: nft.approve(BOB, CAROL, FIRST))


def test_approve_refuses_an_unknown_token(nft: MusicNft) -> None:
    refused(nft, UnknownToken, lambda: nft.approve(ALICE, BOB, SECOND))


def test_approving_the_zero_address_clears_the_approval(nft: MusicNft) -> None:
    nft.approve(ALICE, BOB, FIRST)
    assert nft.approve(ALICE, ZERO_ADDRESS, FIRST) == [EditionApproved(ALICE, ZERO_ADDRESS, FIRST)]
    refused(nft, NotOwnerNorApproved, lambda: nft.transfer(BOB, ALICE, BOB, FIRST))


def test_set_operator_lets_an_operator_act_for_the_owner(nft: MusicNft) -> None:
    assert nft.set_operator(ALICE, BOB, True) == [OperatorSet(ALICE, BOB, True)]
    assert nft.is_approved_for_all(ALICE, BOB)


def test_set_operator_stops_an_operator(nft: MusicNft) -> None:
    nft.set_operator(ALICE, BOB, True)
    assert nft.set_operator(ALICE, BOB, False) == [OperatorSet(ALICE, BOB, False)]
    assert not nft.is_approved_for_all(ALICE, BOB)


def test_stopping_an_operator_who_never_was_one_still_emits(nft: MusicNft) -> None:
    assert nft.set_operator(ALICE, BOB, False) == [OperatorSet(ALICE, BOB, False)]


def test_set_operator_refuses_the_zero_operator(nft: MusicNft) -> None:
    error = refused(nft, ZeroAddress, lambda: nft.set_operator(ALICE, ZERO_ADDRESS, True))
    assert error.details == {"role": "operator"}


# --- royalty info and token URI -------------------------------------------------------------


def test_royalty_info_pays_the_distributor_the_royalty_rounded_down(nft: MusicNft) -> None:
    assert nft.royalty_info(FIRST, 999) == (DISTRIBUTOR, 99)


def test_royalty_info_of_a_release_without_royalty_is_zero(nft: MusicNft) -> None:
    nft.create_release(ADMIN, **release_args(content_hash=digest("free"), royalty_bps=0))
    nft.mint_edition(ADMIN, 2, BOB)
    assert nft.royalty_info(token_id_of(2, 1), 10**18) == (DISTRIBUTOR, 0)


def test_royalty_info_refuses_an_unknown_token(nft: MusicNft) -> None:
    refused(nft, UnknownToken, lambda: nft.royalty_info(SECOND, 100))


def test_royalty_info_refuses_a_negative_price(nft: MusicNft) -> None:
    refused(nft, OutOfRange, lambda: nft.royalty_info(FIRST, -1))


def test_token_uri_is_the_base_uri_followed_by_the_token_id(nft: MusicNft) -> None:
    assert nft.token_uri(FIRST) == "ipfs://dcmx/1000001"


def test_token_uri_is_empty_without_a_base_uri(nft: MusicNft) -> None:
    nft.base_uri = ""
    assert nft.token_uri(FIRST) == ""


def test_token_uri_refuses_an_unknown_token(nft: MusicNft) -> None:
    refused(nft, UnknownToken, lambda: nft.token_uri(SECOND))


# --- royalty receiver -----------------------------------------------------------------------


def test_the_admin_can_name_a_new_royalty_receiver(nft: MusicNft) -> None:
    assert nft.set_royalty_receiver(ADMIN, BOB) == [RoyaltyReceiverSet(BOB)]
    assert nft.royalty_receiver == BOB


def test_only_the_admin_names_the_royalty_receiver(nft: MusicNft) -> None:
    refused(nft, NotAdmin, lambda: nft.set_royalty_receiver(ALICE, BOB))


def test_the_royalty_receiver_is_never_the_zero_address(nft: MusicNft) -> None:
    refused(nft, ZeroAddress, lambda: nft.set_royalty_receiver(ADMIN, ZERO_ADDRESS))
