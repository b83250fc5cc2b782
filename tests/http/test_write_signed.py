"""A user's own requests, signed by the user's wallet: the API carries out one whose signature
is the user's over exactly these fields, not expired nor too far ahead, with a fresh nonce, and
refuses the rest with a problem that says why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.model.access import Scope
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import DocumentType, Pool, Regime
from dcmx_core.model.royalties import Split
from dcmx_core.model.values import Hash32
from dcmx_core.services import catalog, compliance, rewards, sales
from dcmx_entrypoints.http.limits import Rate, RateLimiter
from dcmx_entrypoints.http.problems import ApiRefusal
from dcmx_entrypoints.http.schemas import AddressText, Render
from dcmx_entrypoints.http.signed_requests import SignedRequests, canonical_message
from dcmx_entrypoints.http.writing import Writes
from tests.http.writes import (
    CHAIN,
    CRYPTO,
    ETH,
    START,
    ZERO,
    World,
    fresh_nonce,
    personal_sign,
    signed_claim,
    typed_sign,
    user,
    world,
)

DEE, ELI = user("Dee"), user("Eli")


def open_listening_pool(w: World) -> None:
    rewards.fund_pool(
        w.stack.ledger, w.operator.address, Pool.LISTENING, 1_000 * ETH, daily_limit=100 * ETH
    )


@pytest.fixture
def w() -> Iterator[World]:
    with world() as fresh:
        open_listening_pool(fresh)
        yield fresh


def post_claim(w: World, body: dict[str, Any]) -> Any:
    return w.api.post("/v1/signed/claims", json=body)


# --- claims (EIP-191) -------------------------------------------------------------------------


def test_a_claim_signed_by_the_user_is_submitted_as_the_user(w: World) -> None:
    response = post_claim(w, signed_claim(w, DEE))
    assert response.status_code == 201, response.text
    claim = w.stack.ledger.claim(response.json()["claim_id"])
    assert (claim.user, claim.amount) == (DEE.address, 5 * ETH)
    assert [e["kind"] for e in response.json()["events"]] == ["ClaimSubmitted"]


def test_a_claim_signed_by_someone_else_is_a_403_problem(w: World) -> None:
    response = post_claim(w, signed_claim(w, ELI, as_user=DEE))
    assert response.status_code == 403
    body = response.json()
    assert body["type"] == "/problems/signature-invalid"
    assert body["message"].startswith("DCMX signed request\naction: submit-claim\n")
    assert w.stack.ledger.claim_count() == 0


def test_a_field_changed_after_signing_is_a_403_problem(w: World) -> None:
    body = signed_claim(w, DEE, amount=5 * ETH) | {"amount": str(50 * ETH)}
    response = post_claim(w, body)
    assert (response.status_code, response.json()["type"]) == (403, "/problems/signature-invalid")
    assert f"amount: {50 * ETH}" in response.json()["message"]


def test_an_expired_request_is_a_422_problem(w: World) -> None:
    response = post_claim(w, signed_claim(w, DEE, expires=START - 1))
    assert (response.status_code, response.json()["type"]) == (422, "/problems/signature-expired")


def test_a_request_expiring_too_far_ahead_is_a_422_problem(w: World) -> None:
    response = post_claim(w, signed_claim(w, DEE, expires=START + 601))
    assert (response.status_code, response.json()["type"]) == (422, "/problems/out-of-range")


def test_a_replayed_request_is_a_409_problem(w: World) -> None:
    body = signed_claim(w, DEE)
    assert post_claim(w, body).status_code == 201
    again = post_claim(w, body)
    assert (again.status_code, again.json()["type"]) == (409, "/problems/nonce-used")
    assert w.stack.ledger.claim_count() == 1


def test_a_nonce_is_refused_even_for_another_request(w: World) -> None:
    assert post_claim(w, signed_claim(w, DEE, nonce="sameNonce1")).status_code == 201
    other = signed_claim(w, DEE, nonce="sameNonce1", proof="0x" + "cd" * 32)
    assert post_claim(w, other).status_code == 409


def test_a_malformed_signature_or_nonce_is_a_422_problem(w: World) -> None:
    for change in ({"signature": "0x1234"}, {"nonce": "short"}, {"nonce": "has space in it"}):
        response = post_claim(w, signed_claim(w, DEE) | change)
        assert (response.status_code, response.json()["type"]) == (
            422,
            "/problems/validation-error",
        )


def test_a_claim_the_rules_refuse_is_a_4xx_problem(w: World) -> None:
    response = post_claim(w, signed_claim(w, DEE, amount=500 * ETH))
    assert (response.status_code, response.json()["type"]) == (
        409,
        "/problems/daily-limit-exceeded",
    )


def test_a_replay_is_refused_by_another_process_sharing_the_database(tmp_path: Any) -> None:
    """Two APIs over one SQLite database, as two processes would be: a request carried out by
    one is refused by the other."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    try:
        sessions = sessionmaker(engine, expire_on_commit=False)
        with world() as first:
            open_listening_pool(first)
            body = signed_claim(first, DEE)
            checks = [signed_checks(first, sessions) for _ in range(2)]
            checks[0].use_nonce(DEE.address, body["nonce"], body["expires"])
            with pytest.raises(ApiRefusal, match="used already") as refused:
                checks[1].use_nonce(DEE.address, body["nonce"], body["expires"])
            assert refused.value.kind.status == 409
    finally:
        engine.dispose()


