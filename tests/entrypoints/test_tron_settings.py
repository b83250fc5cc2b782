"""The TRON settings: the operator's key (given, or in an encrypted keystore), TronGrid's API key,
the deployment file, the energy price and the fee limits' margin; validated at load, and no
secret ever shown in an error or in the settings' repr."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from eth_account import Account

from dcmx_adapters.signing import KeySigner
from dcmx_core.model.signing import Signer
from dcmx_core.model.values import Address
from dcmx_entrypoints.settings import LedgerKind, Settings, SettingsError

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
PASSWORD = "correct horse battery staple"
ADDRESSES = {
    "token": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    "music_nft": "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8",
    "compliance": "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf",
    "rewards": "TNUC9Qb1rRpS5CbWLmNMxXBjyFoydXjWFR",
    "royalties": "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
}


def load(tmp_path: Path, **variables: str) -> Settings:
    return Settings.load({"DCMX_DATA_DIR": str(tmp_path), **variables})


DIGEST = bytes(range(32))


def signs_as_key(signer: Signer | None, key: bytes) -> bool:
    expected = KeySigner(key)
    return (
        signer is not None
        and signer.address == expected.address
        and signer.sign_digest(DIGEST) == expected.sign_digest(DIGEST)
    )


def keystore(tmp_path: Path, key: bytes = KEY, password: str = PASSWORD) -> Path:
    # pbkdf2 with few rounds: the same file format, opened in milliseconds.
    path = tmp_path / "operator.json"
    path.write_text(json.dumps(Account.encrypt(key, password, kdf="pbkdf2", iterations=8)))
    return path


def test_the_tron_settings_come_from_the_environment(tmp_path: Path) -> None:
    deployment = tmp_path / "tron-nile.json"
    deployment.write_text(json.dumps(ADDRESSES))
    settings = load(
        tmp_path,
        DCMX_TRON_PRIVATE_KEY="0x" + KEY.hex(),
        DCMX_TRON_API_KEY="trongrid-key",
        DCMX_TRON_DEPLOYMENT=str(deployment),
        DCMX_TRON_ENERGY_PRICE="210",
        DCMX_TRON_FEE_LIMIT_MARGIN="2.25",
    )
    assert settings.operator_signer(LedgerKind.TRON) == KeySigner(KEY)
    assert settings.tron_api_key is not None
    assert settings.tron_api_key.value == "trongrid-key"
    assert settings.tron_deployment is not None
    assert settings.tron_deployment.token == Address.parse(ADDRESSES["token"])
    assert settings.tron_energy_price == 210
    assert settings.tron_fee_limit_margin == Fraction(9, 4)


def test_the_defaults_are_100_sun_and_a_margin_of_one_and_a_half(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert (settings.tron_energy_price, settings.tron_fee_limit_margin) == (100, Fraction(3, 2))
    assert settings.operator_signer() is None


def test_no_secret_shows_in_the_settings_repr(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        DCMX_TRON_PRIVATE_KEY=KEY.hex(),
        DCMX_TRON_API_KEY="trongrid-key",
        DCMX_KEYSTORE=str(keystore(tmp_path)),
        DCMX_KEYSTORE_PASSWORD=PASSWORD,
    )
    shown = repr(settings) + str(settings)
    for secret in (KEY.hex(), "trongrid-key", PASSWORD, repr(KEY)):
        assert secret not in shown
    assert "<hidden>" in shown


def test_a_bad_private_key_is_refused_without_repeating_it(tmp_path: Path) -> None:
    secret = "zz" + KEY.hex()[2:]
    with pytest.raises(SettingsError) as refused:
        load(tmp_path, DCMX_TRON_PRIVATE_KEY=secret)
    assert str(refused.value).startswith("DCMX_TRON_PRIVATE_KEY (environment) must be")
    assert secret not in str(refused.value)


@pytest.mark.parametrize(
    ("variable", "value", "accepts"),
    [
        ("DCMX_TRON_ENERGY_PRICE", "0", "an integer from 1 to 10000"),
        ("DCMX_TRON_FEE_LIMIT_MARGIN", "0.9", "a number from 1 to 10"),
        ("DCMX_TRON_FEE_LIMIT_MARGIN", "lots", "a number from 1 to 10"),
        ("DCMX_TRON_DEPLOYMENT", "/nowhere/tron.json", "the path of a JSON file"),
        ("DCMX_KEYSTORE", "/nowhere/key.json", "the path of a readable keystore file"),
    ],
)
def test_a_value_out_of_range_is_refused(
    tmp_path: Path, variable: str, value: str, accepts: str
) -> None:
    with pytest.raises(SettingsError, match=rf"^{variable} \(environment\) must be {accepts}"):
        load(tmp_path, **{variable: value})


def test_the_key_may_come_from_an_encrypted_keystore(tmp_path: Path) -> None:
    settings = load(
        tmp_path, DCMX_KEYSTORE=str(keystore(tmp_path)), DCMX_KEYSTORE_PASSWORD=PASSWORD
    )
    assert signs_as_key(settings.operator_signer(), KEY)
    assert signs_as_key(settings.keystore_signer(), KEY)


def test_a_keystore_is_opened_only_when_it_signs(tmp_path: Path) -> None:
    settings = load(tmp_path, DCMX_KEYSTORE=str(keystore(tmp_path)))
    asked: list[str] = []
    signer = settings.operator_signer(prompt=lambda prompt: asked.append(prompt) or PASSWORD)
    assert signer is not None
    assert signer.address == KeySigner(KEY).address  # read from the file
    assert asked == []
    assert signs_as_key(signer, KEY)
    assert asked == ["password of the keystore operator.json: "]


def test_a_given_tron_key_wins_over_the_keystore(tmp_path: Path) -> None:
    other = bytes(31) + b"\x07"
    settings = load(
        tmp_path,
        DCMX_TRON_PRIVATE_KEY=other.hex(),
        DCMX_KEYSTORE=str(keystore(tmp_path)),
        DCMX_KEYSTORE_PASSWORD=PASSWORD,
    )
    assert settings.operator_signer(LedgerKind.TRON) == KeySigner(other)


def test_a_wrong_keystore_password_is_refused_without_showing_it(tmp_path: Path) -> None:
    settings = load(
        tmp_path, DCMX_KEYSTORE=str(keystore(tmp_path)), DCMX_KEYSTORE_PASSWORD="wrong guess"
    )
    signer = settings.operator_signer()
    assert signer is not None
    with pytest.raises(SettingsError, match=r"^DCMX_KEYSTORE_PASSWORD must be") as refused:
        signer.sign_digest(DIGEST)
    assert "wrong guess" not in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_a_keystore_without_its_password_is_refused_when_nobody_can_type_it(
    tmp_path: Path,
) -> None:
    settings = load(tmp_path, DCMX_KEYSTORE=str(keystore(tmp_path)))
    signer = settings.operator_signer(prompt=lambda _: None)
    assert signer is not None
    with pytest.raises(SettingsError, match=r"^DCMX_KEYSTORE_PASSWORD must be set to open"):
        signer.sign_digest(DIGEST)


def test_a_keystore_without_its_password_asks_for_it_on_a_terminal(tmp_path: Path) -> None:
    settings = load(tmp_path, DCMX_KEYSTORE=str(keystore(tmp_path)))
    asked: list[str] = []

    def typed(prompt: str) -> str:
        asked.append(prompt)
        return PASSWORD

    assert signs_as_key(settings.operator_signer(prompt=typed), KEY)
    assert asked == ["password of the keystore operator.json: "]


def test_the_raw_key_variable_signs_on_every_chain(tmp_path: Path) -> None:
    settings = load(tmp_path, DCMX_PRIVATE_KEY="0x" + KEY.hex(), DCMX_LEDGER="evm")
    assert settings.operator_signer() == KeySigner(KEY)
    assert settings.operator_signer(LedgerKind.TRON) == KeySigner(KEY)


def test_the_tron_key_wins_on_tron_only(tmp_path: Path) -> None:
    other = bytes(31) + b"\x07"
    settings = load(tmp_path, DCMX_PRIVATE_KEY=KEY.hex(), DCMX_TRON_PRIVATE_KEY=other.hex())
    assert settings.operator_signer(LedgerKind.TRON) == KeySigner(other)
    assert settings.operator_signer(LedgerKind.EVM) == KeySigner(KEY)


def test_a_file_that_is_not_a_keystore_is_refused(tmp_path: Path) -> None:
    not_one = tmp_path / "key.json"
    not_one.write_text(json.dumps({"private_key": KEY.hex()}))
    with pytest.raises(SettingsError, match="version 3 keystore") as refused:
        load(tmp_path, DCMX_KEYSTORE=str(not_one), DCMX_KEYSTORE_PASSWORD=PASSWORD)
    assert KEY.hex() not in str(refused.value)
