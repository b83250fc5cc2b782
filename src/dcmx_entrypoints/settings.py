"""Settings: what the container builds from, read from ``DCMX_*`` environment variables and an
optional TOML file, checked once at start.

The file's keys are the settings' names (``ledger = "evm"``, ``api_port = 8080``); its path is
``DCMX_CONFIG`` or the one given to ``Settings.load``. An environment variable wins over the
file, the file over the default. Any value out of what a setting accepts is refused with one
``SettingsError`` naming the variable and what it accepts; nothing is half-loaded.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable, Mapping
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import platformdirs
from attrs import field, frozen

from dcmx_adapters.signing import KeyRefused, KeystoreSigner, read_keystore
from dcmx_core.exceptions import InvalidAddress
from dcmx_core.model.signing import Signer
from dcmx_core.model.values import Address
from dcmx_entrypoints.keys import Secret, SigningKey, signing_key_from_hex

PREFIX: Final = "DCMX_"
CONFIG_VARIABLE: Final = "DCMX_CONFIG"
APP_NAME: Final = "dcmx"
DATABASE_FILE: Final = "dcmx.sqlite3"
TRON_NETWORKS: Final = ("local", "shasta", "nile", "mainnet")
DEPLOYMENT_CONTRACTS: Final = ("token", "music_nft", "compliance", "rewards", "royalties")


PasswordPrompt = Callable[[str], str | None]
"""Asks a person for a password (None: there is nobody to ask, not on a terminal)."""


class SettingsError(ValueError):
    """A setting's value is not one it accepts; the message names the variable."""

    def __init__(
        self, variable: str, accepts: str, given: object = None, *, source: str = ""
    ) -> None:
        shown = "" if given is None else f", not {given!r}"
        where = f" ({source})" if source else ""
        super().__init__(f"{variable}{where} must be {accepts}{shown}")
        self.variable = variable
        self.accepts = accepts


class KeystoreSetting:
    """A keystore signer whose wrong password is a ``SettingsError`` naming ``variable``."""

    def __init__(self, signer: KeystoreSigner, variable: str) -> None:
        self._signer = signer
        self._variable = variable

    @property
    def address(self) -> Address:
        return self._signer.address

    def open(self) -> None:
        """Open the keystore now (a command that will sign fails at once on a wrong password)."""
        try:
            self._signer.open()
        except KeyRefused as refused:
            raise SettingsError(self._variable, str(refused)) from None

    def sign_digest(self, digest: bytes) -> bytes:
        self.open()
        return self._signer.sign_digest(digest)


class LedgerKind(StrEnum):
    MEMORY = "memory"
    EVM = "evm"
    TRON = "tron"


class EvmEngine(StrEnum):
    ETH_TESTER = "eth-tester"
    REVM = "revm"


BALANCE_LOW_DEFAULTS: Final = {
    LedgerKind.MEMORY: 0,  # the rules alone charge nothing
    LedgerKind.EVM: 10**17,  # 0.1 of the coin: thousands of calls at a few gwei
    LedgerKind.TRON: 500 * 10**6,  # 500 TRX: a few dozen calls with no energy staked
}
"""The operator's low-water mark on each chain unless ``DCMX_OPERATOR_BALANCE_LOW`` says."""


@frozen
class EvmDeployment:
    """Where the five contracts live on a remote EVM chain, as a deployment file names them."""

    token: Address
    music_nft: Address
    compliance: Address
    rewards: Address
    royalties: Address


def default_data_dir() -> Path:
    """The user's data directory for DCMX (platformdirs), where the default database lives."""
    return Path(platformdirs.user_data_dir(APP_NAME))


