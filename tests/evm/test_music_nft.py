"""MusicNFT.sol obeys the NFT rules of dcmx_core.model.nft and the EIPs it claims: releases,
editions, ERC-721 Metadata, ERC-165 and ERC-2981 (transfers are in test_music_nft_transfers).
Refusals are read from the revert data by selector, in the order Python checks them."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3
from web3.contract import Contract

from dcmx_core.model.nft import EDITION_SPACE, MAX_EDITIONS, MAX_TEXT_BYTES
from dcmx_core.model.values import UINT256_MAX, bps_of
from tests.evm.chain import Chain
from tests.evm.conftest import BASE_URI, CONTENT, EDITIONS, Deploy, mint, release_args

ZERO = "0x" + "00" * 20


# --- deployment, ERC-165, metadata ----------------------------------------------------------


def test_a_fresh_nft_names_itself_and_has_no_royalty_receiver_yet(
    nft: Contract, admin: str
) -> None:
    assert nft.functions.name().call() == "DCMX Music"
    assert nft.functions.symbol().call() == "DCMXM"
    assert nft.functions.admin().call() == admin
    assert nft.functions.royaltyReceiver().call() == ZERO
    assert nft.functions.releaseCount().call() == 0
    assert nft.functions.tronReceiver().call() is False


@pytest.mark.parametrize(
    ("interface_id", "supported"),
    [
        ("0x01ffc9a7", True),  # ERC-165
        ("0x80ac58cd", True),  # ERC-721
        ("0x5b5e139f", True),  # ERC-721 Metadata
        ("0x2a55205a", True),  # ERC-2981
        ("0x780e9d63", False),  # ERC-721 Enumerable: not claimed
        ("0xffffffff", False),  # ERC-165 requires false for 0xffffffff
    ],
)
def test_erc165_claims_exactly_the_implemented_interfaces(
    nft: Contract, interface_id: str, supported: bool
) -> None:
    assert nft.functions.supportsInterface(bytes.fromhex(interface_id[2:])).call() is supported


def test_token_uri_is_the_base_uri_and_the_token_id(nft: Contract, edition: int) -> None:
    assert nft.functions.tokenURI(edition).call() == f"{BASE_URI}{edition}"


def test_token_uri_is_empty_without_a_base_uri_and_refused_for_an_unknown_token(
    chain: Chain, deploy: Deploy, admin: str, artist: str
) -> None:
    bare = deploy("MusicNFT", admin, "", False)
    chain.send(bare.functions.createRelease(*release_args(artist).values()), admin)
    token_id = mint(chain, bare, admin, 1, artist)
    assert bare.functions.tokenURI(token_id).call() == ""
    assert chain.refusal(bare.functions.tokenURI(token_id + 1), admin) == (
        "ERC721NonexistentToken",
        (token_id + 1,),
    )


def test_only_the_admin_sets_a_non_zero_royalty_receiver(
    chain: Chain, nft: Contract, admin: str, carol: str
) -> None:
    assert chain.refusal(nft.functions.setRoyaltyReceiver(carol), carol) == ("NotAdmin", (carol,))
    assert chain.refusal(nft.functions.setRoyaltyReceiver(ZERO), admin) == ("ZeroAddress", ())
    receipt = chain.send(nft.functions.setRoyaltyReceiver(carol), admin)
    assert chain.events(receipt) == [("RoyaltyReceiverSet", {"receiver": carol})]
    assert nft.functions.royaltyReceiver().call() == carol


# --- releases -------------------------------------------------------------------------------


def test_a_release_is_announced_with_its_split_and_kept(
    chain: Chain, nft: Contract, admin: str, artist: str, bob: str
) -> None:
    args = release_args(artist, recipients=[artist, bob], sharesBps=[8_000, 2_000])
    receipt = chain.send(nft.functions.createRelease(*args.values()), admin)
    assert chain.events(receipt) == [
        (
            "ReleaseCreated",
            {
                "releaseId": 1,
                "artist": artist,
                "title": "Track One",
                "artistName": "The Artist",
                "contentHash": bytes(CONTENT),
                "maxEditions": EDITIONS,
                "royaltyBps": 1_000,
            },
        ),
        ("SplitSet", {"releaseId": 1, "recipients": (artist, bob), "sharesBps": (8_000, 2_000)}),
    ]
    assert nft.functions.releaseCount().call() == 1
    assert nft.functions.getRelease(1).call() == [
        artist,
        bytes(CONTENT),
        EDITIONS,
        1_000,
        0,
        [artist, bob],
        [8_000, 2_000],
    ]
    assert nft.functions.saleTerms(1).call() == [
        artist,
        1_000,
        b"".join(
            (bps << 160 | int(who, 16)).to_bytes(32, "big")
            for who, bps in ((artist, 8_000), (bob, 2_000))
        ),
    ]


def test_release_ids_count_from_one(chain: Chain, nft: Contract, admin: str, artist: str) -> None:
    for expected, text in enumerate(("a", "b", "c"), start=1):
        args = release_args(artist, contentHash=Web3.keccak(text=text))
        assert nft.functions.createRelease(*args.values()).call({"from": admin}) == expected
        chain.send(nft.functions.createRelease(*args.values()), admin)


def test_an_unknown_release_is_refused_by_every_reader(
    chain: Chain, nft: Contract, admin: str, release: int
) -> None:
    for call in (nft.functions.getRelease(2), nft.functions.saleTerms(0)):
        assert chain.refusal(call, admin)[0] == "UnknownRelease"


TOO_LONG = "é" * (MAX_TEXT_BYTES // 2) + "x"  # 1,025 UTF-8 bytes in 513 characters


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"artist": ZERO}, "ZeroAddress"),
        ({"contentHash": bytes(32)}, "EmptyHash"),
        ({"title": TOO_LONG}, "OutOfRange"),
        ({"artistName": TOO_LONG}, "OutOfRange"),
        ({"maxEditions": 0}, "OutOfRange"),
        ({"maxEditions": MAX_EDITIONS + 1}, "OutOfRange"),
        ({"maxEditions": UINT256_MAX}, "OutOfRange"),
        ({"royaltyBps": 5_001}, "OutOfRange"),
        ({"recipients": [], "sharesBps": []}, "InvalidSplit"),
        (
            {
                "recipients": [Web3.to_checksum_address(f"0x{i:040x}") for i in range(1, 22)],
                "sharesBps": [476] * 21,
            },
            "InvalidSplit",
        ),
        ({"sharesBps": [5_000, 5_000]}, "InvalidSplit"),
        ({"recipients": [ZERO]}, "InvalidSplit"),
        ({"recipients": ["0x" + "11" * 20] * 2, "sharesBps": [5_000, 5_000]}, "InvalidSplit"),
        (
            {"recipients": ["0x" + "11" * 20, "0x" + "22" * 20], "sharesBps": [10_000, 0]},
            "InvalidSplit",
        ),
        (
            {
                "recipients": ["0x" + "11" * 20, "0x" + "22" * 20],
                "sharesBps": [UINT256_MAX, 10_001],
            },
            "InvalidSplit",
        ),
        ({"sharesBps": [9_999]}, "InvalidSplit"),
    ],
)
def test_a_release_breaking_a_rule_is_refused(
    chain: Chain, nft: Contract, admin: str, artist: str, changes: dict[str, Any], refusal: str
) -> None:
    args = release_args(artist, **changes)
    assert chain.refusal(nft.functions.createRelease(*args.values()), admin)[0] == refusal


def test_text_of_exactly_the_limit_is_accepted(
    chain: Chain, nft: Contract, admin: str, artist: str
) -> None:
    limit = "é" * (MAX_TEXT_BYTES // 2)
    args = release_args(artist, title=limit, artistName=limit, maxEditions=MAX_EDITIONS)
    chain.send(nft.functions.createRelease(*args.values()), admin)


def test_release_checks_run_in_the_python_order(
    chain: Chain, nft: Contract, admin: str, artist: str, carol: str
) -> None:
    broken = {
        "artist": ZERO,
        "contentHash": bytes(32),
        "title": TOO_LONG,
        "artistName": TOO_LONG,
        "maxEditions": 0,
        "royaltyBps": 5_001,
        "recipients": [],
        "sharesBps": [],
    }
    create = nft.functions.createRelease
    assert chain.refusal(create(*release_args(artist).values()), carol) == ("NotAdmin", (carol,))
    for repaired, refusal in [
        ("artist", "ZeroAddress"),
        ("contentHash", "EmptyHash"),
        ("title", "OutOfRange"),
        ("artistName", "OutOfRange"),
        ("maxEditions", "OutOfRange"),
        ("royaltyBps", "OutOfRange"),
        ("recipients", "InvalidSplit"),
    ]:
        assert chain.refusal(create(*release_args(artist, **broken).values()), admin)[0] == refusal
        del broken[repaired]


def test_a_content_hash_is_released_only_once(
    chain: Chain, nft: Contract, admin: str, artist: str, release: int
) -> None:
    again = nft.functions.createRelease(*release_args(artist, title="Other").values())
    assert chain.refusal(again, admin) == ("DuplicateRelease", (bytes(CONTENT), release))


# --- editions -------------------------------------------------------------------------------


def test_editions_are_minted_in_order_announced_before_the_transfer(
    chain: Chain, nft: Contract, admin: str, carol: str, release: int
) -> None:
    for edition in (1, 2):
        token_id = release * EDITION_SPACE + edition
        receipt = chain.send(nft.functions.mintEdition(release, carol), admin)
        assert chain.events(receipt) == [
            (
                "EditionMinted",
                {"releaseId": release, "edition": edition, "tokenId": token_id, "recipient": carol},
            ),
            ("Transfer", {"from": ZERO, "to": carol, "tokenId": token_id}),
        ]
        assert nft.functions.ownerOf(token_id).call() == carol
    assert nft.functions.balanceOf(carol).call() == 2
    assert nft.functions.getRelease(release).call()[4] == 2


def test_minting_checks_admin_release_recipient_then_editions_left(
    chain: Chain, nft: Contract, admin: str, carol: str, release: int
) -> None:
    assert chain.refusal(nft.functions.mintEdition(9, ZERO), carol) == ("NotAdmin", (carol,))
    assert chain.refusal(nft.functions.mintEdition(9, ZERO), admin) == ("UnknownRelease", (9,))
    for _ in range(EDITIONS):
        mint(chain, nft, admin, release, carol)
    assert chain.refusal(nft.functions.mintEdition(release, ZERO), admin) == (
        "ERC721InvalidReceiver",
        (ZERO,),
    )
    assert chain.refusal(nft.functions.mintEdition(release, carol), admin) == (
        "EditionsExhausted",
        (release, EDITIONS),
    )


# --- ERC-2981 -------------------------------------------------------------------------------


@pytest.mark.parametrize("price", [0, 1, 9, 10, 12_345, 10**18 + 7, UINT256_MAX])
def test_the_royalty_is_the_floor_of_the_price_times_the_release_bps(
    chain: Chain, nft: Contract, distributor: Contract, edition: int, price: int
) -> None:
    assert nft.functions.royaltyInfo(edition, price).call() == [
        distributor.address,
        bps_of(price, 1_000),
    ]


def test_royalty_info_refuses_a_token_that_does_not_exist(
    chain: Chain, nft: Contract, admin: str, release: int
) -> None:
    assert chain.refusal(nft.functions.royaltyInfo(release * EDITION_SPACE + 1, 100), admin) == (
        "ERC721NonexistentToken",
        (release * EDITION_SPACE + 1,),
    )


def test_minting_and_transferring_cost_what_openzeppelin_costs_and_the_rules(
    chain: Chain, nft: Contract, admin: str, artist: str, carol: str, dave: str, release: int
) -> None:
    mint(chain, nft, admin, release, artist)  # the release's minted counter is no longer zero
    minted = chain.send(nft.functions.mintEdition(release, carol), admin)
    token_id = release * EDITION_SPACE + 2
    moved = chain.send(nft.functions.transferFrom(carol, dave, token_id), carol)
    # OpenZeppelin alone, both to a new owner: mint 68,759, transferFrom 59,866. A mint adds
    # the admin check (2.1k), the release's counter (5k) and EditionMinted (2.1k).
    assert minted["gasUsed"] <= 68_759 + 10_200
    assert moved["gasUsed"] <= 59_866 + 100
