"""A user's transactions through the API, signed in the user's own wallet: prepared unsigned,
signed outside the server with eth-account from the user's key, relayed; the server holds no
key of the user's. And a server that holds no operator key: reads work, the operator's writes
answer 503."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from fastapi import FastAPI

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.ledger import EvmLedger, local_evm_ledger
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.model.access import Scope, issue_key
from dcmx_core.model.enums import Pool
from dcmx_core.model.royalties import Split
from dcmx_core.ports import Ledger
from dcmx_core.services import catalog, rewards
from dcmx_entrypoints.demo.stacks import memory_stack
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.signed_requests import canonical_message
from dcmx_entrypoints.http.writing import Operator
from tests.factories import ADMIN, address, digest, key, signers
from tests.http.client import ApiClient, api_client
from tests.http.writes import personal_sign

START = 1_767_225_600
CRYPTO = EthCrypto()
BUYER, SELLER = 6, 5
ETH = 10**18


def hex_of(number: int) -> str:
    return address(number).to_checksum_hex(CRYPTO.keccak256)


def app_over(ledger: Ledger, operator: Any = ADMIN) -> tuple[FastAPI, str]:
    """The API over ``ledger`` with ``operator`` behind its writes, and an admin key's token."""
    uow = MemoryUnitOfWork()
    issued = issue_key("desk", frozenset({Scope.ADMIN}), START)
    with uow:
        uow.api_keys.add_key(issued.key)
        uow.commit()
    app = create_app(
        unit_of_work=lambda: uow,
        chain="evm:test",
        ledger=ledger,
        keccak=CRYPTO.keccak256,
        operator=Operator(ledger=ledger, address=operator, crypto=CRYPTO, clock=ManualClock(START)),
    )
    return app, issued.token


def api_over(ledger: Ledger, operator: Any = ADMIN) -> Iterator[tuple[ApiClient, str]]:
    app, token = app_over(ledger, operator)
    with api_client(app) as api:
        yield api, token


@pytest.fixture
def chain() -> EvmLedger:
    ledger = local_evm_ledger(ADMIN, ManualClock(START), signers=signers(0))
    for user in (SELLER, BUYER):
        ledger.fund(address(user), 10 * ETH)
    return ledger


@pytest.fixture
def api(chain: EvmLedger) -> Iterator[ApiClient]:
    for client, _token in api_over(chain):
        yield client


def signed_by(number: int, transactions: list[dict[str, Any]]) -> list[str]:
    return [
        "0x" + bytes(Account.sign_transaction(tx, key(number)).raw_transaction).hex()
        for tx in transactions
    ]


def an_edition(chain: EvmLedger) -> int:
    release = catalog.publish_release(
        chain,
        ADMIN,
        artist=address(SELLER),
        title="Wallets",
        artist_name="Signed",
        content_hash=digest("wallets"),
        max_editions=5,
        royalty_bps=500,
        split=Split((address(SELLER),), (10_000,)),
    )
    return catalog.mint_edition(chain, ADMIN, release, address(SELLER))


def test_a_listing_and_a_purchase_are_prepared_signed_in_the_wallet_and_relayed(
    chain: EvmLedger, api: ApiClient
) -> None:
    token = an_edition(chain)
    answer = api.post(
        "/v1/transactions/prepare/listings",
        json={
            "user": hex_of(SELLER),
            "token_id": token,
            "currency": "0x" + "00" * 20,
            "price": "1000",
        },
    )
    assert answer.status_code == 200, answer.text
    prepared = answer.json()
    assert (prepared["chain"], prepared["user"]) == ("evm:test", hex_of(SELLER))
    for raw in signed_by(SELLER, prepared["transactions"]):
        assert api.post("/v1/transactions", json={"signed": raw}).status_code == 201

    purchase = api.post(
        "/v1/transactions/prepare/purchases", json={"user": hex_of(BUYER), "token_id": token}
    ).json()["transactions"]
    [raw] = signed_by(BUYER, purchase)
    relayed = api.post("/v1/transactions", json={"signed": raw})
    assert relayed.status_code == 201, relayed.text
    kinds = [event["kind"] for event in relayed.json()["events"]]
    assert "EditionSold" in kinds
    assert chain.owner_of(token) == address(BUYER)


def test_a_claim_is_prepared_and_relayed(chain: EvmLedger, api: ApiClient) -> None:
    rewards.fund_pool(chain, ADMIN, Pool.LISTENING, 1_000 * ETH, daily_limit=100 * ETH)
    prepared = api.post(
        "/v1/transactions/prepare/claims",
        json={
            "user": hex_of(BUYER),
            "pool": "listening",
            "amount": str(5 * ETH),
            "proof_hash": digest("listened").to_hex(),
        },
    ).json()["transactions"]
    [raw] = signed_by(BUYER, prepared)
    relayed = api.post("/v1/transactions", json={"signed": raw}).json()
    assert [event["kind"] for event in relayed["events"]] == ["ClaimSubmitted"]


