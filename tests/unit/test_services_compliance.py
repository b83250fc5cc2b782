"""The compliance use cases against the in-memory ledger: documents, acceptances (sent or
signed and relayed), deletion requests and carrying them out."""

from __future__ import annotations

import hashlib

import pytest

from dcmx_adapters.memory.repositories import MemoryProfileRepository
from dcmx_core.exceptions import (
    DeletionAlreadyProcessed,
    InvalidSignature,
    NotAdmin,
    UnknownDeletionRequest,
    UnknownDocument,
)
from dcmx_core.model.enums import DocumentType, Regime
from dcmx_core.read_models import ErasureRecord, UserProfile
from dcmx_core.services import compliance
from tests.unit.ledger_world import BUYER, CRYPTO, OPERATOR, STRANGER, Someone, World, memory_world

TERMS = DocumentType.TERMS_OF_SERVICE
TERMS_TEXT = b"DCMX terms of service, version 1"
USER = BUYER
HOUR = 3_600


@pytest.fixture
def world() -> World:
    """The terms of service v1 registered."""
    world = memory_world()
    compliance.register_document(world.ledger, OPERATOR.address, TERMS, 1, TERMS_TEXT)
    return world


@pytest.fixture
def profiles() -> MemoryProfileRepository:
    profiles = MemoryProfileRepository()
    profiles.save_profile(UserProfile(USER.address, "Bea", email="bea@example.org", country="FR"))
    return profiles


def relay_acceptance_signed_by(world: World, signer: Someone) -> None:
    """The operator relays USER's acceptance of the terms v1, as signed by ``signer``."""
    expiry = world.clock.now() + HOUR
    digest, nonce = compliance.acceptance_to_sign(
        world.ledger, CRYPTO, USER.address, TERMS, 1, expiry
    )
    compliance.relay_acceptance(
        world.ledger,
        OPERATOR.address,
        USER.address,
        TERMS,
        1,
        nonce=nonce,
        expiry=expiry,
        signature=CRYPTO.sign_digest(signer.key, digest),
    )


def relay_deletion_signed_by(world: World, signer: Someone) -> int:
    """The operator relays USER's GDPR deletion request, as signed by ``signer``."""
    expiry = world.clock.now() + HOUR
    digest, nonce = compliance.deletion_to_sign(
        world.ledger, CRYPTO, USER.address, Regime.GDPR, expiry
    )
    return compliance.relay_deletion_request(
        world.ledger,
        OPERATOR.address,
        USER.address,
        Regime.GDPR,
        nonce=nonce,
        expiry=expiry,
        signature=CRYPTO.sign_digest(signer.key, digest),
    )


# --- documents and acceptances --------------------------------------------------------------


def test_register_document_returns_the_sha256_of_the_text(world: World) -> None:
    text = b"DCMX privacy policy, version 1"
    registered = compliance.register_document(
        world.ledger, OPERATOR.address, DocumentType.PRIVACY_POLICY, 1, text
    )
    assert registered.raw == hashlib.sha256(text).digest()
    assert world.ledger.document_hash(DocumentType.PRIVACY_POLICY, 1) == registered


def test_accept_document_records_the_registered_hash_at_block_time(world: World) -> None:
    accepted = compliance.accept_document(world.ledger, USER.address, TERMS, 1)
    assert accepted.document_hash.raw == hashlib.sha256(TERMS_TEXT).digest()
    assert accepted.accepted_at == world.ledger.head().timestamp
    assert world.ledger.accepted_at(USER.address, TERMS, 1) == accepted.accepted_at


def test_accepting_an_unregistered_version_is_an_unknown_document(world: World) -> None:
    head = world.ledger.head()
    with pytest.raises(UnknownDocument):
        compliance.accept_document(world.ledger, USER.address, TERMS, 2)
    assert world.ledger.head() == head


def test_an_acceptance_the_user_signed_is_recorded_when_relayed(world: World) -> None:
    relay_acceptance_signed_by(world, USER)
    assert world.ledger.accepted_at(USER.address, TERMS, 1) == world.ledger.head().timestamp
    assert world.ledger.nonce_of(USER.address) == 1


def test_a_relayed_acceptance_signed_by_someone_else_is_an_invalid_signature(
    world: World,
) -> None:
    with pytest.raises(InvalidSignature):
        relay_acceptance_signed_by(world, STRANGER)
    assert world.ledger.accepted_at(USER.address, TERMS, 1) is None
    assert world.ledger.nonce_of(USER.address) == 0


