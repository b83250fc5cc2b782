"""Legal documents, acceptances and the right to erasure."""

from __future__ import annotations

from dcmx_core.commands import (
    AcceptDocument,
    ProcessDeletion,
    RegisterDocument,
    RelayAcceptance,
    RelayDeletionRequest,
    RequestDeletion,
)
from dcmx_core.events import DeletionRequested, DocumentAccepted
from dcmx_core.exceptions import UnknownDocument
from dcmx_core.model.enums import DocumentType, Regime
from dcmx_core.model.signing import (
    Crypto,
    acceptance_digest,
    deletion_digest,
    domain_separator,
)
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Clock, Ledger, ProfileRepository
from dcmx_core.read_models import ErasureRecord
from dcmx_core.services.receipts import the_event


def register_document(
    ledger: Ledger, admin: Address, doc_type: DocumentType, version: int, text: bytes
) -> Hash32:
    """Register a document version by the SHA-256 of its text; returns the hash."""
    document_hash = Hash32.of(text)
    ledger.execute(admin, RegisterDocument(doc_type, version, document_hash))
    return document_hash


def accept_document(
    ledger: Ledger, user: Address, doc_type: DocumentType, version: int
) -> DocumentAccepted:
    """The user accepts the registered version, sending the transaction themself."""
    receipt = ledger.execute(user, acceptance(ledger, doc_type, version))
    return the_event(receipt, DocumentAccepted)


def acceptance(ledger: Ledger, doc_type: DocumentType, version: int) -> AcceptDocument:
    """The transaction by which a user accepts a registered version: by its exact hash."""
    return AcceptDocument(doc_type, version, _registered_hash(ledger, doc_type, version))


def acceptance_to_sign(
    ledger: Ledger,
    crypto: Crypto,
    user: Address,
    doc_type: DocumentType,
    version: int,
    expiry: int,
) -> tuple[bytes, int]:
    """The EIP-712 digest the user's wallet signs to accept a version, and its nonce."""
    nonce = ledger.nonce_of(user)
    digest = acceptance_digest(
        crypto,
        _separator(ledger, crypto),
        user=user,
        doc_type=doc_type,
        version=version,
        document_hash=_registered_hash(ledger, doc_type, version),
        nonce=nonce,
        expiry=expiry,
    )
    return digest, nonce


def relay_acceptance(
    ledger: Ledger,
    relayer: Address,
    user: Address,
    doc_type: DocumentType,
    version: int,
    *,
    nonce: int,
    expiry: int,
    signature: bytes,
) -> None:
    """Submit an acceptance the user signed, so the user needs no coin to consent."""
    document_hash = _registered_hash(ledger, doc_type, version)
    ledger.execute(
        relayer,
        RelayAcceptance(user, doc_type, version, document_hash, nonce, expiry, signature),
    )


def deletion_to_sign(
    ledger: Ledger, crypto: Crypto, user: Address, regime: Regime, expiry: int
) -> tuple[bytes, int]:
    """The EIP-712 digest the user's wallet signs to ask for deletion, and its nonce."""
    nonce = ledger.nonce_of(user)
    digest = deletion_digest(
        crypto, _separator(ledger, crypto), user=user, regime=regime, nonce=nonce, expiry=expiry
    )
    return digest, nonce


def request_deletion(ledger: Ledger, user: Address, regime: Regime) -> int:
    """The user asks for their personal data to be deleted; returns the request id."""
    receipt = ledger.execute(user, RequestDeletion(regime))
    return the_event(receipt, DeletionRequested).request_id


def relay_deletion_request(
    ledger: Ledger,
    relayer: Address,
    user: Address,
    regime: Regime,
    *,
    nonce: int,
    expiry: int,
    signature: bytes,
) -> int:
    """Submit a deletion request the user signed; returns the request id."""
    receipt = ledger.execute(relayer, RelayDeletionRequest(user, regime, nonce, expiry, signature))
    return the_event(receipt, DeletionRequested).request_id


def process_deletion(
    ledger: Ledger,
    admin: Address,
    profiles: ProfileRepository,
    clock: Clock,
    request_id: int,
) -> ErasureRecord:
    """Carry out a deletion request: erase the user's profile first, then record on chain that
    the request was processed (so a failure can never mark undone work as done)."""
    request = ledger.deletion_request(request_id)
    record = profiles.erase(request.user, request_id, clock.now())
    ledger.execute(admin, ProcessDeletion(request_id))
    return record


def _registered_hash(ledger: Ledger, doc_type: DocumentType, version: int) -> Hash32:
    document_hash = ledger.document_hash(doc_type, version)
    if document_hash is None:
        raise UnknownDocument(doc_type.name, version)
    return document_hash


def _separator(ledger: Ledger, crypto: Crypto) -> bytes:
    deployment = ledger.deployment
    return domain_separator(crypto, deployment.chain_id, deployment.compliance)
