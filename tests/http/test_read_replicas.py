"""The API reads from PostgreSQL streaming replicas (``DCMX_DATABASE_READ_URL``) and writes to
the primary; ``/readyz`` and ``/metrics`` tell each replica's lag. Against a real replica, made
with ``pg_basebackup`` and started for the session (``tests/postgres_replica.py``)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from attrs import field, frozen

from dcmx_adapters.sql.database import upgrade
from dcmx_adapters.sql.replicas import replica_name
from dcmx_core.model.access import Scope, issue_key
from dcmx_core.model.enums import DocumentType
from dcmx_core.services.compliance import register_document
from dcmx_entrypoints.container import Container, container_for
from dcmx_entrypoints.http import app_from_container
from dcmx_entrypoints.settings import Settings
from tests.http.client import ApiClient, api_client
from tests.postgres import scratch_database
from tests.postgres_replica import StreamingReplica, streaming_replica

__all__ = ["streaming_replica"]  # the session's fixture, used here

MAX_LAG = 2


@frozen
class Served:
    pair: StreamingReplica
    container: Container
    api: ApiClient
    replica: str
    """The replica's name, as the checks and the metrics say it."""
    versions: Iterator[int] = field(factory=lambda: itertools.count(1))

    def index_documents(self, count: int) -> int:
        """``count`` more documents on the ledger, a block each, indexed into the primary;
        the primary's checkpoint after it."""
        ledger = self.container.ledger()
        admin = self.container.operator_signer()
        assert admin is not None
        for version in itertools.islice(self.versions, count):
            register_document(
                ledger, admin.address, DocumentType.PRIVACY_POLICY, version, b"v%d" % version
            )
        self.container.indexer().catch_up()
        return self.primary_block()

    def primary_block(self) -> int:
        uow = self.container.unit_of_work()
        with uow:
            checkpoint = uow.checkpoints.get_checkpoint(self.container.chain())
        assert checkpoint is not None
        return checkpoint.block_number

    def events(self) -> int:
        """How many events the primary holds."""
        uow = self.container.unit_of_work()
        with uow:
            return len(uow.events.list(self.container.chain(), limit=1_000))


