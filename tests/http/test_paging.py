"""Keyset paging through the API (pages of at most 3 here): an empty list, exactly one page,
walking every page once, a cursor past the end, and the cursors and limits that are refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.model.enums import DocumentType
from dcmx_core.read_models import Checkpoint, PayoutRecord, QuarantinedLog
from tests.contract.records import (
    acceptance,
    claim,
    deletion,
    document,
    edition,
    release,
    sale,
    stored,
)
from tests.factories import ALICE, address, digest
from tests.http.client import ApiClient
from tests.http.conftest import CHAIN, ReadModelsInUse

ALICE_TEXT = ALICE.to_hex()
CURRENCIES = sorted(address(500 + n) for n in range(1, 10))
"""Payout currencies in the order payouts are listed (by their bytes)."""


def fill(uow: MemoryUnitOfWork, count: int) -> None:
    """``count`` records of every kind, all of them Alice's or release 1's."""
    with uow:
        for n in range(1, count + 1):
            uow.releases.save_release(release(n))
            uow.releases.save_edition(edition(1_000_000 + n))
            uow.sales.add_sale(sale(n))
            uow.sales.save_payout(PayoutRecord(ALICE, CURRENCIES[n - 1], n, 0))
            uow.claims.save_claim(claim(n))
            uow.compliance.save_document(document(DocumentType.TERMS_OF_SERVICE, n))
            uow.compliance.add_acceptance(acceptance(100 + n, version=n))
            uow.compliance.save_deletion(deletion(n, address(n)))
            uow.quarantine.quarantine(
                QuarantinedLog(CHAIN, n, digest(f"tx {n}"), 0, "unknown topic", b"\x01")
            )
        uow.events.add(CHAIN, [stored(n, chain=CHAIN) for n in range(1, count + 1)])
        uow.checkpoints.set_checkpoint(Checkpoint(CHAIN, 40, digest("block 40")))
        if count:
            uow.releases.save_release(release(1))  # the release the editions and sales are of
        uow.commit()


LISTS = {
    "releases": ("/v1/releases", "release_id"),
    "release editions": ("/v1/releases/1/editions", "token_id"),
    "owned editions": (f"/v1/accounts/{ALICE_TEXT}/editions", "token_id"),
    "sales": ("/v1/releases/1/sales", "settlement_id"),
    "payouts": (f"/v1/accounts/{ALICE_TEXT}/payouts", "currency"),
    "claims": (f"/v1/accounts/{ALICE_TEXT}/claims", "claim_id"),
    "documents": ("/v1/documents/terms_of_service", "version"),
    "acceptances": (f"/v1/accounts/{ALICE_TEXT}/acceptances", "accepted_at"),
    "open deletions": ("/v1/deletion-requests/open", "request_id"),
    "events": ("/v1/events", "block_number"),
    "quarantine": ("/v1/quarantine", "block_number"),
}
PAGED = pytest.mark.parametrize(("path", "key"), list(LISTS.values()), ids=list(LISTS))


def walk(api: ApiClient, path: str, **params: Any) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        response = api.get(path, **params, **({"after": after} if after else {}))
        assert response.status_code == 200, response.text
        pages.append(response.json())
        after = pages[-1]["next"]
        if after is None:
            return pages


@pytest.mark.parametrize(
    "path", [path for path, _ in LISTS.values() if not path.startswith("/v1/releases/1")]
)
def test_an_empty_list_is_one_empty_page(small_api: ApiClient, path: str) -> None:
    body = small_api.get(path).json()
    assert body == {"items": [], "next": None, "block": None}


@pytest.mark.parametrize(
    "path", ["/v1/releases/1", "/v1/releases/1/editions", "/v1/releases/1/sales"]
)
def test_the_lists_of_an_unknown_release_are_not_found(small_api: ApiClient, path: str) -> None:
    response = small_api.get(path)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/unknown-release"


@PAGED
def test_exactly_one_page_has_no_next(
    read_models: MemoryUnitOfWork, small_api: ApiClient, path: str, key: str
) -> None:
    fill(read_models, 3)
    body = small_api.get(path).json()
    assert len(body["items"]) == 3
    assert body["next"] is None
    assert body["block"] == 40


@PAGED
def test_paging_visits_every_record_once_in_order(
    read_models: MemoryUnitOfWork, small_api: ApiClient, path: str, key: str
) -> None:
    fill(read_models, 8)
    pages = walk(small_api, path)
    assert [len(page["items"]) for page in pages] == [3, 3, 2]
    keys = [item[key] for page in pages for item in page["items"]]
    assert len(set(keys)) == 8
    ordered = sorted(keys, key=lambda k: k.lower() if isinstance(k, str) else k)
    assert keys == ordered


@PAGED
def test_a_smaller_limit_makes_smaller_pages(
    read_models: MemoryUnitOfWork, small_api: ApiClient, path: str, key: str
) -> None:
    fill(read_models, 5)
    pages = walk(small_api, path, limit=2)
    assert [len(page["items"]) for page in pages] == [2, 2, 1]


@PAGED
def test_a_cursor_past_the_last_record_gives_an_empty_page(
    in_use: ReadModelsInUse, small_api: ApiClient, path: str, key: str
) -> None:
    """A cursor can outlive the records after it (a reorganization removes them)."""
    in_use.current = MemoryUnitOfWork()
    fill(in_use.current, 4)
    after_third = small_api.get(path).json()["next"]
    in_use.current = MemoryUnitOfWork()
    fill(in_use.current, 3)
    body = small_api.get(path, after=after_third).json()
    assert body == {"items": [], "next": None, "block": 40}


@PAGED
def test_a_limit_above_the_maximum_is_refused(small_api: ApiClient, path: str, key: str) -> None:
    response = small_api.get(path, limit=4)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/validation-error"
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


@PAGED
def test_a_limit_that_is_no_positive_integer_is_refused(
    small_api: ApiClient, path: str, key: str
) -> None:
    for limit in ("0", "-1", "many", "1.5"):
        response = small_api.get(path, limit=limit)
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/validation-error"


def cursor_of(*items: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(items)).encode()).decode().rstrip("=")


BAD_CURSORS = [
    "not a cursor",
    "%%%",
    cursor_of("nothing-we-list", 1),
    cursor_of(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "A" * 600,
]


@PAGED
def test_a_bad_cursor_is_refused(
    read_models: MemoryUnitOfWork, small_api: ApiClient, path: str, key: str
) -> None:
    fill(read_models, 1)
    for cursor in BAD_CURSORS:
        response = small_api.get(path, after=cursor)
        assert response.status_code == 422, cursor
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/invalid-cursor"


def test_a_cursor_of_one_list_is_refused_by_another(
    read_models: MemoryUnitOfWork, small_api: ApiClient
) -> None:
    fill(read_models, 5)
    claims_cursor = small_api.get(f"/v1/accounts/{ALICE_TEXT}/claims").json()["next"]
    response = small_api.get("/v1/releases", after=claims_cursor)
    assert response.json()["type"] == "/problems/invalid-cursor"


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/v1/releases", ["releases", -1]),
        ("/v1/releases", ["releases", 2**63]),
        ("/v1/releases", ["releases", True]),
        ("/v1/releases", ["releases", "1"]),
        ("/v1/releases", ["releases", 1, 2]),
        (f"/v1/accounts/{ALICE_TEXT}/payouts", ["payouts", "0x12"]),
        (f"/v1/accounts/{ALICE_TEXT}/acceptances", ["acceptances", 1, 99, 1]),
        ("/v1/quarantine", ["quarantine", 1, 0, "0xnothex"]),
        ("/v1/events", ["events", 1]),
    ],
)
def test_a_tampered_cursor_is_refused(small_api: ApiClient, path: str, key: list[object]) -> None:
    response = small_api.get(path, after=cursor_of(*key))
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-cursor"


def test_a_cursor_past_the_end_gives_an_empty_page(
    read_models: MemoryUnitOfWork, small_api: ApiClient
) -> None:
    fill(read_models, 2)
    body = small_api.get("/v1/releases", after=cursor_of("releases", 999)).json()
    assert body == {"items": [], "next": None, "block": 40}


def test_release_details_show_a_first_page_of_editions(
    read_models: MemoryUnitOfWork, small_api: ApiClient
) -> None:
    fill(read_models, 5)
    body = small_api.get("/v1/releases/1").json()
    assert [e["token_id"] for e in body["editions"]] == [1_000_001, 1_000_002, 1_000_003]
    rest = small_api.get("/v1/releases/1/editions", after=body["editions_next"]).json()
    assert [e["token_id"] for e in rest["items"]] == [1_000_004, 1_000_005]


def test_holders_are_one_page_of_at_most_the_limit(
    read_models: MemoryUnitOfWork, small_api: ApiClient
) -> None:
    with read_models:
        for n in range(1, 6):
            read_models.balances.set_balance(address(n), n * 10**18)
        read_models.commit()
    body = small_api.get("/v1/token/holders", limit=2).json()
    assert [h["amount"] for h in body["items"]] == [str(5 * 10**18), str(4 * 10**18)]
    assert body["next"] is None
    assert small_api.get("/v1/token/holders", limit=4).status_code == 422
