"""A PostgreSQL server for the tests: the one named by ``DCMX_TEST_DATABASE_URL`` (or the local
one at 127.0.0.1:5432); where none answers, a throwaway cluster started from PostgreSQL's own
binaries; where there are none, a loud skip (a failure when ``CI`` is set).

Each test session works in a database of its own, created here and dropped at the end.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from glob import glob
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
URL_VARIABLE = "DCMX_TEST_DATABASE_URL"


def server_url() -> URL:
    return make_url(os.environ.get(URL_VARIABLE) or DEFAULT_URL)


def answers(url: URL) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def binaries() -> tuple[str, str] | None:
    """``initdb`` and ``pg_ctl``: on the PATH, or in Debian's versioned directory."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    for directory in sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(directory, "initdb").exists() and Path(directory, "pg_ctl").exists():
            return f"{directory}/initdb", f"{directory}/pg_ctl"
    return None


def unavailable(reason: str) -> None:
    """Skip loudly, or fail on CI, where the PostgreSQL tests must run."""
    message = f"PostgreSQL tests NOT RUN: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextmanager
def available_server() -> Iterator[URL]:
    """The maintenance URL of a server that answers, starting a throwaway one if need be."""
    url = server_url()
    if answers(url):
        yield url
        return
    found = binaries()
    if found is None:
        unavailable(
            f"no server answers at {url.render_as_string(hide_password=True)} (set "
            f"{URL_VARIABLE}) and no initdb/pg_ctl is installed to start one"
        )
        return
    with throwaway_cluster(*found) as started:
        yield started


@contextmanager
def throwaway_cluster(initdb: str, pg_ctl: str) -> Iterator[URL]:
    """A cluster in a temporary directory on a free port, trusted and unsynced; stopped and
    deleted at the end. (Not under pytest's tmp_path: as root, the cluster runs as another
    user, who may not enter pytest's private directories.)"""
    scratch = Path(tempfile.mkdtemp(prefix="dcmx-postgresql-"))
    data, port = scratch / "data", _free_port()
    try:
        as_user = _unprivileged_prefix(scratch)
        _run([*as_user, initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"])
        options = f"-p {port} -k {scratch} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(scratch / "server.log")
        _run([*as_user, pg_ctl, "-D", str(data), "-l", log, "-o", options, "-w", "start"])
        try:
            yield make_url(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
        finally:
            _run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _unprivileged_prefix(scratch: Path) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the ``postgres`` user."""
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        unavailable("running as root and there is no postgres user to start a cluster as")
        raise
    os.chown(scratch, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def scratch_database(server: URL) -> Iterator[URL]:
    """A new, uniquely named, empty database on ``server``, dropped at the end."""
    name = f"dcmx_test_{os.getpid()}_{secrets.token_hex(4)}"
    maintenance = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name)
        finally:
            with maintenance.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        maintenance.dispose()