@pytest.fixture(scope="module")
def served(
    streaming_replica: StreamingReplica, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The API of a container whose reads go to the replica, over a database made on the
    primary (and so on the replica), the ledger's first block indexed."""
    pair = streaming_replica
    with scratch_database(pair.primary.url()) as database:
        primary = database.render_as_string(hide_password=False)
        replica = pair.replica_url(database.database or "")
        upgrade(primary)
        settings = Settings.load(
            {
                "DCMX_DATA_DIR": str(tmp_path_factory.mktemp("replicas")),
                "DCMX_DATABASE_URL": primary,
                "DCMX_DATABASE_READ_URL": replica,
                "DCMX_READ_REPLICA_MAX_LAG": str(MAX_LAG),
            }
        )
        container = container_for(settings)
        app = app_from_container(container)
        with api_client(app) as api:
            served = Served(pair, container, api, replica_name(replica))
            served.index_documents(1)
            pair.caught_up()
            yield served
        pair.caught_up()  # nothing of the database's left in the replica's replay


@contextmanager
def replay_paused(served: Served) -> Iterator[None]:
    served.pair.pause_replay()
    try:
        yield
    finally:
        served.pair.resume_replay()
        served.pair.caught_up()


def test_a_list_says_the_replicas_block_while_the_primary_is_ahead(served: Served) -> None:
    replayed = served.api.get("/v1/events").json()
    with replay_paused(served):
        ahead = served.index_documents(1)
        answer = served.api.get("/v1/events").json()
        assert ahead > replayed["block"]
        assert answer == replayed  # the replica's rows, at the replica's checkpoint
    assert served.api.get("/v1/events").json()["block"] == ahead


def test_what_the_replica_has_replayed_is_what_the_api_lists(served: Served) -> None:
    ahead = served.index_documents(1)
    served.pair.caught_up()
    answer = served.api.get("/v1/events?limit=100").json()
    assert answer["block"] == ahead
    assert len(answer["items"]) == served.events()


def test_readyz_fails_while_a_replica_lags_more_blocks_than_the_setting(served: Served) -> None:
    check = f"replica {served.replica}"
    assert served.api.get("/readyz").json()["checks"][check] == "ok"
    with replay_paused(served):
        served.index_documents(MAX_LAG)
        assert served.api.get("/readyz").status_code == 200  # at the most it may be behind
        served.index_documents(1)
        response = served.api.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["detail"] == f"not ready: {check}"
        assert (
            body["checks"][check]
            == f"failed: {MAX_LAG + 1} blocks behind the primary, at most {MAX_LAG}"
        )
        assert body["checks"]["indexer"] == "ok"
    assert served.api.get("/readyz").status_code == 200


def test_metrics_tell_each_replicas_lag_in_blocks(served: Served) -> None:
    def sample(name: str) -> str:
        found = re.search(
            rf'^{name}{{replica="{re.escape(served.replica)}"}} (\S+)$',
            served.api.get("/metrics").text,
            re.MULTILINE,
        )
        assert found is not None, name
        return found.group(1)

    assert (sample("dcmx_db_replica_up"), sample("dcmx_db_replica_lag_blocks")) == ("1.0", "0.0")
    with replay_paused(served):
        served.index_documents(3)
        assert sample("dcmx_db_replica_lag_blocks") == "3.0"
    assert sample("dcmx_db_replica_lag_blocks") == "0.0"


def test_writes_and_their_api_keys_go_to_the_primary(served: Served) -> None:
    with replay_paused(served):
        # A key the replica has not replayed yet: only the primary knows it.
        issued = issue_key("compliance desk", frozenset({Scope.COMPLIANCE_WRITE}), 1_767_225_600)
        uow = served.container.unit_of_work()
        with uow:
            uow.api_keys.add_key(issued.key)
            uow.commit()
        response = served.api.post(
            "/v1/documents/terms_of_service/versions",
            json={"version": 1, "text": "terms"},
            headers={"Authorization": f"Bearer {issued.token}"},
        )
        assert response.status_code == 201, response.text
        served.container.indexer().catch_up()  # the next test starts with all indexed


def test_a_stopped_replica_makes_readyz_say_which(served: Served) -> None:
    check = f"replica {served.replica}"
    served.pair.replica.stop()
    try:
        response = served.api.get("/readyz")
        metrics = served.api.get("/metrics").text
        read = served.api.get("/v1/events")
    finally:
        served.pair.replica.start()
        served.pair.caught_up()
    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == f"not ready: {check}"
    assert body["checks"][check] == "failed: OperationalError"
    assert {k: v for k, v in body["checks"].items() if k != check} == {
        "database": "ok",
        "ledger": "ok",
        "indexer": "ok",
    }
    assert f'dcmx_db_replica_up{{replica="{served.replica}"}} 0.0' in metrics
    assert "dcmx_db_replica_lag_blocks{" not in metrics
    assert (read.status_code, read.json()["type"]) == (503, "/problems/database-unavailable")
    assert served.api.get("/readyz").status_code == 200  # the pool connects anew


def test_reads_take_the_read_urls_in_turn(
    streaming_replica: StreamingReplica, served: Served, tmp_path: Path
) -> None:
    """With the replica and the primary itself as the read URLs, a paused replica answers
    every other read with the older block."""
    primary = served.container.settings().database
    replica = served.container.settings().database_read_url[0]
    settings = Settings.load(
        {
            "DCMX_DATA_DIR": str(tmp_path),
            "DCMX_DATABASE_URL": primary,
            "DCMX_DATABASE_READ_URL": f"{replica}, {primary}",
        }
    )
    container = container_for(settings)
    reads = container.read_units_of_work()
    chain = served.container.chain()

    def block() -> int | None:
        uow = reads()
        with uow:
            checkpoint = uow.checkpoints.get_checkpoint(chain)
        return None if checkpoint is None else checkpoint.block_number

    try:
        with replay_paused(served):
            before = served.primary_block()
            after = served.index_documents(1)
            assert [block() for _ in range(4)] == [before, after, before, after]
    finally:
        container.shutdown_resources()
