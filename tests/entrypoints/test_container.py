"""The container chooses every implementation from the settings, and builds nothing before it
is asked for."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from dcmx_adapters.evm.ledger import EvmLedger
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_adapters.sql.database import upgrade
from dcmx_adapters.sql.repositories import SqlUnitOfWork
from dcmx_core.model.enums import Contract, DocumentType
from dcmx_core.ports import Ledger
from dcmx_core.services.compliance import register_document
from dcmx_entrypoints import container as wiring
from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.settings import Settings, SettingsError


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
    assert ledger.admin_of(Contract.TOKEN) == container.operator().address
    assert container.chain() == f"memory:{ledger.deployment.chain_id}"


def test_the_evm_ledger_runs_on_the_chosen_engine(tmp_path: Path) -> None:
    container = container_for(settings_in(tmp_path, DCMX_LEDGER="evm", DCMX_EVM_ENGINE="revm"))
    ledger = container.ledger()
    assert isinstance(ledger, EvmLedger)
    assert type(ledger.chain).__name__ == "RevmChain"
    assert container.chain().startswith("evm:")


def test_tron_is_refused_while_no_tron_ledger_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wiring, "TRON_MODULE", "dcmx_adapters.tron_absent.ledger")
    container = container_for(settings_in(tmp_path, DCMX_LEDGER="tron"))
    with pytest.raises(SettingsError, match=r"DCMX_LEDGER .*TRON ledger is not available yet"):
        container.ledger()


def test_tron_uses_the_tron_adapters_ledger_once_there_is_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    stand_in = MemoryLedger.__new__(MemoryLedger)

    def tron_ledger(network: str, *, clock: object) -> Ledger:
        built.append(network)
        return stand_in

    module = types.ModuleType("tron_ledger_stand_in")
    module.tron_ledger = tron_ledger  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tron_ledger_stand_in", module)
    monkeypatch.setattr(wiring, "TRON_MODULE", "tron_ledger_stand_in")
    container = container_for(settings_in(tmp_path, DCMX_LEDGER="tron", DCMX_TRON_NETWORK="nile"))
    assert container.ledger() is stand_in
    assert built == ["nile"]
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
        ledger, container.operator().address, DocumentType.PRIVACY_POLICY, 1, b"privacy"
    )
    indexer.catch_up()
    uow = container.unit_of_work()
    with uow:
        (document,) = uow.compliance.documents(DocumentType.PRIVACY_POLICY)
    assert document.version == 1
    assert indexer.status.lag == 0
    container.shutdown_resources()
