"""Fixtures of the contract tests: one in-process EVM (eth-tester, py-evm) for the session,
rolled back to a snapshot after every test; ``deploy(name, *args)`` for any built artifact; and
the music NFT and the royalty distributor deployed and wired as the deploy routine does (the
distributor is the royalty receiver)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from web3 import EthereumTesterProvider, Web3
from web3.contract import Contract

from tests.evm.chain import Chain

Deploy = Callable[..., Contract]
"""``deploy(name, *args)``: deploy ``contracts/build/<name>.json`` from the first account."""

BASE_URI = "ipfs://dcmx/"
CONTENT = Web3.keccak(text="track one")
ROYALTY_BPS = 1_000
EDITIONS = 5
NATIVE = "0x" + "00" * 20  # the currency "address" of the chain's own coin
PRICE = 10**18 + 7  # odd, so that the fee and the parts round down and leave a remainder


@pytest.fixture(scope="session")
def _provider() -> EthereumTesterProvider:
    return EthereumTesterProvider()


@pytest.fixture
def w3(_provider: EthereumTesterProvider) -> Iterator[Web3]:
    """A fresh-looking chain for each test: a snapshot of the session's, reverted afterwards."""
    w3 = Web3(_provider)
    snapshot = w3.testing.snapshot()  # type: ignore[attr-defined]
    yield w3
    w3.testing.revert(snapshot)  # type: ignore[attr-defined]


@pytest.fixture
def chain(w3: Web3) -> Chain:
    return Chain(w3)


@pytest.fixture
def deploy(chain: Chain) -> Deploy:
    return chain.deploy


@pytest.fixture
def admin(chain: Chain) -> str:
    return chain.accounts[0]


@pytest.fixture
def artist(chain: Chain) -> str:
    return chain.accounts[1]


@pytest.fixture
def bob(chain: Chain) -> str:
    """The artist's collaborator in the default split."""
    return chain.accounts[2]


@pytest.fixture
def carol(chain: Chain) -> str:
    return chain.accounts[3]


@pytest.fixture
def dave(chain: Chain) -> str:
    return chain.accounts[4]


@pytest.fixture
def nft(deploy: Deploy, admin: str) -> Contract:
    return deploy("MusicNFT", admin, BASE_URI, False)


@pytest.fixture
def distributor(chain: Chain, deploy: Deploy, nft: Contract, admin: str) -> Contract:
    distributor = deploy("RoyaltyDistributor", admin, nft.address)
    chain.send(nft.functions.setRoyaltyReceiver(distributor.address), admin)
    return distributor


@pytest.fixture
def token(deploy: Deploy) -> Contract:
    """A payment token whose transfers return false on success, like TRON's USDT."""
    return deploy("PaymentTokenMock", True)


def release_args(artist: str, /, **changes: Any) -> dict[str, Any]:
    """createRelease's arguments, in order, for five editions at a 10 % royalty, all for the
    artist; any argument can be replaced by keyword."""
    args: dict[str, Any] = {
        "artist": artist,
        "title": "Track One",
        "artistName": "The Artist",
        "contentHash": CONTENT,
        "maxEditions": EDITIONS,
        "royaltyBps": ROYALTY_BPS,
        "recipients": [artist],
        "sharesBps": [10_000],
    }
    args.update(changes)
    return args


def create_release(chain: Chain, nft: Contract, admin: str, **args: Any) -> int:
    """Create a release with ``release_args``-style keyword arguments; return its id."""
    call = nft.functions.createRelease(*args.values())
    release_id: int = call.call({"from": admin})
    chain.send(call, admin)
    return release_id


def mint(chain: Chain, nft: Contract, admin: str, release: int, to: str) -> int:
    """Mint the release's next edition to ``to``; return its token id."""
    call = nft.functions.mintEdition(release, to)
    token_id: int = call.call({"from": admin})
    chain.send(call, admin)
    return token_id


@pytest.fixture
def release(chain: Chain, nft: Contract, admin: str, artist: str, bob: str) -> int:
    """Release 1: five editions, 10 % royalty, split 80/20 between the artist and Bob."""
    return create_release(
        chain,
        nft,
        admin,
        **release_args(artist, recipients=[artist, bob], sharesBps=[8_000, 2_000]),
    )


@pytest.fixture
def edition(chain: Chain, nft: Contract, admin: str, artist: str, release: int) -> int:
    """Edition 1 of release 1, owned by the artist."""
    return mint(chain, nft, admin, release, artist)


@pytest.fixture
def approved(chain: Chain, nft: Contract, distributor: Contract, artist: str, edition: int) -> int:
    """Edition 1, which its artist has approved the distributor to move."""
    chain.send(nft.functions.approve(distributor.address, edition), artist)
    return edition


@pytest.fixture
def listed(chain: Chain, distributor: Contract, artist: str, approved: int) -> int:
    """Edition 1, listed by its artist for PRICE in the native coin."""
    chain.send(distributor.functions.listEdition(approved, NATIVE, PRICE), artist)
    return approved


@pytest.fixture
def buyers(chain: Chain, token: Contract, distributor: Contract, carol: str, dave: str) -> Contract:
    """The false-returning token, which Carol and Dave hold and let the distributor pull."""
    for buyer in (carol, dave):
        chain.send(token.functions.mint(buyer, 10**24), buyer)
        chain.send(token.functions.approve(distributor.address, 2**256 - 1), buyer)
    return token
