"""Logs of one-word events are read by slicing their topics and data into 32-byte words: the
values are eth-abi's, and what eth-abi refuses (bad padding, a value too wide for its type,
short data, missing topics) is refused too, as an undecodable log with the reason."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_hash.auto import keccak
from hypothesis import given
from hypothesis import strategies as st

from dcmx_adapters.evm.abi import Event, address_from_abi
from dcmx_adapters.evm.chain import Log
from dcmx_adapters.evm.translate import EventDecoder
from dcmx_core.events import ClaimSubmitted, EditionSold
from dcmx_core.model.enums import Pool
from dcmx_core.model.platform import Deployment
from dcmx_core.model.values import Address, Hash32
from tests.factories import ALICE, BOB, address, digest

DEPLOYMENT = Deployment(1337, *(address(200 + n) for n in range(5)))
SOLD = (
    "EditionSold(uint256,uint256,uint256,address,address,address,uint256,bool)",
    (True, True, True, False, False, False, False, False),
)
CLAIM = (
    "ClaimSubmitted(uint256,address,uint8,uint256,bytes32,uint256)",
    (True, True, True, False, False, False),
)


def event(signature: str, indexed: tuple[bool, ...]) -> Event:
    types = tuple(signature[signature.index("(") + 1 : -1].split(","))
    names = tuple(f"arg{n}" for n in range(len(types)))
    return Event(signature.split("(")[0], keccak(signature.encode()), names, indexed, types)


def log(at: Address, topics: list[bytes], data: bytes) -> Log:
    return Log(at, tuple(topics), data, 7, digest("block 7"), digest("tx"), 0)


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def claim_log(pool_word: bytes, *, data: bytes | None = None) -> Log:
    signature, _ = CLAIM
    body = encode(["uint256", "bytes32", "uint256"], [5, digest("proof").raw, 20_000])
    topics = [keccak(signature.encode()), word(3), bytes(12) + ALICE.raw, pool_word]
    return log(DEPLOYMENT.rewards, topics, body if data is None else data)


words = st.tuples(
    st.integers(0, 2**256 - 1),
    st.binary(min_size=20, max_size=20),
    st.booleans(),
    st.integers(0, 255),
    st.binary(min_size=32, max_size=32),
)


@given(words)
def test_one_word_arguments_read_as_eth_abi_reads_them(
    values: tuple[int, bytes, bool, int, bytes],
) -> None:
    number, account, flag, small, hash_ = values
    sold = event(*SOLD)
    topics = [sold.topic, word(number), word(small), word(number // 3)]
    data = encode(
        ["address", "address", "address", "uint256", "bool"],
        [account, account[::-1], bytes(20), number, flag],
    )
    claim = event(*CLAIM)
    claim_topics = [claim.topic, word(small), bytes(12) + account, word(small)]
    claim_data = encode(["uint256", "bytes32", "uint256"], [number, hash_, small])
    for kind, its_topics, its_data in ((sold, topics, data), (claim, claim_topics, claim_data)):
        sliced = kind.decode(its_topics, its_data)
        by_eth_abi = kind._decode_with_eth_abi(its_topics, its_data)
        assert [_same(v) for v in sliced] == [_same(v) for v in by_eth_abi]


def _same(value: object) -> object:
    """An address as eth-abi gives it (checksummed text) or as slicing does (an Address)."""
    if isinstance(value, str | Address):
        return address_from_abi(value)
    return value


def test_a_sale_log_becomes_the_domain_event_with_its_position() -> None:
    signature, _ = SOLD
    topics = [keccak(signature.encode()), word(4), word(1), word(1_000_001)]
    data = encode(
        ["address", "address", "address", "uint256", "bool"],
        [ALICE.raw, BOB.raw, bytes(20), 10**18, True],
    )
    (sold,) = EventDecoder(DEPLOYMENT).decode([log(DEPLOYMENT.royalties, topics, data)]).events
    assert sold.unplaced() == EditionSold(
        4, 1, 1_000_001, ALICE, BOB, Address(bytes(20)), 10**18, True
    )
    assert sold.position is not None
    assert sold.position.block_number == 7


def test_an_enum_argument_becomes_the_domain_enum() -> None:
    (claim,) = EventDecoder(DEPLOYMENT).decode([claim_log(word(Pool.VOTING))]).events
    assert claim.unplaced() == ClaimSubmitted(
        3, ALICE, Pool.VOTING, 5, Hash32(digest("proof").raw), 20_000
    )


def test_an_address_with_dirty_padding_is_undecodable() -> None:
    signature, _ = CLAIM
    topics = [keccak(signature.encode()), word(3), b"\x01" + bytes(11) + ALICE.raw, word(1)]
    body = encode(["uint256", "bytes32", "uint256"], [5, digest("proof").raw, 1])
    batch = EventDecoder(DEPLOYMENT).decode([log(DEPLOYMENT.rewards, topics, body)])
    assert batch.events == ()
    (bad,) = batch.undecodable
    assert bad.reason.startswith("REWARDS:")
    assert "padding" in bad.reason


def test_a_uint8_wider_than_eight_bits_is_undecodable() -> None:
    batch = EventDecoder(DEPLOYMENT).decode([claim_log(word(256))])
    assert batch.events == ()
    assert "uint8" in batch.undecodable[0].reason


def test_a_pool_the_domain_does_not_know_is_undecodable() -> None:
    batch = EventDecoder(DEPLOYMENT).decode([claim_log(word(9))])
    assert batch.events == ()
    assert len(batch.undecodable) == 1


def test_a_bool_other_than_zero_or_one_is_undecodable() -> None:
    signature, _ = SOLD
    topics = [keccak(signature.encode()), word(4), word(1), word(1_000_001)]
    data = encode(["address", "address", "address", "uint256"], [ALICE.raw, BOB.raw, bytes(20), 1])
    batch = EventDecoder(DEPLOYMENT).decode([log(DEPLOYMENT.royalties, topics, data + word(2))])
    assert batch.events == ()
    assert "bool" in batch.undecodable[0].reason


def test_short_data_is_undecodable() -> None:
    batch = EventDecoder(DEPLOYMENT).decode([claim_log(word(1), data=word(5))])
    assert batch.events == ()
    assert "bytes of data" in batch.undecodable[0].reason


def test_a_log_with_fewer_topics_than_indexed_arguments_is_undecodable() -> None:
    signature, _ = CLAIM
    short = log(DEPLOYMENT.rewards, [keccak(signature.encode()), word(3)], word(5) * 3)
    batch = EventDecoder(DEPLOYMENT).decode([short])
    assert batch.events == ()
    assert "indexed arguments" in batch.undecodable[0].reason


def test_a_log_of_a_known_topic_is_read_the_same_way_twice() -> None:
    decoder = EventDecoder(DEPLOYMENT)
    first = decoder.decode([claim_log(word(1))]).events
    assert decoder.decode([claim_log(word(1))]).events == first
