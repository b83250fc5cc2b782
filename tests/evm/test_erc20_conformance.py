"""ERC-20 as EIP-20 states it (https://eips.ethereum.org/EIPS/eip-20), checked on the DCMX token
and the plain tokens the tests pay with; and the two misbehaving test tokens misbehave exactly
as intended: one returns false from a successful transfer (TRON's USDT), one returns nothing
(Ethereum's USDT)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_abi import encode
from web3.contract import Contract

from tests.evm import mirror
from tests.evm.calls import refused
from tests.evm.chain import Chain

Deploy = Callable[..., Contract]
ZERO = "0x" + "00" * 20
FUNDS = 1_000
TRUE, FALSE = encode(["bool"], [True]), encode(["bool"], [False])
STANDARD = ["DCMXToken", "PaymentToken", "PlainERC20"]


def funded(chain: Chain, deploy: Deploy, name: str, holder: str) -> Contract:
    """Token ``name`` with ``FUNDS`` minted to ``holder``."""
    admin = chain.accounts[0]
    if name == "DCMXToken":
        token = deploy(name, admin)
        chain.send(token.functions.addMinter(admin), admin)
    else:
        token = deploy(name)
    chain.send(token.functions.mint(holder, FUNDS), admin)
    return token


@pytest.fixture(params=STANDARD)
def token(request: pytest.FixtureRequest, chain: Chain, deploy: Deploy) -> Contract:
    return funded(chain, deploy, request.param, chain.accounts[1])


@pytest.fixture
def owner(chain: Chain) -> str:
    return chain.accounts[1]


@pytest.fixture
def spender(chain: Chain) -> str:
    return chain.accounts[2]


@pytest.fixture
def recipient(chain: Chain) -> str:
    return chain.accounts[3]


def returned(chain: Chain, token: Contract, sender: str, name: str, *args: object) -> bytes:
    """The raw bytes ``name(*args)`` returns when called from ``sender``."""
    data = token.encode_abi(name, list(args))
    return bytes(chain.w3.eth.call({"from": sender, "to": token.address, "data": data}))


def balances(token: Contract, *accounts: str) -> list[int]:
    return [token.functions.balanceOf(account).call() for account in accounts]


# --- EIP-20 ---------------------------------------------------------------------------------


def test_the_interface_is_eip20s(token: Contract) -> None:
    assert {
        "name()->(string)",
        "symbol()->(string)",
        "decimals()->(uint8)",
        "totalSupply()->(uint256)",
        "balanceOf(address)->(uint256)",
        "transfer(address,uint256)->(bool)",
        "transferFrom(address,address,uint256)->(bool)",
        "approve(address,uint256)->(bool)",
        "allowance(address,address)->(uint256)",
    } <= mirror.functions(token)
    assert {
        "Transfer(address indexed,address indexed,uint256)",
        "Approval(address indexed,address indexed,uint256)",
    } <= mirror.events(token)


def test_the_dcmx_token_names_itself(chain: Chain, deploy: Deploy) -> None:
    token = deploy("DCMXToken", chain.accounts[0])
    described = [token.functions[f]().call() for f in ("name", "symbol", "decimals")]
    assert described == ["DCMX", "DCMX", 18]
    assert token.functions.totalSupply().call() == 0


def test_minting_logs_a_transfer_from_the_zero_address(
    chain: Chain, token: Contract, owner: str
) -> None:
    receipt = chain.send(token.functions.mint(owner, 5), chain.accounts[0])
    assert chain.events(receipt) == [("Transfer", {"from": ZERO, "to": owner, "value": 5})]
    assert token.functions.totalSupply().call() == FUNDS + 5


def test_transfer_moves_the_value_returns_true_and_logs_it(
    chain: Chain, token: Contract, owner: str, recipient: str
) -> None:
    assert returned(chain, token, owner, "transfer", recipient, 400) == TRUE
    receipt = chain.send(token.functions.transfer(recipient, 400), owner)
    assert chain.events(receipt) == [("Transfer", {"from": owner, "to": recipient, "value": 400})]
    assert balances(token, owner, recipient) == [600, 400]
    assert token.functions.totalSupply().call() == FUNDS


def test_a_zero_value_transfer_is_a_normal_transfer(
    chain: Chain, token: Contract, spender: str, recipient: str
) -> None:
    # "Transfers of 0 values MUST be treated as normal transfers and fire the Transfer event",
    # even from an account that holds nothing.
    receipt = chain.send(token.functions.transfer(recipient, 0), spender)
    assert chain.events(receipt) == [("Transfer", {"from": spender, "to": recipient, "value": 0})]


def test_a_transfer_to_oneself_keeps_the_balance(chain: Chain, token: Contract, owner: str) -> None:
    chain.send(token.functions.transfer(owner, 300), owner)
    assert balances(token, owner) == [FUNDS]


def test_transfer_throws_beyond_the_balance(
    chain: Chain, token: Contract, owner: str, recipient: str
) -> None:
    call = token.functions.transfer(recipient, FUNDS + 1)
    refusal = refused(chain, call, owner)
    assert refusal == ("ERC20InsufficientBalance", (owner, FUNDS, FUNDS + 1))
    assert balances(token, owner, recipient) == [FUNDS, 0]


def test_approve_sets_the_allowance_and_logs_it(
    chain: Chain, token: Contract, owner: str, spender: str
) -> None:
    chain.send(token.functions.approve(spender, 10), owner)
    assert returned(chain, token, owner, "approve", spender, 3) == TRUE
    receipt = chain.send(token.functions.approve(spender, 3), owner)  # overwrites, adds nothing
    assert chain.events(receipt) == [("Approval", {"owner": owner, "spender": spender, "value": 3})]
    assert token.functions.allowance(owner, spender).call() == 3


def test_transfer_from_spends_the_allowance(
    chain: Chain, token: Contract, owner: str, spender: str, recipient: str
) -> None:
    chain.send(token.functions.approve(spender, 500), owner)
    assert returned(chain, token, spender, "transferFrom", owner, recipient, 200) == TRUE
    receipt = chain.send(token.functions.transferFrom(owner, recipient, 200), spender)
    assert chain.events(receipt) == [("Transfer", {"from": owner, "to": recipient, "value": 200})]
    assert balances(token, owner, recipient) == [800, 200]
    assert token.functions.allowance(owner, spender).call() == 300


def test_transfer_from_throws_beyond_the_allowance(
    chain: Chain, token: Contract, owner: str, spender: str, recipient: str
) -> None:
    chain.send(token.functions.approve(spender, 50), owner)
    call = token.functions.transferFrom(owner, recipient, 51)
    assert refused(chain, call, spender) == ("ERC20InsufficientAllowance", (spender, 50, 51))
    assert balances(token, owner, recipient) == [FUNDS, 0]


def test_an_unlimited_allowance_is_never_spent(
    chain: Chain, token: Contract, owner: str, spender: str, recipient: str
) -> None:
    chain.send(token.functions.approve(spender, 2**256 - 1), owner)
    chain.send(token.functions.transferFrom(owner, recipient, 200), spender)
    assert token.functions.allowance(owner, spender).call() == 2**256 - 1


def test_the_dcmx_token_costs_what_openzeppelins_plain_token_costs(
    chain: Chain, deploy: Deploy, owner: str, recipient: str
) -> None:
    used = {}
    for name in ("DCMXToken", "PlainERC20"):
        token = funded(chain, deploy, name, owner)
        used[name] = chain.send(token.functions.transfer(recipient, 1), owner)["gasUsed"]
    # The same OpenZeppelin code moves the tokens; only the function dispatch differs.
    assert abs(used["DCMXToken"] - used["PlainERC20"]) < 200


# --- the misbehaving tokens -----------------------------------------------------------------


def test_the_false_returning_token_moves_tokens_and_returns_false(
    chain: Chain, deploy: Deploy, owner: str, spender: str, recipient: str
) -> None:
    token = funded(chain, deploy, "FalseReturningToken", owner)
    assert token.functions.decimals().call() == 6
    assert returned(chain, token, owner, "transfer", recipient, 100) == FALSE
    receipt = chain.send(token.functions.transfer(recipient, 100), owner)
    assert chain.events(receipt) == [("Transfer", {"from": owner, "to": recipient, "value": 100})]
    chain.send(token.functions.approve(spender, 300), owner)
    assert returned(chain, token, spender, "transferFrom", owner, recipient, 300) == FALSE
    chain.send(token.functions.transferFrom(owner, recipient, 300), spender)
    assert balances(token, owner, recipient) == [600, 400]
    assert token.functions.allowance(owner, spender).call() == 0


def test_the_false_returning_token_reverts_as_openzeppelin_does(
    chain: Chain, deploy: Deploy, owner: str, spender: str, recipient: str
) -> None:
    token = funded(chain, deploy, "FalseReturningToken", owner)
    transfer = token.functions.transfer(recipient, FUNDS + 1)
    assert refused(chain, transfer, owner) == (
        "ERC20InsufficientBalance",
        (owner, FUNDS, FUNDS + 1),
    )
    transfer_from = token.functions.transferFrom(owner, recipient, 1)
    assert refused(chain, transfer_from, spender) == ("ERC20InsufficientAllowance", (spender, 0, 1))


def test_the_no_return_token_moves_tokens_and_returns_nothing(
    chain: Chain, deploy: Deploy, owner: str, spender: str, recipient: str
) -> None:
    token = funded(chain, deploy, "NoReturnToken", owner)
    assert returned(chain, token, owner, "transfer", recipient, 100) == b""
    receipt = chain.send(token.functions.transfer(recipient, 100), owner)
    assert chain.events(receipt) == [("Transfer", {"from": owner, "to": recipient, "value": 100})]
    chain.send(token.functions.approve(spender, 300), owner)
    assert returned(chain, token, spender, "transferFrom", owner, recipient, 300) == b""
    chain.send(token.functions.transferFrom(owner, recipient, 300), spender)
    assert balances(token, owner, recipient) == [600, 400]
    assert token.functions.allowance(owner, spender).call() == 0
    assert returned(chain, token, owner, "approve", spender, 1) == TRUE


def test_the_no_return_token_reverts_as_openzeppelin_does(
    chain: Chain, deploy: Deploy, owner: str, spender: str, recipient: str
) -> None:
    token = funded(chain, deploy, "NoReturnToken", owner)
    transfer = token.functions.transfer(recipient, FUNDS + 1)
    assert refused(chain, transfer, owner) == (
        "ERC20InsufficientBalance",
        (owner, FUNDS, FUNDS + 1),
    )
    transfer_from = token.functions.transferFrom(owner, recipient, 1)
    assert refused(chain, transfer_from, spender) == ("ERC20InsufficientAllowance", (spender, 0, 1))
    to_nobody = token.functions.transfer(ZERO, 1)
    assert refused(chain, to_nobody, owner) == ("ERC20InvalidReceiver", (ZERO,))


def test_the_plain_erc721_yardstick_mints(chain: Chain, deploy: Deploy, owner: str) -> None:
    nft = deploy("PlainERC721")
    receipt = chain.send(nft.functions.mint(owner, 7), chain.accounts[0])
    assert chain.events(receipt) == [("Transfer", {"from": ZERO, "to": owner, "tokenId": 7})]
    assert nft.functions.ownerOf(7).call() == owner
