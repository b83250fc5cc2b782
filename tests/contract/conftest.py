"""Fixtures of the repository contract suite: one fresh set of repositories per implementation.

Every test runs once per name in ``REPOSITORY_FACTORIES``: "memory", "sqlite" (a fresh file,
migrated with Alembic) and "postgresql" (this test run's own database, emptied for each test;
see tests/postgres.py for where the server comes from). A factory is a context manager that
takes the test's ``request`` (to reach other fixtures), yields fresh, empty ``Repositories`` and
cleans up after. The SQL ones share one session that is never committed, as the repositories
would be used inside a unit of work; ``UNIT_OF_WORK_FACTORIES`` does the same for whole units
of work, which commit for real.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from attrs import frozen
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dcmx_adapters.memory.repositories import (
    MemoryBalanceRepository,
    MemoryCheckpointRepository,
    MemoryClaimRepository,
    MemoryComplianceRepository,
    MemoryEventRepository,
    MemoryProfileRepository,
    MemoryQuarantineRepository,
    MemoryReleaseRepository,
    MemorySaleRepository,
    MemoryStatsRepository,
    MemoryUnitOfWork,
)
from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_adapters.sql.indexer_repositories import (
    SqlCheckpointRepository,
    SqlEventRepository,
    SqlQuarantineRepository,
    SqlStatsRepository,
)
from dcmx_adapters.sql.market_repositories import (
    SqlBalanceRepository,
    SqlReleaseRepository,
    SqlSaleRepository,
)
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_adapters.sql.user_repositories import (
    SqlClaimRepository,
    SqlComplianceRepository,
    SqlProfileRepository,
)
from dcmx_core.ports import (
    BalanceRepository,
    CheckpointRepository,
    ClaimRepository,
    ComplianceRepository,
    EventRepository,
    ProfileRepository,
    QuarantineRepository,
    ReleaseRepository,
    SaleRepository,
    StatsRepository,
    UnitOfWork,
)
from tests.conftest import empty_tables


@frozen
class Repositories:
    """One implementation's repositories, sharing whatever store it has."""

    events: EventRepository
    releases: ReleaseRepository
    balances: BalanceRepository
    sales: SaleRepository
    claims: ClaimRepository
    compliance: ComplianceRepository
    profiles: ProfileRepository
    checkpoints: CheckpointRepository
    quarantine: QuarantineRepository
    stats: StatsRepository


RepositoryFactory = Callable[[pytest.FixtureRequest], AbstractContextManager[Repositories]]
UnitOfWorkFactory = Callable[[pytest.FixtureRequest], AbstractContextManager[UnitOfWork]]


@contextmanager
def memory_repositories(_request: pytest.FixtureRequest) -> Iterator[Repositories]:
    yield Repositories(
        events=MemoryEventRepository(),
        releases=MemoryReleaseRepository(),
        balances=MemoryBalanceRepository(),
        sales=MemorySaleRepository(),
        claims=MemoryClaimRepository(),
        compliance=MemoryComplianceRepository(),
        profiles=MemoryProfileRepository(),
        checkpoints=MemoryCheckpointRepository(),
        quarantine=MemoryQuarantineRepository(),
        stats=MemoryStatsRepository(),
    )


def sql_repositories(session: Session) -> Repositories:
    return Repositories(
        events=SqlEventRepository(session),
        releases=SqlReleaseRepository(session),
        balances=SqlBalanceRepository(session),
        sales=SqlSaleRepository(session),
        claims=SqlClaimRepository(session),
        compliance=SqlComplianceRepository(session),
        profiles=SqlProfileRepository(session),
        checkpoints=SqlCheckpointRepository(session),
        quarantine=SqlQuarantineRepository(session),
        stats=SqlStatsRepository(session),
    )


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated with ``upgrade`` once per session, to be copied by each test
    (a copy takes a millisecond; running the migrations, some forty)."""
    path = tmp_path_factory.mktemp("sqlite") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@contextmanager
def fresh_sqlite_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A new SQLite file in the test's tmp_path, at the newest schema."""
    tmp_path: Path = request.getfixturevalue("tmp_path")
    path = tmp_path / "read_models.db"
    shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def emptied_postgresql_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """This test run's PostgreSQL database, with every table emptied before and after."""
    engine: Engine = request.getfixturevalue("postgresql_engine")
    empty_tables(engine)
    try:
        yield engine
    finally:
        empty_tables(engine)