def signed_checks(w: World, sessions: Any) -> SignedRequests:
    writes = Writes(
        ledger=w.stack.ledger,
        operator_account=w.operator.address,
        crypto=CRYPTO,
        clock=w.stack.clock,
        unit_of_work=lambda: SqlUnitOfWork(sessions),
        chain=CHAIN,
        render=Render(AddressText(CRYPTO.keccak256)),
    )
    limiter = RateLimiter(Rate(60, 10))
    return SignedRequests(writes, limiter, limiter)


def test_on_tron_the_message_carries_trons_prefix() -> None:
    with world(tron=True) as w:
        open_listening_pool(w)
        ok = post_claim(w, signed_claim(w, DEE, tron=True))
        assert ok.status_code == 201, ok.text
        assert ok.json()["events"][0]["data"]["user"] == DEE.address.to_base58()
        ethereum_prefixed = signed_claim(w, DEE)  # hex user, Ethereum's prefix
        refused = post_claim(w, ethereum_prefixed)
        assert refused.json()["type"] == "/problems/signature-invalid"


# --- purchases (EIP-191) ----------------------------------------------------------------------


def listed_edition(w: World, price: int) -> int:
    ledger, operator = w.stack.ledger, w.operator.address
    release_id = catalog.publish_release(
        ledger,
        operator,
        artist=operator,
        title="Label cut",
        artist_name="DCMX",
        content_hash=Hash32.of(b"label cut"),
        max_editions=10,
        royalty_bps=1_000,
        split=Split((DEE.address, ELI.address), (5_000, 5_000)),
    )
    token = catalog.mint_edition(ledger, operator, release_id, operator)
    sales.offer_edition(ledger, operator, token, NATIVE, price)
    return token


def purchase_body(w: World, token: int, price: int, signer: Any = None) -> dict[str, Any]:
    nonce, expires = fresh_nonce(), START + 300
    fields = [("token_id", str(token)), ("currency", ZERO), ("price", str(price))]
    message = canonical_message("buy-edition", CHAIN, w.hex(ELI.address), fields, nonce, expires)
    return {
        "user": w.hex(ELI.address),
        "token_id": token,
        "currency": ZERO,
        "price": str(price),
        "nonce": nonce,
        "expires": expires,
        "signature": personal_sign((signer or ELI).key, message),
    }


def test_a_signed_purchase_buys_the_edition_for_the_user(w: World) -> None:
    token = listed_edition(w, ETH)
    w.stack.ledger.fund(ELI.address, 2 * ETH)
    response = w.api.post("/v1/signed/purchases", json=purchase_body(w, token, ETH))
    assert response.status_code == 201, response.text
    assert w.stack.ledger.owner_of(token) == ELI.address
    assert response.json()["settlement_id"] >= 1


def test_a_purchase_at_another_price_than_listed_is_a_422_problem(w: World) -> None:
    token = listed_edition(w, 2 * ETH)
    w.stack.ledger.fund(ELI.address, 3 * ETH)
    response = w.api.post("/v1/signed/purchases", json=purchase_body(w, token, ETH))
    assert (response.status_code, response.json()["type"]) == (422, "/problems/wrong-payment")
    assert w.stack.ledger.owner_of(token) == w.operator.address


# --- acceptances and deletion requests (EIP-712, relayed) -------------------------------------


def register_terms(w: World) -> None:
    compliance.register_document(
        w.stack.ledger, w.operator.address, DocumentType.TERMS_OF_SERVICE, 1, b"Be nice."
    )


def acceptance_body(w: World, signer: Any = DEE, expiry: int = START + 300) -> dict[str, Any]:
    typed = w.api.get(
        "/v1/signed/acceptances/typed-data",
        user=w.hex(DEE.address),
        doc_type="terms_of_service",
        version=1,
        expiry=expiry,
    )
    assert typed.status_code == 200, typed.text
    data = typed.json()
    return {
        "user": w.hex(DEE.address),
        "doc_type": "terms_of_service",
        "version": 1,
        "nonce": data["message"]["nonce"],
        "expiry": expiry,
        "signature": typed_sign(signer.key, data),
    }


