"""The container: the one place that chooses implementations, all from the settings.

It builds nothing until asked: ``Container(settings=...)`` is cheap, and each provider makes its
object on first use (the ledger, the database engine) or on every use (a unit of work).
"""

from __future__ import annotations

import getpass
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from dependency_injector import containers, providers

from dcmx_adapters.clock import SystemClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.ledger import EvmLedger, local_evm_ledger
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_adapters.memory.repositories import MemoryProfileRepository
from dcmx_adapters.rate_buckets import FailOpen, InProcessBuckets, RateCounter
from dcmx_adapters.signing import KeySigner
from dcmx_core.live import IndexNotices
from dcmx_core.model.platform import Deployment
from dcmx_core.model.signing import Signer
from dcmx_core.model.values import ZERO_ADDRESS
from dcmx_core.ports import Clock, EventSource, Ledger, ProfileRepository
from dcmx_core.services.indexer import Indexer, IndexerSettings, IndexerStatus
from dcmx_entrypoints.settings import LedgerKind, PasswordPrompt, Settings, SettingsError

if TYPE_CHECKING:
    # The database's adapters (SQLAlchemy, Alembic, psycopg) load when a database is first
    # used: a verb on a chain needs none of them, and they cost every command a second.
    from sqlalchemy import Engine

    from dcmx_adapters.sql.lease import WriterLease
    from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
    from dcmx_entrypoints.http.health import Replication

HANDLER_THREADS = 10
"""How many requests the API's handlers work on at once in one process (the rest wait their
turn on the event loop, which costs them nothing)."""

_log = logging.getLogger("dcmx.rate_limits")


def serving_engine(url: str) -> Engine:
    """An engine for the database at ``url``. On PostgreSQL its pool keeps a connection for
    each handler thread and two more (the indexer's, the readiness check's), so a busy API
    never opens and closes connections as it goes. Its pool counts the requests waiting for a
    connection (but an in-memory SQLite database's, which is one shared connection)."""
    from sqlalchemy import make_url

    from dcmx_adapters.sql.database import create_engine_for
    from dcmx_adapters.sql.pool import WaitCountedQueuePool

    parsed = make_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        options["pool_size"] = HANDLER_THREADS + 2
    if parsed.database not in (None, "", ":memory:"):
        options["poolclass"] = WaitCountedQueuePool
    return create_engine_for(url, **options)


def database_engine(settings: Settings) -> Iterator[Engine]:
    """The read models' engine; the SQLite file's directory is made on first use. Disposed
    when the container's resources are shut down."""
    sqlite_file = settings.sqlite_file
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    engine = serving_engine(settings.database)
    try:
        yield engine
    finally:
        engine.dispose()


def read_engines(settings: Settings) -> Iterator[list[Engine]]:
    """An engine for each read replica of ``database_read_url`` (none without). Disposed when
    the container's resources are shut down."""
    from dcmx_adapters.sql.replicas import replica_engine

    engines = [replica_engine(url) for url in settings.database_read_url]
    try:
        yield engines
    finally:
        for engine in engines:
            engine.dispose()


