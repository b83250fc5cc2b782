"""On TRON the container's indexer reads solidified blocks only, by default: what is above the
solidified head reaches the read models once it is solidified, never before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dcmx_adapters.sql.database import upgrade
from dcmx_adapters.tron.ledger import TronLedger
from dcmx_core.model.enums import Contract, DocumentType
from dcmx_core.model.values import Address
from dcmx_core.services.compliance import register_document
from dcmx_devnode.node import SOLIDIFY_DEPTH
from dcmx_entrypoints.container import Container, container_for
from dcmx_entrypoints.running import indexer_for
from dcmx_entrypoints.settings import LedgerKind, Settings


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    settings = Settings(ledger=LedgerKind.TRON, data_dir=tmp_path)
    container = container_for(settings)
    upgrade(settings.database)
    yield container
    container.shutdown_resources()


def admin(ledger: TronLedger) -> Address:
    """Who deployed the platform on the fresh local node (a key of its own, not the demo's)."""
    return ledger.admin_of(Contract.COMPLIANCE)


def terms_versions(container: Container) -> list[int]:
    with container.unit_of_work() as uow:
        documents = uow.compliance.documents(DocumentType.TERMS_OF_SERVICE)
    return [document.version for document in documents]


def indexed(container: Container) -> int | None:
    with container.unit_of_work() as uow:
        checkpoint = uow.checkpoints.get_checkpoint(container.chain())
    return None if checkpoint is None else checkpoint.block_number


def test_the_tron_indexer_stops_at_the_solidified_head(container: Container) -> None:
    ledger = container.ledger()
    assert isinstance(ledger, TronLedger)
    ledger.mine(SOLIDIFY_DEPTH)  # the platform's deployment is solidified
    register_document(ledger, admin(ledger), DocumentType.TERMS_OF_SERVICE, 1, b"terms")
    head = ledger.head().number

    container.indexer().catch_up()

    assert indexed(container) == ledger.solidified_head().number == head - SOLIDIFY_DEPTH > 0
    assert terms_versions(container) == []


def test_a_block_reaches_the_read_models_once_it_is_solidified(container: Container) -> None:
    ledger = container.ledger()
    assert isinstance(ledger, TronLedger)
    register_document(ledger, admin(ledger), DocumentType.TERMS_OF_SERVICE, 1, b"terms")
    registered = ledger.head().number
    container.indexer().catch_up()
    ledger.mine(SOLIDIFY_DEPTH - 1)
    container.indexer().catch_up()
    assert terms_versions(container) == []

    ledger.mine(1)
    container.indexer().catch_up()

    assert ledger.solidified_head().number == registered
    assert terms_versions(container) == [1]
    assert container.indexer_status().head == ledger.head().number - SOLIDIFY_DEPTH


def test_a_capped_run_reads_solidified_blocks_too(container: Container) -> None:
    ledger = container.ledger()
    assert isinstance(ledger, TronLedger)
    register_document(ledger, admin(ledger), DocumentType.TERMS_OF_SERVICE, 1, b"terms")

    indexer_for(container, last=ledger.head().number).catch_up()

    assert indexed(container) == ledger.solidified_head().number
    assert terms_versions(container) == []


def test_other_chains_are_indexed_from_the_ledger_itself(tmp_path: Path) -> None:
    container = container_for(Settings(ledger=LedgerKind.MEMORY, data_dir=tmp_path))
    assert container.event_source() is container.ledger()
