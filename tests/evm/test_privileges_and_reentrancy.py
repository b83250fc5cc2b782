"""Negative tests on the deployed platform: every privileged function refuses every other caller
(the functions are read from the ABIs, not listed by hand), and re-entering through a hostile
payment token or a hostile receiver gets nowhere."""

from __future__ import annotations

from typing import Any

import pytest

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.evm.abi import to_abi
from dcmx_adapters.evm.artifacts import artifact
from dcmx_adapters.evm.chain import Reverted
from dcmx_adapters.evm.deploy import deploy_contract, transact
from dcmx_adapters.evm.ledger import EvmLedger, local_evm_ledger
from dcmx_adapters.evm.translate import ARTIFACT_OF, abi_of, error_from_revert
from dcmx_core import commands as c
from dcmx_core.exceptions import TransactionReverted
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import Contract
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.values import Address, Hash32
from tests.factories import ADMIN, ALICE, BOB, CAROL, address, signers

AUTHORIZATION_ERRORS = {"NotAdmin", "NotPendingAdmin", "NotMinter", "NotVerifier"}
# Who may call what; anything else a caller is refused must not be refused for authority.
PRIVILEGED = {
    Contract.TOKEN: {"mint", "addMinter", "removeMinter", "finishMinting"},
    Contract.MUSIC_NFT: {"createRelease", "mintEdition", "setRoyaltyReceiver"},
    Contract.COMPLIANCE: {"registerDocument", "processDeletion"},
    Contract.REWARDS: {
        "addVerifier",
        "removeVerifier",
        "configurePool",
        "allocatePool",
        "verifyClaim",
    },
    Contract.ROYALTIES: {"setPlatformFee"},
}
ADMINISTRATION = {"proposeAdmin", "acceptAdmin"}
VERIFIER = address(40)
MINTER = address(41)
UNIT = 10**18


@pytest.fixture(scope="module")
def ledger() -> EvmLedger:
    ledger = local_evm_ledger(ADMIN, ManualClock(0), engine="revm")
    ledger.execute(ADMIN, c.AddVerifier(VERIFIER))
    ledger.execute(ADMIN, c.AddMinter(MINTER))
    return ledger


def _sample(kind: str, caller: Address) -> Any:
    if kind.endswith("[]"):
        return [_sample(kind[:-2], caller)]
    return {
        "address": caller.raw,
        "bool": True,
        "bytes32": Hash32.of(b"sample").raw,
        "bytes": b"",
        "string": "sample",
    }.get(kind, 1 if kind == "uint8" else 10_000)


def _refusal(ledger: EvmLedger, contract: Contract, name: str, arity: int, caller: Address) -> str:
    """The error name the function refuses ``caller`` with ('' when it would succeed)."""
    function = abi_of(ARTIFACT_OF[contract]).function(name, arity)
    args = [_sample(kind, caller) for kind in function.inputs]
    to = ledger.deployment.address_of(contract)
    try:
        ledger.chain.call(to, function.encode(args), sender=caller)
    except Reverted as revert:
        return type(error_from_revert(revert.data)).__name__ + _raw_name(contract, revert.data)
    return ""


def _raw_name(contract: Contract, data: bytes) -> str:
    error = abi_of(ARTIFACT_OF[contract]).errors.get(data[:4])
    return f":{error.name}" if error else ""


def _state_changing(contract: Contract) -> list[tuple[str, int]]:
    abi = abi_of(ARTIFACT_OF[contract])
    return [
        (function.name, len(function.inputs))
        for name, overloads in abi.functions.items()
        for function in overloads
        if name not in ADMINISTRATION and _mutates(contract, name)
    ]


def _mutates(contract: Contract, name: str) -> bool:
    return any(
        entry.get("name") == name and entry.get("stateMutability") in ("nonpayable", "payable")
        for entry in artifact(ARTIFACT_OF[contract]).abi
    )


def _callers(ledger: EvmLedger) -> list[Address]:
    """Everyone but the admin: users, a claim verifier and a token minter. (Contracts cannot
    send transactions, EIP-3607; the contracts' own calls to each other are the vault's mint.)"""
    return [ALICE, BOB, VERIFIER, MINTER]


def _holds_the_role(ledger: EvmLedger, contract: Contract, name: str, caller: Address) -> bool:
    return (contract is Contract.TOKEN and name == "mint" and ledger.is_minter(caller)) or (
        contract is Contract.REWARDS and name == "verifyClaim" and caller == VERIFIER
    )


@pytest.mark.parametrize("contract", list(Contract), ids=lambda k: k.name)
def test_privileged_functions_refuse_every_other_caller(
    ledger: EvmLedger, contract: Contract
) -> None:
    refused_for_authority = set()
    for name, arity in _state_changing(contract):
        for caller in _callers(ledger):
            if _holds_the_role(ledger, contract, name, caller):
                continue
            error = _refusal(ledger, contract, name, arity, caller)
            if error.split(":")[-1] in AUTHORIZATION_ERRORS:
                refused_for_authority.add(name)
            elif name in PRIVILEGED[contract]:
                pytest.fail(f"{contract.name}.{name} let {caller} past its guard ({error!r})")
    assert refused_for_authority == PRIVILEGED[contract]


