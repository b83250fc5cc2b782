"""A profile store of one's own: ``dcmx_core``'s ``ProfileRepository`` port on the standard
library's sqlite3, the way an application keeps its users' personal data in its own database."""

from __future__ import annotations

import sqlite3

from dcmx_core.model.values import Address
from dcmx_core.read_models import ErasureRecord, UserProfile

SCHEMA = """
CREATE TABLE IF NOT EXISTS profile (
    address BLOB PRIMARY KEY, display_name TEXT NOT NULL, email TEXT, country TEXT
);
CREATE TABLE IF NOT EXISTS erasure (
    address BLOB PRIMARY KEY, request_id INTEGER NOT NULL, erased_at INTEGER NOT NULL
);
"""


class SqliteProfiles:
    """Profiles in a SQLite database: the only place the personal data lives, erasable.

    An adapter translates and moves bytes: rows in, the core's values out."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._db.executescript(SCHEMA)

    def save_profile(self, profile: UserProfile) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO profile VALUES (?, ?, ?, ?)",
                (profile.address.raw, profile.display_name, profile.email, profile.country),
            )

    def get_profile(self, address: Address) -> UserProfile | None:
        row = self._db.execute(
            "SELECT display_name, email, country FROM profile WHERE address = ?",
            (address.raw,),
        ).fetchone()
        return None if row is None else UserProfile(address, row[0], row[1], row[2])

    def erase(self, address: Address, request_id: int, at: int) -> ErasureRecord:
        # Both in one transaction: the profile goes and the proof of its going stays, or neither.
        with self._db:
            self._db.execute("DELETE FROM profile WHERE address = ?", (address.raw,))
            self._db.execute(
                "INSERT OR REPLACE INTO erasure VALUES (?, ?, ?)",
                (address.raw, request_id, at),
            )
        return ErasureRecord(address, request_id, at)

    def erasure(self, address: Address) -> ErasureRecord | None:
        row = self._db.execute(
            "SELECT request_id, erased_at FROM erasure WHERE address = ?", (address.raw,)
        ).fetchone()
        return None if row is None else ErasureRecord(address, row[0], row[1])
