"""What a reorganization needs of the read models: removing a record undoes its saving, and the
hashes of recently indexed blocks are kept and forgotten per chain."""

from __future__ import annotations

from dcmx_core.model.enums import DocumentType
from dcmx_core.read_models import PayoutRecord
from tests.contract.conftest import Repositories
from tests.contract.records import (
    CHAIN,
    OTHER_CHAIN,
    USDT,
    acceptance,
    block_hash,
    claim,
    deletion,
    document,
    edition,
    release,
    sale,
)
from tests.factories import ALICE, BOB

TERMS = DocumentType.TERMS_OF_SERVICE


def test_removing_a_release_and_an_edition_leaves_the_others(repositories: Repositories) -> None:
    releases = repositories.releases
    for n in (1, 2):
        releases.save_release(release(n))
        releases.save_edition(edition(n))
    releases.remove_release(1)
    releases.remove_edition(1)
    assert releases.get_release(1) is None
    assert releases.get_edition(1) is None
    assert releases.get_release(2) == release(2)
    assert releases.get_edition(2) == edition(2)


def test_removing_a_sale_and_a_payout_leaves_the_others(repositories: Repositories) -> None:
    sales = repositories.sales
    sales.add_sale(sale(1))
    sales.add_sale(sale(2))
    sales.save_payout(PayoutRecord(ALICE, USDT, 5, 0))
    sales.save_payout(PayoutRecord(BOB, USDT, 7, 0))
    sales.remove_sale(1)
    sales.remove_payout(ALICE, USDT)
    assert sales.sales_of_release(1) == [sale(2)]
    assert sales.payout(ALICE, USDT) is None
    assert sales.payouts_of(ALICE) == []
    assert sales.payout(BOB, USDT) == PayoutRecord(BOB, USDT, 7, 0)


def test_removing_a_claim_leaves_the_others(repositories: Repositories) -> None:
    repositories.claims.save_claim(claim(1))
    repositories.claims.save_claim(claim(2))
    repositories.claims.remove_claim(1)
    assert repositories.claims.claims_of(ALICE) == [claim(2)]


def test_removing_compliance_records_leaves_the_others(repositories: Repositories) -> None:
    compliance = repositories.compliance
    for version in (1, 2):
        compliance.save_document(document(TERMS, version))
        compliance.add_acceptance(acceptance(100 + version, version=version))
    compliance.save_deletion(deletion(1))
    compliance.save_deletion(deletion(2, BOB))
    compliance.remove_document(TERMS, 1)
    compliance.remove_acceptance(ALICE, TERMS, 1)
    compliance.remove_deletion(1)
    assert compliance.documents(TERMS) == [document(TERMS, 2)]
    assert compliance.acceptances_of(ALICE) == [acceptance(102, version=2)]
    assert compliance.open_deletions() == [deletion(2, BOB)]


def test_removing_what_is_not_there_changes_nothing(repositories: Repositories) -> None:
    repositories.releases.remove_release(9)
    repositories.sales.remove_payout(ALICE, USDT)
    repositories.compliance.remove_acceptance(ALICE, TERMS, 9)
    assert repositories.releases.list_releases() == []


def test_block_hashes_are_kept_per_chain(repositories: Repositories) -> None:
    checkpoints = repositories.checkpoints
    checkpoints.record_blocks(CHAIN, [(7, block_hash("7"))])
    checkpoints.record_blocks(OTHER_CHAIN, [(7, block_hash("other 7"))])
    assert checkpoints.block_hash(CHAIN, 7) == block_hash("7")
    assert checkpoints.block_hash(OTHER_CHAIN, 7) == block_hash("other 7")
    assert checkpoints.block_hash(CHAIN, 8) is None


def test_recording_a_block_again_replaces_its_hash(repositories: Repositories) -> None:
    checkpoints = repositories.checkpoints
    checkpoints.record_blocks(CHAIN, [(7, block_hash("old"))])
    checkpoints.record_blocks(CHAIN, [(7, block_hash("new"))])
    assert checkpoints.block_hash(CHAIN, 7) == block_hash("new")


def test_forgetting_blocks_from_a_number_keeps_the_earlier_ones(
    repositories: Repositories,
) -> None:
    checkpoints = repositories.checkpoints
    blocks = [(n, block_hash(str(n))) for n in range(1, 6)]
    checkpoints.record_blocks(CHAIN, blocks)
    checkpoints.record_blocks(OTHER_CHAIN, blocks)
    checkpoints.forget_blocks(CHAIN, from_number=4)
    assert [checkpoints.block_hash(CHAIN, n) is not None for n in range(1, 6)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert checkpoints.block_hash(OTHER_CHAIN, 5) == block_hash("5")


def test_forgetting_blocks_below_a_number_keeps_the_later_ones(
    repositories: Repositories,
) -> None:
    checkpoints = repositories.checkpoints
    checkpoints.record_blocks(CHAIN, [(n, block_hash(str(n))) for n in range(1, 6)])
    checkpoints.record_blocks(CHAIN, [])
    checkpoints.forget_blocks(CHAIN, below=3)
    assert [checkpoints.block_hash(CHAIN, n) is not None for n in range(1, 6)] == [
        False,
        False,
        True,
        True,
        True,
    ]
