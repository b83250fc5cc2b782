"""Compliance registry: document versions, acceptances, deletion requests, sent by the user."""

from __future__ import annotations

import pytest

from dcmx_core.events import (
    DeletionProcessed,
    DeletionRequested,
    DocumentAccepted,
    DocumentRegistered,
)
from dcmx_core.exceptions import (
    AlreadyAccepted,
    DeletionAlreadyProcessed,
    DeletionAlreadyRequested,
    DocumentAlreadyRegistered,
    DocumentHashMismatch,
    EmptyHash,
    NotAdmin,
    OutOfRange,
    UnknownDeletionRequest,
    UnknownDocument,
)
from dcmx_core.model.compliance import MAX_VERSION, ComplianceRegistry, DeletionRequest
from dcmx_core.model.enums import DocumentType, Regime
from dcmx_core.model.values import ZERO_HASH, Hash32
from tests.factories import ADMIN, ALICE, BOB, address, digest
from tests.unit.refusals import refused

TERMS = DocumentType.TERMS_OF_SERVICE
PRIVACY = DocumentType.PRIVACY_POLICY
TERMS_V1 = digest("terms v1")
TERMS_V2 = digest("terms v2")
NOW = 1_700_000_000
LATER = NOW + 86_400


@pytest.fixture
def registry() -> ComplianceRegistry:
    """A registry with versions 1 and 2 of the terms of service."""
    registry = ComplianceRegistry.deploy(ADMIN, address(60), chain_id=31337)
    registry.register_document(ADMIN, TERMS, 1, TERMS_V1)
    registry.register_document(ADMIN, TERMS, 2, TERMS_V2)
    return registry


# --- documents ----------------------------------------------------------------------------------


def test_the_admin_registers_a_document_version_by_its_hash(registry: ComplianceRegistry) -> None:
    events = registry.register_document(ADMIN, PRIVACY, 1, digest("privacy v1"))
    assert events == [DocumentRegistered(PRIVACY, 1, digest("privacy v1"))]
    assert registry.document_hash(PRIVACY, 1) == digest("privacy v1")


def test_only_the_admin_registers_a_document(registry: ComplianceRegistry) -> None:
    refused(registry, NotAdmin, lambda: registry.register_document(ALICE, PRIVACY, 1, digest("x")))


@pytest.mark.parametrize("version", [0, MAX_VERSION + 1, -1, True])
def test_a_version_runs_from_1_to_the_uint32_maximum(
    registry: ComplianceRegistry, version: int
) -> None:
    refused(
        registry, OutOfRange, lambda: registry.register_document(ADMIN, PRIVACY, version, TERMS_V1)
    )


def test_the_highest_version_can_be_registered(registry: ComplianceRegistry) -> None:
    registry.register_document(ADMIN, PRIVACY, MAX_VERSION, digest("last"))
    assert registry.document_hash(PRIVACY, MAX_VERSION) == digest("last")


def test_a_document_needs_a_hash(registry: ComplianceRegistry) -> None:
    refused(registry, EmptyHash, lambda: registry.register_document(ADMIN, PRIVACY, 1, ZERO_HASH))


@pytest.mark.parametrize("document_hash", [TERMS_V1, digest("terms v1, edited")])
def test_a_version_never_changes_its_hash(
    registry: ComplianceRegistry, document_hash: Hash32
) -> None:
    refused(
        registry,
        DocumentAlreadyRegistered,
        lambda: registry.register_document(ADMIN, TERMS, 1, document_hash),
    )


def test_version_numbers_are_per_document_type(registry: ComplianceRegistry) -> None:
    registry.register_document(ADMIN, PRIVACY, 1, TERMS_V1)
    assert registry.document_hash(PRIVACY, 1) == registry.document_hash(TERMS, 1)


def test_an_unregistered_version_has_no_hash(registry: ComplianceRegistry) -> None:
    assert registry.document_hash(TERMS, 3) is None


# --- acceptances --------------------------------------------------------------------------------


def test_a_user_accepts_a_registered_version_by_its_hash(registry: ComplianceRegistry) -> None:
    events = registry.accept(ALICE, TERMS, 1, TERMS_V1, NOW)
    assert events == [DocumentAccepted(ALICE, TERMS, 1, TERMS_V1, NOW)]
    assert registry.accepted_at(ALICE, TERMS, 1) == NOW


def test_an_unregistered_version_cannot_be_accepted(registry: ComplianceRegistry) -> None:
    refused(registry, UnknownDocument, lambda: registry.accept(ALICE, TERMS, 3, TERMS_V1, NOW))


@pytest.mark.parametrize("document_hash", [TERMS_V2, digest("something else")])
def test_a_version_is_accepted_only_by_its_exact_hash(
    registry: ComplianceRegistry, document_hash: Hash32
) -> None:
    refused(
        registry,
        DocumentHashMismatch,
        lambda: registry.accept(ALICE, TERMS, 1, document_hash, NOW),
    )


