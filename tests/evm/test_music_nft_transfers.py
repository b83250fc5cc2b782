"""MusicNFT.sol's ERC-721 transfers and approvals, as OpenZeppelin 5 has them and
dcmx_core.model.nft mirrors them, and its safe transfers: ERC-721's receiver hook, and TRC-721's
on TRON. Refusals are read from the revert data by selector."""

from __future__ import annotations

import pytest
from web3.contract import Contract

from tests.evm.chain import Chain
from tests.evm.conftest import BASE_URI, Deploy, mint, release_args

ZERO = "0x" + "00" * 20
ACCEPT_ERC721, ACCEPT_TRC721, WRONG_MAGIC, REVERT_REASON, REVERT_EMPTY, NO_ANSWER = range(6)


# --- ERC-721 transfers and approvals --------------------------------------------------------


def test_the_owner_an_approved_account_and_an_operator_may_transfer(
    chain: Chain, nft: Contract, artist: str, carol: str, dave: str, edition: int
) -> None:
    chain.send(nft.functions.approve(carol, edition), artist)
    receipt = chain.send(nft.functions.transferFrom(artist, dave, edition), carol)
    assert chain.events(receipt) == [("Transfer", {"from": artist, "to": dave, "tokenId": edition})]
    assert nft.functions.getApproved(edition).call() == ZERO  # a transfer clears the approval
    receipt = chain.send(nft.functions.setApprovalForAll(artist, True), dave)
    assert chain.events(receipt) == [
        ("ApprovalForAll", {"owner": dave, "operator": artist, "approved": True})
    ]
    chain.send(nft.functions.transferFrom(dave, carol, edition), artist)
    chain.send(nft.functions.transferFrom(carol, artist, edition), carol)
    assert nft.functions.ownerOf(edition).call() == artist
    assert nft.functions.balanceOf(carol).call() == 0


def test_transfer_checks_recipient_token_authority_then_owner(
    chain: Chain, nft: Contract, artist: str, carol: str, dave: str, edition: int
) -> None:
    unknown = edition + 1
    transfer = nft.functions.transferFrom
    assert chain.refusal(transfer(dave, ZERO, unknown), carol) == ("ERC721InvalidReceiver", (ZERO,))
    assert chain.refusal(transfer(dave, carol, unknown), carol) == (
        "ERC721NonexistentToken",
        (unknown,),
    )
    assert chain.refusal(transfer(dave, carol, edition), carol) == (
        "ERC721InsufficientApproval",
        (carol, edition),
    )
    assert chain.refusal(transfer(dave, carol, edition), artist) == (
        "ERC721IncorrectOwner",
        (dave, edition, artist),
    )


def test_approvals_come_from_the_owner_or_an_operator_only(
    chain: Chain, nft: Contract, artist: str, carol: str, dave: str, edition: int
) -> None:
    assert chain.refusal(nft.functions.approve(dave, edition), carol) == (
        "ERC721InvalidApprover",
        (carol,),
    )
    assert chain.refusal(nft.functions.approve(dave, edition + 1), carol)[0] == (
        "ERC721NonexistentToken"
    )
    chain.send(nft.functions.setApprovalForAll(carol, True), artist)
    receipt = chain.send(nft.functions.approve(dave, edition), carol)
    assert chain.events(receipt) == [
        ("Approval", {"owner": artist, "approved": dave, "tokenId": edition})
    ]
    assert chain.refusal(nft.functions.setApprovalForAll(ZERO, True), artist) == (
        "ERC721InvalidOperator",
        (ZERO,),
    )
    assert chain.refusal(nft.functions.balanceOf(ZERO), artist) == ("ERC721InvalidOwner", (ZERO,))


# --- safe transfers: ERC-721's and TRC-721's receiver hooks ---------------------------------


@pytest.mark.parametrize("with_data", [False, True])
def test_a_receiver_that_answers_the_magic_value_gets_the_token_and_the_call(
    chain: Chain,
    deploy: Deploy,
    nft: Contract,
    artist: str,
    carol: str,
    edition: int,
    with_data: bool,
) -> None:
    receiver = deploy("NftReceiverMock", ACCEPT_ERC721, True)
    chain.send(nft.functions.approve(carol, edition), artist)
    safe = nft.functions.safeTransferFrom
    call = (
        safe(artist, receiver.address, edition, b"hi")
        if with_data
        else safe(artist, receiver.address, edition)
    )
    chain.send(call, carol)
    assert nft.functions.ownerOf(edition).call() == receiver.address
    assert receiver.functions.lastOperator().call() == carol
    assert receiver.functions.lastFrom().call() == artist
    assert receiver.functions.lastTokenId().call() == edition
    assert receiver.functions.lastData().call() == (b"hi" if with_data else b"")


def test_a_safe_transfer_to_an_account_without_code_needs_no_answer(
    chain: Chain, nft: Contract, artist: str, dave: str, edition: int
) -> None:
    chain.send(nft.functions.safeTransferFrom(artist, dave, edition), artist)
    assert nft.functions.ownerOf(edition).call() == dave


@pytest.mark.parametrize(
    ("answer", "refusal"),
    [
        (WRONG_MAGIC, "ReceiverRejected"),
        (REVERT_EMPTY, "ReceiverRejected"),
        (NO_ANSWER, "ReceiverRejected"),
        (ACCEPT_TRC721, "ReceiverRejected"),  # TRON's hook only: an EVM NFT does not call it
        (REVERT_REASON, "Error"),  # a reason bubbles up unchanged
    ],
)
def test_a_receiver_that_does_not_accept_refuses_the_safe_transfer(
    chain: Chain,
    deploy: Deploy,
    nft: Contract,
    artist: str,
    edition: int,
    answer: int,
    refusal: str,
) -> None:
    receiver = deploy("NftReceiverMock", answer, True)
    name, args = chain.refusal(
        nft.functions.safeTransferFrom(artist, receiver.address, edition), artist
    )
    assert name == refusal
    assert args == (
        (receiver.address,) if name == "ReceiverRejected" else ("NftReceiverMock: refused",)
    )
    assert nft.functions.ownerOf(edition).call() == artist


def test_a_contract_without_a_hook_refuses_and_transfer_checks_come_first(
    chain: Chain, nft: Contract, distributor: Contract, artist: str, carol: str, edition: int
) -> None:
    safe = nft.functions.safeTransferFrom
    assert chain.refusal(safe(artist, distributor.address, edition), artist) == (
        "ReceiverRejected",
        (distributor.address,),
    )
    assert chain.refusal(safe(artist, distributor.address, edition), carol)[0] == (
        "ERC721InsufficientApproval"
    )


@pytest.mark.parametrize(("answer", "accepted"), [(ACCEPT_TRC721, True), (ACCEPT_ERC721, False)])
def test_on_tron_the_nft_calls_the_trc721_hook(
    chain: Chain, deploy: Deploy, admin: str, artist: str, answer: int, accepted: bool
) -> None:
    tron_nft = deploy("MusicNFT", admin, BASE_URI, True)
    assert tron_nft.functions.tronReceiver().call() is True
    chain.send(tron_nft.functions.createRelease(*release_args(artist).values()), admin)
    token_id = mint(chain, tron_nft, admin, 1, artist)
    receiver = deploy("NftReceiverMock", answer, True)
    call = tron_nft.functions.safeTransferFrom(artist, receiver.address, token_id, b"")
    if accepted:
        chain.send(call, artist)
        assert tron_nft.functions.ownerOf(token_id).call() == receiver.address
    else:
        assert chain.refusal(call, artist) == ("ReceiverRejected", (receiver.address,))
