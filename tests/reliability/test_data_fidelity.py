"""Values at the edges of what the chain allows, indexed into SQLite and PostgreSQL and served
back through the HTTP API unchanged: empty titles and artist names, NUL bytes, 4-byte emoji,
combining marks, texts of exactly the 1,024-byte limit; uint256-max token transfers, prices and
payouts; log index 2**31-1; block numbers near 2**62, with hundreds of empty blocks between
the events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core import events as e
from dcmx_core.events import LogPosition
from dcmx_core.exceptions import OutOfRange
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import CreditReason
from dcmx_core.model.nft import MAX_TEXT_BYTES, token_id_of
from dcmx_core.model.values import ZERO_ADDRESS, Address, Hash32
from dcmx_core.ports import Block, EventBatch
from dcmx_core.read_models import Checkpoint
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.http import create_app
from tests.http.client import ApiClient, api_client
from tests.reliability.conftest import Store

CHAIN = "edges"
UINT256_MAX = 2**256 - 1
LAST_BLOCK = 2**62
GAP = 300
"""Empty blocks between two blocks with events."""
LOG_INDEX_MAX = 2**31 - 1
CRYPTO = EthCrypto()

# The SQL stores: the in-memory one keeps the very objects it was given.
pytestmark = pytest.mark.parametrize("store", ["sqlite", "postgresql"], indirect=True)

TEXTS = [
    ("", ""),
    ("before\x00after", "\x00"),
    ("🎵" * (MAX_TEXT_BYTES // 4), "🎸" * (MAX_TEXT_BYTES // 4)),  # 4-byte code points
    ("e\u0301" * (MAX_TEXT_BYTES // 3), "Zoe\u0308 \u200d\u0336 ✓"),  # e + combining acute: 3 bytes
    ("ÿ" * (MAX_TEXT_BYTES // 2), "a" * MAX_TEXT_BYTES),
]


def account(name: str) -> Address:
    return Address(Hash32.of(name.encode()).raw[:20])


def block_hash(number: int) -> Hash32:
    return Hash32.of(b"edge block %d" % number)


class SparseLedger:
    """An ``EventSource`` whose blocks from ``first`` to ``head`` exist, most of them empty."""

    def __init__(self, first: int, placed: dict[int, list[e.DomainEvent]], head: int) -> None:
        self.first, self.placed, self._head = first, placed, head

    def head(self) -> Block:
        return self.block(self._head)

    def block(self, number: int) -> Block:
        if not self.first - 1 <= number <= self._head:
            raise OutOfRange("block", number, f"{self.first - 1} to {self._head}")
        return Block(number, block_hash(number), block_hash(number - 1), 1_767_225_600 + number)

    def read(self, from_block: int, to_block: int) -> EventBatch:
        found: list[e.DomainEvent] = []
        for number in sorted(self.placed):
            if from_block <= number <= to_block:
                found += self.placed[number]
        return EventBatch(tuple(found))


def edge_chain() -> SparseLedger:
    """Every edge case, a transaction a block, ``GAP`` empty blocks apart, the last one at
    block 2**62 with the largest log index."""
    artist = account("artist")
    transactions: list[list[e.DomainEvent]] = []
    for release_id, (title, name) in enumerate(TEXTS, start=1):
        assert len(title.encode()) <= MAX_TEXT_BYTES
        assert len(name.encode()) <= MAX_TEXT_BYTES
        content = Hash32.of(b"content %d" % release_id)
        transactions.append(
            [
                e.ReleaseCreated(release_id, artist, title, name, content, 2**32 - 1, 10_000),
                e.SplitSet(release_id, (artist,), (10_000,)),
            ]
        )
    token_id = token_id_of(1, 1)
    buyer = account("buyer")
    transactions.append([e.TokensTransferred(ZERO_ADDRESS, account("whale"), UINT256_MAX)])
    transactions.append(
        [
            e.EditionTransferred(ZERO_ADDRESS, buyer, token_id),
            e.EditionMinted(1, 1, token_id, buyer),
            e.EditionSold(1, 1, token_id, artist, buyer, NATIVE, UINT256_MAX, True),
            e.PayoutCredited(1, artist, NATIVE, UINT256_MAX, CreditReason.SPLIT_SHARE),
        ]
    )
    first = LAST_BLOCK - GAP * (len(transactions) - 1)
    placed: dict[int, list[e.DomainEvent]] = {}
    for n, events in enumerate(transactions):
        number = first + GAP * n
        tx_id = Hash32.of(b"edge tx %d" % n)
        # The last transaction's logs end at the largest log index there is.
        start = LOG_INDEX_MAX - len(events) + 1 if n == len(transactions) - 1 else n
        placed[number] = [
            event.placed(LogPosition(number, block_hash(number), tx_id, start + i))
            for i, event in enumerate(events)
        ]
    return SparseLedger(first, placed, LAST_BLOCK)


@pytest.fixture
def served(store: Store) -> Iterator[tuple[SparseLedger, ApiClient]]:
    """The edge chain indexed into the store (from a checkpoint just before its first block,
    as an indexer that resumes there) and the API over it."""
    assert store.engine is not None
    ledger = edge_chain()
    uow = store.uow
    with uow:
        before = ledger.block(ledger.first - 1)
        uow.checkpoints.set_checkpoint(Checkpoint(CHAIN, before.number, before.hash))
        uow.checkpoints.record_blocks(CHAIN, [(before.number, before.hash)])
        uow.commit()
    indexer = Indexer(ledger, uow, IndexerSettings(CHAIN, batch_blocks=200))
    indexer.catch_up()
    assert indexer.status.indexed == LAST_BLOCK
    engine = store.engine
    app = create_app(
        unit_of_work=lambda: SqlUnitOfWork(engine),
        chain=CHAIN,
        ledger=ledger,
        keccak=CRYPTO.keccak256,
    )
    with api_client(app) as api:
        yield ledger, api


def get(api: ApiClient, path: str) -> Any:
    answer = api.get(path)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_titles_and_artist_names_come_back_byte_for_byte(
    served: tuple[SparseLedger, ApiClient],
) -> None:
    _, api = served
    for release_id, (title, name) in enumerate(TEXTS, start=1):
        release = get(api, f"/v1/releases/{release_id}")["release"]
        assert (release["title"], release["artist_name"]) == (title, name)
    listed = get(api, "/v1/releases?limit=100")["items"]
    assert [(r["title"], r["artist_name"]) for r in listed] == TEXTS


def test_uint256_max_amounts_come_back_exact(served: tuple[SparseLedger, ApiClient]) -> None:
    _, api = served
    whale = account("whale").to_hex()
    assert get(api, f"/v1/accounts/{whale}/balance")["amount"] == str(UINT256_MAX)
    (sale,) = get(api, "/v1/releases/1/sales")["items"]
    assert sale["price"] == str(UINT256_MAX)
    artist = account("artist").to_hex()
    (payout,) = get(api, f"/v1/accounts/{artist}/payouts")["items"]
    assert payout["credited"] == str(UINT256_MAX)
    holders = get(api, "/v1/token/holders")["items"]
    assert [h["amount"] for h in holders] == [str(UINT256_MAX)]


def test_huge_block_numbers_and_log_indexes_come_back_exact(
    served: tuple[SparseLedger, ApiClient],
) -> None:
    ledger, api = served
    served_events = every_event(api)
    expected = [
        (n, event.position.log_index)
        for n in sorted(ledger.placed)
        for event in ledger.placed[n]
        if event.position is not None
    ]
    assert [(ev["block_number"], ev["log_index"]) for ev in served_events] == expected
    assert served_events[-1]["block_number"] == LAST_BLOCK
    assert served_events[-1]["log_index"] == LOG_INDEX_MAX
    assert get(api, "/v1/events?limit=1")["block"] == LAST_BLOCK
    titles = [ev["data"]["title"] for ev in served_events if ev["kind"] == "ReleaseCreated"]
    assert titles == [title for title, _ in TEXTS]


def every_event(api: ApiClient) -> list[dict[str, Any]]:
    """Every event, page by page (3 a page: the cursors carry the huge positions)."""
    found: list[dict[str, Any]] = []
    page = get(api, "/v1/events?limit=3")
    found += page["items"]
    while page["next"] is not None:
        page = get(api, f"/v1/events?limit=3&after={page['next']}")
        found += page["items"]
    return found
