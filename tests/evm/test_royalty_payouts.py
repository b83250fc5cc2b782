"""RoyaltyDistributor.sol, continued: royalties paid in from outside, withdrawals, and what a
sale costs per split recipient."""

from __future__ import annotations

import hashlib

from web3 import Web3
from web3.contract import Contract

from dcmx_core.model.royalties import MAX_SPLIT_RECIPIENTS, Split
from dcmx_core.model.values import Address
from tests.evm.chain import Chain
from tests.evm.conftest import NATIVE, PRICE, Deploy, create_release, release_args

SPLIT_SHARE = 1
ACCEPT_ERC721 = 0


def parts(split: dict[str, int], amount: int) -> list[tuple[str, int]]:
    """Python's division of ``amount`` by the split (recipient: bps), zeros left out."""
    rule = Split(tuple(Address.from_hex(a.lower()) for a in split), tuple(split.values()))
    return [(who, part) for who, part in zip(split, rule.divide(amount), strict=True) if part]


def credited(settlement: int, currency: str, found: list[tuple[str, int]]) -> list[object]:
    return [
        (
            "PayoutCredited",
            {
                "settlementId": settlement,
                "recipient": who,
                "currency": currency,
                "amount": amount,
                "reason": SPLIT_SHARE,
            },
        )
        for who, amount in found
    ]


# --- royalties paid in ----------------------------------------------------------------------


def test_royalties_paid_in_the_native_coin_are_shared_by_the_split(
    chain: Chain, distributor: Contract, artist: str, bob: str, dave: str, release: int
) -> None:
    receipt = chain.send(distributor.functions.payRoyalty(release, NATIVE, 1_001), dave, 1_001)
    shares = parts({artist: 8_000, bob: 2_000}, 1_001)
    assert shares == [(artist, 801), (bob, 200)]  # the remainder goes to the first recipient
    assert chain.events(receipt) == [
        (
            "RoyaltyReceived",
            {
                "settlementId": 1,
                "releaseId": release,
                "payer": dave,
                "currency": NATIVE,
                "amount": 1_001,
            },
        ),
        *credited(1, NATIVE, shares),
    ]
    assert chain.balance(distributor.address) == 1_001


def test_royalties_in_a_token_credit_what_arrived(
    chain: Chain,
    distributor: Contract,
    buyers: Contract,
    artist: str,
    bob: str,
    dave: str,
    release: int,
) -> None:
    chain.send(buyers.functions.setShortfall(5), dave)
    receipt = chain.send(distributor.functions.payRoyalty(release, buyers.address, 1_000), dave)
    events = chain.events(receipt)
    assert [name for name, _ in events[:2]] == ["Transfer", "Transfer"]  # the burn, the payment
    assert events[2:] == [
        (
            "RoyaltyReceived",
            {
                "settlementId": 1,
                "releaseId": release,
                "payer": dave,
                "currency": buyers.address,
                "amount": 995,
            },
        ),
        *credited(1, buyers.address, parts({artist: 8_000, bob: 2_000}, 995)),
    ]


def test_paying_royalties_checks_release_currency_amount_value_then_arrival(
    chain: Chain, distributor: Contract, buyers: Contract, artist: str, carol: str, release: int
) -> None:
    pay, token = distributor.functions.payRoyalty, buyers.address
    assert chain.refusal(pay(9, carol, 0), carol, 1) == ("UnknownRelease", (9,))
    assert chain.refusal(pay(release, carol, 0), carol, 1) == ("UnsupportedCurrency", (carol,))
    assert chain.refusal(pay(release, NATIVE, 0), carol, 1) == ("OutOfRange", ())
    assert chain.refusal(pay(release, NATIVE, 5), carol, 4) == ("WrongPayment", (5, 4))
    assert chain.refusal(pay(release, token, 5), carol, 5) == ("WrongPayment", (0, 5))
    assert chain.refusal(pay(release, token, 5), artist) == (
        "ERC20InsufficientAllowance",
        (distributor.address, 0, 5),
    )
    chain.send(buyers.functions.setInert(True), carol)
    assert chain.refusal(pay(release, token, 5), carol) == ("PaymentNotReceived", (5, 0))


# --- withdrawals ----------------------------------------------------------------------------


