"""``dcmx up``'s TRON chain is journaled by its node: what an outside client broadcast on the
node replays with the ledger's own commands, the ledger's warps and marks come back, and a
chain an earlier ``dcmx up`` journaled (the ledger's commands only) is read but not carried on."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcmx_adapters import journal as ledger_journal
from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_core.commands import RegisterDocument
from dcmx_core.model.enums import DocumentType
from dcmx_core.model.values import Hash32
from dcmx_devnode.api import dispatch
from dcmx_devnode.transaction import Transaction
from dcmx_entrypoints.cli.up import solidify
from dcmx_entrypoints.demo.cast import demo_cast
from dcmx_entrypoints.local_chain import (
    LocalChainMismatch,
    build_chain,
    kind_of,
    open_local_chain,
)
from dcmx_entrypoints.local_tron import NodeJournaledLedger
from dcmx_entrypoints.settings import LedgerKind

START = 1_767_225_600
OPERATOR = demo_cast(EthCrypto())[0]
OUTSIDER = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"


def opened(path: Path, *, writable: bool = True) -> NodeJournaledLedger:
    local = open_local_chain(path, ManualClock(START), kind=LedgerKind.TRON, writable=writable)
    assert isinstance(local.ledger, NodeJournaledLedger)
    return local.ledger


def outside_transfer(ledger: NodeJournaledLedger, sun: int) -> str:
    """A TRX transfer as TronWeb sends one: built by the node, signed, broadcast to it."""
    node = ledger.node
    with node.lock:
        built = dispatch(
            node,
            "wallet/createtransaction",
            {
                "owner_address": OPERATOR.address.to_base58(),
                "to_address": OUTSIDER,
                "amount": sun,
                "visible": True,
            },
        )
        tx = Transaction.from_json(built)
        signature = EthCrypto().sign_digest(OPERATOR.key, tx.txid)
        signed = built | {"signature": [(signature[:64] + bytes([signature[64] - 27])).hex()]}
        sent = dispatch(node, "wallet/broadcasttransaction", signed)
    assert sent["result"] is True, sent
    return str(sent["txid"])


def test_a_transaction_from_a_client_of_the_node_replays_with_the_ledgers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chain.jsonl"
    ledger = opened(path)
    txid = outside_transfer(ledger, 7_000_000)
    ledger.execute(
        OPERATOR.address, RegisterDocument(DocumentType.TERMS_OF_SERVICE, 1, Hash32.of(b"t"))
    )
    expected = [ledger.block(n) for n in range(ledger.head().number + 1)]
    ledger.close()

    again = opened(path, writable=False)
    assert [again.block(n) for n in range(again.head().number + 1)] == expected
    assert again.node.balance(OUTSIDER) == 7_000_000
    assert again.node.transaction(bytes.fromhex(txid)) is not None
    assert kind_of(path) is LedgerKind.TRON


def test_blocks_of_a_clients_transactions_are_solidified_too(tmp_path: Path) -> None:
    ledger = opened(tmp_path / "chain.jsonl")
    outside_transfer(ledger, 1_000_000)
    head = ledger.head().number
    assert ledger.solidified().head().number < head

    assert solidify(ledger) == 1
    assert ledger.solidified().head().number == head
    assert solidify(ledger) == 0  # an empty block on top needs nothing
    ledger.close()


def test_the_ledgers_warp_and_marks_come_back(tmp_path: Path) -> None:
    path = tmp_path / "chain.jsonl"
    ledger = opened(path)
    ledger.warp(600)
    warped_from = ledger.head().timestamp
    ledger.mark("demo")
    ledger.close()

    again = opened(path)
    assert again.marks == {"demo"}
    again.mine(1)
    assert again.head().timestamp >= warped_from + 600
    again.close()


def test_a_chain_opened_to_be_read_refuses_changes(tmp_path: Path) -> None:
    path = tmp_path / "chain.jsonl"
    opened(path).close()
    reader = opened(path, writable=False)
    with pytest.raises(PermissionError, match="opened to be read"):
        reader.mine(1)


def test_a_chain_an_earlier_dcmx_up_journaled_is_read_but_not_carried_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chain.jsonl"
    genesis = {"ledger": "tron", "solidify_depth": 1}
    ledger_journal.start(path, genesis, build_chain, ManualClock(START)).close()

    read = open_local_chain(path, ManualClock(START), writable=False)
    assert read.kind is LedgerKind.TRON
    assert read.ledger.head().number > 0
    with pytest.raises(LocalChainMismatch, match="journaled by an earlier dcmx up"):
        open_local_chain(path, ManualClock(START))
