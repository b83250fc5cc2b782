"""After a user's profile is erased through the deletion process, nothing of it is left in the
database: every column of every table (text, bytes, JSON), on SQLite and PostgreSQL, is
searched for the profile's display name, email, country and IP hash. What must stay does: the
on-chain deletion request with its processing time, the erasure record, and the acceptances
with their document hashes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from dcmx_adapters.sql.tables import Base
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.model.enums import DocumentType, Regime
from dcmx_core.model.values import Hash32
from dcmx_core.read_models import UserProfile
from dcmx_core.services import compliance
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.demo.cast import person
from dcmx_entrypoints.demo.stacks import memory_stack
from dcmx_entrypoints.running import CommittedProfiles
from tests.reliability.conftest import Store

START = 1_767_225_600
CHAIN = "erasure"

pytestmark = pytest.mark.parametrize("store", ["sqlite", "postgresql"], indirect=True)


def profile_of(name: str, address: Any) -> UserProfile:
    return UserProfile(
        address,
        f"{name} Ünïque-Display-Name 🎧",
        email=f"{name.lower()}.private@example.org",
        country=f"Land of {name}",
        ip_hash=Hash32.of(f"salted ip of {name}".encode()),
    )


def needles(profile: UserProfile) -> dict[str, bytes]:
    """The profile's values as they could be stored: UTF-8 text, raw bytes, hex."""
    found = {"display_name": profile.display_name.encode()}
    if profile.email is not None:
        found["email"] = profile.email.encode()
    if profile.country is not None:
        found["country"] = profile.country.encode()
    if profile.ip_hash is not None:
        found["ip_hash"] = profile.ip_hash.raw
        found["ip_hash hex"] = profile.ip_hash.raw.hex().encode()
    return found


def every_value(engine: Engine) -> list[tuple[str, bytes]]:
    """Every value of every column of every table, as bytes, named ``table.column``."""
    found: list[tuple[str, bytes]] = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            names = [c.name for c in table.columns]
            listed = ", ".join(f'"{name}"' for name in names)
            for row in connection.exec_driver_sql(f'SELECT {listed} FROM "{table.name}"'):
                for name, value in zip(names, row, strict=True):
                    found += [(f"{table.name}.{name}", form) for form in _forms(value)]
    return found


def _forms(value: Any) -> list[bytes]:
    if value is None or isinstance(value, bool | int | float | Decimal):
        return []
    if isinstance(value, bytes | bytearray | memoryview):
        return [bytes(value)]
    if isinstance(value, str):
        return [value.encode()]
    # JSON the driver decoded: both ways it could have been written.
    return [
        json.dumps(value, ensure_ascii=False).encode(),
        json.dumps(value).encode(),
    ]


def where(engine: Engine, profile: UserProfile) -> set[str]:
    """Where any of the profile's values is found: ``table.column (field)``."""
    return {
        f"{column} ({field})"
        for column, value in every_value(engine)
        for field, needle in needles(profile).items()
        if needle in value
    }


def test_an_erased_profile_leaves_nothing_but_the_proof(store: Store) -> None:
    engine = store.engine
    assert engine is not None
    stack = memory_stack(start=START)
    ledger, crypto, admin = stack.ledger, stack.crypto, stack.operator.address
    eli, ayla = person("Eli", crypto), person("Ayla", crypto)
    profiles = CommittedProfiles(lambda: SqlUnitOfWork(engine))
    erased, kept = profile_of("Eli", eli.address), profile_of("Ayla", ayla.address)
    profiles.save_profile(erased)
    profiles.save_profile(kept)
    text = b"DCMX terms of service v1"
    document_hash = compliance.register_document(
        ledger, admin, DocumentType.TERMS_OF_SERVICE, 1, text
    )
    for someone in (eli, ayla):
        compliance.accept_document(ledger, someone.address, DocumentType.TERMS_OF_SERVICE, 1)
    request_id = compliance.request_deletion(ledger, eli.address, Regime.GDPR)
    indexer = Indexer(ledger, store.uow, IndexerSettings(CHAIN))
    indexer.catch_up()
    fields = ("display_name", "email", "country", "ip_hash")
    before = {f"user_profiles.{field} ({field})" for field in fields}
    assert where(engine, erased) == before, "the scan finds the profile before it is erased"

    record = compliance.process_deletion(ledger, admin, profiles, stack.clock, request_id)
    indexer.catch_up()

    assert where(engine, erased) == set()
    assert where(engine, kept) != set()  # the other user's profile is untouched and still found
    with store.uow as uow:
        assert uow.profiles.get_profile(eli.address) is None
        assert uow.profiles.erasure(eli.address) == record
        deletion = uow.compliance.deletion(request_id)
        assert deletion is not None
        assert deletion.user == eli.address
        assert deletion.processed_at is not None
        (acceptance,) = uow.compliance.acceptances_of(eli.address)
        assert acceptance.document_hash == document_hash
        assert uow.events.count(CHAIN) == len(ledger.read(0, ledger.head().number).events)
