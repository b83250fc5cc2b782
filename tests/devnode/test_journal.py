"""The local node's journal, in process: whatever changes the chain (funding, transactions from
any client, blocks mined or packed by the timer, warps, reorganizations, refusals that opened a
block) replays into the same chain, whatever the clock reads at replay; a torn last line is
dropped; a journal of another chain, or garbage, is refused naming its line."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.contract import Contract  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]

from dcmx_adapters.evm.artifacts import artifact
from dcmx_adapters.journal import JournalError
from dcmx_devnode import journal
from dcmx_devnode.api import dispatch
from dcmx_devnode.journal import JournaledNode
from dcmx_devnode.provider import LocalTronProvider
from dcmx_devnode.transaction import Transaction
from tests.tron.conftest import TRX, key_of

KEY = key_of("journal owner")
OWNER = KEY.public_key.to_base58check_address()
OTHERS = [key_of(f"journal other {n}").public_key.to_base58check_address() for n in range(3)]
START = time.time()  # tronpy dates the transactions it builds by this machine's clock


class Ticking:
    """A clock that moves 0.25 s each time it is read."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


_OPENED: list[JournaledNode] = []


@pytest.fixture(autouse=True)
def _closed() -> Iterator[None]:
    yield
    while _OPENED:
        _OPENED.pop().close()


def started(path: Path, depth: int = 1) -> JournaledNode:
    node = journal.start(path, Ticking(START), {"solidify_depth": depth}, {"by": "test"})
    _OPENED.append(node)
    return node


def replayed(path: Path, *, writable: bool = False) -> JournaledNode:
    # Another day, by another clock: only the journal's readings may count.
    node, _ = journal.replay(path, Ticking(START + 86_400), writable=writable)
    _OPENED.append(node)
    return node


def call(node: JournaledNode, path: str, **params: Any) -> Any:
    return dispatch(node, path, params)


def send_trx(node: JournaledNode, to: str, amount: int, key: PrivateKey = KEY) -> Any:
    owner = key.public_key.to_base58check_address()
    built = call(
        node,
        "wallet/createtransaction",
        owner_address=owner,
        to_address=to,
        amount=amount,
        visible=True,
    )
    tx = Transaction.from_json(built)
    signed = built | {"signature": [key.sign_msg_hash(tx.txid).hex()]}
    return call(node, "wallet/broadcasttransaction", **signed)


def deploy_token(node: JournaledNode) -> Contract:
    client = Tron(provider=LocalTronProvider(node))
    built = artifact("PlainERC20")
    plain = Contract(bytecode=built.bytecode, abi=list(built.abi), name="PlainERC20")
    tx = client.trx.deploy_contract(OWNER, plain).fee_limit(1_000 * TRX).build()
    info = tx.sign(KEY).broadcast().wait()
    return client.get_contract(info["contract_address"])


def mint(token: Contract, to: str, amount: int) -> None:
    built = token.functions.mint(to, amount).with_owner(OWNER).fee_limit(100 * TRX).build()
    built.sign(KEY).broadcast().wait()


