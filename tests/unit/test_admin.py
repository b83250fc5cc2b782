"""The two-step admin handover every contract shares."""

from __future__ import annotations

from typing import cast

import pytest

from dcmx_core import commands as c
from dcmx_core.events import AdminChanged, AdminProposed
from dcmx_core.exceptions import NotAdmin, NotPendingAdmin
from dcmx_core.model.admin import Administration
from dcmx_core.model.enums import Contract
from dcmx_core.model.platform import Deployment, Platform
from dcmx_core.model.signing import Crypto
from dcmx_core.model.values import ZERO_ADDRESS
from tests.factories import ADMIN, ALICE, BOB, address
from tests.unit.refusals import refused


@pytest.fixture
def administration() -> Administration:
    return Administration(Contract.MUSIC_NFT, ADMIN)


def test_a_contract_starts_with_its_deployer_as_admin_and_nobody_proposed(
    administration: Administration,
) -> None:
    assert (administration.admin, administration.pending) == (ADMIN, ZERO_ADDRESS)


def test_require_admin_lets_the_admin_through(administration: Administration) -> None:
    administration.require_admin(ADMIN)


def test_require_admin_refuses_anyone_else(administration: Administration) -> None:
    error = refused(administration, NotAdmin, lambda: administration.require_admin(ALICE))
    assert error.details == {"account": ALICE, "contract": "MUSIC_NFT"}


def test_the_admin_proposes_a_successor(administration: Administration) -> None:
    assert administration.propose(ADMIN, ALICE) == [AdminProposed(Contract.MUSIC_NFT, ALICE)]
    assert administration.pending == ALICE


def test_propose_refuses_a_sender_who_is_not_the_admin(administration: Administration) -> None:
    error = refused(administration, NotAdmin, lambda: administration.propose(ALICE, ALICE))
    assert error.details == {"account": ALICE, "contract": "MUSIC_NFT"}


def test_a_proposal_does_not_hand_over_until_it_is_accepted(
    administration: Administration,
) -> None:
    administration.propose(ADMIN, ALICE)
    assert administration.admin == ADMIN
    with pytest.raises(NotAdmin):
        administration.require_admin(ALICE)


def test_the_proposed_account_accepts_and_becomes_admin(administration: Administration) -> None:
    administration.propose(ADMIN, ALICE)
    assert administration.accept(ALICE) == [AdminChanged(Contract.MUSIC_NFT, ADMIN, ALICE)]
    assert (administration.admin, administration.pending) == (ALICE, ZERO_ADDRESS)


def test_the_previous_admin_loses_control_after_the_handover(
    administration: Administration,
) -> None:
    administration.propose(ADMIN, ALICE)
    administration.accept(ALICE)
    refused(administration, NotAdmin, lambda: administration.propose(ADMIN, ADMIN))


def test_accept_refuses_an_account_that_was_not_proposed(administration: Administration) -> None:
    administration.propose(ADMIN, ALICE)
    error = refused(administration, NotPendingAdmin, lambda: administration.accept(BOB))
    assert error.details == {"account": BOB, "contract": "MUSIC_NFT"}


def test_the_admin_cannot_accept_a_proposal_made_to_someone_else(
    administration: Administration,
) -> None:
    administration.propose(ADMIN, ALICE)
    refused(administration, NotPendingAdmin, lambda: administration.accept(ADMIN))


def test_accept_refuses_anyone_when_nothing_is_proposed(administration: Administration) -> None:
    refused(administration, NotPendingAdmin, lambda: administration.accept(ALICE))


def test_the_zero_address_cannot_accept_when_nothing_is_proposed(
    administration: Administration,
) -> None:
    refused(administration, NotPendingAdmin, lambda: administration.accept(ZERO_ADDRESS))


def test_proposing_the_zero_address_withdraws_a_proposal(administration: Administration) -> None:
    administration.propose(ADMIN, ALICE)
    assert administration.propose(ADMIN, ZERO_ADDRESS) == [
        AdminProposed(Contract.MUSIC_NFT, ZERO_ADDRESS)
    ]
    refused(administration, NotPendingAdmin, lambda: administration.accept(ALICE))


def test_a_new_proposal_replaces_the_previous_one(administration: Administration) -> None:
    administration.propose(ADMIN, ALICE)
    administration.propose(ADMIN, BOB)
    refused(administration, NotPendingAdmin, lambda: administration.accept(ALICE))


def test_a_proposal_can_be_accepted_only_once(administration: Administration) -> None:
    administration.propose(ADMIN, ALICE)
    administration.accept(ALICE)
    refused(administration, NotPendingAdmin, lambda: administration.accept(ALICE))


@pytest.mark.parametrize("contract", list(Contract))
def test_every_contract_hands_over_its_own_administration_only(contract: Contract) -> None:
    deployment = Deployment(1, *(address(10 + n) for n in range(5)))
    platform = Platform.deploy(ADMIN, deployment, "ipfs://dcmx/")
    crypto = cast(Crypto, None)
    platform.execute(ADMIN, c.ProposeAdmin(contract, ALICE), now=0, crypto=crypto)
    events = platform.execute(ALICE, c.AcceptAdmin(contract), now=0, crypto=crypto)
    assert events == [AdminChanged(contract, ADMIN, ALICE)]
    admins = {
        Contract.TOKEN: platform.token.admin.admin,
        Contract.MUSIC_NFT: platform.nft.admin.admin,
        Contract.COMPLIANCE: platform.compliance.admin.admin,
        Contract.REWARDS: platform.rewards.admin.admin,
        Contract.ROYALTIES: platform.royalties.admin.admin,
    }
    assert admins == {other: ALICE if other == contract else ADMIN for other in Contract}
