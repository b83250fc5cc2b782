"""A user's transactions, prepared by the ledger for the user's own wallet, signed outside it
(eth-account on EVM; over the txID, as TronLink signs, on TRON) and relayed: the ledger never
holds the user's key. Each ledger that talks to a node prepares and relays alike."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]
from web3 import Web3

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.evm.ledger import EvmLedger, local_evm_ledger
from dcmx_adapters.evm.wallet import RelayRefused
from dcmx_core import commands as c
from dcmx_core.events import EditionListed, EditionSold, OperatorSet
from dcmx_core.exceptions import NotListed, NotOwnerNorApproved
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.royalties import Split
from dcmx_core.services import catalog, sales
from dcmx_devnode.local import local_tron_ledger
from tests.factories import ADMIN, address, digest, key, signers

START = 1_767_225_600
PRICE = 10**15
SELLER, BUYER = address(5), address(6)  # keys the ledgers never hold


def sign_evm(prepared: dict[str, Any], number: int) -> str:
    return "0x" + bytes(Account.sign_transaction(prepared, key(number)).raw_transaction).hex()


def sign_tron(prepared: dict[str, Any], number: int) -> dict[str, Any]:
    signature = PrivateKey(key(number)).sign_msg_hash(bytes.fromhex(prepared["txID"]))
    return prepared | {"signature": [signature.hex()]}


def evm() -> EvmLedger:
    return local_evm_ledger(ADMIN, ManualClock(START), signers=signers(0))


def tron() -> EvmLedger:
    return local_tron_ledger(ADMIN, ManualClock(START), signers=signers(0))


LEDGERS = [pytest.param(evm, sign_evm, id="evm"), pytest.param(tron, sign_tron, id="tron")]


def with_an_edition(make: Any) -> tuple[EvmLedger, int]:
    ledger = make()
    for user in (SELLER, BUYER):
        ledger.fund(user, 10**20)
    release = catalog.publish_release(
        ledger,
        ADMIN,
        artist=SELLER,
        title="Wallets",
        artist_name="Signed",
        content_hash=digest("wallets"),
        max_editions=5,
        royalty_bps=500,
        split=Split((SELLER,), (10_000,)),
    )
    return ledger, catalog.mint_edition(ledger, ADMIN, release, SELLER)


@pytest.mark.parametrize(("make", "sign"), LEDGERS)
def test_a_listing_and_a_purchase_are_prepared_signed_in_wallets_and_relayed(
    make: Any, sign: Any
) -> None:
    ledger, token = with_an_edition(make)
    listing = ledger.prepare(SELLER, sales.listing(ledger, SELLER, token, NATIVE, PRICE))
    assert len(listing) == 2  # the distributor's grant first, then the listing
    receipts = [ledger.relay(sign(tx, 5)) for tx in listing]
    assert [type(e) for r in receipts for e in r.events] == [OperatorSet, EditionListed]

    [purchase] = ledger.prepare(BUYER, sales.purchase(ledger, BUYER, token))
    [sold] = [e for e in ledger.relay(sign(purchase, 6)).events if isinstance(e, EditionSold)]
    assert (sold.buyer, sold.price, ledger.owner_of(token)) == (BUYER, PRICE, BUYER)


def test_an_evm_transaction_is_prepared_as_wallets_take_it() -> None:
    ledger, _ = with_an_edition(evm)
    [tx] = ledger.prepare(SELLER, [c.SetOperator(ledger.deployment.royalties, True)])
    assert set(tx) >= {"chainId", "to", "data", "value", "gas", "nonce", "from"}
    assert all(str(tx[k]).startswith("0x") for k in ("chainId", "value", "gas", "nonce"))
    assert int(tx["chainId"], 16) == ledger.chain.chain_id


def test_a_tron_transaction_is_prepared_as_triggersmartcontract_builds_it() -> None:
    ledger, _ = with_an_edition(tron)
    [tx] = ledger.prepare(SELLER, [c.SetOperator(ledger.deployment.royalties, True)])
    assert {"raw_data", "raw_data_hex", "txID"} <= set(tx)
    assert tx["raw_data"]["contract"][0]["type"] == "TriggerSmartContract"
    assert tx["raw_data"]["fee_limit"] > 0


@pytest.mark.parametrize(("make", "sign"), LEDGERS)
def test_what_the_rules_refuse_is_refused_when_prepared(make: Any, sign: Any) -> None:
    ledger, token = with_an_edition(make)
    with pytest.raises(NotListed):
        sales.purchase(ledger, BUYER, token)
    with pytest.raises(NotOwnerNorApproved):
        ledger.prepare(BUYER, [c.ListEdition(token, NATIVE, PRICE)])


@pytest.mark.parametrize(("make", "sign"), LEDGERS)
def test_a_signed_transaction_refused_by_the_rules_names_the_rule(make: Any, sign: Any) -> None:
    ledger, token = with_an_edition(make)
    for tx in ledger.prepare(SELLER, sales.listing(ledger, SELLER, token, NATIVE, PRICE)):
        ledger.relay(sign(tx, 5))
    [purchase] = ledger.prepare(BUYER, sales.purchase(ledger, BUYER, token))
    ledger.execute(ADMIN, c.BuyEdition(token, NATIVE, PRICE, value=PRICE))  # bought first
    with pytest.raises(NotListed):
        ledger.relay(sign(purchase, 6))


def test_a_transaction_to_no_contract_of_the_platform_is_not_relayed() -> None:
    ledger = evm()
    elsewhere = {
        "chainId": ledger.chain.chain_id,
        "to": "0x" + "77" * 20,
        "value": 1,
        "gas": 21_000,
        "gasPrice": 10**9,
        "nonce": 0,
    }
    with pytest.raises(RelayRefused, match="calls no contract of the platform"):
        ledger.relay(sign_evm(elsewhere, 5))


def test_a_transaction_for_another_chain_is_not_relayed() -> None:
    ledger = evm()
    other = {
        "chainId": ledger.chain.chain_id + 1,
        "to": Web3.to_checksum_address(ledger.deployment.token.raw),
        "value": 0,
        "gas": 50_000,
        "gasPrice": 10**9,
        "nonce": 0,
    }
    with pytest.raises(RelayRefused, match=r"is for chain \d+; this is chain"):
        ledger.relay(sign_evm(other, 5))


@pytest.mark.parametrize("signed", ["", "0x", "0xzz", "0x1234", 42, {"raw": "0x00"}])
def test_what_is_no_signed_evm_transaction_is_refused(signed: object) -> None:
    with pytest.raises((RelayRefused, ValueError)):
        evm().relay(signed)


@pytest.mark.parametrize(
    "signed",
    [{}, {"raw_data": {}}, "0x00", {"signature": ["00"], "raw_data": {"contract": []}}],
)
def test_what_is_no_signed_tron_call_is_refused(signed: object) -> None:
    with pytest.raises(RelayRefused, match="a signed TRON transaction"):
        tron().relay(signed)


@pytest.mark.parametrize(("make", "sign"), LEDGERS)
def test_a_purchase_paid_in_a_token_prepares_the_approval_first(make: Any, sign: Any) -> None:
    ledger, token = with_an_edition(make)
    usdt = ledger.deploy_payment_token("USDT")
    ledger.mint_payment_token(usdt, BUYER, 10 * PRICE)
    for tx in ledger.prepare(SELLER, sales.listing(ledger, SELLER, token, usdt, PRICE)):
        ledger.relay(sign(tx, 5))
    approval, purchase = ledger.prepare(BUYER, sales.purchase(ledger, BUYER, token))
    ledger.relay(sign(approval, 6))
    sold = [e for e in ledger.relay(sign(purchase, 6)).events if isinstance(e, EditionSold)]
    assert [(e.buyer, e.currency, e.price) for e in sold] == [(BUYER, usdt, PRICE)]
