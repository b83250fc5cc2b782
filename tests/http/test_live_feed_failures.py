"""A read the live feed cannot make is logged as the database's own words on one line, not as
the wrapper's class with its statement and a link."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import OperationalError

from dcmx_adapters.sql.database import refusal_reason


def test_a_database_refusal_is_told_in_the_driver_s_words() -> None:
    refusal = OperationalError(
        "SELECT checkpoints.block_number FROM checkpoints WHERE chain = ?",
        ("memory:1337",),
        sqlite3.OperationalError("no such table: checkpoints"),
    )
    assert refusal_reason(refusal) == "no such table: checkpoints"


def test_any_other_failure_is_its_first_line() -> None:
    assert refusal_reason(RuntimeError("the feed stopped\nsecond line")) == "the feed stopped"
    assert refusal_reason(RuntimeError()) == "RuntimeError"
