"""Embedding ``dcmx_core``: a user's right to erasure, carried out with a profile store of
one's own (``SqliteProfiles``), the in-memory ledger and the indexer's read models.

Run it from the repository's root: ``python -m examples.embedding.erase_on_request``.
"""

from __future__ import annotations

import sqlite3

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.model.enums import Regime
from dcmx_core.model.values import Address
from dcmx_core.read_models import UserProfile
from dcmx_core.services.compliance import process_deletion, request_deletion
from dcmx_core.services.indexer import Indexer, IndexerSettings
from examples.embedding.sqlite_profiles import SqliteProfiles

OPERATOR = Address(bytes.fromhex("00" * 19 + "01"))
LISTENER = Address(bytes.fromhex("00" * 19 + "02"))


def main() -> None:
    # The composition root: the one place that names concrete adapters.
    clock = ManualClock(1_767_225_600)
    ledger = MemoryLedger(admin=OPERATOR, crypto=EthCrypto(), clock=clock)
    profiles = SqliteProfiles(sqlite3.connect(":memory:"))
    read_models = MemoryUnitOfWork()

    profiles.save_profile(UserProfile(LISTENER, "Noor", email="noor@example.org", country="NL"))
    print("profile before:", profiles.get_profile(LISTENER) is not None)

    # The services receive their ports as arguments; they never know which adapters they have.
    request_id = request_deletion(ledger, LISTENER, Regime.GDPR)
    clock.advance(3_600)
    erased = process_deletion(ledger, OPERATOR, profiles, clock, request_id)
    print(f"deletion request {request_id} processed at {erased.erased_at}")
    print("profile after:", profiles.get_profile(LISTENER) is not None)
    print("erasure kept:", profiles.erasure(LISTENER) == erased)

    # The indexer turns the ledger's events into read models, a batch a unit of work.
    indexer = Indexer(ledger, read_models, IndexerSettings(chain="example"))
    written = indexer.catch_up()
    with read_models:
        record = read_models.compliance.deletion(request_id)
    processed = record is not None and record.processed_at is not None
    print(f"indexed {written} events; request {request_id} processed: {processed}")


if __name__ == "__main__":
    main()
