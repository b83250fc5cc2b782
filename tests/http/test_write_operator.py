"""The operator's write endpoints: each runs its use case on the ledger as the operator, for an
API key with the scope, and answers with the receipt; keys missing, unknown, revoked or short
of the scope are refused; bad input is a 422 problem and a domain refusal a 4xx problem."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dcmx_core.model.access import Scope
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import ClaimStatus, DocumentType, Pool, Regime
from dcmx_core.model.royalties import Split
from dcmx_core.model.values import Hash32
from dcmx_core.read_models import UserProfile
from dcmx_core.services import catalog, compliance, rewards, sales
from tests.http.writes import ETH, START, ZERO, World, user, world

PROBLEM = "application/problem+json"
AYLA, BO = user("Ayla"), user("Bo")


@pytest.fixture
def w() -> Iterator[World]:
    with world() as fresh:
        yield fresh


def release_body(w: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "artist": w.hex(AYLA.address),
        "title": "Midnight Static",
        "artist_name": "Ayla & the Wires",
        "content_hash": Hash32.of(b"midnight-static.flac").to_hex(),
        "max_editions": 3,
        "royalty_bps": 1_000,
        "split": [
            {"recipient": w.hex(AYLA.address), "share_bps": 7_000},
            {"recipient": w.hex(BO.address), "share_bps": 3_000},
        ],
    }
    return body | changes


def publish(w: World) -> int:
    return catalog.publish_release(
        w.stack.ledger,
        w.operator.address,
        artist=AYLA.address,
        title="t",
        artist_name="a",
        content_hash=Hash32.of(b"fixture"),
        max_editions=5,
        royalty_bps=500,
        split=Split((AYLA.address,), (10_000,)),
    )


def test_publishing_a_release_answers_with_its_id_and_receipt(w: World) -> None:
    response = w.api.post("/v1/releases", json=release_body(w), headers=w.auth(Scope.ADMIN))
    assert response.status_code == 201, response.text
    body = response.json()
    release = w.stack.ledger.release(body["release_id"])
    assert (release.artist, release.max_editions) == (AYLA.address, 3)
    assert body["tx_id"].startswith("0x")
    assert body["block_number"] >= 1
    assert [e["kind"] for e in body["events"]] == ["ReleaseCreated", "SplitSet"]
    assert body["events"][0]["data"]["release_id"] == str(body["release_id"])
    assert body["events"][0]["data"]["title"] == "Midnight Static"
    assert body["prepared"] == []


def test_minting_answers_with_the_token(w: World) -> None:
    release_id = publish(w)
    response = w.api.post(
        f"/v1/releases/{release_id}/editions",
        json={"recipient": w.hex(w.operator.address)},
        headers=w.auth(Scope.RELEASES_WRITE),
    )
    assert response.status_code == 201, response.text
    token_id = response.json()["token_id"]
    assert w.stack.ledger.owner_of(token_id) == w.operator.address


def test_listing_grants_the_distributor_first_then_lists(w: World) -> None:
    token = catalog.mint_edition(w.stack.ledger, w.operator.address, publish(w), w.operator.address)
    response = w.api.post(
        f"/v1/editions/{token}/listing",
        json={"currency": ZERO, "price": str(ETH)},
        headers=w.auth(Scope.SALES_WRITE),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [t["events"][0]["kind"] for t in body["prepared"]] == ["OperatorSet"]
    assert [e["kind"] for e in body["events"]] == ["EditionListed"]
    listing = w.stack.ledger.listing(token)
    assert listing is not None
    assert listing.price == ETH


def test_the_operator_buys_a_listed_edition(w: World) -> None:
    token = catalog.mint_edition(w.stack.ledger, w.operator.address, publish(w), AYLA.address)
    sales.offer_edition(w.stack.ledger, AYLA.address, token, NATIVE, ETH)
    w.stack.ledger.fund(w.operator.address, 2 * ETH)
    response = w.api.post(f"/v1/editions/{token}/purchase", headers=w.auth(Scope.SALES_WRITE))
    assert response.status_code == 200, response.text
    assert response.json()["settlement_id"] >= 1
    assert w.stack.ledger.owner_of(token) == w.operator.address


@pytest.mark.parametrize("tron", [False, True], ids=["evm", "tron"])
def test_the_operator_buying_its_own_listing_is_a_409_problem(tron: bool) -> None:
    with world(tron=tron) as w:
        ledger, operator = w.stack.ledger, w.operator.address
        token = catalog.mint_edition(ledger, operator, publish(w), operator)
        sales.offer_edition(ledger, operator, token, NATIVE, ETH)
        head = ledger.head()
        response = w.api.post(f"/v1/editions/{token}/purchase", headers=w.auth(Scope.SALES_WRITE))
        seller = operator.to_base58() if tron else w.hex(operator)
        assert (response.status_code, response.headers["content-type"]) == (409, PROBLEM)
        assert response.json()["type"] == "/problems/buyer-is-seller"
        assert (
            response.json()["detail"]
            == f"{seller} is the seller of token {token} and may not buy it"
        )
        assert (ledger.head(), ledger.owner_of(token)) == (head, operator)


def test_royalties_paid_in_and_withdrawn(w: World) -> None:
    release_id = catalog.publish_release(
        w.stack.ledger,
        w.operator.address,
        artist=AYLA.address,
        title="t",
        artist_name="a",
        content_hash=Hash32.of(b"operator share"),
        max_editions=5,
        royalty_bps=500,
        split=Split((w.operator.address, AYLA.address), (5_000, 5_000)),
    )
    w.stack.ledger.fund(w.operator.address, ETH)
    paid = w.api.post(
        f"/v1/releases/{release_id}/royalties",
        json={"currency": ZERO, "amount": "1000"},
        headers=w.auth(Scope.SALES_WRITE),
    )
    assert paid.status_code == 200, paid.text
    withdrawn = w.api.post(
        "/v1/payouts/withdrawals", json={"currency": ZERO}, headers=w.auth(Scope.SALES_WRITE)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["amount"] == "500"


def test_nothing_to_withdraw_is_a_409_problem(w: World) -> None:
    response = w.api.post(
        "/v1/payouts/withdrawals", json={"currency": ZERO}, headers=w.auth(Scope.SALES_WRITE)
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/nothing-to-withdraw"


def test_a_claim_is_verified_and_paid_by_the_operator(w: World) -> None:
    auth = w.auth(Scope.REWARDS_WRITE)
    funded = w.api.post(
        "/v1/reward-pools/listening/funding",
        json={"amount": str(1_000 * ETH), "daily_limit": str(100 * ETH)},
        headers=auth,
    )
    assert funded.status_code == 200, funded.text
    assert [t["events"][0]["kind"] for t in funded.json()["prepared"]] == ["PoolConfigured"]
    made = w.api.post(
        "/v1/verifiers", json={"account": w.hex(w.operator.address)}, headers=w.auth(Scope.ADMIN)
    )
    assert made.status_code == 201, made.text
    claim_id = rewards.submit_claim(
        w.stack.ledger, AYLA.address, Pool.LISTENING, 10 * ETH, Hash32.of(b"ayla listened")
    )
    reviewed = w.api.post(f"/v1/claims/{claim_id}/review", json={"approved": True}, headers=auth)
    assert reviewed.status_code == 200, reviewed.text
    paid = w.api.post(f"/v1/claims/{claim_id}/payment", headers=auth)
    assert paid.status_code == 200, paid.text
    assert paid.json()["amount"] == str(10 * ETH)
    assert w.stack.ledger.claim(claim_id).status is ClaimStatus.PAID


def test_reviewing_without_being_a_verifier_is_a_403_problem(w: World) -> None:
    response = w.api.post(
        "/v1/claims/1/review", json={"approved": True}, headers=w.auth(Scope.REWARDS_WRITE)
    )
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/not-verifier"


def test_a_document_version_is_registered_by_the_hash_of_its_text(w: World) -> None:
    response = w.api.post(
        "/v1/documents/terms_of_service/versions",
        json={"version": 1, "text": "Be nice."},
        headers=w.auth(Scope.COMPLIANCE_WRITE),
    )
    assert response.status_code == 201, response.text
    assert response.json()["document_hash"] == Hash32.of(b"Be nice.").to_hex()
    assert w.stack.ledger.document_hash(DocumentType.TERMS_OF_SERVICE, 1) == Hash32.of(b"Be nice.")


def test_processing_a_deletion_erases_and_records_it(w: World) -> None:
    with w.uow:
        w.uow.profiles.save_profile(UserProfile(BO.address, "Bo", email="bo@example.org"))
        w.uow.commit()
    request_id = compliance.request_deletion(w.stack.ledger, BO.address, Regime.GDPR)
    response = w.api.post(
        f"/v1/deletion-requests/{request_id}/processing", headers=w.auth(Scope.COMPLIANCE_WRITE)
    )
    assert response.status_code == 200, response.text
    assert response.json()["user"] == w.hex(BO.address)
    with w.uow:
        assert w.uow.profiles.get_profile(BO.address) is None
    assert w.stack.ledger.deletion_request(request_id).processed_at is not None


# --- keys and scopes --------------------------------------------------------------------------

ENDPOINTS: list[tuple[str, Scope, dict[str, Any] | None]] = [
    ("/v1/releases", Scope.RELEASES_WRITE, None),
    ("/v1/releases/1/editions", Scope.RELEASES_WRITE, {"recipient": ZERO}),
    ("/v1/editions/1000001/listing", Scope.SALES_WRITE, {"currency": ZERO, "price": "1"}),
    ("/v1/editions/1000001/purchase", Scope.SALES_WRITE, None),
    ("/v1/releases/1/royalties", Scope.SALES_WRITE, {"currency": ZERO, "amount": "1"}),
    ("/v1/payouts/withdrawals", Scope.SALES_WRITE, {"currency": ZERO}),
    ("/v1/reward-pools/listening/funding", Scope.REWARDS_WRITE, {"amount": "1"}),
    ("/v1/verifiers", Scope.ADMIN, {"account": ZERO}),
    ("/v1/claims/1/review", Scope.REWARDS_WRITE, {"approved": True}),
    ("/v1/claims/1/payment", Scope.REWARDS_WRITE, None),
    ("/v1/documents/privacy_policy/versions", Scope.COMPLIANCE_WRITE, {"version": 1, "text": "x"}),
    ("/v1/acceptances", Scope.COMPLIANCE_WRITE, None),
    ("/v1/deletion-requests/1/processing", Scope.COMPLIANCE_WRITE, None),
]
PATHS = [path for path, _, _ in ENDPOINTS]


def other_scope(scope: Scope) -> Scope:
    return Scope.RELEASES_WRITE if scope is not Scope.RELEASES_WRITE else Scope.SALES_WRITE


@pytest.mark.parametrize(("path", "scope", "body"), ENDPOINTS, ids=PATHS)
def test_no_key_is_a_401_problem(w: World, path: str, scope: Scope, body: Any) -> None:
    response = w.api.post(path, json=body or {})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"] == "/problems/api-key-missing"


@pytest.mark.parametrize(("path", "scope", "body"), ENDPOINTS, ids=PATHS)
def test_a_key_without_the_scope_is_a_403_problem(
    w: World, path: str, scope: Scope, body: Any
) -> None:
    response = w.api.post(path, json=body or {}, headers=w.auth(other_scope(scope)))
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/scope-missing"
    assert response.json()["scope"] == scope.value


@pytest.mark.parametrize(("path", "scope", "body"), ENDPOINTS, ids=PATHS)
def test_a_revoked_key_is_a_401_problem(w: World, path: str, scope: Scope, body: Any) -> None:
    with w.uow:
        w.uow.api_keys.revoke_key(w.keys[Scope.ADMIN].key_id, START + 1)
        w.uow.commit()
    response = w.api.post(path, json=body or {}, headers=w.auth(Scope.ADMIN))
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/api-key-revoked"


@pytest.mark.parametrize(("path", "scope", "body"), ENDPOINTS, ids=PATHS)
def test_the_right_key_gets_past_the_door(w: World, path: str, scope: Scope, body: Any) -> None:
    """With the scope, what is left is the use case's own answer: never 401, 403 for a key, or
    a 5xx (on an empty ledger, most are refusals of the domain)."""
    response = w.api.post(path, json=body or {}, headers=w.auth(scope))
    assert response.status_code < 500, response.text
    assert response.json().get("type") not in (
        "/problems/api-key-missing",
        "/problems/api-key-invalid",
        "/problems/api-key-revoked",
        "/problems/scope-missing",
    )


@pytest.mark.parametrize(
    "token",
    [
        "not a key",
        "dcmx_0123456789abcdef_" + "A" * 43,  # the shape of a key, but no such key
        "Basic dXNlcjpwYXNz",
    ],
    ids=["malformed", "unknown", "another-scheme"],
)
def test_a_key_this_api_did_not_issue_is_a_401_problem(w: World, token: str) -> None:
    response = w.api.post("/v1/releases", json=release_body(w), headers={"X-API-Key": token})
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/api-key-invalid"
    assert token not in response.text


def test_a_wrong_secret_for_a_known_key_is_a_401_problem(w: World) -> None:
    real = w.tokens[Scope.ADMIN]
    forged = real[:-1] + ("B" if real[-1] != "B" else "C")
    response = w.api.post("/v1/releases", json=release_body(w), headers={"X-API-Key": forged})
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/api-key-invalid"


def test_the_key_may_come_in_x_api_key(w: World) -> None:
    headers = {"X-API-Key": w.tokens[Scope.RELEASES_WRITE]}
    response = w.api.post("/v1/releases", json=release_body(w), headers=headers)
    assert response.status_code == 201, response.text


def test_no_answer_carries_the_key(w: World) -> None:
    token = w.tokens[Scope.ADMIN]
    for body in (release_body(w), release_body(w), {"bad": 1}):
        response = w.api.post("/v1/releases", json=body, headers={"X-API-Key": token})
        assert token not in response.text
        assert token.split("_", 2)[2] not in response.text  # the secret (it may hold "_")


# --- bad input and refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"artist": "0x1234"},
        {"content_hash": "0x12"},
        {"split": []},
        {"royalty_bps": -1},
        {"unexpected": True},
        {"max_editions": "many"},
    ],
    ids=["bad-address", "bad-hash", "empty-split", "negative-royalty", "extra-field", "not-int"],
)
def test_bad_input_is_a_422_problem(w: World, changes: dict[str, Any]) -> None:
    body = release_body(w, **changes)
    response = w.api.post("/v1/releases", json=body, headers=w.auth(Scope.RELEASES_WRITE))
    assert response.status_code == 422
    assert response.json()["type"] in ("/problems/validation-error", "/problems/invalid-address")


def test_an_amount_beyond_uint256_is_a_422_problem(w: World) -> None:
    response = w.api.post(
        "/v1/reward-pools/listening/funding",
        json={"amount": "9" * 78},
        headers=w.auth(Scope.REWARDS_WRITE),
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/out-of-range"


@pytest.mark.parametrize(
    ("changes", "status", "kind"),
    [
        ({"split": [{"recipient": ZERO, "share_bps": 10_000}]}, 422, "invalid-split"),
        ({"royalty_bps": 6_000}, 422, "out-of-range"),
        ({"max_editions": 0}, 422, "out-of-range"),
        ({"split": [{"recipient": "0x" + "11" * 20, "share_bps": 9_000}]}, 422, "invalid-split"),
    ],
    ids=["zero-recipient", "royalty-too-high", "no-editions", "split-short-of-10000"],
)
def test_a_release_the_rules_refuse_is_a_4xx_problem(
    w: World, changes: dict[str, Any], status: int, kind: str
) -> None:
    response = w.api.post(
        "/v1/releases", json=release_body(w, **changes), headers=w.auth(Scope.RELEASES_WRITE)
    )
    assert (response.status_code, response.json()["type"]) == (status, f"/problems/{kind}")


def test_the_same_content_twice_is_a_409_problem(w: World) -> None:
    auth = w.auth(Scope.RELEASES_WRITE)
    assert w.api.post("/v1/releases", json=release_body(w), headers=auth).status_code == 201
    again = w.api.post("/v1/releases", json=release_body(w), headers=auth)
    assert (again.status_code, again.json()["type"]) == (409, "/problems/duplicate-release")


def test_minting_an_unknown_release_is_a_404_problem(w: World) -> None:
    response = w.api.post(
        "/v1/releases/99/editions",
        json={"recipient": w.hex(AYLA.address)},
        headers=w.auth(Scope.RELEASES_WRITE),
    )
    assert (response.status_code, response.json()["type"]) == (404, "/problems/unknown-release")


def test_minting_past_the_last_edition_is_a_409_problem(w: World) -> None:
    auth = w.auth(Scope.RELEASES_WRITE)
    release_id = w.api.post(
        "/v1/releases", json=release_body(w, max_editions=1), headers=auth
    ).json()["release_id"]
    body = {"recipient": w.hex(AYLA.address)}
    assert w.api.post(f"/v1/releases/{release_id}/editions", json=body, headers=auth).is_success
    again = w.api.post(f"/v1/releases/{release_id}/editions", json=body, headers=auth)
    assert (again.status_code, again.json()["type"]) == (409, "/problems/editions-exhausted")


def test_listing_an_edition_the_operator_does_not_own_is_a_403_problem(w: World) -> None:
    token = catalog.mint_edition(w.stack.ledger, w.operator.address, publish(w), AYLA.address)
    response = w.api.post(
        f"/v1/editions/{token}/listing",
        json={"currency": ZERO, "price": "5"},
        headers=w.auth(Scope.SALES_WRITE),
    )
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/not-owner-nor-approved"
