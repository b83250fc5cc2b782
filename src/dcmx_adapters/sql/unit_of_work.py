"""The unit of work on SQL: it binds the repository of every read model to one SQLAlchemy
``Session``, so that one commit keeps a batch or nothing does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from dcmx_adapters.sql.access_repositories import SqlApiKeyRepository, SqlUsedNonceRepository
from dcmx_adapters.sql.database import reading_engine
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
from dcmx_adapters.sql.projections import SetWiseProjection
from dcmx_adapters.sql.read_statements import DirectAlong, KeptConnection
from dcmx_adapters.sql.statements import ALONG, SqlRepository
from dcmx_adapters.sql.user_repositories import (
    SqlClaimRepository,
    SqlComplianceRepository,
    SqlProfileRepository,
)
from dcmx_core.events import DomainEvent
from dcmx_core.ports import (
    ApiKeyRepository,
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
    UsedNonceRepository,
)
from dcmx_core.services.projections import project_through_repositories

_REPOSITORIES: dict[str, type[SqlRepository]] = {
    "events": SqlEventRepository,
    "releases": SqlReleaseRepository,
    "balances": SqlBalanceRepository,
    "sales": SqlSaleRepository,
    "claims": SqlClaimRepository,
    "compliance": SqlComplianceRepository,
    "profiles": SqlProfileRepository,
    "checkpoints": SqlCheckpointRepository,
    "quarantine": SqlQuarantineRepository,
    "stats": SqlStatsRepository,
    "api_keys": SqlApiKeyRepository,
    "nonces": SqlUsedNonceRepository,
}


_SESSIONS: WeakKeyDictionary[Engine, sessionmaker[Session]] = WeakKeyDictionary()


def sessions_of(engine: Engine) -> sessionmaker[Session]:
    # One session factory an engine: each sessionmaker is a new Session subclass, and
    # SQLAlchemy sets up event dispatch for every new class on its first session.
    sessions = _SESSIONS.get(engine)
    if sessions is None:
        sessions = _SESSIONS[engine] = sessionmaker(engine, expire_on_commit=False)
    return sessions


class SqlUnitOfWork:
    """The SQL read models as one transaction. Entering opens a session and begins; ``commit``
    commits; ``rollback``, or leaving the ``with`` block without committing what was written
    since, rolls back. The repositories exist inside the ``with`` block only."""

    # Typed as the ports: whoever holds a unit of work sees the ports' methods only.
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
    api_keys: ApiKeyRepository
    nonces: UsedNonceRepository

    def __init__(self, bind: Engine | sessionmaker[Session]) -> None:
        self._sessions = bind if isinstance(bind, sessionmaker) else sessions_of(bind)
        self._session: Session | None = None
        self._reads_of: str | None = None
        self._kept: KeptConnection | None = None
        self.fence: Callable[[Session], None] | None = None
        """Run as each transaction begins and again before it commits (a writer's lease
        check): it may refuse by raising, and nothing is written."""

    @classmethod
    def for_reading(
        cls, sessions: sessionmaker[Session], chain: str, kept: KeptConnection | None = None
    ) -> SqlUnitOfWork:
        """A unit of work that only reads (see ``reading_units_of_work``), on the ``kept``
        connection when there is one. It refuses to commit."""
        uow = cls(sessions)
        uow._reads_of = chain
        uow._kept = kept
        return uow

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already in a with block")
        session = self._session = self._sessions()
        if self._reads_of is None:
            session.begin()
            if self.fence is not None:
                self._fence_first(session)
        else:
            session.info[ALONG] = DirectAlong(self._reads_of, kept=self._kept)
        for name, repository in _REPOSITORIES.items():
            setattr(self, name, repository(session))
        return self

    def _fence_first(self, session: Session) -> None:
        """A writer proves its lease as its transaction begins, as well as before it commits:
        a batch that another writer wrote meanwhile is then a lost lease, not a half-indexed
        batch; and the generation it holds FOR SHARE keeps a successor from taking over until
        this transaction ends."""
        assert self.fence is not None
        try:
            self.fence(session)
        except BaseException:
            self._session = None
            session.close()
            raise

    def __exit__(self, *exc: object) -> None:
        session, self._session = self._active(), None
        # A repository used after the block would open a transaction no one commits.
        for name in _REPOSITORIES:
            delattr(self, name)
        session.close()  # rolls back whatever was not committed

    def project(self, events: Sequence[DomainEvent]) -> None:
        """On PostgreSQL the database computes the projections set-wise from the events;
        elsewhere they are folded here and written through the repositories."""
        session = self._writable()
        if session.get_bind().dialect.name == "postgresql":
            self.stats.add(SetWiseProjection.of(session).project(events))
        else:
            project_through_repositories(events, self)

    def refresh_statistics(self) -> None:
        """``ANALYZE`` (PostgreSQL and SQLite): the planner's statistics of every table, taken
        again from samples. PostgreSQL's autovacuum does it too, but only some time after a
        bulk load, and not at all where it is turned off."""
        self._writable().execute(text("ANALYZE"))

    def commit(self) -> None:
        session = self._writable()
        if self.fence is not None:  # a writer proves it still holds its lease, then writes
            self.fence(session)
        session.commit()

    def rollback(self) -> None:
        self._active().rollback()

    def _active(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside its with block")
        return self._session

    def _writable(self) -> Session:
        if self._reads_of is not None:
            raise RuntimeError("a unit of work for reading writes nothing")
        return self._active()


def reading_units_of_work(engine: Engine, chain: str) -> Callable[[], SqlUnitOfWork]:
    """A new unit of work a call, for the API's reads of ``chain``: on PostgreSQL outside a
    transaction (``reading_engine``: no ``BEGIN`` and ``ROLLBACK`` round trips), and its first
    read bringing the checkpoint along in the same statement, so that the checkpoint asked for
    after it is of that read's snapshot: one round trip a read. On PostgreSQL the reads go on
    a connection kept for them, through the driver itself (``read_statements``)."""
    sessions = sessionmaker(reading_engine(engine), expire_on_commit=False)
    kept = KeptConnection(engine) if engine.dialect.name == "postgresql" else None
    return partial(SqlUnitOfWork.for_reading, sessions, chain, kept)


if TYPE_CHECKING:
    # Never run: mypy checks here that each class is what its port asks for.
    def _conforms(session: Session, engine: Engine) -> None:
        _events: EventRepository = SqlEventRepository(session)
        _releases: ReleaseRepository = SqlReleaseRepository(session)
        _balances: BalanceRepository = SqlBalanceRepository(session)
        _sales: SaleRepository = SqlSaleRepository(session)
        _claims: ClaimRepository = SqlClaimRepository(session)
        _compliance: ComplianceRepository = SqlComplianceRepository(session)
        _profiles: ProfileRepository = SqlProfileRepository(session)
        _checkpoints: CheckpointRepository = SqlCheckpointRepository(session)
        _quarantine: QuarantineRepository = SqlQuarantineRepository(session)
        _stats: StatsRepository = SqlStatsRepository(session)
        _api_keys: ApiKeyRepository = SqlApiKeyRepository(session)
        _nonces: UsedNonceRepository = SqlUsedNonceRepository(session)
        _unit_of_work: UnitOfWork = SqlUnitOfWork(engine)
