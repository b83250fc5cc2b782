"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and
``upgrade`` can be run on a database that is already at the newest schema."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import BigInteger, Column, Engine, MetaData, inspect

from dcmx_adapters.sql.database import downgrade, upgrade
from dcmx_adapters.sql.tables import Base

TABLES = {
    "events",
    "releases",
    "editions",
    "balances",
    "sales",
    "payouts",
    "claims",
    "documents",
    "acceptances",
    "deletion_requests",
    "user_profiles",
    "erasures",
    "checkpoints",
    "indexed_blocks",
    "quarantine",
    "platform_stats",
    "api_keys",
    "used_nonces",
    "writer_generations",
}


def differences(engine: Engine, metadata: MetaData) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_the_migrations_build_what_the_models_describe(migrated: Engine) -> None:
    assert differences(migrated, Base.metadata) == []


def copy_of_the_models() -> MetaData:
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    return metadata


def test_the_comparison_sees_a_model_the_migrations_lack(migrated: Engine) -> None:
    metadata = copy_of_the_models()
    metadata.tables["balances"].append_column(Column("last_block", BigInteger))
    assert [diff[0] for diff in differences(migrated, metadata)] == ["add_column"]


def test_the_migrations_create_every_read_model(migrated: Engine) -> None:
    assert set(inspect(migrated).get_table_names()) == TABLES | {"alembic_version"}


def test_upgrading_a_database_at_the_newest_schema_changes_nothing(
    empty_database_url: str, migrated: Engine
) -> None:
    upgrade(empty_database_url)
    assert differences(migrated, Base.metadata) == []


def test_downgrading_to_base_removes_every_read_model(
    empty_database_url: str, migrated: Engine
) -> None:
    downgrade(empty_database_url, "base")
    assert set(inspect(migrated).get_table_names()) <= {"alembic_version"}
    upgrade(empty_database_url)
    assert differences(migrated, Base.metadata) == []


def test_the_comparison_sees_a_column_of_another_type(migrated: Engine) -> None:
    metadata = copy_of_the_models()
    metadata.tables["balances"].c.amount.type = BigInteger()
    found = differences(migrated, metadata)
    assert [change[0][0] for change in found] == ["modify_type"]
