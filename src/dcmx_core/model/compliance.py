"""Compliance rules: legal document versions, acceptances, deletion requests.

The admin registers each version of each document type with its hash; a version never changes
its hash. A user accepts only a registered version, by its exact hash, once; the acceptance is
the user's own: sent by the user, or relayed by anyone with the user's signature (nonce, expiry).
A user has at most one open deletion request; the admin marks it processed, after which the user
may ask again. Nothing personal is kept: addresses, hashes, numbers and times only.
"""

from __future__ import annotations

from typing import Final

from attrs import Attribute, define, evolve, field, frozen

from dcmx_core.events import (
    DeletionProcessed,
    DeletionRequested,
    DocumentAccepted,
    DocumentRegistered,
    DomainEvent,
)
from dcmx_core.exceptions import (
    AlreadyAccepted,
    DeletionAlreadyProcessed,
    DeletionAlreadyRequested,
    DocumentAlreadyRegistered,
    DocumentHashMismatch,
    EmptyHash,
    InvalidSignature,
    OutOfRange,
    SignatureExpired,
    UnknownDeletionRequest,
    UnknownDocument,
    WrongNonce,
    ZeroAddress,
)
from dcmx_core.model.admin import Administration
from dcmx_core.model.enums import Contract, DocumentType, Regime
from dcmx_core.model.signing import (
    Crypto,
    acceptance_digest,
    deletion_digest,
    domain_separator,
    signer_of,
)
from dcmx_core.model.values import Address, Hash32, check_amount

MAX_VERSION: Final = 2**32 - 1


@frozen
class DeletionRequest:
    request_id: int
    user: Address
    regime: Regime
    requested_at: int
    processed_at: int | None = None


def _uint256(_instance: object, attribute: Attribute[int], value: int) -> None:
    check_amount(attribute.name, value)


@frozen
class Signed:
    """A user's signature with the nonce and expiry it covers (both uint256, as signed)."""

    nonce: int = field(validator=_uint256)
    expiry: int = field(validator=_uint256)
    signature: bytes


