"""Logs into domain events: the five contracts' logs are decoded; a log of theirs that cannot be
(unknown topic, malformed data) comes back as Undecodable with the reason; others' are skipped."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_hash.auto import keccak

from dcmx_adapters.evm.chain import Log
from dcmx_adapters.evm.translate import EventDecoder
from dcmx_core.events import TokensTransferred
from dcmx_core.model.platform import Deployment
from dcmx_core.model.values import Address
from tests.factories import ALICE, BOB, address, digest

DEPLOYMENT = Deployment(1337, *(address(200 + n) for n in range(5)))
TRANSFER = keccak(b"Transfer(address,address,uint256)")


def log(topics: list[bytes], data: bytes, *, at: Address | None = None, index: int = 0) -> Log:
    return Log(
        DEPLOYMENT.token if at is None else at,
        tuple(topics),
        data,
        7,
        digest("block 7"),
        digest("tx"),
        index,
    )


def topic(account: Address) -> bytes:
    return bytes(12) + account.raw


def test_a_token_transfer_log_becomes_the_domain_event() -> None:
    batch = EventDecoder(DEPLOYMENT).decode(
        [log([TRANSFER, topic(ALICE), topic(BOB)], encode(["uint256"], [5]))]
    )
    assert [e.unplaced() for e in batch.events] == [TokensTransferred(ALICE, BOB, 5)]
    assert batch.undecodable == ()


def test_malformed_data_is_undecodable_with_the_reason() -> None:
    batch = EventDecoder(DEPLOYMENT).decode([log([TRANSFER, topic(ALICE), topic(BOB)], b"\x01")])
    assert batch.events == ()
    (bad,) = batch.undecodable
    assert bad.position.block_number == 7
    assert bad.reason.startswith("TOKEN:")
    assert bad.raw.endswith(b"\x01")


def test_an_unknown_topic_is_undecodable_and_the_rest_of_the_batch_survives() -> None:
    unknown = keccak(b"Surprise(uint256)")
    good = log([TRANSFER, topic(ALICE), topic(BOB)], encode(["uint256"], [5]), index=1)
    batch = EventDecoder(DEPLOYMENT).decode([log([unknown], b""), good])
    assert len(batch.events) == 1
    (bad,) = batch.undecodable
    assert "unknown topic" in bad.reason
    assert bad.position.log_index == 0


def test_logs_of_other_contracts_are_not_ours_to_read() -> None:
    foreign = log([TRANSFER, topic(ALICE), topic(BOB)], b"", at=address(999))
    batch = EventDecoder(DEPLOYMENT).decode([foreign])
    assert batch == EventDecoder(DEPLOYMENT).decode([])
