"""Fixtures of the repository contract suite: one fresh set of repositories per implementation.

To run the suite on another implementation, write a factory (a context manager that yields a
fresh, empty ``Repositories`` and cleans up after) and add it to ``REPOSITORY_FACTORIES`` under
its name ("sqlite", "postgresql"). Every test then runs once per name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from attrs import frozen

from dcmx_adapters.memory.repositories import (
    MemoryBalanceRepository,
    MemoryCheckpointRepository,
    MemoryClaimRepository,
    MemoryComplianceRepository,
    MemoryEventRepository,
    MemoryProfileRepository,
    MemoryReleaseRepository,
    MemorySaleRepository,
)
from dcmx_core.ports import (
    BalanceRepository,
    CheckpointRepository,
    ClaimRepository,
    ComplianceRepository,
    EventRepository,
    ProfileRepository,
    ReleaseRepository,
    SaleRepository,
)


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


RepositoryFactory = Callable[[], AbstractContextManager[Repositories]]


@contextmanager
def memory_repositories() -> Iterator[Repositories]:
    yield Repositories(
        events=MemoryEventRepository(),
        releases=MemoryReleaseRepository(),
        balances=MemoryBalanceRepository(),
        sales=MemorySaleRepository(),
        claims=MemoryClaimRepository(),
        compliance=MemoryComplianceRepository(),
        profiles=MemoryProfileRepository(),
        checkpoints=MemoryCheckpointRepository(),
    )


REPOSITORY_FACTORIES: dict[str, RepositoryFactory] = {
    "memory": memory_repositories,
}


@pytest.fixture(params=list(REPOSITORY_FACTORIES))
def repositories(request: pytest.FixtureRequest) -> Iterator[Repositories]:
    with REPOSITORY_FACTORIES[request.param]() as fresh:
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
