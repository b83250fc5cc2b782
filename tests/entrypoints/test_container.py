"""The container chooses every implementation from the settings, and builds nothing before it
is asked for."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from dcmx_adapters.evm.ledger import EvmLedger
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_adapters.signing import KeySigner
from dcmx_adapters.sql.database import upgrade
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_adapters.tron import ledger as tron
from dcmx_core.model.enums import Contract, DocumentType
from dcmx_core.model.values import Address
from dcmx_core.ports import Ledger
from dcmx_core.services.compliance import register_document
from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.settings import Settings, SettingsError

ADDRESSES = tuple(Address(bytes([i]) * 20) for i in range(1, 6))


def settings_in(tmp_path: Path, **variables: str) -> Settings:
    return Settings.load({"DCMX_DATA_DIR": str(tmp_path / "data"), **variables})


def test_a_container_builds_nothing_until_asked(tmp_path: Path) -> None:
    container_for(settings_in(tmp_path))
    assert not (tmp_path / "data").exists()


def test_the_memory_ledger_is_the_default(tmp_path: Path) -> None:
    container = container_for(settings_in(tmp_path))
    ledger = container.ledger()
    assert isinstance(ledger, MemoryLedger)
    assert ledger is container.ledger()
    assert ledger.admin_of(Contract.TOKEN) == container.operator_signer().address
    assert container.chain() == f"memory:{ledger.deployment.chain_id}"


def test_the_evm_ledger_runs_on_the_chosen_engine(tmp_path: Path) -> None:
    container = container_for(settings_in(tmp_path, DCMX_LEDGER="evm", DCMX_EVM_ENGINE="revm"))
    ledger = container.ledger()
    assert isinstance(ledger, EvmLedger)
    assert type(ledger.chain).__name__ == "RevmChain"
    assert container.chain().startswith("evm:")


def test_tron_on_a_network_needs_its_deployment_file(tmp_path: Path) -> None:
    container = container_for(settings_in(tmp_path, DCMX_LEDGER="tron", DCMX_TRON_NETWORK="nile"))
    with pytest.raises(SettingsError, match=r"^DCMX_TRON_DEPLOYMENT must be set"):
        container.ledger()


def test_tron_gets_the_key_deployment_and_fees_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[str, dict[str, Any]]] = []
    stand_in = MemoryLedger.__new__(MemoryLedger)

    def tron_ledger(network: str, **given: Any) -> Ledger:
        built.append((network, given))
        return stand_in

    monkeypatch.setattr(tron, "tron_ledger", tron_ledger)
    deployment = tmp_path / "tron.json"
    names = ("token", "music_nft", "compliance", "rewards", "royalties")
    deployment.write_text(json.dumps({n: ADDRESSES[i].to_base58() for i, n in enumerate(names)}))
    container = container_for(
        settings_in(
            tmp_path,
            DCMX_LEDGER="tron",
            DCMX_TRON_NETWORK="nile",
            DCMX_TRON_PRIVATE_KEY="11" * 32,
            DCMX_TRON_API_KEY="api-key",
            DCMX_TRON_DEPLOYMENT=str(deployment),
            DCMX_TRON_ENERGY_PRICE="210",
            DCMX_TRON_FEE_LIMIT_MARGIN="2.5",
        )
    )
    assert container.ledger() is stand_in
    [(network, given)] = built
    assert network == "nile"
    assert given["operator"] == KeySigner(bytes.fromhex("11" * 32))
    assert given["api_key"] == "api-key"
    assert given["deployment"] == ADDRESSES
    assert (given["energy_price"], given["fee_limit_margin"]) == (210, Fraction(5, 2))
    assert container.chain() == "tron:nile"


def test_the_database_directory_is_made_on_first_use(tmp_path: Path) -> None:
    container = container_for(settings_in(tmp_path))
    container.ping_database()()
    assert (tmp_path / "data" / "dcmx.sqlite3").exists()
    container.shutdown_resources()


def test_each_unit_of_work_is_a_new_sql_one(tmp_path: Path) -> None:
    container = container_for(settings_in(tmp_path))
    first, second = container.unit_of_work(), container.unit_of_work()
    assert isinstance(first, SqlUnitOfWork)
    assert first is not second
    container.shutdown_resources()


def test_the_indexer_takes_its_settings_and_fills_the_database(tmp_path: Path) -> None:
    settings = settings_in(
        tmp_path, DCMX_BATCH_BLOCKS="2", DCMX_CONFIRMATIONS="0", DCMX_REORG_WINDOW="5"
    )
    container = container_for(settings)
    indexer = container.indexer()
    assert (indexer.settings.batch_blocks, indexer.settings.reorg_window) == (2, 5)
    assert indexer.settings.chain == container.chain()
    assert indexer.status is container.indexer_status()
    upgrade(settings.database)  # the engine has made the database's directory
    ledger = container.ledger()
    register_document(
        ledger, container.operator_signer().address, DocumentType.PRIVACY_POLICY, 1, b"privacy"
    )
    indexer.catch_up()
    uow = container.unit_of_work()
    with uow:
        (document,) = uow.compliance.documents(DocumentType.PRIVACY_POLICY)
    assert document.version == 1
    assert indexer.status.lag == 0
    container.shutdown_resources()
