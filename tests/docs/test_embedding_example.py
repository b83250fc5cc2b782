"""The embedding guide's example runs as the guide says, and its adapter keeps the port's
promises."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from dcmx_core.model.values import Address
from dcmx_core.ports import ProfileRepository
from dcmx_core.read_models import UserProfile
from examples.embedding.sqlite_profiles import SqliteProfiles

ROOT = Path(__file__).resolve().parents[2]
NOOR = Address(bytes(19) + b"\x02")


def test_the_example_erases_the_profile_and_the_ledger_records_it() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "examples.embedding.erase_on_request"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "profile before: True",
        "deletion request 1 processed at 1767229200",
        "profile after: False",
        "erasure kept: True",
        "indexed 2 events; request 1 processed: True",
    ]


def _profiles() -> ProfileRepository:
    return SqliteProfiles(sqlite3.connect(":memory:"))


def test_the_sqlite_profiles_find_a_saved_profile_and_replace_it() -> None:
    profiles = _profiles()
    profiles.save_profile(UserProfile(NOOR, "Noor", email="noor@example.org"))
    profiles.save_profile(UserProfile(NOOR, "Noor B."))
    assert profiles.get_profile(NOOR) == UserProfile(NOOR, "Noor B.")


def test_the_sqlite_profiles_erase_the_profile_and_keep_only_the_fact() -> None:
    profiles = _profiles()
    profiles.save_profile(UserProfile(NOOR, "Noor", country="NL"))
    record = profiles.erase(NOOR, 7, 1_700_000_000)
    assert profiles.get_profile(NOOR) is None
    assert profiles.erasure(NOOR) == record
    assert (record.request_id, record.erased_at) == (7, 1_700_000_000)
