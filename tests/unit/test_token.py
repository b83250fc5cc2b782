"""The ERC-20 rules (OpenZeppelin 5's) and the DCMX token's cap, minters, burning and finish."""

from __future__ import annotations

import pytest

from dcmx_core.events import (
    AllowanceApproved,
    MinterAdded,
    MinterRemoved,
    MintingFinished,
    TokensTransferred,
)
from dcmx_core.exceptions import (
    AlreadyMinter,
    InsufficientAllowance,
    InsufficientBalance,
    MintingIsFinished,
    NotAdmin,
    NotMinter,
    OutOfRange,
    SupplyCapExceeded,
    UnknownMinter,
    ZeroAddress,
)
from dcmx_core.model.enums import Contract
from dcmx_core.model.token import CAP, DECIMALS, NAME, SYMBOL, DcmxToken
from dcmx_core.model.values import UINT256_MAX, ZERO_ADDRESS
from tests.factories import ADMIN, ALICE, BOB, CAROL, address
from tests.unit.refusals import refused

MINTER = address(10)
NOT_AMOUNTS = [-1, UINT256_MAX + 1, True, 1.0]


@pytest.fixture
def token() -> DcmxToken:
    """A token whose minter has minted 1,000 base units to Alice."""
    token = DcmxToken.deploy(ADMIN)
    token.add_minter(ADMIN, MINTER)
    token.mint(MINTER, ALICE, 1_000)
    return token


# --- deployment -----------------------------------------------------------------------------


def test_the_token_is_dcmx_with_18_decimals_capped_at_one_billion_tokens() -> None:
    assert (NAME, SYMBOL, DECIMALS, CAP) == ("DCMX", "DCMX", 18, 10**27)


def test_a_deployed_token_has_no_supply_and_no_minters() -> None:
    token = DcmxToken.deploy(ADMIN)
    assert (token.total_supply, token.total_minted, token.minters) == (0, 0, set())
    assert (token.admin.contract, token.admin.admin) == (Contract.TOKEN, ADMIN)
    assert not token.minting_finished


# --- transfer -------------------------------------------------------------------------------


def test_transfer_moves_the_amount_from_sender_to_recipient(token: DcmxToken) -> None:
    events = token.transfer(ALICE, BOB, 300)
    assert events == [TokensTransferred(ALICE, BOB, 300)]
    assert (token.balance_of(ALICE), token.balance_of(BOB)) == (700, 300)


def test_transfer_keeps_the_total_supply(token: DcmxToken) -> None:
    token.transfer(ALICE, BOB, 300)
    assert token.total_supply == 1_000


def test_transfer_of_the_whole_balance_is_allowed(token: DcmxToken) -> None:
    token.transfer(ALICE, BOB, 1_000)
    assert (token.balance_of(ALICE), token.balance_of(BOB)) == (0, 1_000)


def test_transfer_of_zero_emits_a_transfer_event(token: DcmxToken) -> None:
    assert token.transfer(BOB, CAROL, 0) == [TokensTransferred(BOB, CAROL, 0)]


def test_transfer_to_oneself_keeps_the_balance(token: DcmxToken) -> None:
    assert token.transfer(ALICE, ALICE, 400) == [TokensTransferred(ALICE, ALICE, 400)]
    assert token.balance_of(ALICE) == 1_000


def test_transfer_refuses_more_than_the_balance(token: DcmxToken) -> None:
    error = refused(token, InsufficientBalance, lambda: token.transfer(ALICE, BOB, 1_001))
    assert error.details == {"account": ALICE, "needed": 1_001, "available": 1_000}


def test_transfer_refuses_the_zero_recipient(token: DcmxToken) -> None:
    error = refused(token, ZeroAddress, lambda: token.transfer(ALICE, ZERO_ADDRESS, 1))
    assert error.details == {"role": "recipient"}


def test_transfer_refuses_the_zero_sender(token: DcmxToken) -> None:
    error = refused(token, ZeroAddress, lambda: token.transfer(ZERO_ADDRESS, BOB, 0))
    assert error.details == {"role": "sender"}


def test_transfer_checks_the_recipient_before_the_balance(token: DcmxToken) -> None:
    refused(token, ZeroAddress, lambda: token.transfer(BOB, ZERO_ADDRESS, 5))


@pytest.mark.parametrize("amount", NOT_AMOUNTS)
def test_transfer_refuses_an_amount_that_is_not_a_uint256(token: DcmxToken, amount: int) -> None:
    refused(token, OutOfRange, lambda: token.transfer(ALICE, BOB, amount))


# --- approve and transfer_from --------------------------------------------------------------


def test_approve_sets_the_allowance(token: DcmxToken) -> None:
    assert token.approve(ALICE, BOB, 50) == [AllowanceApproved(ALICE, BOB, 50)]
    assert token.allowance(ALICE, BOB) == 50


def test_approve_replaces_the_allowance_rather_than_adding_to_it(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, 50)
    token.approve(ALICE, BOB, 20)
    assert token.allowance(ALICE, BOB) == 20


