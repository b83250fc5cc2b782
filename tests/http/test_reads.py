"""Every read endpoint over the demo's day, indexed from the in-memory ledger: the API says what
the ledger says, in the API's forms (EIP-55 addresses, decimal-string amounts, 0x hashes), with
the indexed block the answer is consistent with."""

from __future__ import annotations

from typing import Any

from dcmx_core.events import EVENT_TYPES
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import ClaimStatus, DocumentType
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.values import Address
from dcmx_entrypoints.demo.scenario import Holding
from tests.http.client import ApiClient
from tests.http.conftest import CHAIN, CRYPTO, IndexedDay


def checksum(address: Address) -> str:
    return address.to_checksum_hex(CRYPTO.keccak256)


def holding(day: IndexedDay, name: str) -> Holding:
    return next(h for h in day.result.holdings if h.name == name)


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_releases_list_the_published_release(day: IndexedDay, day_api: ApiClient) -> None:
    body = ok(day_api.get("/v1/releases"))
    (release,) = body["items"]
    on_chain = day.ledger.release(1)
    assert release["release_id"] == 1
    assert release["title"] == "Midnight Static"
    assert release["artist"] == checksum(on_chain.artist)
    assert release["minted"] == on_chain.minted == 2
    assert release["royalty_bps"] == 1_000
    assert [s["recipient"] for s in release["split"]] == [
        checksum(a) for a in on_chain.split.recipients
    ]
    assert [s["share_bps"] for s in release["split"]] == [5_000, 3_000, 2_000]
    assert release["content_hash"] == on_chain.content_hash.to_hex()
    assert body["next"] is None


def test_every_answer_carries_the_indexed_block(day: IndexedDay, day_api: ApiClient) -> None:
    assert ok(day_api.get("/v1/releases"))["block"] == day.ledger.head().number


def test_a_release_comes_with_its_editions_and_their_owners(
    day: IndexedDay, day_api: ApiClient
) -> None:
    body = ok(day_api.get("/v1/releases/1"))
    assert body["release"]["release_id"] == 1
    owners = {e["token_id"]: e["owner"] for e in body["editions"]}
    tokens = [token_id_of(1, 1), token_id_of(1, 2)]
    assert owners == {t: checksum(day.ledger.owner_of(t)) for t in tokens}
    assert body["editions_next"] is None
    assert body["block"] == day.ledger.head().number


def test_editions_of_a_release_are_listed_by_token_id(day_api: ApiClient) -> None:
    body = ok(day_api.get("/v1/releases/1/editions"))
    assert [e["edition"] for e in body["items"]] == [1, 2]


def test_editions_an_account_owns(day: IndexedDay, day_api: ApiClient) -> None:
    eli = holding(day, "Eli")
    body = ok(day_api.get(f"/v1/accounts/{eli.address.to_hex()}/editions"))
    assert [e["token_id"] for e in body["items"]] == [token_id_of(1, 1), token_id_of(1, 2)]
    assert {e["owner"] for e in body["items"]} == {checksum(eli.address)}
    assert len(body["items"]) == eli.editions


def test_a_token_balance_is_a_decimal_string(day: IndexedDay, day_api: ApiClient) -> None:
    dee = holding(day, "Dee")
    body = ok(day_api.get(f"/v1/accounts/{dee.address.to_hex()}/balance"))
    assert body == {
        "account": checksum(dee.address),
        "amount": str(dee.dcmx),
        "block": day.ledger.head().number,
    }
    assert body["amount"] == "60000000000000000000"


def test_an_account_without_tokens_has_a_zero_balance(day_api: ApiClient) -> None:
    body = ok(day_api.get(f"/v1/accounts/{'0x' + '12' * 20}/balance"))
    assert body["amount"] == "0"


def test_a_tron_address_reads_the_same_account(day: IndexedDay, day_api: ApiClient) -> None:
    dee = holding(day, "Dee")
    body = ok(day_api.get(f"/v1/accounts/{dee.address.to_base58()}/balance"))
    assert body["account"] == checksum(dee.address)
    assert body["amount"] == str(dee.dcmx)


def test_holders_are_the_largest_balances(day: IndexedDay, day_api: ApiClient) -> None:
    body = ok(day_api.get("/v1/token/holders"))
    holders = [(h.name, h.dcmx) for h in day.result.holdings if h.dcmx]
    assert body["items"] == [
        {"account": checksum(holding(day, name).address), "amount": str(amount)}
        for name, amount in sorted(holders, key=lambda item: -item[1])
    ]
    assert body["next"] is None


def test_sales_of_a_release(day: IndexedDay, day_api: ApiClient) -> None:
    body = ok(day_api.get("/v1/releases/1/sales"))
    sales = body["items"]
    assert [s["primary"] for s in sales] == [True, True, False]
    assert [s["price"] for s in sales] == [str(10**18), str(500 * 10**6), str(2 * 10**18)]
    assert sales[1]["currency"] == checksum(day.result.usdt or NATIVE)
    assert sales[0]["buyer"] == checksum(holding(day, "Dee").address)


