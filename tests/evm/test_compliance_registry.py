"""ComplianceRegistry.sol obeys dcmx_core.model.compliance and signs as dcmx_core.model.signing:
a signature made with the core's EIP-712 digests is the one the contract accepts, and what the
core refuses (high s, another signer, a used nonce, an expired one) the contract refuses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.model.enums import DocumentType, Regime
from dcmx_core.model.signing import (
    SECP256K1_N,
    acceptance_digest,
    deletion_digest,
    domain_separator,
    signer_of,
)
from dcmx_core.model.values import Address, Hash32
from tests.evm.calls import block_time, next_timestamp, refused
from tests.evm.chain import Chain

Deploy = Callable[..., Contract]
CRYPTO = EthCrypto()
USER_KEY = CRYPTO.keccak256(b"a DCMX listener's key")
STRANGER_KEY = CRYPTO.keccak256(b"somebody else's key")
TERMS = DocumentType.TERMS_OF_SERVICE
DOCUMENT = Hash32.of(b"Terms of Service, version 1")
ZERO = "0x" + "00" * 20
MAX_VERSION = 2**32 - 1
FAR = 2**64  # an expiry far in the future


def checksum(address: Address) -> str:
    return address.to_checksum_hex(CRYPTO.keccak256)


@dataclass(frozen=True)
class World:
    """A registry with the terms of service, version 1, registered; a user who signs with a key
    of their own and never sends a transaction; a relayer who sends for them."""

    chain: Chain
    registry: Contract
    admin: str
    relayer: str
    user: str

    def send(self, call: ContractFunction, sender: str) -> TxReceipt:
        return self.chain.send(call, sender)

    def refused(self, call: ContractFunction, sender: str) -> tuple[str, tuple[Any, ...]]:
        return refused(self.chain, call, sender)

    def events(self, receipt: TxReceipt) -> list[tuple[str, dict[str, Any]]]:
        return self.chain.events(receipt)

    @property
    def separator(self) -> bytes:
        address = Address(bytes.fromhex(self.registry.address[2:]))
        return domain_separator(CRYPTO, self.chain.w3.eth.chain_id, address)

    def acceptance(
        self, *, version: int = 1, document: Hash32 = DOCUMENT, nonce: int = 0, expiry: int = FAR
    ) -> bytes:
        """The core's digest of the user's acceptance of the terms."""
        user = Address.from_hex(self.user.lower())
        return acceptance_digest(
            CRYPTO,
            self.separator,
            user=user,
            doc_type=TERMS,
            version=version,
            document_hash=document,
            nonce=nonce,
            expiry=expiry,
        )

    def relay_acceptance(
        self, signature: bytes, *, version: int = 1, nonce: int = 0, expiry: int = FAR
    ) -> ContractFunction:
        return self.registry.functions.relayAcceptance(
            self.user, TERMS, version, DOCUMENT.raw, nonce, expiry, signature
        )

    def deletion(self, *, nonce: int = 0, expiry: int = FAR) -> bytes:
        user = Address.from_hex(self.user.lower())
        return deletion_digest(
            CRYPTO, self.separator, user=user, regime=Regime.GDPR, nonce=nonce, expiry=expiry
        )


@pytest.fixture
def world(chain: Chain, deploy: Deploy) -> World:
    admin, relayer = chain.accounts[0], chain.accounts[5]
    registry = deploy("ComplianceRegistry", admin)
    chain.send(registry.functions.registerDocument(TERMS, 1, DOCUMENT.raw), admin)
    return World(chain, registry, admin, relayer, checksum(CRYPTO.address_of(USER_KEY)))


def sign(digest: bytes, key: bytes = USER_KEY) -> bytes:
    return bytes(CRYPTO.sign_digest(key, digest))


def high_s(signature: bytes) -> bytes:
    """The malleable twin of a signature: s → n − s with the other recovery id."""
    s = int.from_bytes(signature[32:64], "big")
    v = 27 + 28 - signature[64]
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([v])


def test_the_signing_domain_is_the_cores(world: World) -> None:
    assert world.registry.functions.domainSeparator().call() == world.separator
    _, name, version, chain_id, contract, _, _ = world.registry.functions.eip712Domain().call()
    assert (name, version) == ("DCMX Compliance", "1")
    assert (chain_id, contract) == (world.chain.w3.eth.chain_id, world.registry.address)


# --- documents ------------------------------------------------------------------------------


def test_registering_a_document_version(world: World) -> None:
    policy = Hash32.of(b"Privacy Policy, version 7")
    call = world.registry.functions.registerDocument(DocumentType.PRIVACY_POLICY, 7, policy.raw)
    assert world.refused(call, world.relayer) == ("NotAdmin", (world.relayer,))
    receipt = world.send(call, world.admin)
    fields = {"docType": DocumentType.PRIVACY_POLICY, "version": 7, "documentHash": policy.raw}
    assert world.events(receipt) == [("DocumentRegistered", fields)]
    document_hash = world.registry.functions.documentHash
    assert document_hash(DocumentType.PRIVACY_POLICY, 7).call() == policy.raw
    assert document_hash(DocumentType.PRIVACY_POLICY, 8).call() == bytes(32)


def test_register_checks_version_then_hash_then_duplicates(world: World) -> None:
    register = world.registry.functions.registerDocument
    assert world.refused(register(TERMS, 0, bytes(32)), world.admin) == ("OutOfRange", ())
    too_new = register(TERMS, MAX_VERSION + 1, DOCUMENT.raw)
    assert world.refused(too_new, world.admin) == ("OutOfRange", ())
    assert world.refused(register(TERMS, 1, bytes(32)), world.admin) == ("EmptyHash", ())
    again = register(TERMS, 1, Hash32.of(b"another text").raw)
    assert world.refused(again, world.admin) == ("DocumentAlreadyRegistered", (TERMS, 1))
    world.send(register(TERMS, MAX_VERSION, DOCUMENT.raw), world.admin)


def test_a_user_accepts_a_registered_version_once(world: World) -> None:
    accept = world.registry.functions.acceptDocument(TERMS, 1, DOCUMENT.raw)
    receipt = world.send(accept, world.relayer)
    now = block_time(world.chain.w3, receipt)
    fields = {"user": world.relayer, "docType": TERMS, "version": 1}
    fields |= {"documentHash": DOCUMENT.raw, "acceptedAt": now}
    assert world.events(receipt) == [("DocumentAccepted", fields)]
    assert world.registry.functions.acceptedAt(world.relayer, TERMS, 1).call() == now
    assert world.registry.functions.acceptedAt(world.user, TERMS, 1).call() == 0
    assert world.refused(accept, world.relayer) == ("AlreadyAccepted", (world.relayer, TERMS, 1))


@pytest.mark.parametrize("version", [0, 2, MAX_VERSION + 1, 2**256 - 1])
def test_only_a_registered_version_can_be_accepted(world: World, version: int) -> None:
    accept = world.registry.functions.acceptDocument(TERMS, version, DOCUMENT.raw)
    assert world.refused(accept, world.relayer) == ("UnknownDocument", (TERMS, version))


def test_an_acceptance_names_the_registered_hash(world: World) -> None:
    other = Hash32.of(b"what the user was shown").raw
    accept = world.registry.functions.acceptDocument(TERMS, 1, other)
    assert world.refused(accept, world.relayer) == ("DocumentHashMismatch", (TERMS, 1))


# --- relayed acceptances: the EIP-712 agreement ---------------------------------------------


def test_the_contract_accepts_what_the_core_signs(world: World) -> None:
    receipt = world.send(world.relay_acceptance(sign(world.acceptance())), world.relayer)
    now = block_time(world.chain.w3, receipt)
    fields = {"user": world.user, "docType": TERMS, "version": 1}
    fields |= {"documentHash": DOCUMENT.raw, "acceptedAt": now}
    assert world.events(receipt) == [("DocumentAccepted", fields)]
    assert world.registry.functions.nonces(world.user).call() == 1
    assert world.registry.functions.acceptedAt(world.user, TERMS, 1).call() == now


def test_the_high_s_twin_of_a_good_signature_is_refused(world: World) -> None:
    digest = world.acceptance()
    twin = high_s(sign(digest))
    # The twin is a valid secp256k1 signature by the user, which OpenZeppelin's rule refuses.
    assert CRYPTO.recover_signer(digest, twin) == Address.from_hex(world.user.lower())
    assert signer_of(CRYPTO, digest, twin) is None
    refusal = world.refused(world.relay_acceptance(twin), world.relayer)
    assert refusal == ("InvalidSignature", (world.user,))


def test_another_signers_signature_is_refused(world: World) -> None:
    signature = sign(world.acceptance(), STRANGER_KEY)
    refusal = world.refused(world.relay_acceptance(signature), world.relayer)
    assert refusal == ("InvalidSignature", (world.user,))


def test_a_signature_over_other_terms_is_refused(world: World) -> None:
    signature = sign(world.acceptance(expiry=FAR - 1))
    refusal = world.refused(world.relay_acceptance(signature), world.relayer)
    assert refusal == ("InvalidSignature", (world.user,))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:64],  # 64 bytes (ERC-2098 compact): no signer
        lambda s: s + b"\x00",  # 66 bytes
        lambda s: s[:64] + bytes([s[64] - 27]),  # v as 0 or 1
        lambda s: bytes(32) + s[32:],  # r = 0
        lambda s: b"",
    ],
)
def test_a_malformed_signature_has_no_signer(
    world: World, mangle: Callable[[bytes], bytes]
) -> None:
    digest = world.acceptance()
    signature = mangle(sign(digest))
    assert signer_of(CRYPTO, digest, signature) is None
    refusal = world.refused(world.relay_acceptance(signature), world.relayer)
    assert refusal == ("InvalidSignature", (world.user,))


FIELD_PRIME = 2**256 - 2**32 - 977  # secp256k1's p: an r this size is no curve point's x
ECRECOVER = "0x" + "00" * 19 + "01"


@pytest.mark.parametrize(
    ("r", "s"),
    [
        (None, None),  # the signature as made
        (None, SECP256K1_N - 1),  # high s: ecrecover accepts it, OpenZeppelin's rule does not
        (None, 0),
        (None, 1),
        (0, None),
        (SECP256K1_N, None),
        (FIELD_PRIME - 1, None),
        (5, None),
    ],
)
@pytest.mark.parametrize("v", [27, 28])
def test_the_core_recovers_what_the_evms_ecrecover_recovers(
    world: World, r: int | None, s: int | None, v: int
) -> None:
    digest = world.acceptance()
    made = sign(digest)
    r_bytes = made[:32] if r is None else r.to_bytes(32, "big")
    s_bytes = made[32:64] if s is None else s.to_bytes(32, "big")
    signature = r_bytes + s_bytes + bytes([v])
    data = digest + v.to_bytes(32, "big") + r_bytes + s_bytes
    output = bytes(world.chain.w3.eth.call({"to": ECRECOVER, "data": data}))
    on_chain = Address(output[12:]) if output else None
    assert CRYPTO.recover_signer(digest, signature) == on_chain


def test_a_signature_is_used_once(world: World) -> None:
    relay = world.relay_acceptance(sign(world.acceptance()))
    world.send(relay, world.relayer)
    assert world.refused(relay, world.relayer) == ("WrongNonce", (world.user, 1, 0))


def test_a_nonce_from_the_future_is_refused(world: World) -> None:
    relay = world.relay_acceptance(sign(world.acceptance(nonce=1)), nonce=1)
    assert world.refused(relay, world.relayer) == ("WrongNonce", (world.user, 0, 1))


def test_an_expired_signature_is_refused(world: World) -> None:
    now = next_timestamp(world.chain.w3)
    expiry = now - 1
    relay = world.relay_acceptance(sign(world.acceptance(expiry=expiry)), expiry=expiry)
    assert world.refused(relay, world.relayer) == ("SignatureExpired", (expiry, now))


def test_a_signature_is_good_until_the_second_of_its_expiry(world: World) -> None:
    expiry = next_timestamp(world.chain.w3)
    relay = world.relay_acceptance(sign(world.acceptance(expiry=expiry)), expiry=expiry)
    assert block_time(world.chain.w3, world.send(relay, world.relayer)) == expiry


def test_relay_checks_in_the_cores_order(world: World) -> None:
    past = next_timestamp(world.chain.w3) - 1
    bad = sign(world.acceptance(), STRANGER_KEY)
    relay = world.registry.functions.relayAcceptance
    doc = DOCUMENT.raw
    checks = [
        (relay(ZERO, TERMS, MAX_VERSION + 1, doc, 5, past, bad), "OutOfRange"),
        (relay(ZERO, TERMS, 1, doc, 5, past, bad), "ZeroAddress"),
        (relay(world.user, TERMS, 1, doc, 5, past, bad), "SignatureExpired"),
        (relay(world.user, TERMS, 1, doc, 5, FAR, bad), "WrongNonce"),
        (relay(world.user, TERMS, 1, doc, 0, FAR, bad), "InvalidSignature"),
    ]
    for call, name in checks:
        assert world.refused(call, world.relayer)[0] == name
    # Signature first, then the document: a good signature over an unknown version is refused
    # by the document rule, and uses no nonce.
    unknown = world.relay_acceptance(sign(world.acceptance(version=0)), version=0)
    assert world.refused(unknown, world.relayer) == ("UnknownDocument", (TERMS, 0))
    assert world.registry.functions.nonces(world.user).call() == 0


def test_a_relayed_acceptance_costs_what_we_budgeted(world: World) -> None:
    receipt = world.send(world.relay_acceptance(sign(world.acceptance())), world.relayer)
    # Two fresh slots (the acceptance, the nonce), the typed-data hashing and ecrecover.
    assert receipt["gasUsed"] < 85_000


# --- deletion requests ----------------------------------------------------------------------


def test_a_deletion_request_is_open_until_processed(world: World) -> None:
    request = world.registry.functions.requestDeletion(Regime.CCPA)
    receipt = world.send(request, world.relayer)
    now = block_time(world.chain.w3, receipt)
    fields = {"requestId": 1, "user": world.relayer, "regime": Regime.CCPA, "requestedAt": now}
    assert world.events(receipt) == [("DeletionRequested", fields)]
    assert world.registry.functions.openRequestOf(world.relayer).call() == 1
    assert world.refused(request, world.relayer) == ("DeletionAlreadyRequested", (world.relayer,))
    process = world.registry.functions.processDeletion
    assert world.refused(process(1), world.relayer) == ("NotAdmin", (world.relayer,))
    assert world.refused(process(2), world.admin) == ("UnknownDeletionRequest", (2,))
    processed = world.send(process(1), world.admin)
    done = block_time(world.chain.w3, processed)
    fields = {"requestId": 1, "user": world.relayer, "processedAt": done}
    assert world.events(processed) == [("DeletionProcessed", fields)]
    assert world.registry.functions.deletionRequest(1).call() == [
        world.relayer,
        Regime.CCPA,
        now,
        done,
    ]
    assert world.registry.functions.openRequestOf(world.relayer).call() == 0
    assert world.refused(process(1), world.admin) == ("DeletionAlreadyProcessed", (1,))


def test_after_processing_the_user_may_ask_again(world: World) -> None:
    request = world.registry.functions.requestDeletion(Regime.GDPR)
    world.send(request, world.relayer)
    world.send(world.registry.functions.processDeletion(1), world.admin)
    receipt = world.send(request, world.relayer)
    assert world.events(receipt)[0][1]["requestId"] == 2
    assert world.registry.functions.deletionCount().call() == 2
    assert world.registry.functions.deletionRequest(2).call()[3] == 0
    assert world.refused(world.registry.functions.processDeletion(1), world.admin) == (
        "DeletionAlreadyProcessed",
        (1,),
    )


def test_an_unknown_deletion_request_cannot_be_read(world: World) -> None:
    assert world.refused(world.registry.functions.deletionRequest(1), world.admin) == (
        "UnknownDeletionRequest",
        (1,),
    )


def test_a_relayed_deletion_request_is_the_users_own(world: World) -> None:
    relay = world.registry.functions.relayDeletionRequest
    good = sign(world.deletion())
    twin = relay(world.user, Regime.GDPR, 0, FAR, high_s(good))
    assert world.refused(twin, world.relayer) == ("InvalidSignature", (world.user,))
    forged = relay(world.user, Regime.GDPR, 0, FAR, sign(world.deletion(), STRANGER_KEY))
    assert world.refused(forged, world.relayer) == ("InvalidSignature", (world.user,))
    assert world.refused(relay(ZERO, Regime.GDPR, 0, FAR, good), world.relayer) == (
        "ZeroAddress",
        (),
    )
    receipt = world.send(relay(world.user, Regime.GDPR, 0, FAR, good), world.relayer)
    assert world.events(receipt)[0][1]["user"] == world.user
    assert world.registry.functions.openRequestOf(world.user).call() == 1
    assert world.refused(relay(world.user, Regime.GDPR, 0, FAR, good), world.relayer) == (
        "WrongNonce",
        (world.user, 1, 0),
    )


def test_one_nonce_counts_every_signed_request_of_a_user(world: World) -> None:
    world.send(world.relay_acceptance(sign(world.acceptance())), world.relayer)
    relay = world.registry.functions.relayDeletionRequest
    stale = relay(world.user, Regime.GDPR, 0, FAR, sign(world.deletion(nonce=0)))
    assert world.refused(stale, world.relayer) == ("WrongNonce", (world.user, 1, 0))
    fresh = relay(world.user, Regime.GDPR, 1, FAR, sign(world.deletion(nonce=1)))
    world.send(fresh, world.relayer)
    assert world.registry.functions.nonces(world.user).call() == 2
