"""Signed consent: EIP-712 digests, who signed them, and requests relayed with a signature."""

from __future__ import annotations

import hashlib
from typing import Literal

import pytest

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.events import DeletionRequested, DocumentAccepted, DomainEvent
from dcmx_core.exceptions import (
    AlreadyAccepted,
    DeletionAlreadyRequested,
    InvalidSignature,
    OutOfRange,
    SignatureExpired,
    UnknownDocument,
    WrongNonce,
    ZeroAddress,
)
from dcmx_core.model.compliance import ComplianceRegistry, Signed
from dcmx_core.model.enums import DocumentType, Regime
from dcmx_core.model.signing import (
    SECP256K1_N,
    acceptance_digest,
    deletion_digest,
    domain_separator,
    signer_of,
)
from dcmx_core.model.values import UINT256_MAX, ZERO_ADDRESS, Address, Hash32
from tests.factories import ADMIN, ALICE, address, digest
from tests.unit.refusals import refused

CRYPTO = EthCrypto()
USER_KEY = hashlib.sha256(b"key-1").digest()
USER = CRYPTO.address_of(USER_KEY)
OTHER_KEY = hashlib.sha256(b"key-2").digest()
CHAIN_ID = 31337
REGISTRY = Address(hashlib.sha256(b"compliance").digest()[:20])
TERMS = DocumentType.TERMS_OF_SERVICE
TERMS_V1 = digest("terms v1")
NOW = 1_700_000_000
LATER = NOW + 3_600

Kind = Literal["acceptance", "deletion"]
BOTH_KINDS = pytest.mark.parametrize("kind", ["acceptance", "deletion"])


@pytest.fixture
def registry() -> ComplianceRegistry:
    registry = ComplianceRegistry.deploy(ADMIN, REGISTRY, CHAIN_ID)
    registry.register_document(ADMIN, TERMS, 1, TERMS_V1)
    return registry


def message_digest(
    kind: Kind, registry: ComplianceRegistry, user: Address, nonce: int, expiry: int
) -> bytes:
    """What ``user`` signs to accept terms v1, or to ask for deletion under the GDPR."""
    separator = registry.separator(CRYPTO)
    if kind == "acceptance":
        return acceptance_digest(
            CRYPTO,
            separator,
            user=user,
            doc_type=TERMS,
            version=1,
            document_hash=TERMS_V1,
            nonce=nonce,
            expiry=expiry,
        )
    return deletion_digest(
        CRYPTO, separator, user=user, regime=Regime.GDPR, nonce=nonce, expiry=expiry
    )


def sign(
    kind: Kind,
    registry: ComplianceRegistry,
    *,
    key: bytes = USER_KEY,
    user: Address = USER,
    nonce: int = 0,
    expiry: int = LATER,
) -> Signed:
    signature = CRYPTO.sign_digest(key, message_digest(kind, registry, user, nonce, expiry))
    return Signed(nonce, expiry, signature)


def relay(
    kind: Kind, registry: ComplianceRegistry, signed: Signed, user: Address = USER
) -> list[DomainEvent]:
    if kind == "acceptance":
        return registry.relay_acceptance(user, TERMS, 1, TERMS_V1, signed, NOW, CRYPTO)
    return registry.relay_deletion_request(user, Regime.GDPR, signed, NOW, CRYPTO)


def malleated(signature: bytes) -> bytes:
    """The same signature's twin with s' = n - s and the other recovery id."""
    s = int.from_bytes(signature[32:64], "big")
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])


class FixedSigner:
    """A Crypto that names ALICE as the signer of anything: what signer_of refuses is its own."""

    def keccak256(self, data: bytes) -> bytes:
        return CRYPTO.keccak256(data)

    def recover_signer(self, digest: bytes, signature: bytes) -> Address | None:
        return ALICE


def signature_with(s: int, v: int = 27, length: int = 65) -> bytes:
    return (bytes([1]) * 32 + s.to_bytes(32, "big") + bytes([v])).ljust(length, b"\x00")[:length]


# --- EIP-712 digests (vectors made with eth-account's encode_typed_data) -----------------------


def test_the_domain_separator_is_eip712s() -> None:
    expected = "634681c09f41d9e6e3e7dfc51652b4c37571b6fe5783189a264b332ce6f7204d"
    assert domain_separator(CRYPTO, CHAIN_ID, REGISTRY).hex() == expected