def test_a_version_is_accepted_once(registry: ComplianceRegistry) -> None:
    registry.accept(ALICE, TERMS, 1, TERMS_V1, NOW)
    refused(registry, AlreadyAccepted, lambda: registry.accept(ALICE, TERMS, 1, TERMS_V1, LATER))


def test_accepting_one_version_accepts_no_other(registry: ComplianceRegistry) -> None:
    registry.accept(ALICE, TERMS, 1, TERMS_V1, NOW)
    assert registry.accepted_at(ALICE, TERMS, 2) is None


def test_an_acceptance_is_the_users_own(registry: ComplianceRegistry) -> None:
    registry.accept(ALICE, TERMS, 1, TERMS_V1, NOW)
    assert registry.accepted_at(BOB, TERMS, 1) is None


def test_each_user_accepts_for_themselves(registry: ComplianceRegistry) -> None:
    registry.accept(ALICE, TERMS, 1, TERMS_V1, NOW)
    assert registry.accept(BOB, TERMS, 1, TERMS_V1, LATER) == [
        DocumentAccepted(BOB, TERMS, 1, TERMS_V1, LATER)
    ]


# --- deletion requests --------------------------------------------------------------------------


def test_a_user_asks_for_deletion(registry: ComplianceRegistry) -> None:
    assert registry.request_deletion(ALICE, Regime.GDPR, NOW) == [
        DeletionRequested(1, ALICE, Regime.GDPR, NOW)
    ]
    assert registry.deletion_request(1) == DeletionRequest(1, ALICE, Regime.GDPR, NOW)
    assert registry.open_request_of(ALICE) == 1


@pytest.mark.parametrize("regime", list(Regime))
def test_a_user_has_one_open_deletion_request_at_a_time(
    registry: ComplianceRegistry, regime: Regime
) -> None:
    registry.request_deletion(ALICE, Regime.GDPR, NOW)
    refused(
        registry, DeletionAlreadyRequested, lambda: registry.request_deletion(ALICE, regime, LATER)
    )


def test_open_requests_are_per_user(registry: ComplianceRegistry) -> None:
    registry.request_deletion(ALICE, Regime.GDPR, NOW)
    assert registry.request_deletion(BOB, Regime.CCPA, NOW) == [
        DeletionRequested(2, BOB, Regime.CCPA, NOW)
    ]


def test_the_admin_marks_a_request_processed(registry: ComplianceRegistry) -> None:
    registry.request_deletion(ALICE, Regime.GDPR, NOW)
    assert registry.process_deletion(ADMIN, 1, LATER) == [DeletionProcessed(1, ALICE, LATER)]
    assert registry.deletion_request(1).processed_at == LATER
    assert registry.open_request_of(ALICE) is None


def test_only_the_admin_processes_a_request(registry: ComplianceRegistry) -> None:
    registry.request_deletion(ALICE, Regime.GDPR, NOW)
    refused(registry, NotAdmin, lambda: registry.process_deletion(ALICE, 1, LATER))


def test_processing_an_unknown_request_is_refused(registry: ComplianceRegistry) -> None:
    refused(registry, UnknownDeletionRequest, lambda: registry.process_deletion(ADMIN, 1, LATER))


def test_an_unknown_request_cannot_be_read(registry: ComplianceRegistry) -> None:
    refused(registry, UnknownDeletionRequest, lambda: registry.deletion_request(1))


def test_a_request_is_processed_once(registry: ComplianceRegistry) -> None:
    registry.request_deletion(ALICE, Regime.GDPR, NOW)
    registry.process_deletion(ADMIN, 1, NOW)
    refused(registry, DeletionAlreadyProcessed, lambda: registry.process_deletion(ADMIN, 1, LATER))


def test_a_user_may_ask_again_after_processing(registry: ComplianceRegistry) -> None:
    registry.request_deletion(ALICE, Regime.GDPR, NOW)
    registry.process_deletion(ADMIN, 1, NOW)
    assert registry.request_deletion(ALICE, Regime.CCPA, LATER) == [
        DeletionRequested(2, ALICE, Regime.CCPA, LATER)
    ]
    assert registry.open_request_of(ALICE) == 2


def test_asking_again_keeps_the_processed_record(registry: ComplianceRegistry) -> None:
    registry.request_deletion(ALICE, Regime.GDPR, NOW)
    registry.process_deletion(ADMIN, 1, NOW)
    registry.request_deletion(ALICE, Regime.GDPR, LATER)
    assert registry.deletion_request(1) == DeletionRequest(1, ALICE, Regime.GDPR, NOW, NOW)