def sql_factory(
    engines: Callable[[pytest.FixtureRequest], AbstractContextManager[Engine]],
) -> RepositoryFactory:
    @contextmanager
    def repositories(request: pytest.FixtureRequest) -> Iterator[Repositories]:
        with engines(request) as engine, Session(engine) as session:
            yield sql_repositories(session)

    return repositories


REPOSITORY_FACTORIES: dict[str, RepositoryFactory] = {
    "memory": memory_repositories,
    "sqlite": sql_factory(fresh_sqlite_engine),
    "postgresql": sql_factory(emptied_postgresql_engine),
}


@contextmanager
def memory_unit_of_work(_request: pytest.FixtureRequest) -> Iterator[UnitOfWork]:
    yield MemoryUnitOfWork()


def sql_unit_of_work_factory(
    engines: Callable[[pytest.FixtureRequest], AbstractContextManager[Engine]],
) -> UnitOfWorkFactory:
    @contextmanager
    def unit_of_work(request: pytest.FixtureRequest) -> Iterator[UnitOfWork]:
        with engines(request) as engine:
            yield SqlUnitOfWork(engine)

    return unit_of_work


UNIT_OF_WORK_FACTORIES: dict[str, UnitOfWorkFactory] = {
    "memory": memory_unit_of_work,
    "sqlite": sql_unit_of_work_factory(fresh_sqlite_engine),
    "postgresql": sql_unit_of_work_factory(emptied_postgresql_engine),
}


@pytest.fixture(params=list(REPOSITORY_FACTORIES))
def repositories(request: pytest.FixtureRequest) -> Iterator[Repositories]:
    with REPOSITORY_FACTORIES[request.param](request) as fresh:
        yield fresh


@pytest.fixture(params=list(UNIT_OF_WORK_FACTORIES))
def unit_of_work(request: pytest.FixtureRequest) -> Iterator[UnitOfWork]:
    """A unit of work over empty read models; each ``with`` block is one transaction."""
    with UNIT_OF_WORK_FACTORIES[request.param](request) as fresh:
        yield fresh


@pytest.fixture
def events(repositories: Repositories) -> EventRepository:
    return repositories.events


@pytest.fixture
def releases(repositories: Repositories) -> ReleaseRepository:
    return repositories.releases


@pytest.fixture
def balances(repositories: Repositories) -> BalanceRepository:
    return repositories.balances


@pytest.fixture
def sales(repositories: Repositories) -> SaleRepository:
    return repositories.sales


@pytest.fixture
def claims(repositories: Repositories) -> ClaimRepository:
    return repositories.claims


@pytest.fixture
def compliance(repositories: Repositories) -> ComplianceRepository:
    return repositories.compliance


@pytest.fixture
def profiles(repositories: Repositories) -> ProfileRepository:
    return repositories.profiles


@pytest.fixture
def checkpoints(repositories: Repositories) -> CheckpointRepository:
    return repositories.checkpoints


@pytest.fixture
def quarantine(repositories: Repositories) -> QuarantineRepository:
    return repositories.quarantine


def known_gap(request: pytest.FixtureRequest, implementation: str, reason: str) -> None:
    """Expect this test to fail on ``implementation`` (strictly: once it passes there, the
    marker has to go)."""
    if implementation in request.node.callspec.params.values():
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture
def stats(repositories: Repositories) -> StatsRepository:
    return repositories.stats