def test_approve_refuses_the_zero_spender(token: DcmxToken) -> None:
    error = refused(token, ZeroAddress, lambda: token.approve(ALICE, ZERO_ADDRESS, 1))
    assert error.details == {"role": "spender"}


@pytest.mark.parametrize("amount", NOT_AMOUNTS)
def test_approve_refuses_an_amount_that_is_not_a_uint256(token: DcmxToken, amount: int) -> None:
    refused(token, OutOfRange, lambda: token.approve(ALICE, BOB, amount))


def test_transfer_from_moves_the_owners_tokens_without_an_approval_event(
    token: DcmxToken,
) -> None:
    token.approve(ALICE, BOB, 500)
    assert token.transfer_from(BOB, ALICE, CAROL, 200) == [TokensTransferred(ALICE, CAROL, 200)]
    assert (token.balance_of(ALICE), token.balance_of(BOB), token.balance_of(CAROL)) == (
        800,
        0,
        200,
    )


def test_transfer_from_spends_the_allowance(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, 500)
    token.transfer_from(BOB, ALICE, CAROL, 200)
    assert token.allowance(ALICE, BOB) == 300


def test_transfer_from_leaves_an_infinite_allowance_unchanged(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, UINT256_MAX)
    token.transfer_from(BOB, ALICE, CAROL, 200)
    assert token.allowance(ALICE, BOB) == UINT256_MAX


def test_transfer_from_refuses_more_than_the_allowance(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, 100)
    error = refused(
        token, InsufficientAllowance, lambda: token.transfer_from(BOB, ALICE, CAROL, 101)
    )
    assert error.details == {"spender": BOB, "needed": 101, "available": 100}


def test_transfer_from_refuses_more_than_the_balance_within_the_allowance(
    token: DcmxToken,
) -> None:
    token.approve(ALICE, BOB, 5_000)
    error = refused(
        token, InsufficientBalance, lambda: token.transfer_from(BOB, ALICE, CAROL, 1_001)
    )
    assert error.details == {"account": ALICE, "needed": 1_001, "available": 1_000}


def test_transfer_from_refuses_the_zero_recipient(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, 100)
    refused(token, ZeroAddress, lambda: token.transfer_from(BOB, ALICE, ZERO_ADDRESS, 10))


def test_transfer_from_checks_the_allowance_before_the_recipient(token: DcmxToken) -> None:
    refused(token, InsufficientAllowance, lambda: token.transfer_from(BOB, ALICE, ZERO_ADDRESS, 1))


def test_an_owner_needs_an_allowance_to_transfer_from_themself(token: DcmxToken) -> None:
    refused(token, InsufficientAllowance, lambda: token.transfer_from(ALICE, ALICE, BOB, 1))


# --- mint -----------------------------------------------------------------------------------


def test_a_minter_mints_new_tokens_to_the_recipient(token: DcmxToken) -> None:
    assert token.mint(MINTER, BOB, 250) == [TokensTransferred(ZERO_ADDRESS, BOB, 250)]
    assert (token.balance_of(BOB), token.total_supply, token.total_minted) == (250, 1_250, 1_250)


def test_mint_refuses_a_sender_who_is_not_a_minter(token: DcmxToken) -> None:
    error = refused(token, NotMinter, lambda: token.mint(ADMIN, BOB, 1))
    assert error.details == {"account": ADMIN}


def test_mint_checks_the_minter_before_the_recipient(token: DcmxToken) -> None:
    refused(token, NotMinter, lambda: token.mint(BOB, ZERO_ADDRESS, 1))


def test_mint_refuses_the_zero_recipient(token: DcmxToken) -> None:
    error = refused(token, ZeroAddress, lambda: token.mint(MINTER, ZERO_ADDRESS, 1))
    assert error.details == {"role": "recipient"}


@pytest.mark.parametrize("amount", NOT_AMOUNTS)
def test_mint_refuses_an_amount_that_is_not_a_uint256(token: DcmxToken, amount: int) -> None:
    refused(token, OutOfRange, lambda: token.mint(MINTER, BOB, amount))


def test_mint_up_to_the_cap_is_allowed(token: DcmxToken) -> None:
    token.mint(MINTER, BOB, CAP - 1_000)
    assert (token.total_supply, token.mintable) == (CAP, 0)


def test_mint_refuses_to_exceed_the_cap(token: DcmxToken) -> None:
    error = refused(token, SupplyCapExceeded, lambda: token.mint(MINTER, BOB, CAP - 999))
    assert error.details == {"requested": CAP - 999, "headroom": CAP - 1_000}


def test_mintable_is_what_remains_under_the_cap(token: DcmxToken) -> None:
    assert token.mintable == CAP - 1_000


def test_burned_tokens_can_never_be_minted_again(token: DcmxToken) -> None:
    token.mint(MINTER, BOB, CAP - 1_000)
    token.burn(BOB, 500)
    error = refused(token, SupplyCapExceeded, lambda: token.mint(MINTER, BOB, 1))
    assert error.details == {"requested": 1, "headroom": 0}


def test_mint_refuses_after_minting_is_finished(token: DcmxToken) -> None:
    token.finish_minting(ADMIN)
    refused(token, MintingIsFinished, lambda: token.mint(MINTER, BOB, 1))