class DatabasePing:
    """Asks the database ``SELECT 1``: whether it answers at all."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __call__(self) -> None:
        from sqlalchemy import text

        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))


OPERATOR_KEY_SETTINGS: Final = "DCMX_KEYSTORE (with DCMX_KEYSTORE_PASSWORD) or DCMX_PRIVATE_KEY"
"""What to set for the operator to have a key, said wherever a write needs one."""


def terminal_password(prompt: str) -> str | None:
    """A password typed on this terminal (not echoed); None when nobody is at one."""
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(prompt)


def operator_signer(settings: Settings, prompt: PasswordPrompt) -> Signer | None:
    """Who signs as the operator: the configured key. A chain of this process, deployed
    afresh, needs an admin even without one: a new key then."""
    signer = settings.operator_signer(prompt=prompt)
    if signer is None and settings.on_local_chain:
        return KeySigner.random()
    return signer


def _senders(operator: Signer | None, others: Sequence[Signer]) -> list[Signer]:
    return ([operator] if operator is not None else []) + list(others)


def memory_ledger(operator: Signer | None, crypto: EthCrypto, clock: Clock) -> Ledger:
    """The rules themselves, administered by the operator: a fresh chain in this process."""
    admin = operator.address if operator is not None else ZERO_ADDRESS
    return MemoryLedger(admin=admin, crypto=crypto, clock=clock)


def evm_ledger(
    settings: Settings, operator: Signer | None, others: Sequence[Signer], clock: Clock
) -> Ledger:
    """The contracts on the node at ``evm_rpc_url`` where the deployment file says they are, or
    freshly deployed by the operator on an in-process chain (eth-tester or revm)."""
    senders = _senders(operator, others)
    if settings.evm_rpc_url:
        # web3 loads for a chain reached over JSON-RPC alone (a second of every command's start).
        from web3 import HTTPProvider, Web3

        from dcmx_adapters.evm.chain import Web3Chain

        chain = Web3Chain(
            Web3(HTTPProvider(settings.evm_rpc_url)),
            senders,
            confirmations=settings.confirmations,
        )
        found = settings.evm_deployment
        if found is None:  # Settings.load refuses this; a hand-built Settings may not
            raise SettingsError("DCMX_EVM_DEPLOYMENT", "set when DCMX_EVM_RPC_URL is")
        deployment = Deployment(
            chain.chain_id,
            found.token,
            found.music_nft,
            found.compliance,
            found.rewards,
            found.royalties,
        )
        admin = operator.address if operator is not None else ZERO_ADDRESS
        return EvmLedger(chain, deployment, admin=admin, clock=clock)
    if operator is None:
        raise ValueError("a new in-process chain needs its admin's signer")
    return local_evm_ledger(
        operator.address, clock, engine=settings.evm_engine.value, signers=senders
    )


def tron_ledger(
    settings: Settings, operator: Signer | None, others: Sequence[Signer], clock: Clock
) -> Ledger:
    """The contracts on TRON: a fresh local node in this process, or the network's deployment
    signed for with the settings' key, at their energy price and fee limit margin."""
    # tronpy and the local node load for a TRON ledger alone.
    from dcmx_adapters.tron import fees
    from dcmx_adapters.tron import ledger as tron
    from dcmx_devnode.local import fresh_tron_ledger

    limits = fees.fee_limits(
        energy_price=settings.tron_energy_price, margin=settings.tron_fee_limit_margin
    )
    if settings.tron_network == "local":
        return fresh_tron_ledger(clock, operator, others, fee_limits=limits)
    found = settings.tron_deployment
    if found is None:
        raise SettingsError(
            "DCMX_TRON_DEPLOYMENT",
            "set when DCMX_TRON_NETWORK is not local: the deployment file `dcmx deploy` writes",
        )
    ledger = tron.tron_ledger(
        settings.tron_network,
        clock=clock,
        operator=operator,
        api_key=settings.tron_api_key.value if settings.tron_api_key is not None else None,
        deployment=(found.token, found.music_nft, found.compliance, found.rewards, found.royalties),
        energy_price=settings.tron_energy_price,
        fee_limit_margin=settings.tron_fee_limit_margin,
    )
    for signer in others:
        ledger.tron.add_signer(signer)
    return ledger


def index_notices(settings: Settings, engine: Callable[[], Engine]) -> IndexNotices:
    """Where the API hears the indexer's commits: PostgreSQL's ``LISTEN`` (any indexer, any
    machine), or on SQLite the commits of this process itself."""
    from sqlalchemy import make_url

    from dcmx_adapters.sql.notice_listeners import InProcessNotices, PostgresNotices

    if make_url(settings.database).get_backend_name() == "postgresql":
        return PostgresNotices(settings.database)
    return InProcessNotices(engine())


def chain_name(settings: Settings, ledger: Ledger) -> str:
    """The name the read models file a chain's events under: ``evm:1337``, ``tron:nile``."""
    if settings.ledger is LedgerKind.TRON and "://" not in settings.tron_network:
        return f"tron:{settings.tron_network}"
    return f"{settings.ledger.value}:{ledger.deployment.chain_id}"


@runtime_checkable
class Solidifying(Protocol):
    """A ledger whose blocks become final some way behind its head (TRON's solidified blocks)."""

    def solidified(self) -> EventSource: ...


def event_source(settings: Settings, ledger: Ledger) -> EventSource:
    """What the indexer reads: on TRON the solidified blocks only, which no reorganization
    reaches; on any other chain the ledger itself, up to the head less the confirmations."""
    if settings.ledger is not LedgerKind.TRON:
        return ledger
    if not isinstance(ledger, Solidifying):
        raise TypeError(f"a TRON ledger must tell its solidified blocks, not {ledger!r}")
    return ledger.solidified()


def indexer_settings(settings: Settings, chain: str) -> IndexerSettings:
    return IndexerSettings(
        chain=chain,
        batch_blocks=settings.batch_blocks,
        confirmations=settings.confirmations,
        reorg_window=settings.reorg_window,
    )


def rate_counter(
    settings: Settings, engine: Callable[[], Engine], processes: int = 1
) -> RateCounter:
    """Where an API process of ``processes`` serving together counts its rate limits
    (``DCMX_RATE_LIMIT_URL``): in Redis, in the PostgreSQL database, or in itself. Left empty,
    the database when it is PostgreSQL and several processes serve, else the process itself.
    A shared store that cannot be reached gives way to counting in the process meanwhile."""
    from sqlalchemy import make_url

    url = settings.rate_limit_url
    on_postgresql = make_url(settings.database).get_backend_name() == "postgresql"
    if not url:
        url = "postgresql" if processes > 1 and on_postgresql else "in-process"
        if processes > 1 and not on_postgresql:
            _log.warning(
                'rate_limits=in-process reason="%d processes count apart: the database is not '
                'PostgreSQL and DCMX_RATE_LIMIT_URL is not set"',
                processes,
            )
    if url == "in-process":
        return InProcessBuckets()
    if url == "postgresql":
        from dcmx_adapters.sql.rate_buckets import PostgresBuckets

        return FailOpen(PostgresBuckets(engine(), settings.rate_limit_prefix))
    # Imported here: only an API that counts in Redis pays for loading its client.
    from dcmx_adapters.redis_buckets import RedisBuckets

    return FailOpen(RedisBuckets(url, settings.rate_limit_prefix))