@pytest.mark.parametrize("contract", list(Contract), ids=lambda k: k.name)
def test_administration_is_the_admins_alone(ledger: EvmLedger, contract: Contract) -> None:
    for caller in _callers(ledger):
        assert _refusal(ledger, contract, "proposeAdmin", 1, caller).endswith("NotAdmin")
        assert _refusal(ledger, contract, "acceptAdmin", 0, caller).endswith("NotPendingAdmin")


# --- reentrancy -----------------------------------------------------------------------------


@pytest.fixture
def market() -> EvmLedger:
    """A release by Alice split with Bob, edition 1 held by Alice; on eth-tester."""
    ledger = local_evm_ledger(ADMIN, ManualClock(0), signers=signers(0, 1, 2, 3))
    for who in (ALICE, BOB, CAROL):
        ledger.fund(who, 100 * UNIT)
    ledger.execute(
        ADMIN,
        c.CreateRelease(ALICE, "T", "A", Hash32.of(b"t"), 5, 1_000, (ALICE, BOB), (5_000, 5_000)),
    )
    ledger.execute(ADMIN, c.MintEdition(1, ALICE))
    ledger.execute(ALICE, c.SetOperator(ledger.deployment.royalties, True))
    return ledger


def _encode(contract: str, name: str, *args: Any) -> bytes:
    function = abi_of(contract).function(name, len(args))
    return function.encode(to_abi(args))


def test_a_payment_token_that_reenters_a_purchase_is_refused(market: EvmLedger) -> None:
    distributor = market.deployment.royalties
    token = deploy_contract(market.chain, ADMIN, "ReentrantToken", distributor)
    transact(market.chain, ADMIN, token, "ReentrantToken", "mint", CAROL, 10 * UNIT)
    first = token_id_of(1, 1)
    market.execute(ALICE, c.ListEdition(first, token, UNIT))
    market.execute(CAROL, c.Approve(distributor, 10 * UNIT, token=token))
    again = _encode("RoyaltyDistributor", "buyEdition", first, token, UNIT)
    transact(market.chain, ADMIN, token, "ReentrantToken", "arm", again)
    with pytest.raises(TransactionReverted, match="ReentrancyGuardReentrantCall"):
        market.execute(CAROL, c.BuyEdition(first, token, UNIT))
    assert market.owner_of(first) == ALICE
    assert market.payout(BOB, token) == 0


def test_a_payment_token_that_reenters_a_withdrawal_is_refused(market: EvmLedger) -> None:
    distributor = market.deployment.royalties
    token = deploy_contract(market.chain, ADMIN, "ReentrantToken", distributor)
    transact(market.chain, ADMIN, token, "ReentrantToken", "mint", CAROL, 10 * UNIT)
    market.execute(CAROL, c.Approve(distributor, 10 * UNIT, token=token))
    market.execute(CAROL, c.PayRoyalty(1, token, 2 * UNIT))
    owed = market.payout(BOB, token)
    transact(
        market.chain,
        ADMIN,
        token,
        "ReentrantToken",
        "arm",
        _encode("RoyaltyDistributor", "withdraw", token),
    )
    with pytest.raises(TransactionReverted, match="ReentrancyGuardReentrantCall"):
        market.execute(BOB, c.Withdraw(token))
    assert market.payout(BOB, token) == owed == UNIT


def test_a_receiver_that_reenters_a_native_withdrawal_is_paid_once(market: EvmLedger) -> None:
    distributor = market.deployment.royalties
    hostile = deploy_contract(market.chain, ADMIN, "ReentrantReceiver", distributor)
    market.execute(ADMIN, c.SetPlatformFee(1_000, hostile))
    first = token_id_of(1, 1)
    market.execute(ALICE, c.ListEdition(first, NATIVE, UNIT))
    market.execute(CAROL, c.BuyEdition(first, NATIVE, UNIT, value=UNIT))
    owed = market.payout(hostile, NATIVE)
    withdraw = _encode("RoyaltyDistributor", "withdraw", NATIVE)
    transact(market.chain, ADMIN, hostile, "ReentrantReceiver", "arm", withdraw)
    before = market.native_balance(hostile)
    transact(market.chain, ADMIN, hostile, "ReentrantReceiver", "execute", distributor, withdraw)
    assert market.native_balance(hostile) - before == owed == UNIT // 10
    assert market.payout(hostile, NATIVE) == 0
    assert _view_int(market, hostile, "reentries") == 0
    assert _view_int(market, hostile, "refusals") == 1


def test_a_receiver_that_reenters_during_a_safe_transfer_cannot_buy_twice(
    market: EvmLedger,
) -> None:
    distributor = market.deployment.royalties
    hostile = deploy_contract(market.chain, ADMIN, "ReentrantReceiver", distributor)
    first = token_id_of(1, 1)
    buy = _encode("RoyaltyDistributor", "buyEdition", first, NATIVE, UNIT)
    transact(market.chain, ADMIN, hostile, "ReentrantReceiver", "arm", buy)
    market.execute(ALICE, c.TransferEdition(ALICE, hostile, first, safe=True))
    assert market.owner_of(first) == hostile
    assert _view_int(market, hostile, "reentries") == 0
    assert market.listing(first) is None


def _view_int(ledger: EvmLedger, at: Address, name: str) -> int:
    function = abi_of("ReentrantReceiver").function(name, 0)
    return int(function.decode(ledger.chain.call(at, function.encode([])))[0])