@define
class ComplianceRegistry:
    """The compliance registry contract's state."""

    admin: Administration
    address: Address
    chain_id: int
    documents: dict[tuple[DocumentType, int], Hash32] = field(factory=dict)
    acceptances: dict[tuple[Address, DocumentType, int], int] = field(factory=dict)
    nonces: dict[Address, int] = field(factory=dict)
    deletion_requests: dict[int, DeletionRequest] = field(factory=dict)
    open_requests: dict[Address, int] = field(factory=dict)

    @classmethod
    def deploy(cls, admin: Address, address: Address, chain_id: int) -> ComplianceRegistry:
        return cls(Administration(Contract.COMPLIANCE, admin), address, chain_id)

    # --- queries ----------------------------------------------------------------------------

    def document_hash(self, doc_type: DocumentType, version: int) -> Hash32 | None:
        return self.documents.get((doc_type, version))

    def accepted_at(self, user: Address, doc_type: DocumentType, version: int) -> int | None:
        """When ``user`` accepted that version, or None if they have not."""
        return self.acceptances.get((user, doc_type, version))

    def nonce_of(self, user: Address) -> int:
        """The nonce the user's next signed request must carry."""
        return self.nonces.get(user, 0)

    def deletion_request(self, request_id: int) -> DeletionRequest:
        try:
            return self.deletion_requests[request_id]
        except KeyError:
            raise UnknownDeletionRequest(request_id) from None

    def open_request_of(self, user: Address) -> int | None:
        return self.open_requests.get(user)

    def separator(self, crypto: Crypto) -> bytes:
        return domain_separator(crypto, self.chain_id, self.address)

    # --- documents and acceptances ----------------------------------------------------------

    def register_document(
        self, sender: Address, doc_type: DocumentType, version: int, document_hash: Hash32
    ) -> list[DomainEvent]:
        """The admin registers a document version by its hash, once."""
        self.admin.require_admin(sender)
        if isinstance(version, bool) or not 1 <= version <= MAX_VERSION:
            raise OutOfRange("version", version, f"1 to {MAX_VERSION}")
        if document_hash.is_zero:
            raise EmptyHash("document hash")
        if (doc_type, version) in self.documents:
            raise DocumentAlreadyRegistered(doc_type.name, version)
        self.documents[(doc_type, version)] = document_hash
        return [DocumentRegistered(doc_type, version, document_hash)]

    def accept(
        self,
        user: Address,
        doc_type: DocumentType,
        version: int,
        document_hash: Hash32,
        now: int,
    ) -> list[DomainEvent]:
        """The user accepts a registered version, naming its exact hash."""
        registered = self.documents.get((doc_type, version))
        if registered is None:
            raise UnknownDocument(doc_type.name, version)
        if registered != document_hash:
            raise DocumentHashMismatch(doc_type.name, version)
        if (user, doc_type, version) in self.acceptances:
            raise AlreadyAccepted(user, doc_type.name, version)
        self.acceptances[(user, doc_type, version)] = now
        return [DocumentAccepted(user, doc_type, version, document_hash, now)]

    def relay_acceptance(
        self,
        user: Address,
        doc_type: DocumentType,
        version: int,
        document_hash: Hash32,
        signed: Signed,
        now: int,
        crypto: Crypto,
    ) -> list[DomainEvent]:
        """Anyone submits the user's acceptance, proven by the user's signature."""
        if isinstance(version, bool) or not 0 <= version <= MAX_VERSION:
            raise OutOfRange("version", version, f"0 to {MAX_VERSION}")
        digest = acceptance_digest(
            crypto,
            self.separator(crypto),
            user=user,
            doc_type=doc_type,
            version=version,
            document_hash=document_hash,
            nonce=signed.nonce,
            expiry=signed.expiry,
        )
        self._check_signed(user, digest, signed, now, crypto)
        events = self.accept(user, doc_type, version, document_hash, now)
        self.nonces[user] = signed.nonce + 1
        return events

    # --- deletion requests ------------------------------------------------------------------

    def request_deletion(self, user: Address, regime: Regime, now: int) -> list[DomainEvent]:
        """The user asks for their personal data to be deleted (one open request at a time)."""
        if user in self.open_requests:
            raise DeletionAlreadyRequested(user)
        request_id = len(self.deletion_requests) + 1
        self.deletion_requests[request_id] = DeletionRequest(request_id, user, regime, now)
        self.open_requests[user] = request_id
        return [DeletionRequested(request_id, user, regime, now)]

    def relay_deletion_request(
        self, user: Address, regime: Regime, signed: Signed, now: int, crypto: Crypto
    ) -> list[DomainEvent]:
        """Anyone submits the user's deletion request, proven by the user's signature."""
        digest = deletion_digest(
            crypto,
            self.separator(crypto),
            user=user,
            regime=regime,
            nonce=signed.nonce,
            expiry=signed.expiry,
        )
        self._check_signed(user, digest, signed, now, crypto)
        events = self.request_deletion(user, regime, now)
        self.nonces[user] = signed.nonce + 1
        return events

    def process_deletion(self, sender: Address, request_id: int, now: int) -> list[DomainEvent]:
        """The admin records that a request has been carried out off chain."""
        self.admin.require_admin(sender)
        request = self.deletion_request(request_id)
        if request.processed_at is not None:
            raise DeletionAlreadyProcessed(request_id)
        self.deletion_requests[request_id] = evolve(request, processed_at=now)
        del self.open_requests[request.user]
        return [DeletionProcessed(request_id, request.user, now)]

    def _check_signed(
        self, user: Address, digest: bytes, signed: Signed, now: int, crypto: Crypto
    ) -> None:
        if user.is_zero:
            raise ZeroAddress("user")
        if signed.expiry < now:
            raise SignatureExpired(signed.expiry, now)
        if signed.nonce != self.nonce_of(user):
            raise WrongNonce(user, self.nonce_of(user), signed.nonce)
        if signer_of(crypto, digest, signed.signature) != user:
            raise InvalidSignature(user)