def chain_of(node: JournaledNode, contracts: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything a client can read of the chain: every block with its transactions and their
    infos (logs, fees, energy), the balances, the contracts and their events."""
    head = node.head.number
    return {
        "blocks": [call(node, "wallet/getblockbynum", num=n) for n in range(head + 1)],
        "infos": [
            call(node, "wallet/gettransactioninfobyblocknum", num=n) for n in range(head + 1)
        ],
        "solid": node.solid_number,
        "balances": {a: node.balance(a) for a in (OWNER, *OTHERS)},
        "contracts": [call(node, "wallet/getcontract", value=c, visible=True) for c in contracts],
        "events": [
            call(node, f"v1/contracts/{c}/events", only_confirmed=False, limit=200)["data"]
            for c in contracts
        ],
    }


def busy_day(node: JournaledNode) -> tuple[str, ...]:
    """Every kind of change the node journals; the contracts it deployed."""
    node.fund(OWNER, 10_000 * TRX)
    node.mine(1)
    assert send_trx(node, OTHERS[0], 5 * TRX)["result"] is True
    token = deploy_token(node)
    mint(token, OTHERS[1], 77)
    node.warp(30)
    node.start_block()  # the block timer packs what comes in until it mines the block
    assert send_trx(node, OTHERS[1], 1 * TRX)["result"] is True
    assert send_trx(node, OTHERS[2], 2 * TRX)["result"] is True
    node.finish_block(even_empty=True)
    node.start_block()
    refused = send_trx(node, OTHERS[0], 10**9 * TRX)  # refused, after opening the block
    assert refused["code"] == "CONTRACT_VALIDATE_ERROR"
    assert send_trx(node, OTHERS[0], 1 * TRX)["result"] is True
    node.finish_block(even_empty=True)
    node.mine(2)
    node.reorganize(1)
    assert send_trx(node, OTHERS[2], 3 * TRX)["result"] is True
    node.drop_head()
    node.mine(1)
    return (token.contract_address,)


def test_a_replayed_node_has_the_same_chain(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    node = started(path)
    contracts = busy_day(node)
    expected = chain_of(node, contracts)
    node.close()

    again = replayed(path)
    assert chain_of(again, contracts) == expected
    assert again.balance(OTHERS[1]) == 1 * TRX
    assert expected["events"][0][0]["event_name"] == "Transfer"


def test_a_replayed_node_goes_on_journaling_where_it_stopped(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    node = started(path)
    node.fund(OWNER, 10_000 * TRX)
    node.mine(1)
    node.close()
    again = replayed(path, writable=True)
    assert send_trx(again, OTHERS[0], 4 * TRX)["result"] is True
    expected = chain_of(again)
    again.close()

    assert chain_of(replayed(path)) == expected


def test_a_broadcast_refused_at_the_door_is_not_journaled(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    node = started(path)
    node.fund(OWNER, 10_000 * TRX)
    node.mine(1)
    lines = path.read_text().count("\n")
    wrong_key = key_of("not the owner")
    built = call(node, "wallet/createtransaction", owner_address=OWNER, to_address=OTHERS[0])
    built = call(
        node,
        "wallet/createtransaction",
        owner_address=OWNER,
        to_address=OTHERS[0],
        amount=TRX,
        visible=True,
    )
    tx = Transaction.from_json(built)
    signed = built | {"signature": [wrong_key.sign_msg_hash(tx.txid).hex()]}
    assert call(node, "wallet/broadcasttransaction", **signed)["code"] == "SIGERROR"
    assert path.read_text().count("\n") == lines


def test_a_node_opened_to_be_read_refuses_changes(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    started(path).close()
    reader = replayed(path, writable=False)
    with pytest.raises(PermissionError, match="opened to be read"):
        reader.mine(1)


def test_notes_come_back_in_order_with_the_node_as_it_stood(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    node = started(path)
    node.mine(1)
    node.note({"said": "one"})
    node.mine(2)
    node.note({"said": "two"})
    node.close()
    heard: list[tuple[str, int]] = []
    journal.replay(
        path,
        Ticking(START),
        writable=False,
        notes=lambda n, note: heard.append((note["said"], n.head.number)),
    )
    assert heard == [("one", 1), ("two", 3)]


# --- what cannot be replayed ------------------------------------------------------------------


def test_a_torn_last_line_is_dropped_and_cut_off_before_the_next(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    node = started(path)
    node.fund(OWNER, 10_000 * TRX)
    node.mine(3)
    expected = chain_of(node)
    node.close()
    with path.open("ab") as file:
        file.write(b'{"op":"mine","blocks":1,"clo')  # a crash in the middle of a line

    again = replayed(path, writable=True)
    assert again.torn_bytes == len(b'{"op":"mine","blocks":1,"clo')
    assert chain_of(again) == expected
    again.mine(1)
    again.close()
    assert all(json.loads(line) for line in path.read_text().splitlines())
    assert replayed(path).head.number == 4


def rewritten(path: Path, line: int, change: Callable[[dict[str, Any]], None]) -> None:
    lines = path.read_text().splitlines()
    entry = json.loads(lines[line - 1])
    change(entry)
    lines[line - 1] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")


def test_a_journal_of_another_chain_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    node = started(path)
    node.fund(OWNER, 10_000 * TRX)
    node.mine(2)
    node.close()
    # The second block at another time: another block id, so another chain from there on.
    rewritten(path, 3, lambda entry: entry["clock"].__setitem__(1, entry["clock"][1] + 1))

    with pytest.raises(JournalError, match=r"line 3: the replay's head block is 2 .*not this node"):
        replayed(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"garbage\n", "line 1: not a JSON line"),
        (b'{"op": "genesis", "ledger": "evm", "engine": "revm"}\n', "not the journal of a local"),
        (b"[1, 2]\n", "line 1: not a journal entry"),
    ],
)
def test_garbage_is_refused_naming_the_line(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "node.jsonl"
    path.write_bytes(content)
    with pytest.raises(JournalError, match=reason):
        replayed(path)


def test_a_change_the_node_does_not_know_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "node.jsonl"
    started(path).close()
    with path.open("a") as file:
        file.write('{"op": "teleport", "clock": []}\n')
    with pytest.raises(JournalError, match="line 2: cannot read it: no change is called"):
        replayed(path)


# --- random days replay -----------------------------------------------------------------------

Step = tuple[str, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("fund"), st.integers(0, 2)),
        st.tuples(st.just("transfer"), st.integers(0, 2)),
        st.tuples(st.just("mine"), st.integers(1, 3)),
        st.tuples(st.just("pack"), st.integers(0, 3)),
    ),
    max_size=12,
)


def run(node: JournaledNode, day: list[Step]) -> None:
    node.fund(OWNER, 1_000 * TRX)
    node.mine(1)
    for kind, n in day:
        if kind == "fund":
            node.fund(OTHERS[n], (n + 1) * TRX)
        elif kind == "transfer":
            send_trx(node, OTHERS[n], (n + 1) * TRX)
        elif kind == "mine":
            node.mine(n)
        else:
            node.start_block()
            for other in OTHERS[:n]:
                send_trx(node, other, TRX)
            node.finish_block(even_empty=True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=steps)
def test_any_day_of_funding_transfers_and_blocks_replays_to_the_same_chain(
    tmp_path_factory: pytest.TempPathFactory, day: list[Step]
) -> None:
    path = tmp_path_factory.mktemp("day") / "node.jsonl"
    node = started(path)
    run(node, day)
    expected = chain_of(node)
    node.close()
    assert chain_of(replayed(path)) == expected
    _OPENED.clear()
