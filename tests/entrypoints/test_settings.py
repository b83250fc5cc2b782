"""Settings come from DCMX_* variables over a TOML file over the defaults; every value a setting
does not accept is refused at once with one error naming the variable and what it accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcmx_entrypoints.settings import (
    EvmEngine,
    LedgerKind,
    Settings,
    SettingsError,
    default_data_dir,
)
from tests.factories import ALICE, BOB, CAROL, DAVE, address


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_defaults() -> None:
    settings = Settings.load({})
    assert settings.ledger is LedgerKind.MEMORY
    assert settings.evm_engine is EvmEngine.ETH_TESTER
    assert (settings.api_host, settings.api_port) == ("127.0.0.1", 8000)
    assert (settings.page_size_max, settings.ready_max_lag) == (100, 10)
    assert settings.tron_network == "local"
    assert settings.evm_rpc_url is None


def test_the_default_database_is_a_sqlite_file_in_the_user_data_dir() -> None:
    settings = Settings.load({})
    assert settings.data_dir == default_data_dir()
    assert default_data_dir().name == "dcmx"
    assert settings.database == f"sqlite:///{default_data_dir() / 'dcmx.sqlite3'}"
    assert settings.sqlite_file == default_data_dir() / "dcmx.sqlite3"


def test_loading_creates_nothing(tmp_path: Path) -> None:
    Settings.load({"DCMX_DATA_DIR": str(tmp_path / "later")})
    assert not (tmp_path / "later").exists()


def test_environment_variables_set_every_setting(tmp_path: Path) -> None:
    settings = Settings.load(
        {
            "DCMX_LEDGER": "evm",
            "DCMX_EVM_ENGINE": "revm",
            "DCMX_TRON_NETWORK": "nile",
            "DCMX_DATABASE_URL": "postgresql+psycopg://dcmx:secret@db:5432/dcmx",
            "DCMX_DATA_DIR": str(tmp_path),
            "DCMX_CONFIRMATIONS": "12",
            "DCMX_BATCH_BLOCKS": "250",
            "DCMX_REORG_WINDOW": "128",
            "DCMX_API_HOST": "0.0.0.0",
            "DCMX_API_PORT": "9000",
            "DCMX_PAGE_SIZE_MAX": "500",
            "DCMX_READY_MAX_LAG": "0",
        }
    )
    assert settings == Settings(
        ledger=LedgerKind.EVM,
        evm_engine=EvmEngine.REVM,
        tron_network="nile",
        database_url="postgresql+psycopg://dcmx:secret@db:5432/dcmx",
        data_dir=tmp_path,
        confirmations=12,
        batch_blocks=250,
        reorg_window=128,
        api_host="0.0.0.0",
        api_port=9000,
        page_size_max=500,
        ready_max_lag=0,
    )
    assert settings.sqlite_file is None


def test_a_config_file_sets_settings_and_the_environment_wins(tmp_path: Path) -> None:
    config = write(
        tmp_path / "dcmx.toml",
        'ledger = "evm"\napi_port = 8123\nconfirmations = 3\ntron_network = "https://node.example"\n',
    )
    settings = Settings.load({"DCMX_CONFIG": str(config), "DCMX_API_PORT": "8124"})
    assert settings.ledger is LedgerKind.EVM
    assert settings.confirmations == 3
    assert settings.api_port == 8124
    assert settings.tron_network == "https://node.example"


def test_a_config_file_given_as_an_argument(tmp_path: Path) -> None:
    config = write(tmp_path / "dcmx.toml", "batch_blocks = 7\n")
    assert Settings.load({}, config_file=config).batch_blocks == 7


def test_unrelated_variables_are_ignored() -> None:
    assert Settings.load({"DCMX_TEST_DATABASE_URL": "anything", "HOME": "/"}) == Settings.load({})


REFUSALS = {
    "ledger": ("DCMX_LEDGER", "solana", "one of memory, evm, tron"),
    "engine": ("DCMX_EVM_ENGINE", "geth", "one of eth-tester, revm"),
    "rpc-url": ("DCMX_EVM_RPC_URL", "ftp://node", "an http:// or https:// URL"),
    "tron-network": ("DCMX_TRON_NETWORK", "testnet", "one of local, shasta, nile, mainnet"),
    "database-scheme": ("DCMX_DATABASE_URL", "mysql://u@h/d", "postgresql+psycopg://"),
    "database-text": ("DCMX_DATABASE_URL", "not a url", "sqlite:///path"),
    "database-port": (
        "DCMX_DATABASE_URL",
        "postgresql+psycopg://u:hunter2@db:port/d",
        "whose port is not a number",
    ),
    "confirmations-negative": ("DCMX_CONFIRMATIONS", "-1", "an integer of at least 0"),
    "confirmations-text": ("DCMX_CONFIRMATIONS", "many", "an integer of at least 0"),
    "batch-zero": ("DCMX_BATCH_BLOCKS", "0", "an integer of at least 1"),
    "reorg-zero": ("DCMX_REORG_WINDOW", "0", "an integer of at least 1"),
    "host-blank": ("DCMX_API_HOST", " ", "a host name or IP address"),
    "host-spaces": ("DCMX_API_HOST", "local host", "a host name or IP address"),
    "port-zero": ("DCMX_API_PORT", "0", "an integer from 1 to 65535"),
    "port-high": ("DCMX_API_PORT", "65536", "an integer from 1 to 65535"),
    "port-float": ("DCMX_API_PORT", "80.5", "an integer from 1 to 65535"),
    "page-zero": ("DCMX_PAGE_SIZE_MAX", "0", "an integer from 1 to 10000"),
    "lag-negative": ("DCMX_READY_MAX_LAG", "-2", "an integer of at least 0"),
    "deployment-missing": ("DCMX_EVM_DEPLOYMENT", "/no/such/file.json", "a JSON file"),
}


@pytest.mark.parametrize(("variable", "value", "accepts"), REFUSALS.values(), ids=REFUSALS)
def test_a_bad_value_is_refused_naming_the_variable_and_what_it_accepts(
    variable: str, value: str, accepts: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.load({variable: value})
    message = str(refused.value)
    assert message.startswith(variable)
    assert accepts in message
    assert refused.value.variable == variable
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize(
    "url", ["mysql://dcmx:hunter2@db/dcmx", "postgresql+psycopg://dcmx:hunter2@db:x/dcmx"]
)
def test_a_refused_database_url_never_shows_its_password(url: str) -> None:
    with pytest.raises(SettingsError, match="DCMX_DATABASE_URL") as refused:
        Settings.load({"DCMX_DATABASE_URL": url})
    assert "hunter2" not in str(refused.value)


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    file = write(tmp_path / "file", "")
    refusal = r"^DCMX_DATA_DIR \(environment\) must be the path of a directory"
    with pytest.raises(SettingsError, match=refusal):
        Settings.load({"DCMX_DATA_DIR": str(file)})


def test_a_bad_value_in_the_file_names_the_variable_and_the_file(tmp_path: Path) -> None:
    config = write(tmp_path / "dcmx.toml", "api_port = 70000\n")
    with pytest.raises(SettingsError) as refused:
        Settings.load({"DCMX_CONFIG": str(config)})
    assert str(refused.value).startswith(f"DCMX_API_PORT (api_port in {config})")


def test_a_boolean_is_no_integer(tmp_path: Path) -> None:
    config = write(tmp_path / "dcmx.toml", "confirmations = true\n")
    with pytest.raises(SettingsError, match="DCMX_CONFIRMATIONS"):
        Settings.load({}, config_file=config)


def test_an_unknown_key_in_the_file_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path / "dcmx.toml", "api_prot = 8000\n")
    with pytest.raises(SettingsError, match=r"DCMX_CONFIG .*api_prot"):
        Settings.load({}, config_file=config)


def test_a_missing_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DCMX_CONFIG must be the path of a readable TOML"):
        Settings.load({"DCMX_CONFIG": str(tmp_path / "absent.toml")})


def test_a_config_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path / "dcmx.toml", "ledger = = evm\n")
    with pytest.raises(SettingsError, match="DCMX_CONFIG must be a valid TOML file"):
        Settings.load({}, config_file=config)


def deployment_file(tmp_path: Path, **overrides: str) -> Path:
    names = ("token", "music_nft", "compliance", "rewards", "royalties")
    addresses = (ALICE, BOB, CAROL, DAVE, address(5))
    data = {name: a.to_hex() for name, a in zip(names, addresses, strict=True)} | overrides
    return write(tmp_path / "deployment.json", json.dumps(data))


def test_a_remote_evm_node_needs_its_deployment(tmp_path: Path) -> None:
    remote = {"DCMX_LEDGER": "evm", "DCMX_EVM_RPC_URL": "http://127.0.0.1:8545"}
    with pytest.raises(SettingsError, match="DCMX_EVM_DEPLOYMENT must be set when"):
        Settings.load(remote)
    settings = Settings.load(remote | {"DCMX_EVM_DEPLOYMENT": str(deployment_file(tmp_path))})
    assert settings.evm_deployment is not None
    assert (settings.evm_deployment.token, settings.evm_deployment.rewards) == (ALICE, DAVE)


def test_a_deployment_file_with_a_bad_address_is_refused(tmp_path: Path) -> None:
    path = deployment_file(tmp_path, royalties="0x1234")
    with pytest.raises(SettingsError, match="DCMX_EVM_DEPLOYMENT"):
        Settings.load({"DCMX_EVM_DEPLOYMENT": str(path)})


def test_settings_are_frozen() -> None:
    settings = Settings.load({})
    with pytest.raises(AttributeError):
        settings.api_port = 1  # type: ignore[misc]
