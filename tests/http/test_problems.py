"""Errors are RFC 9457 problem documents with a stable type a kind; bad input is never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core import exceptions
from dcmx_core.model.access import Scope
from dcmx_core.ports import DevLedger, UnitOfWork
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.problems import domain_problem, kebab
from tests.factories import ALICE
from tests.http.client import ApiClient, api_client
from tests.http.conftest import CHAIN, CRYPTO
from tests.http.writes import world

PROBLEM = "application/problem+json"

BAD_ADDRESSES = {
    "too-short": "0x1234",
    "not-hex": "0x" + "zz" * 20,
    "no-prefix-not-base58": "I" * 34,
    "bad-checksum": ALICE.to_checksum_hex(CRYPTO.keccak256).swapcase(),
    "bad-base58-checksum": ALICE.to_base58()[:-1] + ("1" if ALICE.to_base58()[-1] != "1" else "2"),
    "too-long": "0x" + "ab" * 40,
}


@pytest.mark.parametrize("text", list(BAD_ADDRESSES.values()), ids=list(BAD_ADDRESSES))
@pytest.mark.parametrize("endpoint", ["balance", "editions", "payouts", "claims", "acceptances"])
def test_a_bad_address_is_a_422_problem(small_api: ApiClient, text: str, endpoint: str) -> None:
    response = small_api.get(f"/v1/accounts/{text}/{endpoint}")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] in ("/problems/invalid-address", "/problems/validation-error")
    assert body["status"] == 422
    assert body["instance"] == f"/v1/accounts/{text}/{endpoint}"


def test_a_malformed_address_says_why(small_api: ApiClient) -> None:
    body = small_api.get("/v1/accounts/0x1234/balance").json()
    assert body["type"] == "/problems/invalid-address"
    assert body["title"] == "Invalid address"
    assert "40 digits" in body["detail"]


def test_an_unknown_release_is_a_404_problem(small_api: ApiClient) -> None:
    response = small_api.get("/v1/releases/7")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "/problems/unknown-release",
        "title": "Unknown release",
        "status": 404,
        "detail": "no release 7",
        "instance": "/v1/releases/7",
    }


def test_an_unknown_route_is_a_404_problem(small_api: ApiClient) -> None:
    response = small_api.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


@pytest.mark.parametrize("release_id", ["0", "-3", "abc", str(2**63), "1e3"])
def test_a_release_number_out_of_range_is_a_422_problem(
    small_api: ApiClient, release_id: str
) -> None:
    response = small_api.get(f"/v1/releases/{release_id}")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-error"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/documents/terms", {}),
        ("/v1/documents/TERMS_OF_SERVICE", {}),
        ("/v1/events", {"kind": "NoSuchEvent"}),
        ("/v1/events", {"kind": ""}),
    ],
)
def test_an_unknown_document_type_or_event_kind_is_a_422_problem(
    small_api: ApiClient, path: str, params: dict[str, str]
) -> None:
    response = small_api.get(path, **params)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-error"


def test_each_problem_type_is_described_where_it_points(small_api: ApiClient) -> None:
    for kind in ("unknown-release", "invalid-address", "invalid-cursor", "not-ready"):
        body = small_api.get(f"/problems/{kind}").json()
        assert body["type"] == f"/problems/{kind}"
    assert small_api.get("/problems/no-such-kind").status_code == 404


def test_domain_errors_map_by_class_name_and_branch() -> None:
    assert kebab("DeletionAlreadyProcessed") == "deletion-already-processed"
    assert domain_problem(exceptions.UnknownClaim).status == 404
    assert domain_problem(exceptions.InvalidSplit).status == 422
    assert domain_problem(exceptions.NotAdmin).status == 403
    assert domain_problem(exceptions.DailyLimitExceeded).status == 409
    assert domain_problem(exceptions.BuyerIsSeller).status == 409
    assert domain_problem(exceptions.ReorgTooDeep).type == "/problems/reorg-too-deep"
    assert domain_problem(exceptions.TransactionReverted).status == 500


class BrokenReadModels:
    """Read models whose database is gone."""

    def __call__(self) -> UnitOfWork:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))


def test_a_database_failure_is_a_503_problem_without_its_details(
    fresh_ledger: DevLedger,
) -> None:
    app = create_app(
        unit_of_work=BrokenReadModels(), chain=CHAIN, ledger=fresh_ledger, keccak=CRYPTO.keccak256
    )
    with api_client(app) as api:
        response = api.get("/v1/releases")
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/database-unavailable"
    assert "server closed" not in response.text


def test_an_unexpected_failure_is_a_500_problem(fresh_ledger: DevLedger) -> None:
    def failing() -> UnitOfWork:
        raise RuntimeError("a bug")

    app = create_app(
        unit_of_work=failing, chain=CHAIN, ledger=fresh_ledger, keccak=CRYPTO.keccak256
    )
    with api_client(app, raise_app_exceptions=False) as api:
        response = api.get("/v1/releases")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/internal-error"
    assert "a bug" not in response.text


def test_tron_chains_render_addresses_in_base58(fresh_ledger: DevLedger) -> None:
    app = create_app(
        unit_of_work=MemoryUnitOfWork,
        chain=CHAIN,
        ledger=fresh_ledger,
        keccak=CRYPTO.keccak256,
        tron_addresses=True,
    )
    with api_client(app) as api:
        body = api.get(f"/v1/accounts/{ALICE.to_hex()}/balance").json()
    assert body["account"] == ALICE.to_base58()


@pytest.mark.parametrize("given", ["1.0", "+1", "01.5", "1e0", "true"])
def test_a_path_id_is_read_strictly(given: str) -> None:
    with world() as w:
        answer = w.api.get(f"/v1/releases/{given}")
        assert (answer.status_code, answer.json()["type"]) == (422, "/problems/validation-error")


@pytest.mark.parametrize("given", [1.0, "1", True])
def test_a_body_integer_is_read_strictly(given: object) -> None:
    with world() as w:
        answer = w.api.post(
            "/v1/documents/terms_of_service/versions",
            json={"version": given, "text": "terms"},
            headers=w.auth(Scope.COMPLIANCE_WRITE),
        )
        assert (answer.status_code, answer.json()["type"]) == (422, "/problems/validation-error")


def test_a_problem_is_described_by_its_refusal_s_whole_first_paragraph() -> None:
    described = domain_problem(exceptions.WriterLeaseLost).description
    assert described.startswith("This indexer no longer holds its chain's writer lease")
    assert described.endswith("and it stops writing.")
    assert "\n" not in described
    assert "  " not in described
