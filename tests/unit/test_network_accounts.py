"""Who ``--as`` may name on a network: the operator (the configured key) and the account whose
keystore ``--keystore`` gives. The demo's cast, whose keys anyone can derive, is no one there."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import typer
from eth_account import Account

from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.signing import KeySigner
from dcmx_entrypoints.cli.verbs.accounts import NetworkAccounts
from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.http.schemas import AddressText
from dcmx_entrypoints.running import CommandFailed
from dcmx_entrypoints.settings import Settings
from tests.factories import address, key

CRYPTO = EthCrypto()
NETWORK = {"DCMX_LEDGER": "evm", "DCMX_EVM_RPC_URL": "http://127.0.0.1:8545"}


def settings(tmp_path: Path, **more: str) -> Settings:
    deployment = tmp_path / "evm.json"
    names = ("token", "music_nft", "compliance", "rewards", "royalties")
    deployment.write_text(json.dumps({n: address(20 + i).to_hex() for i, n in enumerate(names)}))
    variables = {"DCMX_DATA_DIR": str(tmp_path), "DCMX_EVM_DEPLOYMENT": str(deployment)}
    return Settings.load(NETWORK | variables | more)


def accounts(settings: Settings, keystore: Path | None = None) -> NetworkAccounts:
    return NetworkAccounts(container_for(settings), keystore, AddressText(CRYPTO.keccak256))


def test_the_configured_key_is_the_operator(tmp_path: Path) -> None:
    found = accounts(settings(tmp_path, DCMX_PRIVATE_KEY=key(3).hex())).sender("operator")
    assert (found.name, found.address) == ("operator", address(3))


def test_the_operator_without_a_key_names_the_settings_to_set(tmp_path: Path) -> None:
    with pytest.raises(CommandFailed) as refused:
        accounts(settings(tmp_path)).sender("operator")
    assert str(refused.value) == (
        "--as operator needs the operator's key: set DCMX_KEYSTORE (with "
        "DCMX_KEYSTORE_PASSWORD) or DCMX_PRIVATE_KEY"
    )


@pytest.mark.parametrize("name", ["Ayla", "vera", "Dee"])
def test_a_demo_name_is_no_one_on_a_network(tmp_path: Path, name: str) -> None:
    with pytest.raises(typer.BadParameter, match="is a demo account, which exists on local"):
        accounts(settings(tmp_path, DCMX_PRIVATE_KEY=key(3).hex())).sender(name)
    with pytest.raises(typer.BadParameter, match="is a demo account"):
        accounts(settings(tmp_path)).address(name, "--to")


def test_a_keystores_account_sends_with_its_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wallet = tmp_path / "user.json"
    wallet.write_text(json.dumps(Account.encrypt(key(7), "pw", kdf="pbkdf2", iterations=8)))
    monkeypatch.setattr("sys.stdin", io.StringIO("pw\n"))
    found = accounts(settings(tmp_path), wallet).sender(address(7).to_hex())
    assert found.address == address(7)
    assert found.signer.sign_digest(bytes(32)) == KeySigner(key(7)).sign_digest(bytes(32))


def test_an_address_without_a_key_here_asks_for_its_keystore(tmp_path: Path) -> None:
    with pytest.raises(typer.BadParameter, match="give its keystore with --keystore FILE"):
        accounts(settings(tmp_path, DCMX_PRIVATE_KEY=key(3).hex())).sender(address(8).to_hex())


def test_any_address_may_be_a_recipient(tmp_path: Path) -> None:
    assert accounts(settings(tmp_path)).address(address(9).to_hex(), "--to") == address(9)