@frozen
class Settings:
    ledger: LedgerKind = LedgerKind.MEMORY
    """Which ledger the commands and the indexer use: the rules in memory, the contracts on an
    EVM chain, or the contracts on TRON."""
    evm_engine: EvmEngine = EvmEngine.ETH_TESTER
    """The in-process EVM a local EVM chain runs on (without ``evm_rpc_url``)."""
    evm_rpc_url: str | None = None
    """An EVM node's JSON-RPC URL; unset means a chain of this process."""
    evm_deployment: EvmDeployment | None = None
    """The contracts on the EVM node at ``evm_rpc_url`` (the JSON file ``dcmx deploy`` writes)."""
    tron_network: str = "local"
    """The TRON network: a node of this process (``local``), Shasta, Nile, mainnet, or a node's
    URL."""
    private_key: SigningKey | None = None
    """The operator's key as 64 hex digits (``DCMX_PRIVATE_KEY``), on any chain."""
    tron_private_key: SigningKey | None = None
    """The TRON operator's key (``DCMX_TRON_PRIVATE_KEY``): on TRON it wins over the others."""
    tron_api_key: Secret | None = None
    """TronGrid's API key, sent with every request to a TronGrid node."""
    tron_deployment: EvmDeployment | None = None
    """The contracts on the TRON network (the same JSON file, with ``T…`` addresses)."""
    tron_energy_price: int = 100
    """Sun an energy costs: what the fee limits are worked out at."""
    tron_fee_limit_margin: Fraction = Fraction(3, 2)
    """A call's fee limit is its measured energy × the energy price × this."""
    keystore: Path | None = None
    """An encrypted keystore file (JSON v3) holding the operator's key, on any chain."""
    keystore_password: Secret | None = None
    """The keystore's password; unset, a command asks for it on a terminal."""
    data_dir: Path = field(factory=default_data_dir)
    """Where the default SQLite database, the local chain of ``dcmx up`` and the deployment
    files live (the user's data directory by default)."""
    database_url: str = ""
    """Empty means the SQLite file ``dcmx.sqlite3`` in ``data_dir`` (``sqlite_file``)."""
    database_read_url: tuple[str, ...] = ()
    """PostgreSQL streaming replicas of ``database_url`` (``postgresql+psycopg://`` URLs,
    separated by commas; a list in the file) that the API's reads go to, one after the other
    in turn. Writes, API keys and nonces, the indexer and its lease, the live events and the
    rate limits stay on ``database_url``, which must then be PostgreSQL too. Every answer
    still says the block it is consistent with: the replica's checkpoint. Empty: every read
    goes to ``database_url``."""
    read_replica_max_lag: int = 10
    """``/readyz`` answers not ready while a replica of ``database_read_url`` is more than this
    many blocks behind the primary: the primary's checkpoint (read first) less the replica's
    (read just after). Counted in blocks, the unit of every answer's ``block``: what the API
    serves from a replica is exactly as old as its checkpoint. Not the time since the replica
    last replayed a transaction, which grows on a primary with nothing to write although the
    replica misses nothing; nor the bytes of log it has still to replay, which any write to
    any database of the cluster adds to whether or not an answer changes."""
    confirmations: int = 0
    """Blocks the indexer stays behind the head (and an EVM write waits for on a node)."""
    batch_blocks: int = 500
    """Blocks the indexer asks the ledger for in one read (keep it within a node's range limit
    for ``eth_getLogs``), and the blocks of a batch (one database transaction) near the head.
    Far behind the head a batch spans several reads, growing toward 100,000 events."""
    reorg_window: int = 64
    """How many recent blocks the indexer can roll back in a reorganization; a deeper one stops
    it."""
    api_host: str = "127.0.0.1"
    """The address the HTTP API listens on."""
    api_port: int = 8000
    """The port the HTTP API listens on."""
    page_size_max: int = 100
    """The most records a page of the API holds (a larger ``limit`` is refused)."""
    ready_max_lag: int = 10
    """``/readyz`` answers ready while the read models are at most this many blocks behind."""
    request_body_max: int = 65_536
    """The largest request body the API reads, in bytes (larger: 413)."""
    request_body_seconds: int = 10
    """The longest the API waits for a request's whole body, in seconds (longer: 408)."""
    api_connections_max: int = 1_000
    """Connections (and requests in progress) an API process takes at once; more are answered
    503 at once."""
    rate_key_per_minute: int = 600
    """Requests a minute an API key may make (a token bucket: ``rate_key_burst`` at once)."""
    rate_key_burst: int = 60
    """Requests an API key may make at once, before ``rate_key_per_minute`` refills them."""
    rate_signed_per_minute: int = 30
    """Signed user requests a minute per client IP and per signing address."""
    rate_signed_burst: int = 10
    """Signed requests at once per client IP and per signing address."""
    signed_expiry_max: int = 600
    """How far ahead of now a signed request may expire, in seconds."""
    rate_limit_url: str = ""
    """Where the rate limits are counted: ``redis://host:port/db`` (every process that names
    the same Redis shares them), ``postgresql`` (in the database of ``database_url``, which
    must be PostgreSQL), ``in-process`` (each process alone), or empty: PostgreSQL when the
    database is and ``dcmx serve --workers`` is above 1, else in-process."""
    rate_limit_prefix: str = "dcmx:rate:"
    """What the names of the buckets in a shared store begin with (APIs that share a Redis or
    a database but not their clients set different ones)."""
    operator_balance_low: int | None = None
    """The operator's balance of the chain's coin (sun on TRON, wei on EVM) below which it
    wants topping up, told on ``/metrics`` for the alert to compare; None: the chain's
    default (``BALANCE_LOW_DEFAULTS``)."""

    @property
    def operator_balance_low_mark(self) -> int:
        """The low-water mark of the operator's balance on the configured ledger."""
        if self.operator_balance_low is not None:
            return self.operator_balance_low
        return BALANCE_LOW_DEFAULTS[self.ledger]

    @property
    def database(self) -> str:
        """The database URL to connect to."""
        return self.database_url or f"sqlite:///{self.data_dir / DATABASE_FILE}"

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite file of the database, when it is one (its directory is made on demand)."""
        from sqlalchemy.engine import make_url  # SQLAlchemy loads when a database is used

        url = make_url(self.database)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    def keystore_signer(self, prompt: PasswordPrompt | None = None) -> Signer | None:
        """A signer with the key in ``keystore`` (None without one). It is opened when it
        first signs, with ``keystore_password``, else the password ``prompt`` asks a person
        for; a wrong or missing password is a ``SettingsError`` naming the variable."""
        if self.keystore is None:
            return None
        keystore = self.keystore
        variable = _SETTINGS["keystore_password"].variable

        def password() -> str:
            given = self.keystore_password.value if self.keystore_password is not None else None
            if given is None and prompt is not None:
                given = prompt(f"password of the keystore {keystore.name}: ")
            if given is None:
                raise SettingsError(variable, f"set to open the keystore {keystore.name}")
            return given

        try:
            return KeystoreSetting(KeystoreSigner(keystore, password), variable)
        except KeyRefused as refused:
            raise SettingsError(variable, str(refused)) from None

    def operator_signer(
        self, chain: LedgerKind | None = None, prompt: PasswordPrompt | None = None
    ) -> Signer | None:
        """Who signs as the operator on ``chain`` (the configured ledger by default): the raw
        key (``DCMX_TRON_PRIVATE_KEY`` first on TRON, then ``DCMX_PRIVATE_KEY``), else the
        keystore's key; None when no key is configured."""
        chain = chain or self.ledger
        for key in (self.tron_private_key if chain is LedgerKind.TRON else None, self.private_key):
            if key is not None:
                return key.signer()
        return self.keystore_signer(prompt)

    @property
    def on_local_chain(self) -> bool:
        """Whether the configured ledger is a chain of this process (the in-memory rules, an
        in-process EVM, a local TRON node) rather than a network reached by URL."""
        if self.ledger is LedgerKind.EVM:
            return self.evm_rpc_url is None
        if self.ledger is LedgerKind.TRON:
            return self.tron_network == "local"
        return True

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, config_file: str | Path | None = None
    ) -> Settings:
        """The settings from ``environ`` (the process environment by default) over the TOML
        file at ``config_file`` (or ``DCMX_CONFIG``) over the defaults."""
        environ = os.environ if environ is None else environ
        raw = _raw_values(environ, config_file)
        values = {name: _SETTINGS[name].parse(value) for name, value in raw.items()}
        settings = cls(**values)
        _check_together(settings)
        return settings


