"""How the verbs read their arguments: amounts exactly (never through a float), accounts by name
or address, splits in the order given, hashes, and the domain's closed sets by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.model.enums import DocumentType, Pool, Regime
from dcmx_core.model.values import UINT256_MAX, Address, Hash32
from dcmx_entrypoints.cli.verbs.accounts import DemoAccounts
from dcmx_entrypoints.cli.verbs.inputs import (
    one_hash,
    parse_amount,
    parse_choice,
    parse_hash,
    parse_split,
)
from dcmx_entrypoints.demo.cast import demo_cast

ACCOUNTS = DemoAccounts(tuple(demo_cast(EthCrypto())), EthCrypto().keccak256)
KECCAK = EthCrypto().keccak256
AYLA = ACCOUNTS.sender("Ayla")
STRANGER = Address(bytes([7]) * 20)


def refusal(error: pytest.ExceptionInfo[typer.BadParameter]) -> str:
    return error.value.format_message()


# --- amounts --------------------------------------------------------------------------------


def test_a_plain_amount_is_an_integer_of_base_units() -> None:
    assert parse_amount("1500", "--price", units=False, decimals=None) == 1500
    assert parse_amount(" 0 ", "--price", units=False, decimals=18) == 0


def test_a_decimal_amount_without_units_is_refused_with_a_hint() -> None:
    with pytest.raises(typer.BadParameter) as error:
        parse_amount("0.5", "--price", units=False, decimals=18)
    assert refusal(error) == (
        "Invalid value for '--price': '0.5' is not a whole number of base units "
        "(give --units for a decimal number of whole units)"
    )


@pytest.mark.parametrize(
    ("text", "decimals", "base_units"),
    [
        ("1.5", 18, 1_500_000_000_000_000_000),
        ("0.1", 18, 100_000_000_000_000_000),  # 0.1 is no float here: exactly 10**17
        ("0.3", 18, 300_000_000_000_000_000),
        ("2", 6, 2_000_000),
        ("0.000001", 6, 1),
        ("123456789.123456789123456789", 18, 123_456_789_123_456_789_123_456_789),
        ("7", 0, 7),
    ],
)
def test_units_are_read_exactly(text: str, decimals: int, base_units: int) -> None:
    assert parse_amount(text, "AMOUNT", units=True, decimals=decimals) == base_units


def test_more_decimal_places_than_the_currency_has_are_refused_not_rounded() -> None:
    with pytest.raises(typer.BadParameter) as error:
        parse_amount("0.0000001", "AMOUNT", units=True, decimals=6)
    assert "has 7 decimal places; the currency has 6" in refusal(error)


def test_units_of_a_currency_whose_decimals_are_unknown_are_refused() -> None:
    with pytest.raises(typer.BadParameter) as error:
        parse_amount("1", "--price", units=True, decimals=None)
    assert "give --decimals" in refusal(error)


@pytest.mark.parametrize("text", ["-1", "+1", "1e18", "1,000", "", ".5", "5.", "0x10", "½"])
def test_anything_but_digits_and_one_decimal_point_is_refused(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_amount(text, "AMOUNT", units=True, decimals=18)
    with pytest.raises(typer.BadParameter):
        parse_amount(text, "AMOUNT", units=False, decimals=18)


def test_an_amount_beyond_a_uint256_is_refused() -> None:
    assert parse_amount(str(UINT256_MAX), "AMOUNT", units=False, decimals=None) == UINT256_MAX
    with pytest.raises(typer.BadParameter) as error:
        parse_amount(str(UINT256_MAX + 1), "AMOUNT", units=False, decimals=None)
    assert "more than an amount can be" in refusal(error)


# --- accounts and addresses -----------------------------------------------------------------


def test_a_sender_is_named_by_name_in_any_case_or_by_its_address() -> None:
    assert ACCOUNTS.sender("ayla") == AYLA
    assert ACCOUNTS.sender("OPERATOR").name == "operator"
    assert ACCOUNTS.sender(AYLA.address.to_checksum_hex(KECCAK)) == AYLA
    assert ACCOUNTS.sender(AYLA.address.to_hex()) == AYLA


def test_a_sender_whose_key_the_chain_does_not_know_is_refused() -> None:
    for text in ("Zed", STRANGER.to_hex(), "0x12"):
        with pytest.raises(typer.BadParameter) as error:
            ACCOUNTS.sender(text)
        assert refusal(error).startswith("Invalid value for '--as': ")
        assert "operator, Ayla, Bo, Cy, Dee, Eli, Mkt, Vera" in refusal(error)


def test_a_recipient_is_a_name_or_any_address_in_either_rendering() -> None:
    assert ACCOUNTS.address("Bo", "--to") == ACCOUNTS.sender("Bo").address
    assert ACCOUNTS.address(STRANGER.to_hex(), "--to") == STRANGER
    assert ACCOUNTS.address(STRANGER.to_base58(), "--to") == STRANGER


def test_a_recipient_with_a_wrong_checksum_is_refused_with_the_reason() -> None:
    text = AYLA.address.to_checksum_hex(KECCAK)
    flipped = text[:2] + text[2:].swapcase()
    with pytest.raises(typer.BadParameter) as error:
        ACCOUNTS.address(flipped, "--to")
    assert "checksum does not match" in refusal(error)


def test_a_recipient_that_is_neither_a_name_nor_an_address_is_refused() -> None:
    with pytest.raises(typer.BadParameter) as error:
        ACCOUNTS.address("nobody", "--artist")
    assert refusal(error).startswith(
        "Invalid value for '--artist': 'nobody' is neither an account name"
    )


# --- splits, hashes, names ------------------------------------------------------------------


def test_a_split_keeps_the_order_given_and_leaves_its_sum_to_the_domain() -> None:
    recipients, shares = parse_split(["Bo=6000", f"{STRANGER.to_hex()}=3000", "Ayla=1"], ACCOUNTS)
    assert recipients == (ACCOUNTS.sender("Bo").address, STRANGER, AYLA.address)
    assert shares == (6000, 3000, 1)


@pytest.mark.parametrize("part", ["Ayla", "Ayla=", "=5000", "Ayla=50%", "Ayla=-1", "Ayla=1.5"])
def test_a_split_part_that_is_not_recipient_equals_bps_is_refused(part: str) -> None:
    with pytest.raises(typer.BadParameter) as error:
        parse_split([part], ACCOUNTS)
    assert refusal(error).startswith("Invalid value for '--split': ")


def test_a_split_needs_a_part() -> None:
    with pytest.raises(typer.BadParameter):
        parse_split([], ACCOUNTS)


def test_a_hash_is_64_hex_digits_with_or_without_0x() -> None:
    assert parse_hash("ab" * 32, "--hash") == Hash32(bytes([0xAB]) * 32)
    assert parse_hash("0x" + "AB" * 32, "--hash") == Hash32(bytes([0xAB]) * 32)
    with pytest.raises(typer.BadParameter):
        parse_hash("ab" * 31, "--hash")


def test_exactly_one_of_a_hash_and_a_file_is_given(tmp_path: Path) -> None:
    audio = tmp_path / "track.flac"
    audio.write_bytes(b"audio")
    assert one_hash(None, audio, hash_option="--h", file_option="--f") == Hash32.of(b"audio")
    for given, file in ((None, None), ("ab" * 32, audio)):
        with pytest.raises(typer.BadParameter) as error:
            one_hash(given, file, hash_option="--h", file_option="--f")
        assert refusal(error) == "Invalid value for '--h/--f': give either --h or --f"


def test_a_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(typer.BadParameter) as error:
        one_hash(None, tmp_path / "gone.flac", hash_option="--h", file_option="--f")
    assert "cannot read" in refusal(error)


def test_the_closed_sets_are_named_by_their_lower_case_names() -> None:
    assert parse_choice("listening", Pool, "POOL") is Pool.LISTENING
    assert parse_choice("terms-of-service", DocumentType, "TYPE") is DocumentType.TERMS_OF_SERVICE
    assert parse_choice("CCPA", Regime, "--regime") is Regime.CCPA
    with pytest.raises(typer.BadParameter) as error:
        parse_choice("streaming", Pool, "POOL")
    assert refusal(error) == (
        "Invalid value for 'POOL': 'streaming' is not one of "
        "sharing, listening, bandwidth, voting, referral"
    )