def test_the_acceptance_digest_is_eip712s(registry: ComplianceRegistry) -> None:
    digest_ = acceptance_digest(
        CRYPTO,
        registry.separator(CRYPTO),
        user=USER,
        doc_type=DocumentType.PRIVACY_POLICY,
        version=3,
        document_hash=Hash32.of(b"terms v1"),
        nonce=7,
        expiry=2_000_000_000,
    )
    assert digest_.hex() == "463202f9778050e7ba9a3134951a41161f8c80c5e0b54e30f65dea1a5081501d"


def test_the_deletion_digest_is_eip712s(registry: ComplianceRegistry) -> None:
    digest_ = deletion_digest(
        CRYPTO,
        registry.separator(CRYPTO),
        user=USER,
        regime=Regime.CCPA,
        nonce=7,
        expiry=2_000_000_000,
    )
    assert digest_.hex() == "1bac635dede39a3f7f3fe7963df297622ae9ffbfacb43a0fdf1afd92f9c21d59"


@pytest.mark.parametrize(
    ("chain_id", "contract"), [(CHAIN_ID + 1, REGISTRY), (CHAIN_ID, address(61))]
)
def test_the_domain_binds_the_chain_and_the_contract(chain_id: int, contract: Address) -> None:
    other = domain_separator(CRYPTO, chain_id, contract)
    assert other != domain_separator(CRYPTO, CHAIN_ID, REGISTRY)


# --- who signed ---------------------------------------------------------------------------------


def test_signer_of_names_the_key_that_signed() -> None:
    signature = CRYPTO.sign_digest(USER_KEY, bytes(32))
    assert signer_of(CRYPTO, bytes(32), signature) == USER