# --- one parser per setting -----------------------------------------------------------------


@frozen
class Raw:
    """A value as given, and where it was given (for the error message)."""

    value: object
    source: str


@frozen
class _Setting:
    name: str
    parse_value: Callable[[str, object], Any]
    secret: bool = False
    """A value that may hold a password is never shown in an error."""

    @property
    def variable(self) -> str:
        return PREFIX + self.name.upper()

    def parse(self, raw: Raw) -> Any:
        try:
            return self.parse_value(self.variable, raw.value)
        except SettingsError as error:
            shown = None if self.secret else raw.value
            raise SettingsError(error.variable, error.accepts, shown, source=raw.source) from None


def _choice(kind: type[StrEnum]) -> Callable[[str, object], Any]:
    accepts = "one of " + ", ".join(member.value for member in kind)

    def parse(variable: str, value: object) -> Any:
        if isinstance(value, str) and value.strip().lower() in {m.value for m in kind}:
            return kind(value.strip().lower())
        raise SettingsError(variable, accepts)

    return parse


def _integer(minimum: int, maximum: int | None = None) -> Callable[[str, object], int]:
    accepts = (
        f"an integer from {minimum} to {maximum}"
        if maximum is not None
        else f"an integer of at least {minimum}"
    )

    def parse(variable: str, value: object) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            number = int(value.strip())
        if number is None or number < minimum or (maximum is not None and number > maximum):
            raise SettingsError(variable, accepts)
        return number

    return parse


