"""The ABI of the reward vault and the compliance registry as the adapters are written against
it: every function, event (with its indexed fields) and custom error, by its exact types; and
its agreement with the domain: events named and ordered as the domain events' fields, errors
named as the domain error classes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web3.contract import Contract

from tests.evm import mirror
from tests.evm.chain import Chain

Deploy = Callable[..., Contract]


@pytest.fixture
def vault(chain: Chain, deploy: Deploy) -> Contract:
    admin = chain.accounts[0]
    return deploy("RewardVault", admin, deploy("DCMXToken", admin).address)


@pytest.fixture
def registry(chain: Chain, deploy: Deploy) -> Contract:
    return deploy("ComplianceRegistry", chain.accounts[0])


# --- the reward vault -----------------------------------------------------------------------


def test_the_vaults_functions_are_the_agreed_ones(vault: Contract) -> None:
    assert mirror.functions(vault) == {
        "addVerifier(address)->()",
        "removeVerifier(address)->()",
        "configurePool(uint8,uint256)->()",
        "allocatePool(uint8,uint256)->()",
        "submitClaim(uint8,uint256,bytes32)->(uint256)",
        "verifyClaim(uint256,bool)->()",
        "payClaim(uint256)->()",
        "pool(uint8)->(uint256,uint256,uint256,uint256)",
        "claim(uint256)->(address,uint8,uint256,bytes32,uint256,uint8)",
        "claimCount()->(uint256)",
        "isVerifier(address)->(bool)",
        "claimedOnDay(address,uint8,uint256)->(uint256)",
        "proofUsed(bytes32)->(bool)",
        "token()->(address)",
        "admin()->(address)",
        "pendingAdmin()->(address)",
        "proposeAdmin(address)->()",
        "acceptAdmin()->()",
    }


def test_the_vaults_events_and_errors_are_the_agreed_ones(vault: Contract) -> None:
    assert mirror.events(vault) == {
        "VerifierAdded(address indexed)",
        "VerifierRemoved(address indexed)",
        "PoolConfigured(uint8 indexed,uint256)",
        "PoolAllocated(uint8 indexed,uint256,uint256)",
        "ClaimSubmitted(uint256 indexed,address indexed,uint8 indexed,uint256,bytes32,uint256)",
        "ClaimVerified(uint256 indexed,address indexed)",
        "ClaimRejected(uint256 indexed,address indexed)",
        "ClaimPaid(uint256 indexed,address indexed,uint256)",
        "AdminProposed(address indexed)",
        "AdminChanged(address indexed,address indexed)",
    }
    assert mirror.errors(vault) == {
        "NotAdmin(address)",
        "NotPendingAdmin(address)",
        "ZeroAddress()",
        "EmptyHash()",
        "OutOfRange()",
        "NotVerifier(address)",
        "AlreadyVerifier(address)",
        "UnknownVerifier(address)",
        "UnknownClaim(uint256)",
        "ProofAlreadyUsed(bytes32)",
        "ClaimNotPending(uint256,uint8)",
        "ClaimNotVerified(uint256,uint8)",
        "PoolExhausted(uint8,uint256,uint256)",
        "DailyLimitExceeded(uint8,uint256,uint256)",
    }


def test_the_vaults_events_and_errors_carry_the_domain_names(vault: Contract) -> None:
    mirror.assert_events_mirror_the_domain(vault, skip={"AdminProposed", "AdminChanged"})
    mirror.assert_errors_are_domain_errors(vault, foreign=set())


# --- the compliance registry ----------------------------------------------------------------


def test_the_registrys_functions_are_the_agreed_ones(registry: Contract) -> None:
    assert mirror.functions(registry) == {
        "registerDocument(uint8,uint256,bytes32)->()",
        "acceptDocument(uint8,uint256,bytes32)->()",
        "relayAcceptance(address,uint8,uint256,bytes32,uint256,uint256,bytes)->()",
        "requestDeletion(uint8)->()",
        "relayDeletionRequest(address,uint8,uint256,uint256,bytes)->()",
        "processDeletion(uint256)->()",
        "documentHash(uint8,uint256)->(bytes32)",
        "acceptedAt(address,uint8,uint256)->(uint256)",
        "nonces(address)->(uint256)",
        "deletionRequest(uint256)->(address,uint8,uint256,uint256)",
        "openRequestOf(address)->(uint256)",
        "deletionCount()->(uint256)",
        "domainSeparator()->(bytes32)",
        "MAX_VERSION()->(uint256)",
        # ERC-5267, from OpenZeppelin's EIP712: wallets read the signing domain here.
        "eip712Domain()->(bytes1,string,string,uint256,address,bytes32,uint256[])",
        "admin()->(address)",
        "pendingAdmin()->(address)",
        "proposeAdmin(address)->()",
        "acceptAdmin()->()",
    }


def test_the_registrys_events_and_errors_are_the_agreed_ones(registry: Contract) -> None:
    assert mirror.events(registry) == {
        "DocumentRegistered(uint8 indexed,uint256 indexed,bytes32)",
        "DocumentAccepted(address indexed,uint8 indexed,uint256 indexed,bytes32,uint256)",
        "DeletionRequested(uint256 indexed,address indexed,uint8,uint256)",
        "DeletionProcessed(uint256 indexed,address indexed,uint256)",
        "EIP712DomainChanged()",  # ERC-5267's, never emitted: the domain never changes
        "AdminProposed(address indexed)",
        "AdminChanged(address indexed,address indexed)",
    }
    assert mirror.errors(registry) == {
        "NotAdmin(address)",
        "NotPendingAdmin(address)",
        "ZeroAddress()",
        "EmptyHash()",
        "OutOfRange()",
        "UnknownDocument(uint8,uint256)",
        "DocumentAlreadyRegistered(uint8,uint256)",
        "DocumentHashMismatch(uint8,uint256)",
        "AlreadyAccepted(address,uint8,uint256)",
        "InvalidSignature(address)",
        "SignatureExpired(uint256,uint256)",
        "WrongNonce(address,uint256,uint256)",
        "DeletionAlreadyRequested(address)",
        "UnknownDeletionRequest(uint256)",
        "DeletionAlreadyProcessed(uint256)",
        # OpenZeppelin's ShortStrings (EIP712's name and version), unreachable after deployment.
        "InvalidShortString()",
        "StringTooLong(string)",
    }


def test_the_registrys_events_and_errors_carry_the_domain_names(registry: Contract) -> None:
    skip = {"AdminProposed", "AdminChanged", "EIP712DomainChanged"}
    mirror.assert_events_mirror_the_domain(registry, skip=skip)
    foreign = {"InvalidShortString", "StringTooLong"}
    mirror.assert_errors_are_domain_errors(registry, foreign=foreign)