@pytest.mark.parametrize("v", [27, 28])
def test_a_low_s_signature_with_v_27_or_28_goes_to_recovery(v: int) -> None:
    assert signer_of(FixedSigner(), bytes(32), signature_with(SECP256K1_N // 2, v)) == ALICE


def test_an_s_in_the_upper_half_has_no_signer() -> None:
    assert signer_of(FixedSigner(), bytes(32), signature_with(SECP256K1_N // 2 + 1)) is None


@pytest.mark.parametrize("v", [0, 1, 29])
def test_a_v_other_than_27_or_28_has_no_signer(v: int) -> None:
    assert signer_of(FixedSigner(), bytes(32), signature_with(1, v)) is None


@pytest.mark.parametrize("length", [0, 64, 66])
def test_a_signature_not_65_bytes_long_has_no_signer(length: int) -> None:
    assert signer_of(FixedSigner(), bytes(32), signature_with(1, 27, length)) is None


# --- relayed requests ---------------------------------------------------------------------------


@pytest.mark.parametrize(("nonce", "expiry"), [(-1, LATER), (UINT256_MAX + 1, LATER), (0, -1)])
def test_a_signed_nonce_and_expiry_are_uint256(nonce: int, expiry: int) -> None:
    with pytest.raises(OutOfRange):
        Signed(nonce, expiry, bytes(65))


@pytest.mark.parametrize("version", [-1, 2**32])
def test_a_relayed_acceptance_names_a_uint32_version(
    registry: ComplianceRegistry, version: int
) -> None:
    signed = sign("acceptance", registry)
    refused(
        registry,
        OutOfRange,
        lambda: registry.relay_acceptance(USER, TERMS, version, TERMS_V1, signed, NOW, CRYPTO),
    )


def test_a_relayed_acceptance_is_recorded(registry: ComplianceRegistry) -> None:
    events = relay("acceptance", registry, sign("acceptance", registry))
    assert events == [DocumentAccepted(USER, TERMS, 1, TERMS_V1, NOW)]
    assert registry.accepted_at(USER, TERMS, 1) == NOW


def test_a_relayed_deletion_request_is_recorded(registry: ComplianceRegistry) -> None:
    events = relay("deletion", registry, sign("deletion", registry))
    assert events == [DeletionRequested(1, USER, Regime.GDPR, NOW)]
    assert registry.open_request_of(USER) == 1


@BOTH_KINDS
def test_a_relayed_request_uses_up_its_nonce(registry: ComplianceRegistry, kind: Kind) -> None:
    relay(kind, registry, sign(kind, registry))
    assert registry.nonce_of(USER) == 1


@BOTH_KINDS
def test_a_signature_is_good_until_its_expiry(registry: ComplianceRegistry, kind: Kind) -> None:
    relay(kind, registry, sign(kind, registry, expiry=NOW))
    assert registry.nonce_of(USER) == 1


@BOTH_KINDS
def test_an_expired_signature_is_refused(registry: ComplianceRegistry, kind: Kind) -> None:
    signed = sign(kind, registry, expiry=NOW - 1)
    refused(registry, SignatureExpired, lambda: relay(kind, registry, signed))


@BOTH_KINDS
def test_a_signature_for_another_nonce_is_refused(registry: ComplianceRegistry, kind: Kind) -> None:
    signed = sign(kind, registry, nonce=1)
    refused(registry, WrongNonce, lambda: relay(kind, registry, signed))


@BOTH_KINDS
def test_a_signature_cannot_be_replayed(registry: ComplianceRegistry, kind: Kind) -> None:
    signed = sign(kind, registry)
    relay(kind, registry, signed)
    refused(registry, WrongNonce, lambda: relay(kind, registry, signed))


@BOTH_KINDS
def test_someone_elses_signature_is_refused(registry: ComplianceRegistry, kind: Kind) -> None:
    signed = sign(kind, registry, key=OTHER_KEY)
    refused(registry, InvalidSignature, lambda: relay(kind, registry, signed))


@BOTH_KINDS
def test_a_signature_for_another_registry_is_refused(
    registry: ComplianceRegistry, kind: Kind
) -> None:
    elsewhere = ComplianceRegistry.deploy(ADMIN, REGISTRY, CHAIN_ID + 1)
    signed = sign(kind, elsewhere)
    refused(registry, InvalidSignature, lambda: relay(kind, registry, signed))


@BOTH_KINDS
def test_a_malleated_high_s_signature_is_refused(registry: ComplianceRegistry, kind: Kind) -> None:
    signed = sign(kind, registry)
    twin = malleated(signed.signature)
    # The twin is a valid secp256k1 signature by the user: only the low-s rule refuses it.
    assert CRYPTO.recover_signer(message_digest(kind, registry, USER, 0, LATER), twin) == USER
    forged = Signed(signed.nonce, signed.expiry, twin)
    refused(registry, InvalidSignature, lambda: relay(kind, registry, forged))


@BOTH_KINDS
def test_nobody_signs_for_the_zero_address(registry: ComplianceRegistry, kind: Kind) -> None:
    signed = sign(kind, registry, user=ZERO_ADDRESS)
    refused(registry, ZeroAddress, lambda: relay(kind, registry, signed, ZERO_ADDRESS))


def test_an_acceptance_signature_is_no_deletion_request(registry: ComplianceRegistry) -> None:
    signed = sign("acceptance", registry)
    refused(registry, InvalidSignature, lambda: relay("deletion", registry, signed))


def test_acceptances_and_deletion_requests_share_one_nonce(registry: ComplianceRegistry) -> None:
    relay("acceptance", registry, sign("acceptance", registry))
    relay("deletion", registry, sign("deletion", registry, nonce=1))
    assert registry.nonce_of(USER) == 2


def test_a_signed_acceptance_of_an_unknown_version_is_refused(
    registry: ComplianceRegistry,
) -> None:
    signature = CRYPTO.sign_digest(
        USER_KEY,
        acceptance_digest(
            CRYPTO,
            registry.separator(CRYPTO),
            user=USER,
            doc_type=TERMS,
            version=2,
            document_hash=TERMS_V1,
            nonce=0,
            expiry=LATER,
        ),
    )
    signed = Signed(0, LATER, signature)
    refused(
        registry,
        UnknownDocument,
        lambda: registry.relay_acceptance(USER, TERMS, 2, TERMS_V1, signed, NOW, CRYPTO),
    )


def test_a_signed_acceptance_is_refused_once_accepted(registry: ComplianceRegistry) -> None:
    registry.accept(USER, TERMS, 1, TERMS_V1, NOW)
    signed = sign("acceptance", registry)
    refused(registry, AlreadyAccepted, lambda: relay("acceptance", registry, signed))


def test_a_signed_deletion_request_is_refused_while_one_is_open(
    registry: ComplianceRegistry,
) -> None:
    registry.request_deletion(USER, Regime.CCPA, NOW)
    signed = sign("deletion", registry)
    refused(registry, DeletionAlreadyRequested, lambda: relay("deletion", registry, signed))