# --- deletion requests ----------------------------------------------------------------------


def test_request_deletion_returns_the_open_request_id(world: World) -> None:
    request_id = compliance.request_deletion(world.ledger, USER.address, Regime.CCPA)
    assert world.ledger.open_deletion_request(USER.address) == request_id == 1


def test_a_deletion_request_the_user_signed_is_opened_when_relayed(world: World) -> None:
    request_id = relay_deletion_signed_by(world, USER)
    request = world.ledger.deletion_request(request_id)
    assert (request.user, request.regime, request.processed_at) == (
        USER.address,
        Regime.GDPR,
        None,
    )
    assert world.ledger.open_deletion_request(USER.address) == request_id


def test_a_relayed_deletion_request_signed_by_someone_else_is_an_invalid_signature(
    world: World,
) -> None:
    with pytest.raises(InvalidSignature):
        relay_deletion_signed_by(world, STRANGER)
    assert world.ledger.open_deletion_request(USER.address) is None


# --- carrying out a deletion ----------------------------------------------------------------


def test_process_deletion_erases_the_profile_and_keeps_the_erasure(
    world: World, profiles: MemoryProfileRepository
) -> None:
    request_id = relay_deletion_signed_by(world, USER)
    record = compliance.process_deletion(
        world.ledger, OPERATOR.address, profiles, world.clock, request_id
    )
    assert profiles.get_profile(USER.address) is None
    assert record == profiles.erasure(USER.address)
    assert record == ErasureRecord(USER.address, request_id, world.clock.now())


def test_process_deletion_marks_the_request_processed_on_chain(
    world: World, profiles: MemoryProfileRepository
) -> None:
    request_id = relay_deletion_signed_by(world, USER)
    compliance.process_deletion(world.ledger, OPERATOR.address, profiles, world.clock, request_id)
    assert world.ledger.deletion_request(request_id).processed_at == world.ledger.head().timestamp
    assert world.ledger.open_deletion_request(USER.address) is None


def test_process_deletion_of_an_unknown_request_erases_nobody(
    world: World, profiles: MemoryProfileRepository
) -> None:
    with pytest.raises(UnknownDeletionRequest):
        compliance.process_deletion(world.ledger, OPERATOR.address, profiles, world.clock, 9)
    assert profiles.get_profile(USER.address) is not None
    assert profiles.erasure(USER.address) is None


def test_a_refusal_by_the_chain_still_erases_because_erasing_first_is_the_safe_order(
    world: World, profiles: MemoryProfileRepository
) -> None:
    """Erasing twice is harmless; marking a request processed without erasing is not. So the
    service erases first, and a refusal on chain leaves the profile erased and the request
    open, for the operator to retry."""
    request_id = relay_deletion_signed_by(world, USER)
    with pytest.raises(NotAdmin):
        compliance.process_deletion(
            world.ledger, STRANGER.address, profiles, world.clock, request_id
        )
    assert profiles.get_profile(USER.address) is None
    assert profiles.erasure(USER.address) == ErasureRecord(
        USER.address, request_id, world.clock.now()
    )
    assert world.ledger.open_deletion_request(USER.address) == request_id


def test_retrying_a_deletion_the_chain_refused_completes_it(
    world: World, profiles: MemoryProfileRepository
) -> None:
    request_id = relay_deletion_signed_by(world, USER)
    with pytest.raises(NotAdmin):
        compliance.process_deletion(
            world.ledger, STRANGER.address, profiles, world.clock, request_id
        )
    world.clock.advance(60)
    record = compliance.process_deletion(
        world.ledger, OPERATOR.address, profiles, world.clock, request_id
    )
    assert record == ErasureRecord(USER.address, request_id, world.clock.now())
    assert world.ledger.deletion_request(request_id).processed_at is not None


def test_processing_a_deletion_twice_is_refused_by_the_chain_and_erases_harmlessly(
    world: World, profiles: MemoryProfileRepository
) -> None:
    request_id = relay_deletion_signed_by(world, USER)
    compliance.process_deletion(world.ledger, OPERATOR.address, profiles, world.clock, request_id)
    with pytest.raises(DeletionAlreadyProcessed):
        compliance.process_deletion(
            world.ledger, OPERATOR.address, profiles, world.clock, request_id
        )
    assert profiles.get_profile(USER.address) is None
    assert profiles.erasure(USER.address) == ErasureRecord(
        USER.address, request_id, world.clock.now()
    )
