"""The contract of the personal and legal read models: documents, the acceptance audit trail,
deletion requests, and profiles that can be erased leaving only the fact of erasure.

The ``repositories`` fixture (tests/contract/conftest.py) runs each test once per implementation.
"""

from __future__ import annotations

import attrs

from dcmx_core.model.enums import DocumentType
from dcmx_core.ports import ComplianceRepository, ProfileRepository
from dcmx_core.read_models import ErasureRecord, UserProfile
from tests.contract.records import acceptance, deletion, document
from tests.factories import ALICE, BOB, CAROL, digest

TERMS, PRIVACY = DocumentType.TERMS_OF_SERVICE, DocumentType.PRIVACY_POLICY

# --- compliance -----------------------------------------------------------------------------


def test_documents_of_a_type_are_ordered_by_version(compliance: ComplianceRepository) -> None:
    for version in (2, 3, 1):
        compliance.save_document(document(TERMS, version))
    assert compliance.documents(TERMS) == [document(TERMS, v) for v in (1, 2, 3)]


def test_documents_are_kept_per_type(compliance: ComplianceRepository) -> None:
    compliance.save_document(document(TERMS, 1))
    compliance.save_document(document(PRIVACY, 1))
    assert compliance.documents(PRIVACY) == [document(PRIVACY, 1)]
    assert compliance.documents(DocumentType.COOKIE_POLICY) == []


def test_acceptances_are_the_users_audit_trail_oldest_first(
    compliance: ComplianceRepository,
) -> None:
    newest, oldest, middle = acceptance(300, version=3), acceptance(100), acceptance(200, version=2)
    for record in (newest, oldest, middle):
        compliance.add_acceptance(record)
    assert compliance.acceptances_of(ALICE) == [oldest, middle, newest]


def test_acceptances_of_a_user_are_only_theirs(compliance: ComplianceRepository) -> None:
    compliance.add_acceptance(acceptance(100))
    compliance.add_acceptance(acceptance(150, BOB))
    assert compliance.acceptances_of(BOB) == [acceptance(150, BOB)]


def test_an_acceptance_added_twice_is_not_doubled(compliance: ComplianceRepository) -> None:
    compliance.add_acceptance(acceptance(100))
    compliance.add_acceptance(acceptance(100))
    assert compliance.acceptances_of(ALICE) == [acceptance(100)]


def test_a_saved_deletion_request_is_found_by_its_id(compliance: ComplianceRepository) -> None:
    compliance.save_deletion(deletion(1))
    assert compliance.deletion(1) == deletion(1)


def test_an_unknown_deletion_request_is_none(compliance: ComplianceRepository) -> None:
    assert compliance.deletion(1) is None


def test_open_deletions_are_the_unprocessed_by_id(compliance: ComplianceRepository) -> None:
    for record in (deletion(3, CAROL), deletion(2, BOB, processed_at=5), deletion(1)):
        compliance.save_deletion(record)
    assert compliance.open_deletions() == [deletion(1), deletion(3, CAROL)]


def test_a_processed_deletion_is_no_longer_open(compliance: ComplianceRepository) -> None:
    compliance.save_deletion(deletion(1))
    compliance.save_deletion(deletion(1, processed_at=1_700_000_500))
    assert compliance.open_deletions() == []
    assert compliance.deletion(1) == deletion(1, processed_at=1_700_000_500)


# --- profiles and erasure -------------------------------------------------------------------

EVA = UserProfile(ALICE, "Eva", email="eva@example.org", country="DE", ip_hash=digest("ip"))


def test_a_saved_profile_is_found_by_its_address(profiles: ProfileRepository) -> None:
    profiles.save_profile(EVA)
    assert profiles.get_profile(ALICE) == EVA


def test_an_unknown_profile_is_none(profiles: ProfileRepository) -> None:
    assert profiles.get_profile(ALICE) is None


def test_saving_a_profile_again_replaces_it(profiles: ProfileRepository) -> None:
    profiles.save_profile(EVA)
    profiles.save_profile(UserProfile(ALICE, "Eva M."))
    assert profiles.get_profile(ALICE) == UserProfile(ALICE, "Eva M.")


def test_erase_removes_the_profile(profiles: ProfileRepository) -> None:
    profiles.save_profile(EVA)
    profiles.erase(ALICE, 7, 1_700_000_000)
    assert profiles.get_profile(ALICE) is None


def test_erase_keeps_a_record_of_the_erasure(profiles: ProfileRepository) -> None:
    profiles.save_profile(EVA)
    record = profiles.erase(ALICE, 7, 1_700_000_000)
    assert record == ErasureRecord(ALICE, 7, 1_700_000_000)
    assert profiles.erasure(ALICE) == record


def test_an_erasure_record_holds_only_address_request_and_time() -> None:
    assert [f.name for f in attrs.fields(ErasureRecord)] == ["address", "request_id", "erased_at"]


def test_an_erasure_keeps_nothing_personal(profiles: ProfileRepository) -> None:
    profiles.save_profile(EVA)
    profiles.erase(ALICE, 7, 1_700_000_000)
    kept = repr(profiles.erasure(ALICE))
    assert not any(str(personal) in kept for personal in ("Eva", "eva@", "DE", EVA.ip_hash))


def test_erase_leaves_other_profiles_alone(profiles: ProfileRepository) -> None:
    profiles.save_profile(EVA)
    profiles.save_profile(UserProfile(BOB, "Bo"))
    profiles.erase(ALICE, 7, 1_700_000_000)
    assert profiles.get_profile(BOB) == UserProfile(BOB, "Bo")
    assert profiles.erasure(BOB) is None


def test_erasing_an_address_without_a_profile_still_records_it(
    profiles: ProfileRepository,
) -> None:
    assert profiles.erase(ALICE, 7, 1_700_000_000) == ErasureRecord(ALICE, 7, 1_700_000_000)
    assert profiles.erasure(ALICE) == ErasureRecord(ALICE, 7, 1_700_000_000)


def test_erasing_twice_is_harmless(profiles: ProfileRepository) -> None:
    profiles.save_profile(EVA)
    profiles.erase(ALICE, 7, 1_700_000_000)
    profiles.erase(ALICE, 7, 1_700_000_060)
    assert profiles.get_profile(ALICE) is None
    assert profiles.erasure(ALICE) is not None


def test_erasing_again_keeps_the_latest_erasure(profiles: ProfileRepository) -> None:
    profiles.erase(ALICE, 7, 1_700_000_000)
    latest = profiles.erase(ALICE, 9, 1_700_009_000)
    assert profiles.erasure(ALICE) == latest == ErasureRecord(ALICE, 9, 1_700_009_000)