def test_a_recipient_withdraws_their_native_payout_once(
    chain: Chain, distributor: Contract, bob: str, carol: str, listed: int
) -> None:
    chain.send(distributor.functions.buyEdition(listed, NATIVE, PRICE), carol, PRICE)
    owed = distributor.functions.payoutOf(bob, NATIVE).call()
    before = chain.balance(bob)
    receipt = chain.send(distributor.functions.withdraw(NATIVE), bob)
    assert chain.events(receipt) == [
        ("PayoutWithdrawn", {"recipient": bob, "currency": NATIVE, "amount": owed})
    ]
    assert chain.balance(bob) == before + owed - receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert distributor.functions.payoutOf(bob, NATIVE).call() == 0
    assert chain.refusal(distributor.functions.withdraw(NATIVE), bob) == (
        "NothingToWithdraw",
        (bob, NATIVE),
    )


def test_a_recipient_withdraws_a_false_returning_token(
    chain: Chain, distributor: Contract, buyers: Contract, bob: str, dave: str, release: int
) -> None:
    chain.send(distributor.functions.payRoyalty(release, buyers.address, 1_000), dave)
    receipt = chain.send(distributor.functions.withdraw(buyers.address), bob)
    assert chain.events(receipt) == [
        ("Transfer", {"from": distributor.address, "to": bob, "value": 200}),
        ("PayoutWithdrawn", {"recipient": bob, "currency": buyers.address, "amount": 200}),
    ]
    assert buyers.functions.balanceOf(bob).call() == 200


def test_a_payment_that_does_not_leave_is_refused_and_the_payout_kept(
    chain: Chain,
    deploy: Deploy,
    nft: Contract,
    distributor: Contract,
    buyers: Contract,
    admin: str,
    bob: str,
    dave: str,
    release: int,
) -> None:
    chain.send(distributor.functions.payRoyalty(release, buyers.address, 1_000), dave)
    chain.send(buyers.functions.setInert(True), dave)
    assert chain.refusal(distributor.functions.withdraw(buyers.address), bob) == (
        "PaymentFailed",
        (bob,),
    )
    assert distributor.functions.payoutOf(bob, buyers.address).call() == 200
    refuses_coin = deploy("NftReceiverMock", ACCEPT_ERC721, False)
    args = release_args(
        refuses_coin.address,
        recipients=[refuses_coin.address],
        contentHash=Web3.keccak(text="no coin"),
    )
    own = create_release(chain, nft, admin, **args)
    chain.send(distributor.functions.payRoyalty(own, NATIVE, 7), dave, 7)
    withdraw = distributor.encode_abi("withdraw", [NATIVE])
    assert chain.refusal(refuses_coin.functions.execute(distributor.address, withdraw), dave) == (
        "PaymentFailed",
        (refuses_coin.address,),
    )
    assert distributor.functions.payoutOf(refuses_coin.address, NATIVE).call() == 7


# --- gas ------------------------------------------------------------------------------------


def sale_gas(chain: Chain, nft: Contract, distributor: Contract, recipients: int) -> int:
    """Gas of a primary native-coin sale of a release split among ``recipients`` accounts
    whose payout slots are warm (not zero): the second sale of the release."""
    admin, artist, buyer = chain.accounts[0], chain.accounts[1], chain.accounts[3]
    split = [
        Web3.to_checksum_address(hashlib.sha256(b"%d/%d" % (recipients, i)).digest()[:20])
        for i in range(recipients)
    ]
    shares = [10_000 // recipients] * recipients
    shares[0] += 10_000 - sum(shares)
    args = release_args(
        artist,
        recipients=split,
        sharesBps=shares,
        contentHash=Web3.keccak(text=f"gas {recipients}"),
    )
    release = create_release(chain, nft, admin, **args)
    chain.send(nft.functions.setApprovalForAll(distributor.address, True), artist)
    gas = 0
    for edition in (1, 2):
        chain.send(nft.functions.mintEdition(release, artist), admin)
        token_id = release * 1_000_000 + edition
        chain.send(distributor.functions.listEdition(token_id, NATIVE, PRICE), artist)
        buy = distributor.functions.buyEdition(token_id, NATIVE, PRICE)
        gas = chain.send(buy, buyer, PRICE)["gasUsed"]
    return gas


def test_each_split_recipient_adds_less_than_10k_gas_to_a_sale(
    chain: Chain, nft: Contract, distributor: Contract
) -> None:
    two = sale_gas(chain, nft, distributor, 2)
    five = sale_gas(chain, nft, distributor, 5)
    most = sale_gas(chain, nft, distributor, MAX_SPLIT_RECIPIENTS)
    # Per recipient: its share slot (2.1k cold), its payout slot (5k) and its event (2.4k).
    assert (most - two) / (MAX_SPLIT_RECIPIENTS - 2) < 10_000
    assert (five - two) / 3 < 10_000
    assert two < 95_000