def _optional_integer(minimum: int) -> Callable[[str, object], int | None]:
    whole = _integer(minimum)

    def parse(variable: str, value: object) -> int | None:
        if isinstance(value, str) and not value.strip():
            return None
        try:
            return whole(variable, value)
        except SettingsError:
            raise SettingsError(variable, f"an integer of at least {minimum}, or empty") from None

    return parse


def _http_url(text: object) -> bool:
    if not isinstance(text, str):
        return False
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _rpc_url(variable: str, value: object) -> str | None:
    if isinstance(value, str) and not value.strip():
        return None
    if not _http_url(value):
        raise SettingsError(variable, "an http:// or https:// URL of an EVM JSON-RPC node")
    return str(value).strip()


def _tron_network(variable: str, value: object) -> str:
    if isinstance(value, str) and value.strip().lower() in TRON_NETWORKS:
        return value.strip().lower()
    if _http_url(value):
        return str(value).strip()
    raise SettingsError(
        variable, "one of " + ", ".join(TRON_NETWORKS) + ", or an http(s):// URL of a TRON node"
    )


def _refused_url(url: str) -> str | None:
    """How ``url`` shows (without its password) when the database layer refuses it, else None.
    Building an engine connects to nothing: it checks the URL the way it will be used."""
    from dcmx_adapters.sql.database import UnsupportedDatabaseUrl, create_engine_for

    try:
        create_engine_for(url).dispose()
    except UnsupportedDatabaseUrl as error:
        return error.shown
    return None


def _database_url(variable: str, value: object) -> str:
    if isinstance(value, str) and not value.strip():
        return ""  # the default database
    if not isinstance(value, str):
        raise SettingsError(
            variable, "postgresql+psycopg://user:password@host:port/database or sqlite:///path"
        )
    # Never echo the URL itself: it may hold a password.
    if (shown := _refused_url(value.strip())) is not None:
        raise SettingsError(
            variable,
            f"postgresql+psycopg://user:password@host:port/database or sqlite:///path "
            f"(given: {shown})",
        )
    return value.strip()


