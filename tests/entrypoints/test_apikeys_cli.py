"""``dcmx apikey``: a key is printed once and stored only as its hash; list shows no secret;
revoke marks it revoked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.model.access import Scope, parse_token
from dcmx_entrypoints.cli import app
from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.settings import Settings


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DCMX_DATA_DIR": str(tmp_path / "data")}


def test_a_key_is_shown_once_and_stored_hashed(env: dict[str, str]) -> None:
    runner = CliRunner()
    made = runner.invoke(
        app, ["apikey", "create", "--name", "desk", "--scope", "sales:write"], env=env
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    parsed = parse_token(token)
    assert parsed is not None
    key_id, secret = parsed
    listed = runner.invoke(app, ["apikey", "list", "--json"], env=env)
    assert secret not in listed.output
    assert json.loads(listed.stdout)[0]["scopes"] == ["sales:write"]
    container = container_for(Settings.load(environ=env))
    try:
        with container.unit_of_work() as uow:
            assert isinstance(uow, SqlUnitOfWork)
            key = uow.api_keys.get_key(key_id)
    finally:
        container.shutdown_resources()
    assert key is not None
    assert key.matches(secret)
    assert key.allows(Scope.SALES_WRITE)
    assert secret.encode() not in key.secret_hash
    revoked = runner.invoke(app, ["apikey", "revoke", key_id], env=env)
    assert revoked.exit_code == 0, revoked.output
    again = runner.invoke(app, ["apikey", "list", "--json"], env=env)
    assert json.loads(again.stdout)[0]["revoked_at"] is not None


def test_list_and_revoke_tell_times_as_dates(env: dict[str, str]) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["apikey", "create", "--name", "desk", "--scope", "admin"], env=env)
    key_id, _ = parse_token(made.stdout.strip()) or ("", "")
    listed = runner.invoke(app, ["apikey", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert re.search(r"\b20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC\b", listed.stdout), listed.stdout
    assert not re.search(r"\b\d{10}\b", listed.stdout), "a Unix time in the table"
    revoked = runner.invoke(app, ["apikey", "revoke", key_id], env=env)
    assert re.search(r"revoked at 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC$", revoked.stdout.strip())