def test_a_refusal_of_the_rules_is_the_rules_problem(chain: EvmLedger, api: ApiClient) -> None:
    token = an_edition(chain)
    answer = api.post(
        "/v1/transactions/prepare/purchases", json={"user": hex_of(BUYER), "token_id": token}
    )
    assert (answer.status_code, answer.json()["type"]) == (404, "/problems/not-listed")


def test_a_transaction_to_another_contract_is_refused(api: ApiClient) -> None:
    elsewhere = {
        "chainId": 1337,
        "to": hex_of(9),
        "value": 1,
        "gas": 21_000,
        "gasPrice": 1,
        "nonce": 0,
    }
    [raw] = signed_by(BUYER, [elsewhere])
    answer = api.post("/v1/transactions", json={"signed": raw})
    assert (answer.status_code, answer.json()["type"]) == (422, "/problems/transaction-refused")


def test_no_signed_transaction_is_refused(api: ApiClient) -> None:
    answer = api.post("/v1/transactions", json={"signed": "0x1234"})
    assert (answer.status_code, answer.json()["type"]) == (422, "/problems/transaction-refused")


def test_a_chain_that_signs_for_its_own_accounts_prepares_nothing() -> None:
    stack = memory_stack(start=START)
    for client, _token in api_over(stack.ledger, stack.operator.address):
        answer = client.post(
            "/v1/transactions/prepare/withdrawals",
            json={"user": hex_of(BUYER), "currency": "0x" + "00" * 20},
        )
        assert (answer.status_code, answer.json()["type"]) == (501, "/problems/wallets-unsupported")


def test_without_an_operator_key_operator_writes_answer_503_and_reads_work(
    chain: EvmLedger,
) -> None:
    for client, token in api_over(chain, operator=None):
        written = client.post(
            "/v1/verifiers",
            json={"account": hex_of(BUYER)},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (written.status_code, written.json()["type"]) == (
            503,
            "/problems/operator-key-missing",
        )
        assert "DCMX_KEYSTORE" in written.json()["detail"]
        ready = client.get("/readyz").json()
        assert ready["writes"].startswith("off: no operator key")
        assert client.get("/v1/releases").status_code == 200


def test_a_request_signed_for_the_server_to_send_points_to_the_prepare_route(
    chain: EvmLedger, api: ApiClient
) -> None:
    rewards.fund_pool(chain, ADMIN, Pool.LISTENING, 1_000 * ETH, daily_limit=100 * ETH)
    fields = [("pool", "listening"), ("amount", "5"), ("proof_hash", "0x" + "ab" * 32)]
    message = canonical_message(
        "submit-claim", "evm:test", hex_of(BUYER), fields, "n0nce123", START + 60
    )
    body = {
        "user": hex_of(BUYER),
        "pool": "listening",
        "amount": "5",
        "proof_hash": "0x" + "ab" * 32,
        "nonce": "n0nce123",
        "expires": START + 60,
        "signature": personal_sign(key(BUYER), message),
    }
    answer = api.post("/v1/signed/claims", json=body)
    assert (answer.status_code, answer.json()["type"]) == (501, "/problems/sender-unsupported")
    assert answer.json()["prepare"] == "/v1/transactions/prepare/claims"


@pytest.mark.parametrize("currency", ["no contract", "not a token"])
def test_royalties_in_what_is_no_token_are_refused_as_a_problem_not_a_500(
    chain: EvmLedger, currency: str
) -> None:
    an_edition(chain)
    address = hex_of(9) if currency == "no contract" else chain.deployment.music_nft
    shown = address if isinstance(address, str) else address.to_checksum_hex(CRYPTO.keccak256)
    for client, token in api_over(chain):
        answer = client.post(
            "/v1/releases/1/royalties",
            json={"currency": shown, "amount": "1000"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (answer.status_code, answer.json()["type"]) == (
            422,
            "/problems/unsupported-currency",
        )
        assert client.get("/healthz").status_code == 200  # the connection was kept


@pytest.mark.parametrize("currency", ["native", "token"])
def test_royalties_for_an_unknown_release_are_a_404_problem_not_a_500(
    chain: EvmLedger, currency: str
) -> None:
    an_edition(chain)
    token = chain.deployment.token.to_checksum_hex(CRYPTO.keccak256)
    shown = "0x" + "00" * 20 if currency == "native" else token
    for client, api_key in api_over(chain):
        answer = client.post(
            "/v1/releases/999/royalties",
            json={"currency": shown, "amount": "1000"},
            headers={"Authorization": f"Bearer {api_key}"},
        )
        assert (answer.status_code, answer.json()["type"]) == (404, "/problems/unknown-release")
        assert client.get("/healthz").status_code == 200