def _database_read_urls(variable: str, value: object) -> tuple[str, ...]:
    accepts = "postgresql+psycopg://user:password@host:port/database URLs, separated by commas"
    if isinstance(value, str):
        given = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, list) and all(isinstance(part, str) for part in value):
        given = [part.strip() for part in value]
    else:
        raise SettingsError(variable, accepts)
    for number, url in enumerate(given, start=1):
        # Never echo a URL itself: it may hold a password.
        if (shown := _refused_url(url)) is not None:
            raise SettingsError(variable, f"{accepts} (URL {number} is {shown})")
        if not url.startswith("postgresql"):
            raise SettingsError(variable, f"{accepts} (URL {number} is not PostgreSQL)")
    return tuple(given)


RATE_LIMIT_STORES: Final = ("in-process", "postgresql")


def _rate_limit_url(variable: str, value: object) -> str:
    accepts = "redis://host:port/db, rediss://..., postgresql, in-process, or empty"
    if not isinstance(value, str):
        raise SettingsError(variable, accepts)
    given = value.strip()
    if given.lower() in ("", *RATE_LIMIT_STORES):
        return given.lower()
    parts = urlsplit(given)
    if parts.scheme in ("redis", "rediss") and parts.hostname:
        return given
    if parts.scheme == "unix" and parts.path:
        return given
    # Never echo the URL itself: it may hold a password.
    raise SettingsError(variable, f"{accepts} (given a URL of scheme {parts.scheme or 'none'!r})")