def unit_of_work(engine: Engine) -> SqlUnitOfWork:
    from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork

    return SqlUnitOfWork(engine)


def read_units_of_work(
    engine: Engine, replicas: Sequence[Engine], chain: str
) -> Callable[[], SqlUnitOfWork]:
    """The API's reads: on the replicas each in turn when there are any, else on ``engine``."""
    from dcmx_adapters.sql.replicas import InTurn
    from dcmx_adapters.sql.unit_of_work import reading_units_of_work

    if not replicas:
        return reading_units_of_work(engine, chain)
    return InTurn([reading_units_of_work(replica, chain) for replica in replicas])


def replication(engine: Engine, replicas: Sequence[Engine], chain: str) -> Replication | None:
    """The read replicas as the readiness check and the metrics ask them (None without)."""
    from dcmx_adapters.sql.replicas import replica_name
    from dcmx_adapters.sql.unit_of_work import reading_units_of_work
    from dcmx_entrypoints.http.health import Replica, Replication

    if not replicas:
        return None
    return Replication(
        reading_units_of_work(engine, chain),
        chain,
        [
            Replica(replica_name(str(replica.url)), reading_units_of_work(replica, chain))
            for replica in replicas
        ],
    )


def writer_lease(engine: Engine, chain: str) -> WriterLease:
    from dcmx_adapters.sql.lease import WriterLease

    return WriterLease(engine, chain)


def _ledger_kind(settings: Settings) -> str:
    return settings.ledger.value


class Container(containers.DeclarativeContainer):
    """Everything DCMX runs on, chosen by ``settings``."""

    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)

    clock: providers.Singleton[Clock] = providers.Singleton(SystemClock)
    crypto: providers.Singleton[EthCrypto] = providers.Singleton(EthCrypto)
    password_prompt: providers.Object[PasswordPrompt] = providers.Object(terminal_password)
    operator_signer: providers.Singleton[Signer | None] = providers.Singleton(
        operator_signer, settings, password_prompt
    )
    senders: providers.Object[Sequence[Signer]] = providers.Object(())
    """Accounts besides the operator's that the ledger signs for: on a local chain the demo's
    cast; on a network, an account whose keystore a command was given."""
    profiles: providers.Singleton[ProfileRepository] = providers.Singleton(MemoryProfileRepository)

    engine: providers.Resource[Engine] = providers.Resource(database_engine, settings)
    unit_of_work: providers.Factory[SqlUnitOfWork] = providers.Factory(unit_of_work, engine)
    ping_database: providers.Factory[DatabasePing] = providers.Factory(DatabasePing, engine)
    rate_counter: providers.Factory[RateCounter] = providers.Factory(
        rate_counter, settings, engine.provider
    )
    index_notices: providers.Singleton[IndexNotices] = providers.Singleton(
        index_notices, settings, engine.provider
    )

    ledger: providers.Selector[Ledger] = providers.Selector(
        providers.Callable(_ledger_kind, settings),
        memory=providers.Singleton(memory_ledger, operator_signer, crypto, clock),
        evm=providers.Singleton(evm_ledger, settings, operator_signer, senders, clock),
        tron=providers.Singleton(tron_ledger, settings, operator_signer, senders, clock),
    )
    chain: providers.Singleton[str] = providers.Singleton(chain_name, settings, ledger)
    read_engines: providers.Resource[list[Engine]] = providers.Resource(read_engines, settings)
    read_units_of_work: providers.Singleton[Callable[[], SqlUnitOfWork]] = providers.Singleton(
        read_units_of_work, engine, read_engines, chain
    )
    """The API's reads: one statement a read, outside a transaction, on the read replicas in
    turn when there are any. Everything else (writes, the indexer, its lease, the live
    events' ``LISTEN``, the rate limits) stays on ``engine``, the primary."""
    replication: providers.Singleton[Replication | None] = providers.Singleton(
        replication, engine, read_engines, chain
    )
    event_source: providers.Singleton[EventSource] = providers.Singleton(
        event_source, settings, ledger
    )

    indexer_settings: providers.Singleton[IndexerSettings] = providers.Singleton(
        indexer_settings, settings, chain
    )
    indexer_status: providers.Singleton[IndexerStatus] = providers.Singleton(IndexerStatus)
    writer_lease: providers.Factory[WriterLease] = providers.Factory(writer_lease, engine, chain)
    indexer: providers.Singleton[Indexer] = providers.Singleton(
        Indexer,
        ledger=event_source,
        uow=unit_of_work,
        settings=indexer_settings,
        status=indexer_status,
    )


def container_for(settings: Settings) -> Container:
    """A container for ``settings`` (nothing is built until it is asked for)."""
    container = Container()
    container.settings.override(providers.Object(settings))
    return container


def container_from_environment(**load: Any) -> Container:
    """A container for the settings of this process's environment (and ``DCMX_CONFIG``)."""
    return container_for(Settings.load(**load))