# --- minters --------------------------------------------------------------------------------


def test_the_admin_adds_a_minter(token: DcmxToken) -> None:
    assert token.add_minter(ADMIN, BOB) == [MinterAdded(BOB)]
    assert token.is_minter(BOB)


def test_add_minter_refuses_a_sender_who_is_not_the_admin(token: DcmxToken) -> None:
    error = refused(token, NotAdmin, lambda: token.add_minter(MINTER, BOB))
    assert error.details == {"account": MINTER, "contract": "TOKEN"}


def test_add_minter_refuses_the_zero_address(token: DcmxToken) -> None:
    error = refused(token, ZeroAddress, lambda: token.add_minter(ADMIN, ZERO_ADDRESS))
    assert error.details == {"role": "minter"}


def test_add_minter_refuses_an_account_that_is_a_minter_already(token: DcmxToken) -> None:
    error = refused(token, AlreadyMinter, lambda: token.add_minter(ADMIN, MINTER))
    assert error.details == {"account": MINTER}


def test_the_admin_removes_a_minter(token: DcmxToken) -> None:
    assert token.remove_minter(ADMIN, MINTER) == [MinterRemoved(MINTER)]
    assert not token.is_minter(MINTER)


def test_a_removed_minter_can_no_longer_mint(token: DcmxToken) -> None:
    token.remove_minter(ADMIN, MINTER)
    refused(token, NotMinter, lambda: token.mint(MINTER, BOB, 1))


def test_remove_minter_refuses_a_sender_who_is_not_the_admin(token: DcmxToken) -> None:
    refused(token, NotAdmin, lambda: token.remove_minter(MINTER, MINTER))


def test_remove_minter_refuses_an_account_that_is_not_a_minter(token: DcmxToken) -> None:
    error = refused(token, UnknownMinter, lambda: token.remove_minter(ADMIN, BOB))
    assert error.details == {"account": BOB}


# --- finish minting -------------------------------------------------------------------------


def test_the_admin_finishes_minting(token: DcmxToken) -> None:
    assert token.finish_minting(ADMIN) == [MintingFinished()]
    assert token.minting_finished


def test_finish_minting_refuses_a_sender_who_is_not_the_admin(token: DcmxToken) -> None:
    refused(token, NotAdmin, lambda: token.finish_minting(MINTER))


def test_minting_can_be_finished_only_once(token: DcmxToken) -> None:
    token.finish_minting(ADMIN)
    refused(token, MintingIsFinished, lambda: token.finish_minting(ADMIN))


# --- burn and burn_from ---------------------------------------------------------------------


def test_a_holder_burns_their_tokens(token: DcmxToken) -> None:
    assert token.burn(ALICE, 400) == [TokensTransferred(ALICE, ZERO_ADDRESS, 400)]
    assert (token.balance_of(ALICE), token.total_supply) == (600, 600)


def test_burning_does_not_lower_the_total_ever_minted(token: DcmxToken) -> None:
    token.burn(ALICE, 400)
    assert (token.total_minted, token.mintable) == (1_000, CAP - 1_000)


def test_burn_refuses_more_than_the_balance(token: DcmxToken) -> None:
    error = refused(token, InsufficientBalance, lambda: token.burn(ALICE, 1_001))
    assert error.details == {"account": ALICE, "needed": 1_001, "available": 1_000}


def test_burn_refuses_the_zero_address(token: DcmxToken) -> None:
    error = refused(token, ZeroAddress, lambda: token.burn(ZERO_ADDRESS, 0))
    assert error.details == {"role": "sender"}


@pytest.mark.parametrize("amount", NOT_AMOUNTS)
def test_burn_refuses_an_amount_that_is_not_a_uint256(token: DcmxToken, amount: int) -> None:
    refused(token, OutOfRange, lambda: token.burn(ALICE, amount))


def test_burn_from_destroys_the_owners_tokens(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, 300)
    assert token.burn_from(BOB, ALICE, 100) == [TokensTransferred(ALICE, ZERO_ADDRESS, 100)]
    assert (token.balance_of(ALICE), token.total_supply) == (900, 900)


def test_burn_from_spends_the_allowance(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, 300)
    token.burn_from(BOB, ALICE, 100)
    assert token.allowance(ALICE, BOB) == 200


def test_burn_from_leaves_an_infinite_allowance_unchanged(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, UINT256_MAX)
    token.burn_from(BOB, ALICE, 100)
    assert token.allowance(ALICE, BOB) == UINT256_MAX


def test_burn_from_refuses_more_than_the_allowance(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, 99)
    error = refused(token, InsufficientAllowance, lambda: token.burn_from(BOB, ALICE, 100))
    assert error.details == {"spender": BOB, "needed": 100, "available": 99}


def test_burn_from_refuses_more_than_the_balance_within_the_allowance(token: DcmxToken) -> None:
    token.approve(ALICE, BOB, UINT256_MAX)
    refused(token, InsufficientBalance, lambda: token.burn_from(BOB, ALICE, 1_001))