def _prefix(variable: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise SettingsError(variable, "text of 1 to 100 characters")
    return value.strip()


def _directory(variable: str, value: object) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(variable, "the path of a directory")
    path = Path(value.strip()).expanduser()
    if path.exists() and not path.is_dir():
        raise SettingsError(variable, "the path of a directory (this is a file)")
    return path


def _host(variable: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
        raise SettingsError(variable, "a host name or IP address to listen on")
    return value.strip()


def _deployment(variable: str, value: object) -> EvmDeployment | None:
    accepts = (
        "the path of a JSON file naming the contracts' addresses: {"
        + ", ".join(f'"{name}": "0x…"' for name in DEPLOYMENT_CONTRACTS)
        + "}"
    )
    if isinstance(value, str) and not value.strip():
        return None
    if not isinstance(value, str):
        raise SettingsError(variable, accepts)
    try:
        data = json.loads(Path(value.strip()).expanduser().read_text(encoding="utf-8"))
        return EvmDeployment(*(Address.parse(data[name]) for name in DEPLOYMENT_CONTRACTS))
    except (OSError, ValueError, KeyError, TypeError, InvalidAddress):
        raise SettingsError(variable, accepts) from None


def _private_key(variable: str, value: object) -> SigningKey | None:
    if isinstance(value, str) and not value.strip():
        return None
    try:
        return signing_key_from_hex(value if isinstance(value, str) else "")
    except KeyRefused as refused:
        raise SettingsError(variable, str(refused)) from None


def _secret(variable: str, value: object) -> Secret | None:
    if not isinstance(value, str):
        raise SettingsError(variable, "text")
    return Secret(value) if value else None


def _keystore(variable: str, value: object) -> Path | None:
    if isinstance(value, str) and not value.strip():
        return None
    path = Path(value.strip()).expanduser() if isinstance(value, str) else Path()
    try:
        read_keystore(path)
    except KeyRefused as refused:
        raise SettingsError(variable, str(refused)) from None
    return path


def _tron_deployment(variable: str, value: object) -> EvmDeployment | None:
    try:
        return _deployment(variable, value)
    except SettingsError:
        names = ", ".join(f'"{name}": "T…"' for name in DEPLOYMENT_CONTRACTS)
        accepts = "the path of a JSON file naming the contracts' addresses: {" + names + "}"
        raise SettingsError(variable, accepts) from None


def _margin(variable: str, value: object) -> Fraction:
    accepts = "a number from 1 to 10"
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(value)
        number = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise SettingsError(variable, accepts) from None
    if not 1 <= number <= 10:
        raise SettingsError(variable, accepts)
    return number


_SETTINGS: Final[dict[str, _Setting]] = {
    setting.name: setting
    for setting in (
        _Setting("ledger", _choice(LedgerKind)),
        _Setting("evm_engine", _choice(EvmEngine)),
        _Setting("evm_rpc_url", _rpc_url),
        _Setting("evm_deployment", _deployment),
        _Setting("tron_network", _tron_network),
        _Setting("private_key", _private_key, secret=True),
        _Setting("tron_private_key", _private_key, secret=True),
        _Setting("tron_api_key", _secret, secret=True),
        _Setting("tron_deployment", _tron_deployment),
        _Setting("tron_energy_price", _integer(1, 10_000)),
        _Setting("tron_fee_limit_margin", _margin),
        _Setting("keystore", _keystore),
        _Setting("keystore_password", _secret, secret=True),
        _Setting("data_dir", _directory),
        _Setting("database_url", _database_url, secret=True),
        _Setting("database_read_url", _database_read_urls, secret=True),
        _Setting("read_replica_max_lag", _integer(0)),
        _Setting("confirmations", _integer(0)),
        _Setting("batch_blocks", _integer(1)),
        _Setting("reorg_window", _integer(1)),
        _Setting("api_host", _host),
        _Setting("api_port", _integer(1, 65_535)),
        _Setting("page_size_max", _integer(1, 10_000)),
        _Setting("ready_max_lag", _integer(0)),
        _Setting("request_body_max", _integer(1_024, 16 * 1_048_576)),
        _Setting("request_body_seconds", _integer(1, 3_600)),
        _Setting("api_connections_max", _integer(1, 100_000)),
        _Setting("rate_key_per_minute", _integer(1)),
        _Setting("rate_key_burst", _integer(1)),
        _Setting("rate_signed_per_minute", _integer(1)),
        _Setting("rate_signed_burst", _integer(1)),
        _Setting("signed_expiry_max", _integer(10, 86_400)),
        _Setting("rate_limit_url", _rate_limit_url, secret=True),
        _Setting("rate_limit_prefix", _prefix),
        _Setting("operator_balance_low", _optional_integer(0)),
    )
}


# --- where the values come from -------------------------------------------------------------


def _raw_values(environ: Mapping[str, str], config_file: str | Path | None) -> dict[str, Raw]:
    path = config_file if config_file is not None else environ.get(CONFIG_VARIABLE) or None
    raw = _file_values(Path(path).expanduser()) if path is not None else {}
    for name, setting in _SETTINGS.items():
        if setting.variable in environ:
            raw[name] = Raw(environ[setting.variable], "environment")
    return raw


def _file_values(path: Path) -> dict[str, Raw]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(CONFIG_VARIABLE, "the path of a readable TOML file", str(path)) from (
            error
        )
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(CONFIG_VARIABLE, f"a valid TOML file ({error})", str(path)) from None
    unknown = sorted(set(data) - set(_SETTINGS))
    if unknown:
        raise SettingsError(
            CONFIG_VARIABLE,
            "a TOML file of these keys only: " + ", ".join(_SETTINGS),
            f"{path} with {', '.join(unknown)}",
        )
    return {name: Raw(value, f"{name} in {path}") for name, value in data.items()}


def _check_together(settings: Settings) -> None:
    """What one setting asks of another."""
    if settings.ledger is LedgerKind.EVM and settings.evm_rpc_url and not settings.evm_deployment:
        raise SettingsError(
            _SETTINGS["evm_deployment"].variable,
            "set when DCMX_EVM_RPC_URL is: the path of a JSON file naming the addresses of the "
            "contracts on that node",
        )
    if settings.database_read_url and not settings.database.startswith("postgresql"):
        raise SettingsError(
            _SETTINGS["database_read_url"].variable,
            "empty unless DCMX_DATABASE_URL is a PostgreSQL database (its replicas serve the "
            "reads)",
        )
    if settings.rate_limit_url == "postgresql" and not settings.database.startswith("postgresql"):
        raise SettingsError(
            _SETTINGS["rate_limit_url"].variable,
            "redis://... or in-process unless DCMX_DATABASE_URL is a PostgreSQL database "
            "(postgresql counts the limits there)",
        )