def test_payouts_of_a_recipient_per_currency(day: IndexedDay, day_api: ApiClient) -> None:
    ayla = holding(day, "Ayla")
    body = ok(day_api.get(f"/v1/accounts/{ayla.address.to_hex()}/payouts"))
    assert {p["currency"] for p in body["items"]} == {
        checksum(NATIVE),
        checksum(day.result.usdt or NATIVE),
    }
    for payout in body["items"]:
        assert int(payout["credited"]) - int(payout["withdrawn"]) == int(payout["pending"]) == 0
        assert int(payout["credited"]) > 0


def test_claims_of_a_user(day: IndexedDay, day_api: ApiClient) -> None:
    dee, eli = holding(day, "Dee"), holding(day, "Eli")
    (paid,) = ok(day_api.get(f"/v1/accounts/{dee.address.to_hex()}/claims"))["items"]
    (rejected,) = ok(day_api.get(f"/v1/accounts/{eli.address.to_hex()}/claims"))["items"]
    assert (paid["status"], paid["amount"], paid["pool"]) == ("paid", str(60 * 10**18), "listening")
    assert rejected["status"] == ClaimStatus.REJECTED.name.lower()
    assert paid["proof_hash"].startswith("0x")
    assert len(paid["proof_hash"]) == 66


def test_document_versions_of_a_type(day: IndexedDay, day_api: ApiClient) -> None:
    (terms,) = ok(day_api.get("/v1/documents/terms_of_service"))["items"]
    assert terms["version"] == 1
    expected = day.ledger.document_hash(DocumentType.TERMS_OF_SERVICE, 1)
    assert expected is not None
    assert terms["document_hash"] == expected.to_hex()
    assert ok(day_api.get("/v1/documents/cookie_policy"))["items"] == []


def test_acceptances_of_a_user(day: IndexedDay, day_api: ApiClient) -> None:
    dee = holding(day, "Dee")
    (accepted,) = ok(day_api.get(f"/v1/accounts/{dee.address.to_hex()}/acceptances"))["items"]
    assert (accepted["doc_type"], accepted["version"]) == ("terms_of_service", 1)
    assert accepted["accepted_at"] == day.ledger.accepted_at(
        dee.address, DocumentType.TERMS_OF_SERVICE, 1
    )


def test_no_deletion_request_is_left_open(day_api: ApiClient) -> None:
    assert ok(day_api.get("/v1/deletion-requests/open"))["items"] == []


def test_raw_events_are_in_chain_order_with_their_fields(
    day: IndexedDay, day_api: ApiClient
) -> None:
    body = ok(day_api.get("/v1/events", limit=5))
    first = day.ledger.events(0, day.ledger.head().number)[:5]
    assert [e["kind"] for e in body["items"]] == [type(e).__name__ for e in first]
    assert all(e["chain"] == CHAIN for e in body["items"])
    positions = [(e["block_number"], e["log_index"]) for e in body["items"]]
    assert positions == sorted(positions)
    assert body["next"] is not None


def test_raw_events_filtered_by_kind(day: IndexedDay, day_api: ApiClient) -> None:
    body = ok(day_api.get("/v1/events", kind="ClaimPaid"))
    (paid,) = body["items"]
    assert paid["kind"] == "ClaimPaid"
    assert paid["data"] == {
        "claim_id": "1",
        "user": checksum(holding(day, "Dee").address),
        "amount": str(60 * 10**18),
    }
    assert paid["tx_id"].startswith("0x")
    assert paid["block_hash"].startswith("0x")


def test_every_event_kind_can_be_asked_for(day_api: ApiClient) -> None:
    for kind in EVENT_TYPES:
        assert day_api.get("/v1/events", kind=kind.__name__, limit=1).status_code == 200


def test_nothing_is_quarantined_after_a_clean_day(day_api: ApiClient) -> None:
    assert ok(day_api.get("/v1/quarantine"))["items"] == []


def test_platform_stats_count_the_day(day: IndexedDay, day_api: ApiClient) -> None:
    body = ok(day_api.get("/v1/stats"))
    assert body["releases"] == 1
    assert body["sales"] == 3
    assert body["primary_sales"] == 2
    assert body["claims"] == day.ledger.claim_count()
    assert body["token_supply"] == str(day.ledger.total_supply())
    volume = {v["currency"]: int(v["amount"]) for v in body["sales_volume"]}
    assert volume == {
        checksum(NATIVE): 10**18 + 2 * 10**18,
        checksum(day.result.usdt or NATIVE): 500 * 10**6,
    }
    assert body["block"] == day.ledger.head().number
