"""The reliability suite runs on every store the contract suite runs on."""

from tests.contract.conftest import migrated_sqlite_file, unit_of_work

__all__ = ["migrated_sqlite_file", "unit_of_work"]