def test_the_typed_data_is_what_the_contract_verifies(w: World) -> None:
    register_terms(w)
    expected, nonce = compliance.acceptance_to_sign(
        w.stack.ledger,
        w.stack.crypto,
        DEE.address,
        DocumentType.TERMS_OF_SERVICE,
        1,
        START + 300,
    )
    typed = w.api.get(
        "/v1/signed/acceptances/typed-data",
        user=w.hex(DEE.address),
        doc_type="terms_of_service",
        version=1,
        expiry=START + 300,
    ).json()
    assert typed["digest"] == "0x" + expected.hex()
    assert typed["message"]["nonce"] == nonce


def test_a_signed_acceptance_is_relayed_and_recorded(w: World) -> None:
    register_terms(w)
    response = w.api.post("/v1/signed/acceptances", json=acceptance_body(w))
    assert response.status_code == 201, response.text
    assert [e["kind"] for e in response.json()["events"]] == ["DocumentAccepted"]
    assert w.stack.ledger.accepted_at(DEE.address, DocumentType.TERMS_OF_SERVICE, 1) is not None


def test_an_acceptance_signed_by_another_is_a_403_problem(w: World) -> None:
    register_terms(w)
    response = w.api.post("/v1/signed/acceptances", json=acceptance_body(w, signer=ELI))
    assert (response.status_code, response.json()["type"]) == (403, "/problems/signature-invalid")
    assert w.stack.ledger.accepted_at(DEE.address, DocumentType.TERMS_OF_SERVICE, 1) is None


def test_a_replayed_acceptance_is_a_409_problem(w: World) -> None:
    register_terms(w)
    body = acceptance_body(w)
    assert w.api.post("/v1/signed/acceptances", json=body).status_code == 201
    again = w.api.post("/v1/signed/acceptances", json=body)
    assert (again.status_code, again.json()["type"]) == (409, "/problems/nonce-used")


def test_a_nonce_ahead_of_the_contracts_is_a_422_problem(w: World) -> None:
    register_terms(w)
    body = acceptance_body(w) | {"nonce": 5}
    response = w.api.post("/v1/signed/acceptances", json=body)
    # The nonce is signed: a changed one no longer matches the signature.
    assert (response.status_code, response.json()["type"]) == (403, "/problems/signature-invalid")


def test_accepting_an_unregistered_document_is_a_404_problem(w: World) -> None:
    typed = w.api.get(
        "/v1/signed/acceptances/typed-data",
        user=w.hex(DEE.address),
        doc_type="privacy_policy",
        version=3,
        expiry=START + 300,
    )
    assert (typed.status_code, typed.json()["type"]) == (404, "/problems/unknown-document")


def test_the_operator_relays_an_acceptance_with_its_key(w: World) -> None:
    register_terms(w)
    body = acceptance_body(w, expiry=START + 3_600)  # the operator's relay has no 10-minute bound
    response = w.api.post("/v1/acceptances", json=body, headers=w.auth(Scope.COMPLIANCE_WRITE))
    assert response.status_code == 201, response.text


def test_a_signed_deletion_request_is_relayed(w: World) -> None:
    typed = w.api.get(
        "/v1/signed/deletion-requests/typed-data",
        user=w.hex(ELI.address),
        regime="gdpr",
        expiry=START + 300,
    ).json()
    body = {
        "user": w.hex(ELI.address),
        "regime": "gdpr",
        "nonce": typed["message"]["nonce"],
        "expiry": START + 300,
        "signature": typed_sign(ELI.key, typed),
    }
    response = w.api.post("/v1/signed/deletion-requests", json=body)
    assert response.status_code == 201, response.text
    request_id = response.json()["request_id"]
    assert w.stack.ledger.deletion_request(request_id).user == ELI.address
    again = w.api.post("/v1/signed/deletion-requests", json=body)
    assert (again.status_code, again.json()["type"]) == (409, "/problems/nonce-used")
    assert w.stack.ledger.open_deletion_request(ELI.address) == request_id
    assert w.stack.ledger.deletion_request(request_id).regime == Regime.GDPR


def test_the_message_format_names_the_chain_and_the_prefix(w: World) -> None:
    body = w.api.get("/v1/signed/message-format").json()
    assert body == {
        "header": "DCMX signed request",
        "chain": CHAIN,
        "prefix": "\x19Ethereum Signed Message:\n",
        "expiry_max": 600,
    }
